"""One reminder per wave of the impact survey, a few days before it closes,
to the participants who have not sent their answers (through the cohorts
app's ``queue_reminders`` hook, run every hour by the workers)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.emails import local_moment
from cohorts.models import CohortPage
from cohorts.reminders import (
    participants,
    queue_new,
    reminded_participant,
    reminder,
)
from outbox.conf import site_url
from outbox.kinds import Rendered
from outbox.rendering import render_email

from . import conf, waves
from .emails import Kind
from .models import CohortStatement, Response
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
    reminders = [
        (
            reminder(
                f"reminder:impact:{cohort.pk}:{opening.wave}:{person.user_id}",
                Kind.SURVEY_REMINDER,
                person,
                cohort=cohort.pk,
                wave=opening.wave,
            ),
            (cohort, opening),
        )
        for cohort, opening in due
        for person in people.get(cohort.pk, [])
        if (person.pk, opening.wave) not in answered
    ]
    return queue_new(reminders, lambda about: survey_reminder_subject(*about))


def survey_reminder_subject(cohort, opening):
    return _("Your answers are missing: %(wave)s, %(cohort)s") % {
        "wave": opening.label,
        "cohort": cohort.title,
    }


def render_survey_reminder(email):
    """The reminder of a wave of the survey; None when the person has sent
    their answers meanwhile or been withdrawn, the wave has closed (or no
    longer exists), or the cohort has been unpublished or has no impact
    plan any more."""
    params = email.params
    cohort = (
        CohortPage.objects.live()
        .filter(
            Exists(CohortStatement.objects.filter(cohort=OuterRef("pk"))),
            pk=params["cohort"],
        )
        .prefetch_related("sessions")
        .first()
    )
    if cohort is None:
        return None
    found = waves.opening(list(cohort.sessions.all()), cohort.zone, params["wave"])
    if found is None or found.is_over(timezone.now()):
        return None
    person = reminded_participant(email, cohort.pk)
    if (
        person is None
        or Response.objects.filter(
            enrollment=person, wave=found.wave, status=Response.Status.SUBMITTED
        ).exists()
    ):
        return None
    subject, text, html = render_email(
        "impact/email/survey_reminder",
        survey_reminder_subject(cohort, found),
        cohort=cohort,
        wave=found.label,
        closes=local_moment(found.closes, cohort.zone),
        url=site_url() + reverse("impact:survey", args=[cohort.pk, found.wave]),
        person=person.user,
    )
    return Rendered(subject, text, html)
