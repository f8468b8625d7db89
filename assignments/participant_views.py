"""The participants' pages on the public site: "My training", writing a
reflection (with autosave), and the cohort space where people read and
comment on each other's reflections.

Who may see what is decided by ``Reflection.objects.visible_to`` (and
``visible_in``, the same rule within one cohort) and
``CohortPage.shows_sessions_to``; anything else is a 404, so that guessed ids
do not even tell whether an object exists. Someone withdrawn from the cohort,
or whose cohort was unpublished, is told so on that 404 (``former_places``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks

from cohorts.former_places import in_cohort, tells_former_place, told
from cohorts.models import (
    CURRENT_PLACE,
    FORMER_PLACE,
    CohortPage,
    Enrollment,
    Session,
    join_urls,
    zone_named,
)
from courses.permissions import is_commissioner
from privacy import access

from . import choosing
from .comments import last_comment_at, post_comment
from .fragments import fingerprint, fragment_context, not_kept
from .models import Choice, Experiment, Reflection, followed_cohorts
from .participant_forms import CommentForm, ReflectionForm
from .timeline import (
    JOIN_EARLY,
    State,
    current_experiments,
    programme,
    programme_items,
    under_way,
)

#: Reflections per page of the cohort space.
PER_PAGE = 20
#: The tag of the message that says a comment on a reflection (its id
#: follows) was posted: the page of that reflection after it tells
#: reflection.js that the server has the comment kept on the device.
COMMENT_TAKEN = "comment-taken-%s"


# My training


def sign_in_destination(user):
    """Where a person goes after signing in (the ``register_sign_in_destination``
    hook): participants to their training, and so does anyone who may not
    use the admin; staff with admin access who take part in no cohort go on
    to the admin."""
    is_participant = (
        Enrollment.objects.active()
        .filter(user=user, role=Enrollment.Role.PARTICIPANT)
        .exists()
    )
    if is_participant or not user.has_perm("wagtailadmin.access_admin"):
        return reverse("participant:my_training")
    return None


@dataclass
class ExperimentRow:
    experiment: Experiment
    due: object
    reflection: Reflection | None
    #: Due, and not submitted.
    overdue: bool = False
    #: The participant's choice, where the gap asked for one.
    choice: object = None

    @property
    def progress(self):
        if self.reflection is None:
            return Reflection.Progress.NOT_STARTED
        return self.reflection.progress


@dataclass
class CohortSummary:
    """What "My training" shows of one enrolment."""

    enrollment: Enrollment
    next_session: Session | None = None
    join_url: str = ""
    join_now: bool = False
    rows: list = field(default_factory=list)
    current: list = field(default_factory=list)
    #: The programme in order (timeline.Step).
    steps: list = field(default_factory=list)
    #: The gap to choose an experiment for now: (url, options), or None.
    choose: tuple | None = None
    #: The cohort page's address, which depends on the site records too.
    page_url: str = ""
    #: Before the first session: ``current`` (or ``choose``) are the
    #: experiments to get ready for, done after it.
    before_start: bool = False

    @property
    def items_now(self):
        """What other apps ask of a participant now (an open survey)."""
        if not self.is_participant:
            return []
        return [
            step.item for step in self.steps if step.item and step.state == State.NOW
        ]

    @property
    def cohort(self):
        return self.enrollment.cohort

    @property
    def is_trainer(self):
        return self.enrollment.role == Enrollment.Role.TRAINER

    @property
    def is_participant(self):
        return self.enrollment.role == Enrollment.Role.PARTICIPANT

    @property
    def new_feedback(self):
        return [
            row
            for row in self.rows
            if row.reflection and row.reflection.has_new_feedback
        ]


def summarise(enrollment, now, links, items=(), page_url=""):
    cohort = enrollment.cohort
    sessions = list(cohort.sessions.all())
    experiments = list(cohort.experiments.all())
    summary = CohortSummary(enrollment, page_url=page_url)
    summary.next_session = next((s for s in sessions if s.end > now), None)
    if summary.next_session:
        summary.join_now = now >= summary.next_session.start - JOIN_EARLY
        summary.join_url = links.get(summary.next_session.uid, "")
    reflections = to_choose = None
    if enrollment.role == Enrollment.Role.PARTICIPANT:
        reflections = {r.experiment_id: r for r in enrollment.reflections.all()}
        choices = {c.after_session: c for c in enrollment.choices.all()}
        gaps = choosing.to_choose(experiments, choices, reflections)
        to_choose = choosing.where_to_choose(cohort.pk, gaps)
        experiments = choosing.for_participant(experiments, choices, reflections)
        summary.rows = [
            ExperimentRow(
                e,
                e.due(sessions),
                reflections.get(e.pk),
                choice=choices.get(e.after_session),
            )
            for e in experiments
            if e.after_session not in gaps
        ]
        for row in summary.rows:
            row.overdue = (
                row.due is not None
                and row.due <= now
                and row.progress
                in (Reflection.Progress.NOT_STARTED, Reflection.Progress.DRAFT)
            )
        current = set(current_experiments(experiments, sessions, now))
        summary.current = [row for row in summary.rows if row.experiment in current]
        gap = next((e.after_session for e in current if e.after_session in gaps), None)
        if gap is not None:
            summary.choose = to_choose[gap]
        summary.before_start = not under_way(sessions, now) and bool(
            summary.current or summary.choose
        )
    summary.steps = programme(
        sessions, experiments, now, reflections, links, items, to_choose
    )
    return summary


@login_required
@never_cache
def my_training(request):
    now = timezone.now()
    # The places shown and, in the same query, the former ones (``places``).
    enrollments, former = places(
        Enrollment.objects.filter(user=request.user)
        .select_related("cohort")
        .prefetch_related(
            "cohort__sessions",
            "cohort__experiments",
            Prefetch("reflections", Reflection.objects.order_by()),
            Prefetch("choices", Choice.objects.select_related("experiment")),
        )
        .order_by("cohort__start_date", "cohort__title", "cohort__pk")
    )
    links = join_urls(
        [s for enrollment in enrollments for s in enrollment.cohort.sessions.all()]
    )
    items = programme_items([e.cohort for e in enrollments], request.user, now)
    summaries = [
        summarise(
            enrollment,
            now,
            links,
            items.get(enrollment.cohort_id, ()),
            enrollment.cohort.url,
        )
        for enrollment in enrollments
    ]
    return render(
        request,
        "assignments/participant/my_training.html",
        {
            "summaries": summaries,
            "former": former,
            "commissioner": commissioner_note(request.user, enrollments, former),
            **fragment_context(cohorts=(summaries,)),
        },
    )


def commissioner_note(user, current, former):
    """Whether ``user``, in no cohort now or before, is told where their
    figures are instead of how they get a cohort: a commissioner reads
    their courses' figures in the admin. My training and the site's front
    page say the same (``_no_cohort.html``)."""
    return not (current or former) and is_commissioner(user)


def places(enrollments):
    """([current], [former]) of a person's ``enrollments``, in one query:
    the current in the queryset's order, the former by their cohort's
    title. A cohort that went from someone's list, while others stayed,
    says why as when it was their only one."""
    current, former = [], []
    for enrollment in enrollments.filter(CURRENT_PLACE | FORMER_PLACE):
        if enrollment.withdrawn_at is None and enrollment.cohort.live:
            current.append(enrollment)
        else:
            former.append(enrollment)
    former.sort(key=lambda place: (place.cohort.title, place.pk))
    return current, former


# Writing a reflection


def writer(user, experiment_id):
    """The experiment and the user's enrolment as its participant: only the
    participants of a live cohort write its reflections."""
    enrollment = get_object_or_404(
        Enrollment.objects.active()
        .select_related("cohort")
        .prefetch_related("cohort__experiments"),
        user=user,
        role=Enrollment.Role.PARTICIPANT,
        cohort__live=True,
        cohort__experiments=experiment_id,
    )
    # The cohort's experiments, read once: ``chosen`` needs the others.
    experiment = next(
        e for e in enrollment.cohort.experiments.all() if e.pk == experiment_id
    )
    experiment.cohort = enrollment.cohort
    return experiment, enrollment


def chosen(experiment, enrollment, written=None):
    """Whether the participant may write about ``experiment``: where its
    gap asks for a choice, only about the experiment they chose, or one
    they have written about already. ``written``: whether they have, where
    the caller has read their reflection already."""
    options = [
        e
        for e in experiment.cohort.experiments.all()
        if e.after_session == experiment.after_session
    ]
    if not choosing.asks_choice(options):
        return True
    if written is None:
        written = enrollment.reflections.filter(experiment=experiment).exists()
    # Their choice is read only when what they wrote does not decide.
    return written or choosing.may_write(
        experiment,
        options,
        enrollment.choices.filter(after_session=experiment.after_session).first(),
        written,
    )


def locked_reflection(experiment, enrollment, create):
    """The participant's reflection, locked for this transaction; created
    first when ``create``, so that concurrent posts (a double click) queue on
    the same row instead of making two."""
    mine = Reflection.objects.select_for_update().filter(
        experiment=experiment, author=enrollment
    )
    reflection = mine.first()
    made = False
    if reflection is None and create:
        _, made = Reflection.objects.get_or_create(
            experiment=experiment, author=enrollment
        )
        reflection = mine.first()
    if reflection is not None:
        reflection.experiment = experiment
        # Made by this request: no window had a version of it.
        reflection.made_now = made
    return reflection


def based_on(request):
    """The saved version that the posted text started from, as the page (or
    its last autosave) had it: ``""`` where there was no reflection yet,
    ``None`` where the post does not say (a page from before versions were
    sent), which is not checked."""
    version = request.POST.get("based_on")
    if not version:
        return version
    try:
        return datetime.fromisoformat(version)
    except ValueError:
        return ""


def overtaken(reflection, version, form):
    """Whether ``form``'s text would overwrite text saved from another window
    or device since ``version``: the reflection changed since, and the post
    is not the same as what it holds now (a post repeated, a double click)."""
    saved = (
        ""
        if reflection is None or getattr(reflection, "made_now", False)
        else reflection.updated_at
    )
    if version is None or version == saved:
        return False
    if reflection is None or not form.is_valid():
        return reflection is not None
    decision, usefulness = form.outcome()
    return (
        form.answers(reflection.answers),
        form.cleaned_data["visibility"],
        decision or "",
        usefulness,
    ) != (
        reflection.answers,
        reflection.visibility,
        reflection.decision,
        reflection.usefulness,
    )


def changed_elsewhere(reflection):
    """What a window whose text is overtaken is told, as JSON."""
    if reflection.status == Reflection.Status.SUBMITTED:
        error = _(
            "This reflection was submitted in another window or on another "
            "device. Your text here is kept on this device: reload the page to "
            "see the submitted version, then copy in what you need."
        )
    else:
        error = _(
            "This reflection was changed in another window or on another "
            "device. Your text here is kept on this device: reload the page to "
            "see the newer version, then copy in what you need."
        )
    return JsonResponse({"error": error, "conflict": True}, status=409)


def no_longer_open():
    return _(
        "You can no longer write this reflection: you are no longer in this "
        "cohort, or it is no longer open."
    )


def closed(request, place=None):
    """The answer to a post from a form that may no longer be used (the
    person withdrawn, the cohort unpublished, the experiment gone): a 404 as
    for any id they may not write about, so that a guessed id still tells
    nothing, but saying why and giving back what they sent, so that nothing
    typed is lost. ``place``: the person's former place in the cohort, where
    they had one, which it names (``former_places``)."""
    numbers = sorted(
        int(name.removeprefix("answer_"))
        for name in request.POST
        if name.startswith("answer_") and name.removeprefix("answer_").isdigit()
    )
    sent = [
        {
            "number": n,
            "prompt": request.POST.get(f"prompt_{n}", ""),
            "answer": request.POST[f"answer_{n}"],
        }
        for n in numbers
        if request.POST[f"answer_{n}"].strip()
    ]
    return told(
        request,
        place,
        "assignments/participant/closed.html",
        {"message": no_longer_open(), "sent": sent},
    )


def saved_message(reflection, zone):
    with timezone.override(zone):
        return _("Saved %(time)s") % {
            "time": time_format(timezone.localtime(reflection.updated_at))
        }


def of_experiment(experiment_id):
    """The places in the cohort of the experiment ``experiment_id``."""
    return Q(cohort__experiments=experiment_id)


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@tells_former_place(of_experiment)
def reflection(request, experiment_id):
    posted = request.method == "POST"
    try:
        experiment, enrollment = writer(request.user, experiment_id)
    except Http404:
        if posted:
            return closed(
                request,
                Enrollment.objects.former_place(
                    request.user, of_experiment(experiment_id)
                ),
            )
        raise
    # Whoever gave the feedback is shown by name, and so read here: a kept
    # part shows only what was read before it was fingerprinted. (A post
    # locks the reflection itself.)
    reflection = (
        None
        if posted
        else Reflection.objects.filter(experiment=experiment, author=enrollment)
        .select_related("feedback_by")
        .first()
    )
    if not chosen(
        experiment, enrollment, written=None if posted else reflection is not None
    ):
        return redirect(
            choosing.choose_url(experiment.cohort_id, experiment.after_session)
        )
    sessions = list(experiment.cohort.sessions.all())
    if posted:
        return save_reflection(request, experiment, enrollment, sessions)
    if reflection is not None:
        reflection.experiment = experiment
    new_feedback = bool(reflection and reflection.has_new_feedback)
    if new_feedback:
        Reflection.objects.filter(pk=reflection.pk).update(
            feedback_seen_at=timezone.now()
        )
    form = ReflectionForm(experiment=experiment, reflection=reflection)
    return render_reflection(
        request, experiment, enrollment, sessions, reflection, form, new_feedback
    )


def render_reflection(
    request,
    experiment,
    enrollment,
    sessions,
    reflection,
    form,
    new_feedback=False,
    status=200,
    newer=False,
):
    """``newer``: the form holds text posted from a window whose version was
    overtaken; the version saved since is shown beside it."""
    editable = reflection is None or reflection.is_editable(sessions=sessions)
    now = timezone.now()
    due = experiment.due(sessions)
    editable_until = experiment.next_session_start(sessions)
    shown = {
        "experiment": experiment,
        "cohort": experiment.cohort,
        "reflection": reflection,
        "editable": editable,
        "submitted": bool(
            reflection and reflection.status == Reflection.Status.SUBMITTED
        ),
        "due": due,
        "overdue": due is not None and due <= now,
        # Submitted now, it could not be changed any more: the next
        # session, where the cohort talks about it, has started.
        "locked_once_submitted": editable_until is not None and editable_until <= now,
        "editable_until": editable_until,
        "new_feedback": new_feedback,
        "newer": newer,
        # An own experiment: the participant's plan for it.
        "choice": enrollment.choices.filter(experiment=experiment).first()
        if experiment.own
        else None,
    }
    # A form sent back with its errors is rendered anew; an unbound one
    # shows no more than ``shown``.
    kept = fragment_context(page=(shown,)) if not form.is_bound else not_kept("page")
    return render(
        request,
        "assignments/participant/reflection.html",
        {
            **shown,
            **kept,
            "form": form,
            "outcome_hint": _(
                "After trying it: adopt it as it is, adapt it to fit your work, "
                "or drop it. All three are good answers. Choose one before you "
                "submit."
            ),
            "storage_key": f"virtu:reflection:{request.user.pk}:{experiment.pk}",
            "server_saved_at": reflection.updated_at.isoformat() if reflection else "",
            "autosave_messages": {
                "notSaved": _("Not saved — your text is kept on this device."),
                # Sent while an autosave is on its way: sent once it is done.
                "saving": _("Saving your text…"),
                "offline": offline_message(),
                "restored": _(
                    "Text you wrote on this device was not saved yet, so it was "
                    "put back. Check it and save."
                ),
                "keptLocally": _(
                    "Your changes are kept on this device until you press "
                    "“Save changes”."
                ),
                "keptHeading": _("Text kept on this device"),
                "keptIntro": _(
                    "Another window or device saved this reflection, so this "
                    "text from this device was not saved. Copy into the form "
                    "what you need, then save."
                ),
                "forgetKept": _("Forget this kept text"),
            },
        },
        status=status,
    )


def save_reflection(request, experiment, enrollment, sessions):
    """Save the draft, submit it, or save changes to a submitted one.

    Submitting twice changes nothing the second time, and a form with an
    error still keeps the text of a draft: nothing typed is lost.
    """
    submit = request.POST.get("action") == "submit"
    form = ReflectionForm(request.POST, experiment=experiment)
    valid = form.is_valid()
    if submit and valid and not form.has_text():
        form.add_error(None, _("Write something before you submit."))
        valid = False
    if submit and not form.require_outcome():
        valid = False
    with transaction.atomic():
        reflection = locked_reflection(experiment, enrollment, create=form.has_text())
        if reflection is not None and not reflection.is_editable(sessions=sessions):
            form.add_error(
                None,
                _(
                    "The next session has started, so this reflection can no "
                    "longer be changed. Copy your text if you want to keep it."
                ),
            )
            return render_reflection(
                request, experiment, enrollment, sessions, reflection, form, status=409
            )
        if overtaken(reflection, based_on(request), form):
            # Sent from a window opened before the text saved since: shown
            # beside it, for the person to take what they need, and saved
            # from this page over it only when they send it again.
            form.add_error(
                None,
                _(
                    "This reflection was changed in another window or on "
                    "another device. Your text is in the form below and the "
                    "newer version above it: copy in what you need, then save."
                ),
            )
            return render_reflection(
                request,
                experiment,
                enrollment,
                sessions,
                reflection,
                form,
                status=409,
                newer=True,
            )
        if reflection is None:
            if not valid:
                return render_reflection(
                    request, experiment, enrollment, sessions, None, form, status=400
                )
            messages.info(request, _("There is nothing to save yet."))
            return redirect(request.path)
        was_submitted = reflection.status == Reflection.Status.SUBMITTED
        if was_submitted and valid and not form.has_text():
            form.add_error(
                None,
                _(
                    "Your reflection has been sent to the trainers, so it cannot "
                    "be empty. Write something before you save your changes."
                ),
            )
            valid = False
        if not valid:
            # A draft keeps the text even when it cannot be sent yet; a
            # submitted one is not changed by text the trainers cannot take.
            if not was_submitted:
                reflection.answers = form.answers(reflection.answers)
                reflection.visibility = form.visibility_value() or reflection.visibility
                keep_outcome(reflection, form)
                reflection.save()
            return render_reflection(
                request, experiment, enrollment, sessions, reflection, form, status=400
            )
        reflection.answers = form.answers(reflection.answers)
        reflection.visibility = form.cleaned_data["visibility"]
        keep_outcome(reflection, form)
        if submit and not was_submitted:
            reflection.submit()
        reflection.save()
    if was_submitted:
        messages.success(request, _("Your changes were saved."))
    elif not submit:
        messages.success(request, saved_message(reflection, experiment.cohort.zone))
    elif reflection.visibility == Reflection.Visibility.COHORT:
        # Said in full: "sent to the trainers" alone reads as private.
        messages.success(
            request,
            _(
                "Your reflection was sent to the trainers and shared with your "
                "cohort. It was marked late."
            )
            if reflection.is_late
            else _(
                "Your reflection was sent to the trainers and shared with your cohort."
            ),
        )
    elif reflection.is_late:
        messages.success(
            request,
            _("Your reflection was sent to the trainers. It was marked late."),
        )
    else:
        messages.success(request, _("Your reflection was sent to the trainers."))
    # What the save changed elsewhere, told by the app it concerns (the
    # library: a changed story waits for a trainer's approval again).
    for hook in hooks.get_hooks("after_save_reflection"):
        hook(request, reflection)
    return redirect(request.path)


def keep_outcome(reflection, form):
    """Take the posted decision and usefulness; a submitted reflection's
    outcome is changed only to another answer, never emptied."""
    decision, usefulness = form.outcome()
    if decision or reflection.status == Reflection.Status.DRAFT:
        reflection.decision = decision or ""
    if usefulness or reflection.status == Reflection.Status.DRAFT:
        reflection.usefulness = usefulness


def own_draft(user, experiment_id):
    """The user's draft about ``experiment_id``, with its experiment and
    its cohort's ``time_zone``, in one query; ``None`` where they have none
    (or it is submitted). The same rule as
    ``writer``: a participant of the experiment's live cohort, not withdrawn.
    (Having written it settles ``chosen``.)"""
    # Few joins and no page read whole: planning a query of seven tables
    # took PostgreSQL longer than the rest of the autosave.
    return (
        Reflection.objects.select_related("experiment")
        .filter(
            experiment_id=experiment_id,
            status=Reflection.Status.DRAFT,
            author__user=user,
            author__role=Enrollment.Role.PARTICIPANT,
            author__withdrawn_at__isnull=True,
            author__cohort__live=True,
            author__cohort_id=F("experiment__cohort_id"),
        )
        .annotate(time_zone=F("author__cohort__time_zone"))
        .order_by()
        .first()
    )


def autosave_draft(request, draft):
    """Autosave onto an existing draft in one statement, which changes it
    only while it is still a draft at the version read; ``None`` where it no
    longer is (submitted or saved in between), for the full path to answer."""
    form = ReflectionForm(request.POST, experiment=draft.experiment)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return JsonResponse({"error": errors[0]}, status=400)
    version = based_on(request)
    if version is not None and version != draft.updated_at:
        if overtaken(draft, version, form):
            return changed_elsewhere(draft)
        # The same as saved: nothing to write.
        return JsonResponse(
            {
                "saved_at": draft.updated_at.isoformat(),
                "message": saved_message(draft, zone_named(draft.time_zone)),
            }
        )
    read_at = draft.updated_at
    keep_outcome(draft, form)
    draft.answers = form.answers(draft.answers)
    draft.visibility = form.cleaned_data["visibility"]
    draft.updated_at = timezone.now()
    saved = Reflection.objects.filter(
        pk=draft.pk, status=Reflection.Status.DRAFT, updated_at=read_at
    ).update(
        answers=draft.answers,
        visibility=draft.visibility,
        decision=draft.decision,
        usefulness=draft.usefulness,
        updated_at=draft.updated_at,
    )
    if not saved:
        return None
    return JsonResponse(
        {
            "saved_at": draft.updated_at.isoformat(),
            "message": saved_message(draft, zone_named(draft.time_zone)),
        }
    )


@never_cache
@require_POST
def autosave(request, experiment_id):
    """Save a draft while the participant types; answers in JSON. The
    browser keeps its own copy until this says the draft is saved."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": _("You are signed out. Sign in again to save your text.")},
            status=401,
        )
    draft = own_draft(request.user, experiment_id)
    if draft is not None:
        saved = autosave_draft(request, draft)
        if saved is not None:
            return saved
    try:
        experiment, enrollment = writer(request.user, experiment_id)
    except Http404:
        # Said in JSON, for the page to stop saving and keep its copy.
        return JsonResponse(
            {
                "error": no_longer_open()
                + " "
                + _("Your text is kept on this device: copy it if you need it."),
                "closed": True,
            },
            status=404,
        )
    if not chosen(experiment, enrollment):
        return JsonResponse(
            {"error": _("Choose your experiment before you write about it.")},
            status=409,
        )
    form = ReflectionForm(request.POST, experiment=experiment)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return JsonResponse({"error": errors[0]}, status=400)
    with transaction.atomic():
        reflection = locked_reflection(experiment, enrollment, create=form.has_text())
        if reflection is None:
            return JsonResponse({"saved_at": None, "message": ""})
        # A submitted reflection is not autosaved (its page has no autosave):
        # this window's draft was submitted from another.
        if reflection.status != Reflection.Status.DRAFT or overtaken(
            reflection, based_on(request), form
        ):
            return changed_elsewhere(reflection)
        reflection.answers = form.answers(reflection.answers)
        reflection.visibility = form.cleaned_data["visibility"]
        keep_outcome(reflection, form)
        reflection.save()
    return JsonResponse(
        {
            "saved_at": reflection.updated_at.isoformat(),
            "message": saved_message(reflection, experiment.cohort.zone),
        }
    )


