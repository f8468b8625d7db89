"""The impact survey on the public site: a participant answers each wave of
their cohort while it is open; the draft saves as they go (with
``assignments/reflection.js``), and nothing typed is lost."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from assignments.participant_views import offline_message
from cohorts.former_places import in_cohort, tells_former_place
from cohorts.models import Enrollment

from .forms import SurveyForm
from .models import Rating, Response, Wave
from .waves import opening


def respondent(user, cohort_id, wave):
    """The user's enrolment as a participant of a live cohort that has an
    impact plan, and the wave's opening; 404 for anyone else."""
    if wave not in Wave.values:
        raise Http404
    enrollment = get_object_or_404(
        Enrollment.objects.active()
        .select_related("cohort")
        .prefetch_related("cohort__sessions"),
        user=user,
        role=Enrollment.Role.PARTICIPANT,
        cohort__live=True,
        cohort_id=cohort_id,
    )
    cohort = enrollment.cohort
    statements = list(cohort.impact_statements.all())
    when = opening(list(cohort.sessions.all()), cohort.zone, wave)
    if not statements or when is None:
        raise Http404
    return enrollment, statements, list(cohort.impact_questions.all()), when


def saved_message(response, cohort):
    with timezone.override(cohort.zone):
        return _("Saved %(time)s") % {
            "time": time_format(timezone.localtime(response.updated_at))
        }


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@tells_former_place(in_cohort)
def survey(request, cohort_id, wave):
    enrollment, statements, questions, when = respondent(request.user, cohort_id, wave)
    if request.method == "POST":
        return save_survey(request, enrollment, statements, questions, when)
    response = (
        Response.objects.filter(enrollment=enrollment, wave=wave)
        .prefetch_related("ratings")
        .first()
    )
    form = SurveyForm(
        statements=statements, questions=questions, wave=wave, response=response
    )
    return render_survey(request, enrollment, when, response, form)


def render_survey(request, enrollment, when, response, form, status=200):
    cohort = enrollment.cohort
    now = timezone.now()
    submitted = bool(response and response.status == Response.Status.SUBMITTED)
    return render(
        request,
        "impact/participant/survey.html",
        {
            "cohort": cohort,
            "opening": when,
            "is_open": when.is_open(now),
            "not_yet": now < when.opens,
            "response": response,
            "submitted": submitted,
            "form": form,
            "storage_key": f"virtu:impact:{request.user.pk}:{cohort.pk}:{when.wave}",
            "server_saved_at": response.updated_at.isoformat() if response else "",
            "autosave_messages": {
                "notSaved": _("Not saved — your answers are kept on this device."),
                "restored": _(
                    "Answers you gave on this device were not saved yet, so they "
                    "were put back. Check them and save."
                ),
                "keptLocally": _(
                    "Your changes are kept on this device until you press "
                    "“Save changes”."
                ),
                # Sent offline, the form stays on the page and says so.
                "offline": offline_message(),
            },
        },
        status=status,
    )


def locked_response(enrollment, wave, create):
    """The participant's response, locked for this transaction; created
    first when ``create``, so that a double click makes one."""
    if create:
        Response.objects.get_or_create(enrollment=enrollment, wave=wave)
    return (
        Response.objects.select_for_update()
        .filter(enrollment=enrollment, wave=wave)
        .first()
    )


def keep_answers(response, form):
    """Store the posted ratings and open answers in ``response`` (saved)."""
    response.open_answers = form.open_answers()
    response.save()
    existing = {rating.statement_id: rating for rating in response.ratings.all()}
    changed, new = [], []
    for statement_id, (value, before) in form.ratings().items():
        rating = existing.get(statement_id)
        if rating is None:
            new.append(
                Rating(
                    response=response,
                    statement_id=statement_id,
                    value=value,
                    before=before,
                )
            )
        elif (rating.value, rating.before) != (value, before):
            rating.value, rating.before = value, before
            changed.append(rating)
    Rating.objects.bulk_create(new)
    Rating.objects.bulk_update(changed, ["value", "before"])


def save_survey(request, enrollment, statements, questions, when):
    """Save the draft, send it, or save changes to one sent. A closed wave
    takes nothing; an incomplete one sent is kept as a draft."""
    send = request.POST.get("action") == "submit"
    form = SurveyForm(
        request.POST, statements=statements, questions=questions, wave=when.wave
    )
    valid = form.is_valid()
    if not when.is_open(timezone.now()):
        form.add_error(
            None,
            _(
                "This survey is not open, so your answers were not saved. "
                "Copy your text if you want to keep it."
            ),
        )
        response = Response.objects.filter(
            enrollment=enrollment, wave=when.wave
        ).first()
        return render_survey(request, enrollment, when, response, form, 409)
    with transaction.atomic():
        response = locked_response(
            enrollment, when.wave, create=form.has_answers() and valid
        )
        was_sent = response is not None and (
            response.status == Response.Status.SUBMITTED
        )
        if (send or was_sent) and not form.require_every_rating():
            valid = False
        if response is None:
            if not valid:
                return render_survey(request, enrollment, when, None, form, 400)
            messages.info(request, _("There is nothing to save yet."))
            return redirect(request.path)
        if not valid:
            # A draft keeps what is valid of the answers; one sent is not
            # changed by answers the report cannot take.
            if not was_sent and form.is_valid():
                keep_answers(response, form)
            return render_survey(request, enrollment, when, response, form, 400)
        if send and not was_sent:
            response.status = Response.Status.SUBMITTED
            response.submitted_at = timezone.now()
        keep_answers(response, form)
    if was_sent:
        messages.success(request, _("Your changes were saved."))
    elif send:
        messages.success(request, _("Thank you: your answers were sent."))
    else:
        messages.success(request, saved_message(response, enrollment.cohort))
    return redirect(request.path)


@never_cache
@require_POST
def autosave(request, cohort_id, wave):
    """Save a draft as the participant answers; answers in JSON. The
    browser keeps its own copy until this says the draft is saved."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": _("You are signed out. Sign in again to save your answers.")},
            status=401,
        )
    try:
        enrollment, statements, questions, when = respondent(
            request.user, cohort_id, wave
        )
    except Http404:
        # Said in JSON, for the page to stop saving and keep its copy (the
        # person withdrawn, the cohort taken off the site): a 404 for any
        # survey they may not answer, so that a guessed id tells nothing.
        return JsonResponse(
            {
                "error": _(
                    "You can no longer answer this survey: you are no longer "
                    "in this cohort, or it is no longer open. Your answers are "
                    "kept on this device: copy them if you need them."
                ),
                "closed": True,
            },
            status=404,
        )
    form = SurveyForm(
        request.POST, statements=statements, questions=questions, wave=when.wave
    )
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return JsonResponse({"error": errors[0]}, status=400)
    if not when.is_open(timezone.now()):
        return JsonResponse(
            {"error": _("This survey is not open, so your answers were not saved.")},
            status=409,
        )
    with transaction.atomic():
        response = locked_response(enrollment, when.wave, create=form.has_answers())
        if response is None:
            return JsonResponse({"saved_at": None, "message": ""})
        if response.status != Response.Status.DRAFT:
            return JsonResponse(
                {
                    "error": _(
                        "You have sent your answers. Press “Save changes” to "
                        "update them."
                    )
                },
                status=409,
            )
        keep_answers(response, form)
    return JsonResponse(
        {
            "saved_at": response.updated_at.isoformat(),
            "message": saved_message(response, enrollment.cohort),
        }
    )
