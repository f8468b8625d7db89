"""Reminders by email: the day before a session, and whatever reminders the
apps built on cohorts add (the ``queue_reminders`` hook: a function that
takes the time and returns {kind: how many it queued}). Run every hour by
the workers (the "cohorts.reminders" periodic job), or by ``manage.py
send_reminders``; a key per reminder makes running it again send nothing
twice.

The job only records who is due which reminder, in a few queries however
many people there are (``queue_new``); the worker renders each one when it
sends it, in its reader's language, and drops it if it is no longer due
(the renderers registered with ``register_email_renderers``)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from wagtail import hooks

from outbox.kinds import Rendered
from outbox.models import OutgoingEmail
from outbox.rendering import in_lists, preferred_languages
from outbox.sending import queue_emails
from signin.links import addressed_to

from .emails import Kind, local_times, render_session_email
from .models import Enrollment, Session


def queue_reminders(now=None):
    """Queue the reminders that are due at ``now``; returns how many of each."""
    now = now or timezone.now()
    with transaction.atomic():
        counts = {Kind.SESSION_REMINDER: queue_session_reminders(now)}
        for queue in hooks.get_hooks("queue_reminders"):
            counts.update(queue(now))
        return counts


def sessions_tomorrow(now):
    """Sessions of live cohorts that start tomorrow in their cohort's zone."""
    sessions = (
        Session.objects.filter(
            page__live=True, start__gt=now, start__lt=now + timedelta(hours=48)
        )
        .select_related("page")
        .order_by("start")
    )
    return [session for session in sessions if is_tomorrow(session, now)]


def is_tomorrow(session, now):
    zone = session.page.zone
    return session.start.astimezone(zone).date() == now.astimezone(
        zone
    ).date() + timedelta(days=1)


def queue_session_reminders(now):
    """Every participant of a session tomorrow."""
    sessions = sessions_tomorrow(now)
    people = participants({session.page_id: session.page for session in sessions})
    reminders = [
        (
            reminder(
                f"reminder:session:{session.uid}:{day}:{person.user_id}",
                Kind.SESSION_REMINDER,
                person,
                session=str(session.uid),
                day=day.isoformat(),
            ),
            session,
        )
        for session in sessions
        for day in [session.start.astimezone(session.page.zone).date()]
        for person in people.get(session.page_id, [])
    ]
    return queue_new(reminders, session_reminder_subject)


#: Formatted with the session's title and time (``render_session_email``).
SESSION_REMINDER_SUBJECT = gettext_lazy("Tomorrow: %(title)s, %(when)s")


def session_reminder_subject(session):
    return str(SESSION_REMINDER_SUBJECT) % {
        "title": f"{session.page.title} – {session.title}",
        "when": local_times(session),
    }


def render_session_reminder(email):
    """The reminder of a session, with its join link; None when the session
    has been removed (cancelled), moved to another day (which has a
    reminder of its own) or has started, its cohort unpublished, or the
    person withdrawn."""
    params = email.params
    session = (
        Session.objects.filter(uid=params["session"], page__live=True)
        .select_related("page")
        .prefetch_related("page__sessions")
        .first()
    )
    if (
        session is None
        or session.start <= timezone.now()
        or session.start.astimezone(session.page.zone).date().isoformat()
        != params["day"]
    ):
        return None
    person = reminded_participant(email, session.page_id)
    if person is None:
        return None
    subject, text, html = render_session_email(
        "session_reminder",
        SESSION_REMINDER_SUBJECT,
        session,
        join_url=session.join_url,
        show_join_url=True,
        preparation=Session.preparations([session]).get(session.uid, ""),
        person=person.user,
    )
    return Rendered(subject, text, html)


def reminder(key, kind, person, **params):
    """An unsaved outbox row: a reminder to the participant ``person`` (an
    enrolment), rendered from ``params`` when it is sent."""
    return OutgoingEmail(
        key=key,
        kind=kind,
        to=person.user.email,
        user=person.user,
        params={"enrollment": person.pk, **params},
    )


def queue_new(reminders, subject):
    """Queue those of ``reminders`` ((unsaved outbox row, what it is about)
    pairs) that are not queued yet, in a few queries however many there
    are; returns how many. Each gets ``subject(about)`` in its reader's
    language, made once per language, for the outbox to list it by until
    it is sent (the worker renders it again, with the text)."""
    reminders = list(reminders)
    queued = already_queued(email.key for email, __ in reminders)
    reminders = [
        (email, about) for email, about in reminders if email.key not in queued
    ]
    languages = preferred_languages([email.user for email, __ in reminders])
    subjects = {}
    for email, about in reminders:
        language = languages[email.user_id]
        if (about, language) not in subjects:
            with translation.override(language):
                subjects[about, language] = subject(about)[:255]
        email.subject = subjects[about, language]
    queue_emails(email for email, __ in reminders)
    return len(reminders)


def participants(cohorts):
    """{cohort id: [participant enrolments with an email address and an open
    account]}."""
    people = {}
    for enrollment in (
        Enrollment.objects.active()
        .filter(
            cohort_id__in=list(cohorts),
            role=Enrollment.Role.PARTICIPANT,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    ):
        people.setdefault(enrollment.cohort_id, []).append(enrollment)
    return people


def reminded_participant(email, cohort_id):
    """The enrolment an outbox row of a reminder is for, while it is still
    its recipient's place as a participant in the cohort ``cohort_id`` and
    their account is open; else None."""
    user = email.user
    if (
        user is None
        or not user.is_active
        or not user.email
        or not addressed_to(email, user)
    ):
        # An address corrected since: its join link goes to the right one
        # only (the next reminder is queued for it).
        return None
    enrollment = (
        Enrollment.objects.active()
        .filter(
            pk=email.params["enrollment"],
            cohort_id=cohort_id,
            user=user,
            role=Enrollment.Role.PARTICIPANT,
        )
        .first()
    )
    if enrollment is not None:
        enrollment.user = user
    return enrollment


def already_queued(keys):
    queued = set()
    for some in in_lists(keys):
        queued.update(
            OutgoingEmail.objects.filter(key__in=some).values_list("key", flat=True)
        )
    return queued
