"""The emails about a cohort: what each is for, and the session details
they share."""

import zoneinfo

from django.db import models
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from outbox.rendering import render_email

#: Where most colleagues of a cohort's people work: a session in a zone whose
#: clocks read otherwise is given in Finnish time too.
FINNISH_TIME = zoneinfo.ZoneInfo("Europe/Helsinki")


class Kind(models.TextChoices):
    """What an email about a cohort is for (registered with the outbox)."""

    INVITE = "invite", gettext_lazy("Invitation")
    # In context: Wagtail translates a bare "Update" as a verb (a button).
    UPDATE = "update", pgettext_lazy("kind of email", "Update")
    CANCEL = "cancel", gettext_lazy("Cancellation")
    REMOVED = "removed", gettext_lazy("Removal from a cohort")
    SESSION_REMINDER = "session_reminder", gettext_lazy("Session reminder")
    WELCOME = "welcome", gettext_lazy("Welcome with a sign-in link")

    @property
    def holds_sign_in_link(self):
        return self == Kind.WELCOME


def render_session_email(template, subject, session, **context):
    """(subject, text, html) of ``cohorts/email/<template>`` about
    ``session``; ``subject`` is formatted with its title and time."""
    when = local_times(session)
    subject = subject % {
        "title": f"{session.page.title} – {session.title}",
        "when": when,
    }
    return render_email(
        f"cohorts/email/{template}",
        subject,
        session=session,
        cohort=session.page,
        when=when,
        finnish_when=finnish_times(session),
        **context,
    )


def local_times(session, zone=None):
    """'Monday 15 March 2027, 9.00–12.30 (Europe/Helsinki)' in the active
    language, in ``zone``, else the cohort's."""
    zone = zone or session.page.zone
    start, end = session.start.astimezone(zone), session.end.astimezone(zone)
    return _("%(day)s %(date)s, %(start)s–%(end)s (%(zone)s)") % {
        "day": date_format(start, "l"),
        "date": date_format(start, "DATE_FORMAT"),
        "start": time_format(start, "TIME_FORMAT"),
        "end": time_format(end, "TIME_FORMAT"),
        "zone": zone.key,
    }


def finnish_times(session):
    """'Finnish time: Monday 15 March 2027, 10.00–13.30 (Europe/Helsinki)'
    where the cohort's clocks read otherwise than Finland's, else ''."""
    zone = session.page.zone
    if all(
        reads_as_finnish_time(moment, zone) for moment in (session.start, session.end)
    ):
        return ""
    return _("Finnish time: %(when)s") % {"when": local_times(session, FINNISH_TIME)}


def local_moment(moment, zone):
    """'Monday 29 March 2027, 9.00 (Europe/Helsinki)' in the active
    language, in ``zone``; where its clocks read otherwise than Finland's,
    with Finnish time too, as session emails give it (a deadline)."""
    local, finnish = moment.astimezone(zone), moment.astimezone(FINNISH_TIME)
    values = {
        "day": date_format(local, "l"),
        "date": date_format(local, "DATE_FORMAT"),
        "time": time_format(local, "TIME_FORMAT"),
        "zone": zone.key,
        "finnish_time": time_format(finnish, "TIME_FORMAT"),
        "finnish_day": date_format(finnish, "l"),
        "finnish_date": date_format(finnish, "DATE_FORMAT"),
    }
    if reads_as_finnish_time(moment, zone):
        return _("%(day)s %(date)s, %(time)s (%(zone)s)") % values
    if local.date() == finnish.date():
        return (
            _("%(day)s %(date)s, %(time)s (%(zone)s; Finnish time %(finnish_time)s)")
            % values
        )
    return (
        _(
            "%(day)s %(date)s, %(time)s (%(zone)s; Finnish time %(finnish_day)s "
            "%(finnish_date)s, %(finnish_time)s)"
        )
        % values
    )


def reads_as_finnish_time(moment, zone):
    """Whether clocks in ``zone`` read at ``moment`` as Finland's do."""
    return (
        moment.astimezone(zone).utcoffset()
        == moment.astimezone(FINNISH_TIME).utcoffset()
    )
