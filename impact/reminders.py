"""One reminder per wave of the impact survey, a few days before it closes,
to the participants who have not sent their answers (through the cohorts
app's ``queue_reminders`` hook, run every hour by the workers)."""

from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from cohorts.models import CohortPage
from cohorts.reminders import already_queued, participants
from outbox.conf import site_url
from outbox.rendering import preferred_languages, render_email
from outbox.sending import queue_email

from . import conf
from .emails import Kind
from .models import Response
from .waves import schedule


def closing_soon(now):
    """[(cohort, opening)] of the waves open at ``now`` that close within
    the reminder notice, in live cohorts with an impact plan."""
    cohorts = (
        CohortPage.objects.live()
        .filter(impact_statements__isnull=False)
        .distinct()
        .prefetch_related("sessions")
        .order_by("pk")
    )
    notice = conf.reminder_notice()
    return [
        (cohort, opening)
        for cohort in cohorts
        for opening in schedule(list(cohort.sessions.all()), cohort.zone)
        if opening.is_open(now) and opening.closes - now <= notice
    ]


def queue_survey_reminders(now):
    due = closing_soon(now)
    people = participants({cohort.pk: cohort for cohort, __ in due})
    answered = set(
        Response.objects.filter(
            enrollment__cohort__in=[cohort.pk for cohort, __ in due],
            status=Response.Status.SUBMITTED,
        ).values_list("enrollment_id", "wave")
    )
    messages = [
        (
            f"reminder:impact:{cohort.pk}:{opening.wave}:{person.user_id}",
            person,
            cohort,
            opening,
        )
        for cohort, opening in due
        for person in people.get(cohort.pk, [])
        if (person.pk, opening.wave) not in answered
    ]
    queued = already_queued(key for key, *__ in messages)
    languages = preferred_languages([person.user for __, person, *__ in messages])
    count = 0
    for key, person, cohort, opening in messages:
        if key in queued:
            continue
        with translation.override(languages[person.user_id]):
            local = opening.closes.astimezone(cohort.zone)
            closes = (
                f"{date_format(local, 'DATE_FORMAT')} "
                f"{time_format(local, 'TIME_FORMAT')}"
            )
            subject, text, html = render_email(
                "impact/email/survey_reminder",
                _("Your answers are missing: %(wave)s, %(cohort)s")
                % {"wave": opening.label, "cohort": cohort.title},
                cohort=cohort,
                wave=opening.label,
                closes=closes,
                url=site_url()
                + reverse("impact:survey", args=[cohort.pk, opening.wave]),
                person=person.user,
            )
        queue_email(key, Kind.SURVEY_REMINDER, person.user.email, subject, text, html)
        count += 1
    return count