# The cohort space


NEWEST_FIRST = ("-submitted_at", "-pk")
#: No cohort has more pages than this; a larger number is past the last.
LAST_PAGE = 100_000
#: A programme of more experiments than this is paged by one sort of all
#: its reflections (SQLite allows at most 500 parts in a union).
MOST_PARTS = 100


@dataclass
class ReflectionPage:
    """A page of a cohort's shared reflections, newest first.

    Read without counting or sorting all of them: each experiment's newest
    come from its own index (``reflection_newest_submitted``), only as many
    as the pages up to this one hold, and the page is the newest of those.
    So page 1 costs the same in a cohort of 20 and of 10,000; the reader
    sees "Newer" and "Older" and the page's number, not how many there are.
    """

    object_list: list
    number: int
    more: bool

    @classmethod
    def read(cls, readable, experiments, number):
        """Page ``number`` (as given in the address; anything but a positive
        number is the first) of ``readable``, reflections of ``experiments``;
        ``None`` past the last page. Only the page's reflections are read
        whole, with their authors and comment counts (and by the same rule:
        one made private in between is not shown)."""
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1
        if number > LAST_PAGE:
            return None
        end = number * PER_PAGE
        if not experiments:
            ids = []
        elif len(experiments) > MOST_PARTS:
            ids = list(
                readable.order_by(*NEWEST_FIRST).values_list("pk", flat=True)[
                    end - PER_PAGE : end + 1
                ]
            )
        else:
            # One part for each experiment, its newest by the index; the
            # union of the parts, newest first, in one query. (Each part's
            # limit is inside an IN, where SQLite allows one and PostgreSQL
            # looks the rows up by key; the parts OR-ed in one WHERE would be
            # checked against every reflection of the cohort. A union is
            # ordered by its columns' names: "id", not "pk".)
            parts = [
                Reflection.objects.filter(
                    pk__in=readable.filter(experiment=experiment)
                    .order_by(*NEWEST_FIRST)
                    .values("pk")[: end + 1]
                )
                .order_by()
                .values_list("id", "submitted_at")
                for experiment in experiments
            ]
            ids = [
                pk
                for pk, _submitted_at in parts[0]
                .union(*parts[1:], all=True)
                .order_by("-submitted_at", "-id")[end - PER_PAGE : end + 1]
            ]
        if number > 1 and not ids:
            return None
        shown = (
            readable.filter(pk__in=ids[:PER_PAGE])
            .select_related("experiment", "author__user")
            .annotate(comment_count=Count("comments"))
            .order_by(*NEWEST_FIRST)
        )
        return cls(list(shown), number, more=len(ids) > PER_PAGE)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_previous(self):
        return self.number > 1

    def has_next(self):
        return self.more

    def has_other_pages(self):
        return self.has_previous() or self.has_next()

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1


