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

from .models import DueEntry, Experiment


def bring_text(title):
    return _("Bring what you learned from the experiment “%(title)s”.") % {
        "title": title
    }


def experiments_to_bring(sessions):
    """{session uid: "Bring what you learned from …"} for the sessions that
    follow an experiment: the one after the previous session. Lazy texts,
    said in the language of whoever reads them. One query."""
    cohorts = {session.page_id: session.page for session in sessions}
    experiments = {}
    for experiment in Experiment.objects.filter(cohort__in=list(cohorts)).order_by(
        "cohort", "sort_order", "pk"
    ):
        experiments.setdefault(
            (experiment.cohort_id, experiment.after_session), experiment
        )
    texts = {}
    for session in sessions:
        order = [each.uid for each in cohorts[session.page_id].sessions.all()]
        if session.uid not in order:
            continue  # a deleted session being cancelled
        experiment = experiments.get((session.page_id, order.index(session.uid)))
        if experiment is not None:
            texts[session.uid] = lazy(bring_text, str)(experiment.title)
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


def due_events(cohorts):
    """When each experiment of ``cohorts`` (with their sessions prefetched)
    is due, for the personal feed, with the SEQUENCE and DTSTAMP last
    announced. One query."""
    by_pk = {cohort.pk: cohort for cohort in cohorts}
    events = []
    for experiment in (
        Experiment.objects.filter(cohort__in=list(by_pk))
        .select_related("due_entry")
        .order_by("cohort", "sort_order", "pk")
    ):
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
