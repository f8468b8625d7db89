"""A cohort's programme in order, for the participants' pages: its sessions
and the experiments between them, each with where it stands now."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import pgettext_lazy
from wagtail import hooks

from cohorts.models import Session

from .models import Experiment, Reflection

#: From this long before a session starts its join link is the first thing
#: on "My training".
JOIN_EARLY = timedelta(minutes=15)


class State(models.TextChoices):
    # In context: Wagtail's pagination has its own "Next".
    DONE = "done", pgettext_lazy("programme state", "Done")
    NOW = "now", pgettext_lazy("programme state", "Now")
    NEXT = "next", pgettext_lazy("programme state", "Next")
    LATE = "late", pgettext_lazy("programme state", "Late")
    LATER = "later", pgettext_lazy("programme state", "Later")


@dataclass
class Step:
    """A session or an experiment of the programme."""

    state: str
    session: Session | None = None
    experiment: Experiment | None = None
    #: An experiment's due time.
    due: datetime | None = None
    #: The participant's reflection on the experiment, if any.
    reflection: Reflection | None = None
    join_url: str = ""
    join_now: bool = False
    #: Something another app adds to the programme (``programme_items``).
    item: object = None
    #: A gap where the participant has still to choose: its options, and
    #: where to choose (one step, not a step per option).
    options: list = field(default_factory=list)
    choose_url: str = ""

    @property
    def state_label(self):
        return State(self.state).label

    @property
    def progress(self):
        if self.reflection is None:
            return Reflection.Progress.NOT_STARTED
        return Reflection.Progress(self.reflection.progress)


def current_experiments(experiments, sessions, now):
    """The experiments to do now: those after the last session that has
    started, or, before the first session, the first ones."""
    started = sum(1 for session in sessions if session.start <= now)
    return [e for e in experiments if e.after_session == max(started, 1)]


def under_way(sessions, now):
    """Whether the cohort's first session has started (or none is planned).
    Before it, the first experiments are the ones to get ready for: they
    come after that session, not now."""
    return not sessions or sessions[0].start <= now


def session_state(session, upcoming, now):
    if session.end <= now:
        return State.DONE
    if now >= session.start - JOIN_EARLY:
        return State.NOW
    return State.NEXT if session is upcoming else State.LATER


def experiment_state(experiment, due, reflection, current, now, participant):
    """Done once the reflection is submitted (for a trainer: once it is
    due); late when it is due and not submitted; now while it is the one to
    do."""
    submitted = reflection is not None and (
        reflection.status == Reflection.Status.SUBMITTED
    )
    if submitted or (not participant and due is not None and due <= now):
        return State.DONE
    if participant and due is not None and due <= now:
        return State.LATE
    return State.NOW if experiment in current else State.LATER


def programme_items(cohorts, user, now):
    """{cohort id: [item]}: what the apps built on assignments add to the
    programmes of ``cohorts`` as ``user`` sees them, with the
    ``programme_items`` hook (a function that takes the cohorts, the user
    and the time and returns such a dict). An item has ``when`` (its place
    in the programme), ``state`` (a ``State``) and ``template_name`` (how
    it shows, with ``item`` in the context)."""
    items = {}
    for get_items in hooks.get_hooks("programme_items"):
        for cohort_id, more in get_items(cohorts, user, now).items():
            items.setdefault(cohort_id, []).extend(more)
    return items


def programme(
    sessions,
    experiments,
    now,
    reflections=None,
    join_links=None,
    items=(),
    to_choose=None,
):
    """The steps of a cohort's programme: each session, then the experiments
    done after it and the ``items`` (``programme_items``) whose time falls
    before the next. ``reflections`` ({experiment id: Reflection}) are the
    participant's; None for someone who writes none (a trainer).
    ``to_choose`` ({gap: (url, options)}): the gaps where the participant
    has yet to choose, each one step."""
    participant = reflections is not None
    reflections = reflections or {}
    join_links = join_links or {}
    upcoming = next((s for s in sessions if s.end > now), None)
    current = (
        set(current_experiments(experiments, sessions, now))
        if under_way(sessions, now)
        else set()
    )
    after = {}
    for experiment in experiments:
        after.setdefault(min(experiment.after_session, len(sessions)), []).append(
            experiment
        )
    placed = {}
    for item in sorted(items, key=lambda item: item.when):
        started = sum(1 for session in sessions if session.start <= item.when)
        placed.setdefault(started, []).append(item)
    steps = []
    # Experiments placed after no session (none planned yet) come first.
    for number in range(len(sessions) + 1):
        if number:
            session = sessions[number - 1]
            state = session_state(session, upcoming, now)
            steps.append(
                Step(
                    state,
                    session=session,
                    join_url=join_links.get(session.uid, ""),
                    join_now=state == State.NOW,
                )
            )
        for experiment in after.get(number, []):
            url, options = (to_choose or {}).get(experiment.after_session, ("", []))
            if options and experiment != options[0]:
                continue  # a gap to choose in is one step, at its first option
            due = experiment.due(sessions)
            reflection = None if options else reflections.get(experiment.pk)
            steps.append(
                Step(
                    experiment_state(
                        experiment, due, reflection, current, now, participant
                    ),
                    experiment=None if options else experiment,
                    due=due,
                    reflection=reflection,
                    options=options,
                    choose_url=url,
                )
            )
        for item in placed.get(number, []):
            steps.append(Step(item.state, item=item))
    return steps
