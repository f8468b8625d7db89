"""What experiments add to calendars and invites (through the cohorts
app's hooks): the experiment to bring to each session, and when each
experiment's reflection is due, as events in the personal feed."""

import hashlib
import json

import icalendar
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from cohorts import conf
from cohorts.calendar.ical import EPOCH, organizer
from cohorts.models import Enrollment

from . import choosing
from .models import Choice, DueEntry, Experiment, Reflection


def bring_text(title):
    if title is None:
        # A gap with options: each participant brings the one they chose.
        return _("Bring what you learned from the experiment you chose.")
    return _("Bring what you learned from the experiment “%(title)s”.") % {
        "title": title
    }


def experiments_to_bring(sessions):
    """{session uid: "Bring what you learned from …"} for the sessions that
    follow an experiment: the one after the previous session, or the one
    each participant chose where that gap offers a choice (the invite is the
    same for everyone). Lazy texts, said in the language of whoever reads
    them. One query."""
    cohorts = {session.page_id: session.page for session in sessions}
    options = {}
    for experiment in Experiment.objects.filter(cohort__in=list(cohorts)).order_by(
        "cohort", "sort_order", "pk"
    ):
        options.setdefault((experiment.cohort_id, experiment.after_session), []).append(
            experiment
        )
    experiments = {
        gap: of_gap[0] if not choosing.asks_choice(of_gap) else None
        for gap, of_gap in options.items()
    }
    texts = {}
    for session in sessions:
        order = [each.uid for each in cohorts[session.page_id].sessions.all()]
        if session.uid not in order:
            continue  # a deleted session being cancelled
        gap = (session.page_id, order.index(session.uid))
        if gap in experiments:
            experiment = experiments[gap]
            texts[session.uid] = lazy(bring_text, str)(
                experiment.title if experiment is not None else None
            )
    return texts


def due_event(experiment, due, *, sequence=0, stamp=None):
    """The moment an experiment's reflection is due, as a zero-length event
    that does not show the person as busy."""
    zone = experiment.cohort.zone
    return icalendar.Event.new(
        uid=f"experiment-{experiment.pk}@{conf.calendar_domain()}",
        stamp=stamp or timezone.now(),
        sequence=sequence,
        start=due.astimezone(zone),
        summary=_("Reflection due: %(title)s") % {"title": experiment.title},
        description=experiment.instructions or None,
        organizer=organizer(),
        transparency="TRANSPARENT",
    )


def fingerprint(experiment, due):
    """Digest of what the due event says; a change means a higher SEQUENCE."""
    data = [due.isoformat(), experiment.title, experiment.instructions]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def due_times(cohort):
    """[(experiment, due)] of a cohort's experiments that have a due time."""
    sessions = list(cohort.sessions.all())
    found = []
    for experiment in cohort.experiments.all():
        experiment.cohort = cohort
        if when := experiment.due(sessions=sessions):
            found.append((experiment, when))
    return found


def announce_due_times(cohort):
    """Keep each due event's SEQUENCE and DTSTAMP in step with the cohort
    just published (the cohorts app's ``sync_cohort_calendar`` hook)."""
    now = timezone.now()
    entries = {
        entry.experiment_id: entry
        for entry in DueEntry.objects.filter(experiment__cohort=cohort)
    }
    for experiment, due in due_times(cohort):
        digest = fingerprint(experiment, due)
        entry = entries.get(experiment.pk)
        if entry is None:
            DueEntry.objects.create(
                experiment=experiment, fingerprint=digest, changed_at=now
            )
        elif entry.fingerprint != digest:
            entry.sequence += 1
            entry.fingerprint, entry.changed_at = digest, now
            entry.save()


def due_events(cohorts, user=None):
    """When each experiment of ``cohorts`` (with their sessions prefetched)
    is due, for ``user``'s feed, with the SEQUENCE and DTSTAMP last
    announced: in a cohort where they take part, the experiments their
    programme shows (where a gap offers options, the one they chose, or
    every option until they choose); in one they train, every experiment.
    Three queries."""
    by_pk = {cohort.pk: cohort for cohort in cohorts}
    experiments = list(
        Experiment.objects.filter(cohort__in=list(by_pk))
        .select_related("due_entry")
        .order_by("cohort", "sort_order", "pk")
    )
    shown = set(experiments)
    if user is not None:
        shown = shown_to(experiments, user)
    events = []
    for experiment in experiments:
        if experiment not in shown:
            continue
        experiment.cohort = by_pk[experiment.cohort_id]
        sessions = list(experiment.cohort.sessions.all())
        if when := experiment.due(sessions=sessions):
            entry = getattr(experiment, "due_entry", None)
            sequence, stamp = 0, experiment.cohort.last_published_at or EPOCH
            if entry is not None:
                sequence, stamp = entry.sequence, entry.changed_at
                if entry.fingerprint != fingerprint(experiment, when):
                    sequence += 1  # changed since it was last announced
            events.append(due_event(experiment, when, sequence=sequence, stamp=stamp))
    return events


def shown_to(experiments, user):
    """Of ``experiments``, those ``user``'s feed shows (``due_events``):
    two queries."""
    participating = dict(
        Enrollment.objects.active()
        .filter(user=user, role=Enrollment.Role.PARTICIPANT)
        .values_list("cohort_id", "pk")
    )
    choices = {}
    for choice in Choice.objects.filter(enrollment__in=participating.values()):
        choices.setdefault(choice.enrollment_id, {})[choice.after_session] = choice
    written = set(
        Reflection.objects.filter(author__in=participating.values()).values_list(
            "experiment_id", flat=True
        )
    )
    by_cohort = {}
    for experiment in experiments:
        by_cohort.setdefault(experiment.cohort_id, []).append(experiment)
    shown = set()
    for cohort_id, of_cohort in by_cohort.items():
        enrollment_id = participating.get(cohort_id)
        if enrollment_id is None:
            shown.update(of_cohort)
        else:
            shown.update(
                choosing.for_participant(
                    of_cohort, choices.get(enrollment_id, {}), written
                )
            )
    return shown
