"""Reminders by email: the day before a session, and before an experiment's
reflection is due. Run by ``manage.py send_reminders`` (cron or a timer); a
key per reminder makes running it again send nothing twice."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from assignments.models import Experiment, Reflection

from . import conf
from .ical import experiment_to_bring
from .invites import local_times, preferred_languages, render_email
from .models import CohortPage, Enrollment, OutgoingEmail, Session, join_urls
from .outbox import Kind, queue_email

#: Reflections due within this time get a reminder.
REFLECTION_NOTICE = timedelta(hours=48)


def queue_reminders(now=None):
    """Queue the reminders that are due at ``now``; returns how many of each."""
    now = now or timezone.now()
    with transaction.atomic():
        return {
            Kind.SESSION_REMINDER: queue_session_reminders(now),
            Kind.REFLECTION_REMINDER: queue_reflection_reminders(now),
        }


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
    cohorts = CohortPage.objects.prefetch_related("sessions", "experiments").in_bulk(
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
    count = 0
    for key, person, session in messages:
        if key in queued:
            continue
        with translation.override(languages[person.user_id]):
            subject, text, html = render_email(
                "session_reminder",
                subject=_("Tomorrow: %(title)s, %(when)s"),
                session=session,
                cohort=session.page,
                when=local_times(session),
                join_url=links.get(session.uid, ""),
                show_join_url=True,
                experiment=experiment_to_bring(session),
                person=person.user,
            )
        queue_email(key, Kind.SESSION_REMINDER, person.user.email, subject, text, html)
        count += 1
    return count


def queue_reflection_reminders(now):
    """Participants who have not submitted a reflection that is due within
    ``REFLECTION_NOTICE``."""
    soon = now + REFLECTION_NOTICE
    # Due at the date set, or else when the next session starts.
    experiments = (
        Experiment.objects.filter(cohort__live=True)
        .filter(
            Q(due_at__gt=now, due_at__lte=soon)
            | Q(
                due_at__isnull=True,
                cohort__sessions__start__gt=now,
                cohort__sessions__start__lte=soon,
            )
        )
        .distinct()
        .select_related("cohort")
        .prefetch_related("cohort__sessions")
    )
    due = {}
    for experiment in experiments:
        when = experiment.due(sessions=list(experiment.cohort.sessions.all()))
        if when and now < when <= soon:
            due[experiment] = when
    people = participants({e.cohort_id: e.cohort for e in due})
    submitted = set(
        Reflection.objects.filter(
            experiment__in=due, status=Reflection.Status.SUBMITTED
        ).values_list("experiment_id", "author_id")
    )
    messages = [
        (
            f"reminder:reflection:{experiment.pk}:{when.isoformat()}:{person.user_id}",
            person,
            experiment,
            when,
        )
        for experiment, when in due.items()
        for person in people.get(experiment.cohort_id, [])
        if (experiment.pk, person.pk) not in submitted
    ]
    queued = already_queued(key for key, *__ in messages)
    languages = preferred_languages([person.user for __, person, *__ in messages])
    count = 0
    for key, person, experiment, when in messages:
        if key in queued:
            continue
        cohort = experiment.cohort
        with translation.override(languages[person.user_id]):
            local = when.astimezone(cohort.zone)
            subject, text, html = render_email(
                "reflection_reminder",
                subject=_("Reflection due %(when)s: %(title)s")
                % {
                    "when": date_format(local, "DATE_FORMAT"),
                    "title": experiment.title,
                },
                experiment=experiment,
                cohort=cohort,
                due=f"{date_format(local, 'DATE_FORMAT')} "
                f"{time_format(local, 'TIME_FORMAT')}",
                url=cohort.get_full_url() or conf.site_url(),
                person=person.user,
            )
        queue_email(
            key, Kind.REFLECTION_REMINDER, person.user.email, subject, text, html
        )
        count += 1
    return count


def participants(cohorts):
    """{cohort id: [participant enrolments with an email address]}."""
    people = {}
    for enrollment in (
        Enrollment.objects.filter(
            cohort_id__in=list(cohorts), role=Enrollment.Role.PARTICIPANT
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    ):
        people.setdefault(enrollment.cohort_id, []).append(enrollment)
    return people


def already_queued(keys):
    keys = list(keys)
    return set(OutgoingEmail.objects.filter(key__in=keys).values_list("key", flat=True))
