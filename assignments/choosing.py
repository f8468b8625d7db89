"""Where a gap between two sessions offers several experiments (options), or
the participant's own experiment, each participant picks one before doing
it. These rules decide which experiments a participant's pages show and
which they may write about."""

from django.urls import reverse

from .models import Experiment


def gaps(experiments):
    """The experiments by gap (``after_session``), each gap's in order."""
    by_gap = {}
    for experiment in experiments:
        by_gap.setdefault(experiment.after_session, []).append(experiment)
    return by_gap


def gaps_by_cohort(cohort_ids, sessions, now):
    """{cohort id: {gap: whether its reflections are due by ``now``}}: what
    each of its participants is asked to do, one experiment a gap however
    many options the gap offers. A gap is due once each of its options is
    due (``Experiment.due``), so that nobody is counted behind before the
    due time of the option they chose. ``sessions`` is {cohort id: its
    sessions in order}. One query."""
    by_cohort = {}
    for experiment in Experiment.objects.filter(cohort__in=cohort_ids).only(
        "cohort", "after_session", "due_at"
    ):
        when = experiment.due(sessions.get(experiment.cohort_id, []))
        gaps = by_cohort.setdefault(experiment.cohort_id, {})
        gap = experiment.after_session
        gaps[gap] = gaps.get(gap, True) and when is not None and when <= now
    return by_cohort


def due_gaps_by_cohort(cohort_ids, sessions, now):
    """{cohort id: the gaps whose reflections are due by ``now``}, of the
    cohorts where one is (``gaps_by_cohort``). One query."""
    by_cohort = {}
    for cohort_id, gaps in gaps_by_cohort(cohort_ids, sessions, now).items():
        due = {gap for gap, is_due in gaps.items() if is_due}
        if due:
            by_cohort[cohort_id] = due
    return by_cohort


def asks_choice(options):
    """A gap asks its participants to choose when it offers more than one
    experiment, or one of their own."""
    return len(options) > 1 or any(option.own for option in options)


def chosen_in(options, choice, written):
    """The options of one gap a participant does: the one chosen; before
    choosing, those they have written about (a reflection written before
    choices existed counts); otherwise, where there is nothing to choose,
    the one option; else none yet."""
    if choice is not None:
        return [o for o in options if o.pk == choice.experiment_id]
    started = [o for o in options if o.pk in written]
    if started or not asks_choice(options):
        return started or options
    return []


def for_participant(experiments, choices, written):
    """The experiments a participant's programme shows, in order: in each
    gap the one they do, or every option while they have not chosen.
    ``choices`` is {gap: Choice}; ``written``, the ids of the experiments
    they have a reflection on."""
    shown = set()
    for gap, options in gaps(experiments).items():
        shown.update(chosen_in(options, choices.get(gap), written) or options)
    return [e for e in experiments if e in shown]


def to_choose(experiments, choices, written):
    """The gaps where the participant still has to choose: {gap: options}."""
    return {
        gap: options
        for gap, options in gaps(experiments).items()
        if asks_choice(options) and not chosen_in(options, choices.get(gap), written)
    }


def where_to_choose(cohort_id, gaps):
    """{gap: (the address to choose at, its options)} of ``gaps`` ({gap:
    options}, as ``to_choose`` gives them)."""
    return {gap: (choose_url(cohort_id, gap), options) for gap, options in gaps.items()}


def may_write(experiment, options, choice, has_reflection):
    """Whether a participant may write about ``experiment``, one of the
    ``options`` of its gap."""
    return has_reflection or experiment in chosen_in(options, choice, set())


def choose_url(cohort_id, gap):
    return reverse("participant:choose", args=[cohort_id, gap])
