"""The usage report of a course, for its coordinators: for each option the
course offers between sessions, and for each library pattern its cohorts
took up without the course offering it, how many chose it, finished it
(submitted a reflection), adopted it, and the median usefulness. From it a
coordinator adds a pattern to the course's options, or retires an option:
new cohorts no longer get it, and the cohorts that have it keep it, with
every reflection on it."""

from dataclasses import dataclass, field
from statistics import median

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from assignments.models import Choice, Reflection
from cohorts.views import page_buttons
from courses.models import CoursePage, ExperimentTemplate
from courses.permissions import COORDINATORS

from .models import Pattern, Provenance


@dataclass
class Usage:
    """What became of one option or pattern in a course's cohorts."""

    chosen: set = field(default_factory=set)
    finished: int = 0
    adopted: int = 0
    ratings: list = field(default_factory=list)

    def add(self, reflection):
        self.chosen.add(reflection.author_id)
        if reflection.status == Reflection.Status.SUBMITTED:
            self.finished += 1
            self.adopted += reflection.decision == Reflection.Decision.ADOPT
            if reflection.usefulness:
                self.ratings.append(reflection.usefulness)

    @property
    def chosen_count(self):
        return len(self.chosen)

    @property
    def median_usefulness(self):
        return median(self.ratings) if self.ratings else None


def manages_course(user, course):
    """The coordinators who may edit the course (and superusers)."""
    if not user.is_active:
        return False
    if not (user.is_superuser or user.groups.filter(name=COORDINATORS).exists()):
        return False
    return course.permissions_for_user(user).can_edit()


def course_usage(course):
    """(options, patterns not offered): each option of the course with its
    Usage, and each pattern its cohorts tried that no option is based on.
    Four queries, however many cohorts and people."""
    templates = list(
        ExperimentTemplate.objects.filter(course=course).prefetch_related("patterns")
    )
    by_template = {template.pk: Usage() for template in templates}
    offered = {p.pk for template in templates for p in template.patterns.all()}
    cohort_pages = course.get_children().values("pk")
    for choice in Choice.objects.filter(
        experiment__cohort__in=cohort_pages, experiment__template__in=templates
    ).values_list("experiment__template", "enrollment"):
        by_template[choice[0]].chosen.add(choice[1])
    tried = {}
    provenance = {
        (p.choice.enrollment_id, p.choice.experiment_id): p.pattern
        for p in Provenance.objects.filter(
            choice__experiment__cohort__in=cohort_pages
        ).select_related("choice", "pattern")
    }
    for enrollment, experiment in provenance:
        pattern = provenance[(enrollment, experiment)]
        if pattern.pk not in offered:
            tried.setdefault(pattern, Usage()).chosen.add(enrollment)
    reflections = (
        Reflection.objects.filter(experiment__cohort__in=cohort_pages)
        .select_related("experiment")
        .order_by()
    )
    for reflection in reflections:
        pattern = provenance.get((reflection.author_id, reflection.experiment_id))
        if pattern is not None and pattern in tried:
            tried[pattern].add(reflection)
        elif reflection.experiment.template_id in by_template:
            by_template[reflection.experiment.template_id].add(reflection)
    options = [(template, by_template[template.pk]) for template in templates]
    options.sort(key=lambda row: (row[0].after_session, row[0].sort_order or 0))
    return options, sorted(tried.items(), key=lambda row: -row[1].chosen_count)


def copy_pattern_links(request, page, new_page):
    """A copy of a course (or of a page with courses under it) offers its
    options based on the same patterns as the original's (the
    ``after_copy_page`` hook): Wagtail copies the options as new rows,
    without the patterns that point at them. The copy keeps the tree's
    order, so each copied course is paired with its original by it."""
    originals = CoursePage.objects.descendant_of(page, inclusive=True).order_by("path")
    copies = CoursePage.objects.descendant_of(new_page, inclusive=True).order_by("path")
    originals, copies = list(originals), list(copies)
    if len(originals) != len(copies):
        return
    for original, course in zip(originals, copies, strict=True):
        options = list(ExperimentTemplate.objects.filter(course=course.pk))
        for template in (
            ExperimentTemplate.objects.filter(
                course=original.pk, patterns__isnull=False
            )
            .prefetch_related("patterns")
            .distinct()
        ):
            copy = template.counterpart(options)
            if copy is not None:
                copy.patterns.add(*template.patterns.all())


