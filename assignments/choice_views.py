"""Choosing the experiment to do between two sessions, where the gap offers
several or the participant's own (see ``choosing``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from wagtail import hooks

from cohorts.former_places import in_cohort, tells_former_place
from cohorts.models import CalendarFeed, Enrollment

from . import choosing
from .models import Choice
from .participant_forms import ChoiceForm


def gap_of(user, cohort_id, gap):
    """The user's enrolment as a participant of a live cohort and the
    options of its ``gap``; 404 where the gap asks for no choice."""
    enrollment = get_object_or_404(
        Enrollment.objects.active().select_related("cohort"),
        user=user,
        role=Enrollment.Role.PARTICIPANT,
        cohort__live=True,
        cohort_id=cohort_id,
    )
    options = [e for e in enrollment.cohort.experiments.all() if e.after_session == gap]
    if not choosing.asks_choice(options):
        raise Http404
    return enrollment, options


def save_choice(enrollment, option, plan=None):
    """Record that ``enrollment`` does ``option`` in its gap (with their own
    plan, for an own experiment), replacing an earlier choice."""
    plan = plan if option.own else {}
    choice, __ = Choice.objects.update_or_create(
        enrollment=enrollment,
        after_session=option.after_session,
        defaults={
            "experiment": option,
            "plan_what": (plan or {}).get("plan_what", ""),
            "plan_when": (plan or {}).get("plan_when", ""),
            "plan_measure": (plan or {}).get("plan_measure", ""),
        },
    )
    # Their feed now shows the chosen experiment's due time alone.
    CalendarFeed.objects.filter(user_id=enrollment.user_id).update(
        changed_at=timezone.now()
    )
    return choice


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@tells_former_place(in_cohort)
def choose(request, cohort_id, gap):
    enrollment, options = gap_of(request.user, cohort_id, gap)
    choice = (
        enrollment.choices.filter(after_session=gap)
        .select_related("experiment")
        .first()
    )
    # Once they write about it, the experiment is theirs for this gap.
    locked = enrollment.reflections.filter(experiment__in=options).exists()
    form = ChoiceForm(
        request.POST if request.method == "POST" and not locked else None,
        options=options,
        initial={
            "experiment": choice.experiment_id,
            "plan_what": choice.plan_what,
            "plan_when": choice.plan_when,
            "plan_measure": choice.plan_measure,
        }
        if choice
        else None,
    )
    if request.method == "POST" and locked:
        messages.error(
            request,
            _("You have started your reflection, so your choice cannot change."),
        )
        return redirect(request.path)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            save_choice(enrollment, form.option, form.cleaned_data)
        messages.success(
            request, _("You chose: %(title)s") % {"title": form.option.title}
        )
        return redirect("participant:reflection", form.option.pk)
    return render(
        request,
        "assignments/participant/choose.html",
        {
            "cohort": enrollment.cohort,
            "options": options,
            "choice": choice,
            "locked": locked,
            "form": form,
            # Other apps add ways to find an experiment (the library).
            "more": [
                link
                for hook in hooks.get_hooks("experiment_choice_links")
                for link in hook(enrollment, gap)
            ],
        },
        status=400 if form.errors else 200,
    )