@login_required
@never_cache
@tells_former_place(in_cohort)
def cohort(request, cohort_id):
    # Its sessions read with it, once: the programme, the join links and
    # the apps' programme items (the impact survey's waves) all use them.
    cohort = get_object_or_404(
        CohortPage.objects.prefetch_related("sessions"), pk=cohort_id
    )
    # The reader's enrolments here, read once for who may see what and for
    # their own programme.
    mine = list(
        cohort.enrollments.active()
        .filter(user=request.user)
        .prefetch_related(Prefetch("reflections", Reflection.objects.order_by()))
    )
    if not cohort.shows_sessions_to(request.user, mine):
        raise Http404
    experiments = list(cohort.experiments.all())
    readable = Reflection.objects.visible_in(cohort, request.user, mine).filter(
        status=Reflection.Status.SUBMITTED
    )
    page = ReflectionPage.read(readable, experiments, request.GET.get("page"))
    if page is None:
        # Past the last page (reflections withdrawn since the link was made).
        return redirect(request.path)
    sessions = list(cohort.sessions.all())
    enrollment = next((e for e in mine if e.role == Enrollment.Role.PARTICIPANT), None)
    own = (
        {r.experiment_id: r for r in enrollment.reflections.all()}
        if enrollment
        else None
    )
    to_choose = None
    if enrollment is not None and any(
        choosing.asks_choice(options) for options in choosing.gaps(experiments).values()
    ):
        # Their programme, as on My training: in a gap with options, the
        # one they chose (one step to choose until they do).
        choices = {c.after_session: c for c in enrollment.choices.all()}
        to_choose = choosing.where_to_choose(
            cohort.pk, choosing.to_choose(experiments, choices, own)
        )
        experiments = choosing.for_participant(experiments, choices, own)
    now = timezone.now()
    steps = programme(
        sessions,
        experiments,
        now,
        own,
        join_urls(sessions),
        programme_items([cohort], request.user, now).get(cohort.pk, ()),
        to_choose,
    )
    participant = enrollment is not None
    # Its address depends on the site records too: read before the kept
    # part is fingerprinted.
    cohort_url = cohort.url
    # Each reflection is kept on its own too: a page that changed (someone
    # shared a new reflection) renders only what is new on it.
    for shown in page.object_list:
        shown.fingerprint = fingerprint(cohort.time_zone, shown)
    return render(
        request,
        "assignments/participant/cohort.html",
        {
            "cohort": cohort,
            "cohort_url": cohort_url,
            "steps": steps,
            "participant": participant,
            "page_obj": page,
            "trainers_only": Reflection.Visibility.TRAINERS,
            **fragment_context(
                programme=(cohort, cohort_url, steps, participant),
                # The same for every reader who sees the same reflections.
                reflections=(
                    page.number,
                    page.has_next(),
                    [shown.fingerprint for shown in page.object_list],
                ),
            ),
        },
    )


