"""What the cohort progress grid shows: for each participant, their attendance
at each session and where they are with each experiment, with counts per
column. Every function makes one query, however many people there are.
"""

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from cohorts.models import Attendance, Enrollment

from .models import Choice, Experiment, Reflection

Progress = Reflection.Progress
Status = Reflection.Status

#: Where a gap offers options, a participant who chose another one and has
#: not written about this one: not theirs to do, so not "not started".
NOT_CHOSEN = "not_chosen"

#: ``Reflection.progress`` as a filter, for each state a reflection can be
#: in (a participant without one has "not started").
PROGRESS_FILTERS = {
    Progress.DRAFT: Q(status=Status.DRAFT),
    Progress.SUBMITTED: Q(
        status=Status.SUBMITTED, feedback_at__isnull=True, is_late=False
    ),
    Progress.LATE: Q(status=Status.SUBMITTED, feedback_at__isnull=True, is_late=True),
    Progress.FEEDBACK: Q(status=Status.SUBMITTED, feedback_at__isnull=False),
}


def participants(cohort):
    return (
        Enrollment.objects.active()
        .filter(cohort=cohort, role=Enrollment.Role.PARTICIPANT)
        .select_related("user")
    )


def withdrawn_count(cohort):
    """How many participants have been withdrawn from the cohort."""
    return (
        Enrollment.objects.withdrawn()
        .filter(cohort=cohort, role=Enrollment.Role.PARTICIPANT)
        .count()
    )


def chose_another(experiment, choice, reflection):
    """Whether a participant whose ``choice`` in the experiment's gap (None
    where they made none) and ``reflection`` on it (or None) are these chose
    another option instead of it."""
    return (
        reflection is None
        and choice is not None
        and choice.experiment_id != experiment.pk
    )


def with_progress(people, cohort, state, experiment=None):
    """The ``people`` who are at ``state`` in ``experiment``, or in any of
    the cohort's experiments when it is None."""
    if state == Progress.NOT_STARTED:
        # Some experiment (or this one) without a reflection by the person,
        # and not an option of a gap where they chose another.
        experiments = Experiment.objects.filter(cohort=cohort)
        if experiment is not None:
            experiments = experiments.filter(pk=experiment.pk)
        person = OuterRef(OuterRef("pk"))
        return people.filter(
            Exists(
                experiments.filter(
                    ~Exists(
                        Reflection.objects.filter(
                            experiment=OuterRef("pk"), author=person
                        )
                    ),
                    ~Exists(
                        Choice.objects.filter(
                            enrollment=person, after_session=OuterRef("after_session")
                        ).exclude(experiment=OuterRef("pk"))
                    ),
                )
            )
        )
    reflections = Reflection.objects.filter(
        PROGRESS_FILTERS[state], author=OuterRef("pk"), experiment__cohort=cohort
    )
    if experiment is not None:
        reflections = reflections.filter(experiment=experiment)
    return people.filter(Exists(reflections))


def attendance_of(people, sessions, now=None):
    """{(enrolment id, session id): status} of ``people`` at ``sessions``;
    of everyone marked at them when ``people`` is None. Only the sessions
    held by ``now`` count (``Attendance.objects.counted``): before then
    nobody is marked."""
    rows = Attendance.objects.counted(now).filter(
        session__in=[session.pk for session in sessions]
    )
    if people is not None:
        rows = rows.filter(enrollment__in=[person.pk for person in people])
    rows = rows.values_list("enrollment_id", "session_id", "status")
    return {(person, session): status for person, session, status in rows}


def reflections_of(people, experiments):
    """{(enrolment id, experiment id): reflection} of ``people`` (of everyone
    when None), with only the fields that say where they are."""
    reflections = Reflection.objects.filter(
        experiment__in=[experiment.pk for experiment in experiments]
    )
    if people is not None:
        reflections = reflections.filter(author__in=[person.pk for person in people])
    reflections = reflections.only(
        "pk", "author_id", "experiment_id", "status", "is_late", "feedback_at"
    )
    return {(r.author_id, r.experiment_id): r for r in reflections}


def attendance_counts(people, total, sessions, now=None):
    """{session id: {status: count}} among ``people`` (a queryset of
    ``total`` people), at the sessions held by ``now`` (as
    ``attendance_of``); those not marked are counted under ``None``."""
    counts = {
        session.pk: dict.fromkeys(Attendance.Status.values, 0) for session in sessions
    }
    rows = (
        Attendance.objects.counted(now)
        .filter(
            session__in=[session.pk for session in sessions],
            enrollment__in=people.order_by().values("pk"),
        )
        .values_list("session_id", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for session, status, count in rows:
        counts[session][status] = count
    for session_counts in counts.values():
        session_counts[None] = total - sum(session_counts.values())
    return counts


def not_chosen_counts(people, experiments):
    """{experiment id: how many of ``people`` chose another option of its
    gap and have not written about it}, in one query."""
    others = (
        Choice.objects.filter(
            enrollment__in=people.order_by().values("pk"),
            after_session=OuterRef("after_session"),
        )
        .exclude(experiment=OuterRef("pk"))
        .exclude(
            Exists(
                Reflection.objects.filter(
                    experiment=OuterRef(OuterRef("pk")), author=OuterRef("enrollment")
                )
            )
        )
        .order_by()
        .values("after_session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return dict(
        Experiment.objects.filter(pk__in=[experiment.pk for experiment in experiments])
        .annotate(count=Coalesce(Subquery(others), 0))
        .values_list("pk", "count")
    )


def progress_counts(people, total, experiments, options=()):
    """{experiment id: {progress: count}} among ``people`` (a queryset of
    ``total`` people). Of ``options`` (experiments of gaps that ask a
    choice), those who chose another are counted apart (``NOT_CHOSEN``)."""
    rows = (
        Reflection.objects.filter(
            experiment__in=[experiment.pk for experiment in experiments],
            author__in=people.order_by().values("pk"),
        )
        .values("experiment_id")
        .annotate(
            **{
                state.value: Count("pk", filter=condition)
                for state, condition in PROGRESS_FILTERS.items()
            }
        )
        .order_by()
    )
    counts = {
        experiment.pk: dict.fromkeys(Progress.values, 0) for experiment in experiments
    }
    for row in rows:
        counts[row.pop("experiment_id")].update(row)
    if options:
        for pk, count in not_chosen_counts(people, options).items():
            counts[pk][NOT_CHOSEN] = count
    for experiment_counts in counts.values():
        experiment_counts[Progress.NOT_STARTED] = total - sum(
            experiment_counts.values()
        )
    return counts
