"""Taking a library pattern as one's own experiment ("Try this"): where it
can go, and keeping where it came from."""

from django.db import transaction
from django.utils import timezone

from assignments import choosing
from assignments.choice_views import save_choice
from cohorts.models import Enrollment

from .models import Provenance


def open_own_options(user, now=None):
    """The own-experiment options ``user`` may still take a pattern for, as
    (enrolment, experiment): in the live cohorts they take part in, in gaps
    they have not started writing about, before the next session starts.
    A fixed number of queries however many cohorts."""
    now = now or timezone.now()
    enrollments = (
        Enrollment.objects.active()
        .filter(user=user, role=Enrollment.Role.PARTICIPANT, cohort__live=True)
        .select_related("cohort")
        .prefetch_related("cohort__experiments", "cohort__sessions", "reflections")
        .order_by("cohort__start_date", "pk")
    )
    found = []
    for enrollment in enrollments:
        sessions = list(enrollment.cohort.sessions.all())
        written = {r.experiment_id for r in enrollment.reflections.all()}
        for options in choosing.gaps(enrollment.cohort.experiments.all()).values():
            if any(option.pk in written for option in options):
                continue
            for option in options:
                start = option.next_session_start(sessions)
                if option.own and (start is None or start > now):
                    found.append((enrollment, option))
    return found


@transaction.atomic
def try_pattern(enrollment, option, pattern, plan, story=None):
    """Make ``pattern`` the participant's own experiment in ``option``'s
    gap, remembering the pattern and the story it came from."""
    choice = save_choice(enrollment, option, plan)
    Provenance.objects.update_or_create(
        choice=choice, defaults={"pattern": pattern, "story": story}
    )
    return choice
