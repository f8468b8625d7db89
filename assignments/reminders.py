"""Reminders before an experiment's reflection is due, to the participants
who have not submitted it (through the cohorts app's ``queue_reminders``
hook, run by ``manage.py send_reminders``)."""

from datetime import datetime, timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cohorts import conf
from cohorts.emails import local_moment
from cohorts.reminders import (
    participants,
    queue_new,
    reminded_participant,
    reminder,
)
from outbox.kinds import Rendered
from outbox.rendering import render_email

from . import choosing
from .emails import Kind
from .models import Choice, Experiment, Reflection

#: Reflections due within this time get a reminder.
REFLECTION_NOTICE = timedelta(hours=48)


def queue_reflection_reminders(now):
    """Participants who have not submitted a reflection that is due within
    ``REFLECTION_NOTICE``."""
    soon = now + REFLECTION_NOTICE
    # Due at the date set, or else when the next session starts.
    experiments = (
        Experiment.objects.filter(cohort__live=True)
        .filter(
            Q(due_at__gt=now, due_at__lte=soon)
            | Q(
                due_at__isnull=True,
                cohort__sessions__start__gt=now,
                cohort__sessions__start__lte=soon,
            )
        )
        .distinct()
        .select_related("cohort")
        .prefetch_related("cohort__sessions")
    )
    due = {}
    for experiment in experiments:
        when = experiment.due(sessions=list(experiment.cohort.sessions.all()))
        if when and now < when <= soon:
            due[experiment] = when
    people = participants({e.cohort_id: e.cohort for e in due})
    submitted = set(
        Reflection.objects.filter(
            experiment__in=due, status=Reflection.Status.SUBMITTED
        ).values_list("experiment_id", "author_id")
    )
    reminds = reminded_experiments(due)
    reminders = [
        (
            reminder(
                f"reminder:reflection:{experiment.pk}:{when.isoformat()}:"
                f"{person.user_id}",
                Kind.REFLECTION_REMINDER,
                person,
                experiment=experiment.pk,
                due=when.isoformat(),
            ),
            (experiment, when),
        )
        for experiment, when in due.items()
        for person in people.get(experiment.cohort_id, [])
        if (experiment.pk, person.pk) not in submitted and reminds(person, experiment)
    ]
    return queue_new(reminders, lambda about: reflection_reminder_subject(*about))


def reflection_reminder_subject(experiment, when):
    return _("Reflection due %(when)s: %(title)s") % {
        "when": date_format(when.astimezone(experiment.cohort.zone), "DATE_FORMAT"),
        "title": experiment.title,
    }


def render_reflection_reminder(email):
    """The reminder of a reflection due; None when it has been submitted,
    is no longer due then (the due time or session moved: the new time has
    a reminder of its own) or is past due, when the person has chosen
    another experiment or been withdrawn, or the cohort unpublished."""
    params = email.params
    experiment = (
        Experiment.objects.filter(pk=params["experiment"], cohort__live=True)
        .select_related("cohort")
        .prefetch_related("cohort__sessions")
        .first()
    )
    if experiment is None:
        return None
    cohort = experiment.cohort
    when = experiment.due(sessions=list(cohort.sessions.all()))
    if (
        when is None
        or when != datetime.fromisoformat(params["due"])
        or when <= timezone.now()
    ):
        return None
    person = reminded_participant(email, cohort.pk)
    if (
        person is None
        or Reflection.objects.filter(
            experiment=experiment, author=person, status=Reflection.Status.SUBMITTED
        ).exists()
        or not reminded_experiments({experiment: when})(person, experiment)
    ):
        return None
    subject, text, html = render_email(
        "assignments/email/reflection_reminder",
        reflection_reminder_subject(experiment, when),
        experiment=experiment,
        cohort=cohort,
        due=local_moment(when, cohort.zone),
        # Where the reflection is written (signing in first if need be), at
        # the site's address like every other link in an email: the page's
        # own full URL takes the host of the Site record, which a site
        # behind a proxy may not answer on.
        url=conf.site_url() + reverse("participant:reflection", args=[experiment.pk]),
        person=person.user,
    )
    return Rendered(subject, text, html)


def reminded_experiments(due):
    """Whether to remind a person of an experiment: where its gap asks for
    a choice, only of the one they chose (or wrote about), or, before they
    choose, of the gap's first option alone. Two queries for everyone."""
    cohorts = {e.cohort_id for e in due}
    options = {}
    for experiment in Experiment.objects.filter(cohort__in=cohorts).order_by(
        "sort_order", "pk"
    ):
        options.setdefault((experiment.cohort_id, experiment.after_session), []).append(
            experiment
        )
    asking = {gap for gap, found in options.items() if choosing.asks_choice(found)}
    choices, written = {}, {}
    if asking:
        for choice in Choice.objects.filter(enrollment__cohort__in=cohorts):
            choices[(choice.enrollment_id, choice.after_session)] = choice
        for author, experiment in Reflection.objects.filter(
            experiment__cohort__in=cohorts
        ).values_list("author_id", "experiment_id"):
            written.setdefault(author, set()).add(experiment)

    def reminds(person, experiment):
        gap = (experiment.cohort_id, experiment.after_session)
        if gap not in asking:
            return True
        found = options[gap]
        chosen = choosing.chosen_in(
            found,
            choices.get((person.pk, experiment.after_session)),
            written.get(person.pk, set()),
        )
        return experiment in chosen if chosen else experiment == found[0]

    return reminds
