"""Reminders by email: the day before a session, and whatever reminders the
apps built on cohorts add (the ``queue_reminders`` hook: a function that
takes the time and returns {kind: how many it queued}). Run every hour by
the workers (the "cohorts.reminders" periodic job), or by ``manage.py
send_reminders``; a key per reminder makes running it again send nothing
twice."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail import hooks

from outbox.models import OutgoingEmail
from outbox.rendering import preferred_languages
from outbox.sending import queue_email

from .emails import Kind, render_session_email
from .models import CohortPage, Enrollment, Session, join_urls


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
    return [
        session
        for session in sessions
        if session.start.astimezone(session.page.zone).date()
        == now.astimezone(session.page.zone).date() + timedelta(days=1)
    ]


def queue_session_reminders(now):
    """Every participant of a session tomorrow, with the join link."""
    sessions = sessions_tomorrow(now)
    cohorts = CohortPage.objects.prefetch_related("sessions").in_bulk(
        {session.page_id for session in sessions}
    )
    people = participants(cohorts)
    links = join_urls(sessions)
    messages = []
    for session in sessions:
        session.page = cohorts[session.page_id]
        day = session.start.astimezone(session.page.zone).date()
        for person in people.get(session.page_id, []):
            key = f"reminder:session:{session.uid}:{day}:{person.user_id}"
            messages.append((key, person, session))
    queued = already_queued(key for key, __, __ in messages)
    languages = preferred_languages([person.user for __, person, __ in messages])
    preparations = Session.preparations(sessions)
    count = 0
    for key, person, session in messages:
        if key in queued:
            continue
        with translation.override(languages[person.user_id]):
            subject, text, html = render_session_email(
                "session_reminder",
                _("Tomorrow: %(title)s, %(when)s"),
                session,
                join_url=links.get(session.uid, ""),
                show_join_url=True,
                preparation=preparations.get(session.uid, ""),
                person=person.user,
            )
        queue_email(key, Kind.SESSION_REMINDER, person.user.email, subject, text, html)
        count += 1
    return count


def participants(cohorts):
    """{cohort id: [participant enrolments with an email address]}."""
    people = {}
    for enrollment in (
        Enrollment.objects.active()
        .filter(cohort_id__in=list(cohorts), role=Enrollment.Role.PARTICIPANT)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    ):
        people.setdefault(enrollment.cohort_id, []).append(enrollment)
    return people


def already_queued(keys):
    keys = list(keys)
    return set(OutgoingEmail.objects.filter(key__in=keys).values_list("key", flat=True))
