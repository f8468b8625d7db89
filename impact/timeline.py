"""The waves of the impact survey in a cohort's programme, on "My training"
and in the cohort space (the assignments app's ``programme_items`` hook)."""

from dataclasses import dataclass

from django.db.models import FilteredRelation, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assignments.timeline import State
from cohorts.models import Enrollment

from .models import CohortStatement, Response
from .waves import Opening, schedule


@dataclass
class SurveyItem:
    cohort_id: int
    opening: Opening
    state: str
    #: The reader answers this survey (a participant of the cohort).
    respondent: bool = False
    sent: bool = False
    #: The wave is open now.
    open: bool = False

    template_name = "impact/participant/_wave.html"
    kind_label = _("Impact survey")
    heading = _("Survey to answer now")

    @property
    def when(self):
        return self.opening.opens

    @property
    def url(self):
        return reverse("impact:survey", args=[self.cohort_id, self.opening.wave])


def wave_state(opening, now, sent):
    if sent or opening.is_over(now):
        return State.DONE
    if opening.is_open(now):
        return State.NOW
    return State.LATER


def survey_items(cohorts, user, now):
    """{cohort id: [SurveyItem]} for the cohorts with an impact plan; three
    queries however many cohorts."""
    planned = set(
        CohortStatement.objects.filter(cohort__in=[c.pk for c in cohorts])
        .values_list("cohort_id", flat=True)
        .distinct()
    )
    if not planned:
        return {}
    # The reader's enrolments as a participant, each with the waves they
    # have sent (None where none), in one query.
    rows = (
        Enrollment.objects.active()
        .filter(user=user, role=Enrollment.Role.PARTICIPANT, cohort__in=planned)
        .annotate(
            sent_responses=FilteredRelation(
                "impact_responses",
                condition=Q(impact_responses__status=Response.Status.SUBMITTED),
            )
        )
        .values_list("cohort_id", "sent_responses__wave")
    )
    answering, sent = set(), set()
    for cohort_id, wave in rows:
        answering.add(cohort_id)
        if wave is not None:
            sent.add((cohort_id, wave))
    items = {}
    for cohort in cohorts:
        if cohort.pk not in planned:
            continue
        items[cohort.pk] = [
            SurveyItem(
                cohort.pk,
                opening,
                wave_state(opening, now, (cohort.pk, opening.wave) in sent),
                respondent=cohort.pk in answering,
                sent=(cohort.pk, opening.wave) in sent,
                open=opening.is_open(now),
            )
            for opening in schedule(list(cohort.sessions.all()), cohort.zone)
        ]
    return items
