from collections import OrderedDict

from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.admin.widgets import Button

from cohorts.exports import SafeSpreadsheetExportMixin
from cohorts.models import CohortPage, Enrollment, Session
from cohorts.permissions import cohorts_for_user
from cohorts.views import CohortIndexView

from . import overview
from .models import CoursePage


class AttendanceColumn(Column):
    """Participants present at a session of the given number."""

    def __init__(self, number, **kwargs):
        super().__init__(
            f"session-{number}",
            label=gettext("Session %(number)s attendance") % {"number": number},
            accessor=lambda cohort: (
                cohort.figures.sessions[number - 1]
                if number <= len(cohort.figures.sessions)
                else None
            ),
            **kwargs,
        )
        self.number = number

    def get_value(self, instance):
        session = super().get_value(instance)
        if session is None:
            return ""
        percent = instance.figures.attendance_percent(self.number)
        if percent is None:
            return gettext("Not marked")
        return gettext("%(present)s / %(participants)s (%(percent)s %%)") % {
            "present": session.present,
            "participants": instance.figures.participants,
            "percent": percent,
        }


class CourseOverviewView(SafeSpreadsheetExportMixin, ReportView):
    """A course's cohorts side by side: who enrolled, who came, what they
    did and what awaits feedback. For coordinators: 404 for anyone who may
    not edit the course."""

    page_title = _("Course overview")
    header_icon = "table"
    paginate_by = 50
    default_ordering = "title"
    index_url_name = None
    index_results_url_name = None
    progress_url_name = "cohorts:progress"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.course = get_object_or_404(CoursePage, pk=kwargs["pk"])
        if not self.course.permissions_for_user(request.user).can_edit():
            raise Http404

    def get_page_subtitle(self):
        return self.course.title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("courses:index"), "label": _("Courses")},
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.course.pk]),
                "label": self.course.title,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.course.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.course.pk])

    def get_filename(self):
        return f"overview-{self.course.slug}-{timezone.localdate():%Y-%m-%d}"

    def get_base_queryset(self):
        return (
            CohortPage.objects.child_of(self.course)
            .filter(pk__in=cohorts_for_user(self.request.user).values("pk"))
            .annotate(
                participant_count=CohortIndexView.count_enrolled(
                    Enrollment.Role.PARTICIPANT
                )
            )
        )

    def order_queryset(self, queryset):
        return super().order_queryset(queryset).order_by(self.ordering, "pk")

    @cached_property
    def session_count(self):
        """The most sessions any of the cohorts has: one column each."""
        return (
            Session.objects.filter(page__in=self.get_base_queryset().values("pk"))
            .values("page")
            .annotate(count=Count("pk"))
            .order_by("-count")
            .values_list("count", flat=True)
            .first()
        ) or 0

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "title",
                label=_("Cohort"),
                sort_key="title",
                get_url=lambda cohort: reverse(
                    self.progress_url_name, args=[cohort.pk]
                ),
            ),
            Column(
                "participants",
                label=_("Participants"),
                sort_key="participant_count",
                accessor="figures.participants",
            ),
            *[AttendanceColumn(number) for number in range(1, self.session_count + 1)],
            Column(
                "experiments", label=_("Experiments"), accessor="figures.experiments"
            ),
            Column(
                "submitted",
                label=_("Reflections submitted"),
                accessor="figures.submitted",
            ),
            Column(
                "experiments_done",
                label=_("Experiments done per participant"),
                accessor="figures.experiments_done",
            ),
            Column(
                "awaiting_feedback",
                label=_("Awaiting feedback"),
                accessor="figures.awaiting_feedback",
            ),
        ]

    def with_figures(self, cohorts):
        cohorts = list(cohorts)
        by_cohort = overview.figures(cohorts)
        for cohort in cohorts:
            cohort.figures = by_cohort[cohort.pk]
        return cohorts

    def paginate_queryset(self, queryset, page_size):
        paginator, page, cohorts, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        page.object_list = self.with_figures(cohorts)
        return paginator, page, page.object_list, is_paginated

    def decorate_paginated_queryset(self, object_list):
        if isinstance(object_list, list):
            return object_list
        return self.with_figures(object_list)

    @cached_property
    def list_export(self):
        sessions = [
            key
            for number in range(1, self.session_count + 1)
            for key in (f"session-{number}-present", f"session-{number}-percent")
        ]
        return [
            "title",
            "organisations",
            "participants",
            *sessions,
            "experiments",
            "submitted",
            "experiments_done",
            "awaiting_feedback",
        ]

    @cached_property
    def export_headings(self):
        headings = {
            "title": gettext("Cohort"),
            "organisations": gettext("Organisations"),
            "participants": gettext("Participants"),
            "experiments": gettext("Experiments"),
            "submitted": gettext("Reflections submitted"),
            "experiments_done": gettext("Experiments done per participant"),
            "awaiting_feedback": gettext("Awaiting feedback"),
        }
        for number in range(1, self.session_count + 1):
            headings[f"session-{number}-present"] = gettext(
                "Session %(number)s: present"
            ) % {"number": number}
            headings[f"session-{number}-percent"] = gettext(
                "Session %(number)s: attendance %%"
            ) % {"number": number}
        return headings

    def to_row_dict(self, item):
        figures = item.figures
        row = OrderedDict(
            title=item.title,
            organisations=item.organisations,
            participants=figures.participants,
        )
        for number in range(1, self.session_count + 1):
            percent = figures.attendance_percent(number)
            row[f"session-{number}-present"] = (
                figures.sessions[number - 1].present if percent is not None else None
            )
            row[f"session-{number}-percent"] = percent
        row.update(
            experiments=figures.experiments,
            submitted=figures.submitted,
            experiments_done=figures.experiments_done,
            awaiting_feedback=figures.awaiting_feedback,
        )
        return row


class CourseListingViewSet(PageListingViewSet):
    model = CoursePage
    icon = "list-ul"
    menu_label = _("Courses")
    add_to_admin_menu = False

    def get_overview_view(self, **kwargs):
        return CourseOverviewView.as_view(
            index_url_name=self.get_url_name("overview"),
            index_results_url_name=self.get_url_name("overview_results"),
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/overview/", self.get_overview_view(), name="overview"),
            path(
                "<int:pk>/overview/results/",
                self.get_overview_view(results_only=True),
                name="overview_results",
            ),
        ]


def course_buttons(page, user, priority=60):
    """A button to the course overview, on a course's page in the admin."""
    model = page.specific_class
    if model is None or not issubclass(model, CoursePage):
        return
    if not page.permissions_for_user(user).can_edit():
        return
    yield Button(
        _("Course overview"),
        reverse("courses:overview", args=[page.pk]),
        icon_name="table",
        priority=priority,
    )
