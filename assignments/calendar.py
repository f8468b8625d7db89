"""What experiments add to calendars and invites (through the cohorts
app's hooks): the experiment to bring to each session, and when each
experiment's reflection is due, as events in the personal feed."""

import icalendar
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from cohorts import conf
from cohorts.calendar.ical import organizer

from .models import Experiment


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


def due_event(experiment, due, *, stamp=None):
    """The moment an experiment's reflection is due, as a zero-length event
    that does not show the person as busy."""
    zone = experiment.cohort.zone
    return icalendar.Event.new(
        uid=f"experiment-{experiment.pk}@{conf.calendar_domain()}",
        stamp=stamp or timezone.now(),
        sequence=0,
        start=due.astimezone(zone),
        summary=_("Reflection due: %(title)s") % {"title": experiment.title},
        description=experiment.instructions or None,
        organizer=organizer(),
        transparency="TRANSPARENT",
    )


def due_events(cohorts, stamp):
    """When each experiment of ``cohorts`` (with their sessions prefetched)
    is due, for the personal feed. One query."""
    by_pk = {cohort.pk: cohort for cohort in cohorts}
    events = []
    for experiment in Experiment.objects.filter(cohort__in=list(by_pk)).order_by(
        "cohort", "sort_order", "pk"
    ):
        experiment.cohort = by_pk[experiment.cohort_id]
        sessions = list(experiment.cohort.sessions.all())
        if when := experiment.due(sessions=sessions):
            events.append(due_event(experiment, when, stamp=stamp))
    return events
