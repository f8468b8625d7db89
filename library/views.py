"""The library's pages on the public site, for everyone signed in
(``reads_library``: not a commissioner who takes part in no cohort): patterns
and published stories with search and filters, a pattern with its figures
and "Try this", a story with its thanks; and, for a reflection's author
and the cohort's trainers, publishing a story and approving it.

What a story shows is decided by ``Story.objects.published``; a story not
published is seen only by its author and the trainers who approve it, and
anything else is a 404."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from wagtail.search.backends import get_search_backend

from assignments.models import Reflection, followed_cohorts
from cohorts.former_places import tells_former_place
from cohorts.models import Enrollment
from courses.permissions import is_commissioner

from .emails import email_decision
from .figures import pattern_figures
from .forms import SearchForm, ShareForm, TryForm
from .models import Pattern, Story, Thanks
from .trying import open_own_options, try_pattern

#: Stories per page of the library.
PER_PAGE = 20
#: Search hits looked at per kind: far more than anyone reads.
MAX_HITS = 500


def search_ids(model, query):
    """The ids of ``model`` objects matching ``query`` (Wagtail's search:
    PostgreSQL's full text in production, so that inflected words match),
    or whose words start with the last word typed (Wagtail's autocomplete),
    so that "kävely" finds "Kävelypalaveri"."""
    backend = get_search_backend()
    return {
        hit.pk
        for search in (backend.search, backend.autocomplete)
        for hit in search(query, model, operator="and")[:MAX_HITS]
    }


def stories_with_details(stories):
    # Counted per story in a subquery, not by grouping the joined thanks: a
    # GROUP BY over every published story would come before the ordering and
    # the page's limit, so that a page costs as much as the whole library.
    thanks = (
        Thanks.objects.filter(story=OuterRef("pk"))
        .values("story")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        stories.with_course_title()
        .select_related("reflection__experiment", "reflection__author__user", "pattern")
        .annotate(thanks_count=Coalesce(Subquery(thanks), 0))
    )


def reviewer_of(user, story):
    """Whether ``user`` approves stories of the story's cohort: its
    trainers and coordinators."""
    return (
        followed_cohorts(user).filter(pk=story.reflection.experiment.cohort_id).exists()
    )


def reads_library(user):
    """Whether ``user`` reads the library: everyone signed in, but a
    commissioner only where they also take part in a cohort or follow one.
    Its stories are reflections, most with their authors' names; a
    commissioner reads a course's figures and nothing about anyone."""
    if not is_commissioner(user):
        return True
    return (
        Enrollment.objects.active().filter(user=user).exists()
        or followed_cohorts(user).exists()
    )


def offered_library(user):
    """Whether the site's header offers ``user`` the library: those who read
    it. Someone who does not use the admin is no commissioner; asked so, the
    permissions the header reads for its admin link answer for most people
    without a query more."""
    if not user.has_perm("wagtailadmin.access_admin"):
        return True
    return reads_library(user)


def for_readers(view):
    """A library page, for those who read it. A commissioner (the header
    offers everyone signed in the library) is told why not and where their
    figures are, on every library address alike: nothing about any story."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not reads_library(request.user):
            return render(request, "library/not_for_you.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@login_required
@never_cache
@for_readers
def index(request):
    form = SearchForm(request.GET or None)
    patterns = Pattern.objects.prefetch_related("themes")
    stories = Story.objects.published()
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        theme = form.cleaned_data["theme"]
        course = form.cleaned_data["course"]
        decision = form.cleaned_data["decision"]
        if query:
            patterns = patterns.filter(pk__in=search_ids(Pattern, query))
            stories = stories.filter(pk__in=search_ids(Story, query))
        if theme:
            patterns = patterns.filter(themes=theme)
            stories = stories.filter(pattern__themes=theme)
        if course:
            patterns = patterns.filter(templates__course=course).distinct()
            stories = stories.in_course(course)
        if decision:
            # A decision is a story's; patterns are not narrowed by it.
            stories = stories.filter(reflection__decision=decision)
    patterns = list(patterns)
    figures = pattern_figures(patterns)
    page = Paginator(
        stories.order_by("-approved_at", "-pk").values_list("pk", flat=True),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    # The page is found on the stories' ids alone, and only its own stories
    # are read with their details: sorting every published story with all
    # its columns made a page deep in the library cost as much as all of it.
    page.object_list = stories_with_details(
        Story.objects.filter(pk__in=list(page.object_list))
    ).order_by("-approved_at", "-pk")
    awaiting = (
        Story.objects.awaiting()
        .filter(reflection__experiment__cohort__in=followed_cohorts(request.user))
        .select_related("reflection__experiment")
        .order_by("requested_at")
    )
    return render(
        request,
        "library/index.html",
        {
            "form": form,
            "query": query,
            "patterns": [(pattern, figures[pattern.pk]) for pattern in patterns],
            "page_obj": page,
            "awaiting": list(awaiting),
        },
    )


@login_required
@never_cache
@for_readers
@require_http_methods(["GET", "HEAD", "POST"])
def pattern(request, pattern_id):
    pattern = get_object_or_404(
        Pattern.objects.prefetch_related("themes"), pk=pattern_id
    )
    places = open_own_options(request.user)
    story = Story.objects.published().filter(pk=request.GET.get("story") or 0).first()
    form = TryForm(
        request.POST if request.method == "POST" else None,
        places=places,
        initial={"plan_what": pattern.title},
    )
    if request.method == "POST":
        if not places:
            raise Http404
        if form.is_valid():
            story = (
                Story.objects.published()
                .filter(pk=request.POST.get("story") or 0)
                .first()
            )
            enrollment, option = form.place
            try_pattern(enrollment, option, pattern, form.cleaned_data, story)
            messages.success(
                request,
                _("“%(title)s” is your own experiment now.") % {"title": pattern},
            )
            return redirect("participant:reflection", option.pk)
    stories = stories_with_details(
        Story.objects.published().filter(pattern=pattern)
    ).order_by("-approved_at", "-pk")[:PER_PAGE]
    return render(
        request,
        "library/pattern.html",
        {
            "pattern": pattern,
            "figures": pattern_figures([pattern])[pattern.pk],
            "stories": stories,
            "form": form if places else None,
            "story": story,
        },
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
@for_readers
@require_http_methods(["GET", "HEAD", "POST"])
@tells_former_place(lambda story_id: Q(reflections__story=story_id))
def story(request, story_id):
    story = get_object_or_404(
        stories_with_details(Story.objects.all()).select_related(
            "reflection__experiment__cohort"
        ),
        pk=story_id,
    )
    # Its author reads it while the reflection is theirs to read: not once
    # they are withdrawn from the cohort or it is taken off the site.
    is_author = (
        story.reflection.author_id is not None
        and story.reflection.author.user_id == request.user.pk
        and Reflection.objects.visible_to(request.user)
        .filter(pk=story.reflection_id)
        .exists()
    )
    published = Story.objects.published().filter(pk=story.pk).exists()
    reviewer = (
        not published
        and Story.objects.awaiting().filter(pk=story.pk).exists()
        and reviewer_of(request.user, story)
    )
    if not (published or is_author or reviewer):
        raise Http404
    if request.method == "POST":
        return review(request, story) if reviewer else thank(request, story)
    thanked = story.thanks.filter(user=request.user).exists()
    return render(
        request,
        "library/story.html",
        {
            "story": story,
            "reflection": story.reflection,
            "published": published,
            # Unshared, it waits for no trainer (only its author reads it).
            "shared": story.reflection.visibility == Reflection.Visibility.COHORT,
            "is_author": is_author,
            "reviewer": reviewer,
            "thanked": thanked,
            "can_thank": published and not is_author and not thanked,
            # Only the author sees who thanked them.
            "thanked_by": story.thanks.select_related("user").order_by("created_at")
            if is_author
            else None,
        },
    )


def thank(request, story):
    if story.reflection.author.user_id == request.user.pk:
        raise Http404
    try:
        with transaction.atomic():
            Thanks.objects.create(story=story, user=request.user)
    except IntegrityError:
        pass  # thanked already: one per person
    messages.success(request, _("Thank you! The author sees your thanks."))
    return redirect("library:story", story.pk)


def review(request, story):
    """A trainer approves a story asked for, or turns it down (the
    reflection stays in the cohort as it was)."""
    now = timezone.now()
    with transaction.atomic():
        # Once: two trainers deciding at the same time send one email.
        decided = (
            Story.objects.select_for_update()
            .filter(pk=story.pk, approved_at__isnull=True)
            .first()
        )
        if request.POST.get("action") == "approve":
            if decided is not None:
                Story.objects.filter(pk=story.pk).update(
                    approved_at=now, approved_by=request.user
                )
                email_decision(decided, request.user, True, now)
            messages.success(request, _("The story is published in the library."))
            return redirect("library:story", story.pk)
        if decided is not None:
            email_decision(decided, request.user, False, now)
            decided.delete()
    messages.success(request, _("The story was not published."))
    return redirect("library:index")


def pattern_of(reflection):
    """The library pattern a reflection is about: the one its experiment
    was taken from ("Try this"), or the one its course option is based on."""
    choice = (
        reflection.author.choices.filter(experiment=reflection.experiment)
        .select_related("provenance")
        .first()
    )
    provenance = getattr(choice, "provenance", None) if choice else None
    if provenance is not None:
        return provenance.pattern
    template = reflection.experiment.template
    return template.patterns.first() if template else None


@login_required
@never_cache
@for_readers
@require_http_methods(["GET", "HEAD", "POST"])
@tells_former_place(lambda reflection_id: Q(reflections=reflection_id))
def share(request, reflection_id):
    """The author's choice to publish their reflection in the library."""
    reflection = get_object_or_404(
        Reflection.objects.visible_to(request.user).select_related(
            "experiment__cohort", "experiment__template", "author"
        ),
        pk=reflection_id,
        author__user=request.user,
        status=Reflection.Status.SUBMITTED,
    )
    story = Story.objects.filter(reflection=reflection).first()
    shared = reflection.visibility == Reflection.Visibility.COHORT
    form = ShareForm(
        request.POST if request.method == "POST" else None,
        initial={
            "publish": story is not None,
            "anonymous": bool(story and story.anonymous),
        },
    )
    if request.method == "POST" and shared and form.is_valid():
        if not form.cleaned_data["publish"]:
            if story is not None:
                story.delete()
            messages.success(request, _("Your reflection is not in the library."))
        elif story is None:
            Story.objects.create(
                reflection=reflection,
                pattern=pattern_of(reflection),
                anonymous=form.cleaned_data["anonymous"],
            )
            messages.success(
                request,
                _("Thank you! A trainer approves your story before it appears."),
            )
        else:
            story.anonymous = form.cleaned_data["anonymous"]
            story.save(update_fields=["anonymous"])
            messages.success(request, _("Your changes were saved."))
        return redirect("participant:shared_reflection", reflection.pk)
    return render(
        request,
        "library/share.html",
        {
            "reflection": reflection,
            "cohort": reflection.experiment.cohort,
            "story": story,
            "shared": shared,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