def change_course(course, user, change):
    """Make ``change`` to the course's latest revision, and publish it when
    the course is live and has no other unpublished changes (otherwise the
    change waits in the draft for the coordinator to publish)."""
    latest = course.get_latest_revision_as_object()
    change(latest)
    publish = course.live and not course.has_unpublished_changes
    revision = latest.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return publish


class UsageView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "library/admin/usage.html"
    page_title = _("Experiment usage")
    header_icon = "table"
    index_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.course = get_object_or_404(CoursePage, pk=kwargs["pk"])
        if not manages_course(request.user, self.course):
            raise PermissionDenied

    def get_page_subtitle(self):
        return self.course.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("courses:index"), "label": gettext("Courses")},
            {"url": "", "label": self.course.title},
        ]

    def get_context_data(self, **kwargs):
        options, patterns = course_usage(self.course)
        gaps = sorted({template.after_session for template, __ in options}) or [1]
        return super().get_context_data(
            course=self.course,
            options=options,
            patterns=patterns,
            gaps=gaps,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        with transaction.atomic():
            if action in ("retire", "offer"):
                self.retire(int(request.POST.get("template") or 0), action)
            elif action == "add":
                self.add_pattern(
                    get_object_or_404(Pattern, pk=request.POST.get("pattern") or 0),
                    int(request.POST.get("after_session") or 1),
                )
        return redirect(request.path)

    def retire(self, template_pk, action):
        template = get_object_or_404(
            ExperimentTemplate, pk=template_pk, course=self.course
        )
        when = timezone.now() if action == "retire" else None

        def change(course):
            rows = list(course.experiment_templates.all())
            for row in rows:
                if row.pk == template.pk:
                    row.retired_at = when
            course.experiment_templates = rows

        published = change_course(self.course, self.request.user, change)
        self.say(
            published,
            gettext("“%(title)s” is retired: new cohorts no longer get it.")
            if when
            else gettext("“%(title)s” is offered to new cohorts again."),
            template.title,
        )

    def add_pattern(self, pattern, gap):
        def change(course):
            course.experiment_templates.add(
                ExperimentTemplate(
                    title=pattern.title,
                    instructions=pattern.instructions,
                    prompts=pattern.prompts,
                    after_session=max(gap, 1),
                )
            )

        published = change_course(self.course, self.request.user, change)
        if published:
            template = (
                ExperimentTemplate.objects.filter(
                    course=self.course, title=pattern.title
                )
                .order_by("-pk")
                .first()
            )
            pattern.templates.add(template)
        self.say(
            published,
            gettext("“%(title)s” is now an option of the course."),
            pattern.title,
        )

    def say(self, published, message, title):
        messages.success(self.request, message % {"title": title})
        if not published:
            messages.warning(
                self.request,
                gettext(
                    "The course has unpublished changes: the change is in its "
                    "draft until you publish it."
                ),
            )


def usage_urls(viewset):
    """The report's URL, in the courses viewset's namespace
    (``courses:usage``), for the ``register_course_admin_urls`` hook."""
    return [
        path(
            "<int:pk>/usage/",
            UsageView.as_view(index_url_name=viewset.get_url_name("index")),
            name="usage",
        )
    ]


def usage_buttons(page, user):
    """A button to the report, on a course's page in the admin."""
    specific_class = page.specific_class
    if not (specific_class and issubclass(specific_class, CoursePage)):
        return []
    if not manages_course(user, page):
        return []
    return page_buttons(
        page,
        user,
        CoursePage,
        _("Experiment usage"),
        "courses:usage",
        icon_name="table",
        priority=61,
    )