def offline_message():
    """Said by reflection.js where a form is sent while the device is offline."""
    return _(
        "You are offline, so nothing was sent. Your text is kept on this "
        "device: send it again when you are back online."
    )


def read_there(reflection_id):
    """The places whose people read the reflection ``reflection_id`` while
    they were in its cohort: its author's, and, for one shared with the
    cohort, everyone's; told of on its page, which so says to nobody whether
    a peer's draft or private reflection exists."""
    return Exists(
        Reflection.objects.filter(pk=reflection_id).filter(
            Q(author=OuterRef("pk"))
            | Q(
                experiment__cohort=OuterRef("cohort"),
                status=Reflection.Status.SUBMITTED,
                visibility=Reflection.Visibility.COHORT,
            )
        )
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@tells_former_place(read_there)
def shared_reflection(request, reflection_id):
    reflection = get_object_or_404(
        Reflection.objects.visible_to(request.user).select_related(
            "experiment__cohort", "author__user", "feedback_by"
        ),
        pk=reflection_id,
    )
    is_author = (
        reflection.author_id is not None
        and reflection.author.user_id == request.user.pk
    )
    if reflection.status == Reflection.Status.DRAFT:
        # Only its author sees a draft, and writes it on its own page.
        return redirect("participant:reflection", reflection.experiment_id)
    cohort = reflection.experiment.cohort
    if not is_author and reflection.author_id is not None:
        access.record(
            request.user,
            access.Action.VIEW_REFLECTION,
            reflection.author.user,
            reflection.experiment.title,
        )
    form = CommentForm()
    status = 200
    if request.method == "POST" and reflection.author_id is None:
        # Erased at its author's request: nobody is left to read a comment.
        messages.error(
            request,
            _(
                "Your comment was not posted: this reflection was removed at "
                "its author’s request."
            ),
        )
        status = 409
    elif request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            if post_comment(reflection, request.user, form.cleaned_data["text"]):
                messages.success(
                    request,
                    _("Your comment was posted."),
                    extra_tags=COMMENT_TAKEN % reflection.pk,
                )
            else:
                # Sent again within a minute (comments.REPEAT_WINDOW): it is
                # there once, and is not to be put back as "not posted".
                messages.info(
                    request,
                    _("You had already posted this comment; it is shown once."),
                    extra_tags=COMMENT_TAKEN % reflection.pk,
                )
            return redirect(request.path + "#comments")
    new_feedback = is_author and reflection.has_new_feedback
    if new_feedback:
        Reflection.objects.filter(pk=reflection.pk).update(
            feedback_seen_at=timezone.now()
        )
    trainer_ids = set(
        cohort.enrollments.active()
        .filter(role=Enrollment.Role.TRAINER)
        .values_list("user_id", flat=True)
    )
    comments = list(reflection.comments.select_related("author"))
    return render(
        request,
        "assignments/participant/shared_reflection.html",
        {
            "reflection": reflection,
            "cohort": cohort,
            "is_author": is_author,
            "shows_feedback": bool(reflection.feedback)
            and (
                is_author
                or followed_cohorts(request.user).filter(pk=cohort.pk).exists()
            ),
            "new_feedback": new_feedback,
            "comments": comments,
            # A comment being written is kept on the device until it is
            # posted (reflection.js).
            "last_comment_at": last_comment_at(comments, request.user),
            # The page after a post: the server has the comment the device
            # kept, whether it was new or a repeat.
            "comment_taken": request.method == "GET"
            and any(
                COMMENT_TAKEN % reflection.pk in message.extra_tags.split()
                for message in messages.get_messages(request)
            ),
            "comment_messages": {
                "restored": _(
                    "A comment you wrote on this device was not posted, so it "
                    "was put back. Check it and post it."
                ),
                "keptLocally": _(
                    "Your comment is kept on this device until you press "
                    "“Post comment”."
                ),
                "offline": offline_message(),
            },
            "trainer_ids": trainer_ids,
            "trainers_only": Reflection.Visibility.TRAINERS,
            "form": form,
            # What other apps offer to do with it (publish it in the library).
            "more": [
                link
                for hook in hooks.get_hooks("reflection_links")
                for link in hook(reflection, request.user)
            ],
        },
        status=400 if form.errors else status,
    )
