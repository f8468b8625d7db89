"""The commissioner's report of a course: its cohorts side by side, in a
fixed number of queries however many people they have."""

from dataclasses import dataclass, field

from django.db.models import Count, Q

from assignments.models import Experiment, Reflection
from cohorts.models import Attendance, Enrollment, Session


@dataclass
class SessionFigures:
    session: Session
    present: int = 0
    #: Participants marked present, absent or excused.
    marked: int = 0


@dataclass
class CohortFigures:
    participants: int
    sessions: list = field(default_factory=list)
    experiments: int = 0
    submitted: int = 0
    awaiting_feedback: int = 0

    def attendance_percent(self, number):
        """Participants present at session ``number`` (from 1) in percent,
        or None while nobody is marked for it."""
        if number > len(self.sessions) or not self.sessions[number - 1].marked:
            return None
        figures = self.sessions[number - 1]
        return (
            round(100 * figures.present / self.participants) if self.participants else 0
        )

    @property
    def experiments_done(self):
        """Submitted reflections per participant."""
        if not self.participants:
            return 0.0
        return round(self.submitted / self.participants, 1)


def figures(cohorts):
    """{cohort id: CohortFigures} for ``cohorts`` annotated with
    ``participant_count``. Four queries."""
    ids = [cohort.pk for cohort in cohorts]
    result = {cohort.pk: CohortFigures(cohort.participant_count) for cohort in cohorts}
    sessions = {}
    for session in Session.objects.filter(page__in=ids).order_by("page", "sort_order"):
        figures_ = SessionFigures(session)
        sessions[session.pk] = figures_
        result[session.page_id].sessions.append(figures_)
    participants = Q(enrollment__role=Enrollment.Role.PARTICIPANT)
    for session_id, present, marked in (
        Attendance.objects.filter(participants, session__in=list(sessions))
        .values("session_id")
        .annotate(
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
            marked=Count("pk"),
        )
        .values_list("session_id", "present", "marked")
        .order_by()
    ):
        sessions[session_id].present = present
        sessions[session_id].marked = marked
    for cohort_id, count in (
        Experiment.objects.filter(cohort__in=ids)
        .values("cohort_id")
        .annotate(count=Count("pk"))
        .values_list("cohort_id", "count")
        .order_by()
    ):
        result[cohort_id].experiments = count
    submitted = Q(status=Reflection.Status.SUBMITTED)
    for cohort_id, done, awaiting in (
        Reflection.objects.filter(experiment__cohort__in=ids)
        .values("experiment__cohort_id")
        .annotate(
            done=Count("pk", filter=submitted),
            awaiting=Count("pk", filter=submitted & Q(feedback_at__isnull=True)),
        )
        .values_list("experiment__cohort_id", "done", "awaiting")
        .order_by()
    ):
        result[cohort_id].submitted = done
        result[cohort_id].awaiting_feedback = awaiting
    return result
