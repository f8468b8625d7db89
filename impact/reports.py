"""The impact report in the admin, for one cohort and across a course's
cohorts: per statement the ratings of each wave as a chart and a table, the
mean change of matched respondents, and the experiments' outcomes;
downloadable as XLSX or CSV with the same figures.

Commissioners read the figures of the courses they commissioned, as the
course overview (``reads_course_figures``); only trainers and coordinators
of a cohort see its success cases, which name people."""

from collections import OrderedDict

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.widgets import Button

from cohorts.exports import SafeSpreadsheetExportMixin
from cohorts.models import CohortPage
from cohorts.permissions import cohorts_for_user
from cohorts.views import page_buttons
from courses.models import CoursePage
from courses.permissions import reads_course_figures
from courses.views import listing_crumb, page_crumb

from . import conf
from .charts import diverging_bars, legend
from .figures import (
    BANDS,
    OPEN_ANSWERS_SHOWN,
    band_label,
    open_answers,
    report,
    success_cases,
)


class ImpactReportView(
    SafeSpreadsheetExportMixin,
    SpreadsheetExportMixin,
    WagtailAdminTemplateMixin,
    TemplateView,
):
    template_name = "impact/admin/report.html"
    page_title = _("Impact")
    header_icon = "crosshairs"

    def get(self, request, *args, **kwargs):
        if self.is_export:
            return self.as_spreadsheet(self.rows(), request.GET["export"])
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.about.title

    def followed_cohorts(self):
        """The ids of the cohorts whose people the reader follows, and so
        sees by name anyway: figures of few of them are not hidden from
        them beyond what every reader's are (``report``)."""
        return []

    @cached_property
    def figures(self):
        return report(self.cohorts(), followed=self.followed_cohorts())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            report=self.figures,
            charts=[
                (figures, diverging_bars(figures, f"chart-{number}"), number)
                for number, figures in enumerate(self.figures.statements, start=1)
            ],
            legend=legend(),
            bands=[band_label(band) for band in BANDS],
            smallest_group=conf.smallest_group(),
        )
        return context

    # The export: the figures of the page, one row each.

    list_export = [
        "statement",
        "level",
        "target",
        "figure",
        "part",
        "whole",
        "percent",
        "not-marked",
        "n",
        *[f"band-{index}" for index in range(len(BANDS))],
        "mean",
        "matched",
        "excluded",
        "change",
    ]

    @cached_property
    def export_headings(self):
        return {
            "statement": gettext("Statement"),
            "level": gettext("Level"),
            "target": gettext("Target"),
            "figure": gettext("Figure"),
            "part": gettext("Count"),
            "whole": gettext("Total"),
            "percent": gettext("Share, %"),
            "not-marked": pgettext("attendance marks missing", "Not marked"),
            "n": gettext("People"),
            **{
                f"band-{index}": gettext("Rated %(band)s, %%")
                % {"band": band_label(band)}
                for index, band in enumerate(BANDS)
            },
            "mean": gettext("Mean"),
            "matched": gettext("Matched respondents"),
            "excluded": gettext("Answered one wave only"),
            "change": gettext("Mean change"),
        }

    @staticmethod
    def share_row(label, share):
        """A part of a whole as on the page: only the whole where the share
        is hidden, a whole of 0 where nobody has been asked yet."""
        if share is None:
            return {"figure": label, "whole": 0}
        return {
            "figure": label,
            "part": share.part if share.percent is not None else None,
            "whole": share.whole,
            "percent": share.percent,
        }

    def to_row_dict(self, item):
        return OrderedDict((key, item.get(key)) for key in self.list_export)

    def rows(self):
        figures = self.figures
        rows = [
            {"figure": gettext("Participants"), "n": figures.participants},
            *[
                self.share_row(
                    gettext("Answers sent: %(wave)s") % {"wave": label}, share
                )
                for label, share in figures.waves
            ],
            {
                **self.share_row(
                    gettext("Attendance (present, of those marked)"),
                    figures.attendance,
                ),
                # Hidden with the share, as in the course overview.
                "not-marked": figures.not_marked
                if figures.attendance.percent is not None
                else None,
            },
            self.share_row(
                gettext("Experiments completed (reflections sent, of those due)"),
                figures.completed,
            ),
            self.share_row(
                gettext("Experiments adopted or adapted (of those decided)"),
                figures.adopted,
            ),
        ]
        for statement in figures.statements:
            about = {
                "statement": statement.statement.text,
                "level": statement.statement.get_level_display(),
                "target": statement.statement.target,
            }
            for row in statement.distributions:
                rows.append(
                    {
                        **about,
                        "figure": str(row.label),
                        "n": row.n,
                        **{
                            f"band-{index}": share
                            for index, share in enumerate(row.percents or [])
                        },
                        "mean": row.mean,
                    }
                )
            for change in statement.changes:
                rows.append(
                    {
                        **about,
                        "figure": str(change.label),
                        "matched": change.matched,
                        "excluded": change.excluded,
                        "change": change.mean,
                    }
                )
        return rows

    def get_filename(self):
        return self.dated_filename(self.page_title, self.about.slug)


class CohortImpactView(ImpactReportView):
    """One cohort's impact: for its trainers and coordinators, with the
    success cases and the open answers, and for commissioners of its course,
    without."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.cohort = get_object_or_404(CohortPage, pk=kwargs["pk"])
        self.about = self.cohort
        self.manages = (
            CohortPage.objects.managed_by(request.user)
            .filter(pk=self.cohort.pk)
            .exists()
        )
        if not (self.manages or reads_course_figures(request.user, self.cohort.course)):
            raise Http404

    def cohorts(self):
        return [self.cohort]

    def followed_cohorts(self):
        return [self.cohort.pk] if self.manages else []

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            listing_crumb(self.request.user, "cohorts:index", _("Cohorts")),
            page_crumb(self.request.user, self.cohort),
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.manages:
            context["largest"], context["smallest"] = success_cases(self.cohort)
            context["shows_success_cases"] = True
            context["open_answers"] = open_answers(self.cohort)
            context["open_answers_shown"] = OPEN_ANSWERS_SHOWN
        return context


class CourseImpactView(ImpactReportView):
    """The impact across a course's cohorts, for coordinators and
    commissioners (as the course overview)."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.course = get_object_or_404(CoursePage, pk=kwargs["pk"])
        self.about = self.course
        if not reads_course_figures(request.user, self.course):
            raise Http404

    def cohorts(self):
        return list(CohortPage.objects.child_of(self.course).order_by("path"))

    def followed_cohorts(self):
        """The course's cohorts whose people the reader follows, as in the
        course overview: one query."""
        return list(
            cohorts_for_user(self.request.user)
            .child_of(self.course)
            .values_list("pk", flat=True)
        )

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            listing_crumb(self.request.user, "courses:index", _("Courses")),
            page_crumb(self.request.user, self.course),
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cohort_links"] = [
            (cohort, reverse("cohorts:impact", args=[cohort.pk]))
            for cohort in self.cohorts()
        ]
        return context


def cohort_impact_urls(viewset):
    """``cohorts:impact``, for the ``register_cohort_admin_urls`` hook."""
    return [path("<int:pk>/impact/", CohortImpactView.as_view(), name="impact")]


def course_impact_urls(viewset):
    """``courses:impact``, for the ``register_course_admin_urls`` hook."""
    return [path("<int:pk>/impact/", CourseImpactView.as_view(), name="impact")]


def impact_buttons(page, user):
    """A button to the impact report on a cohort's or course's page."""
    specific_class = page.specific_class
    if specific_class is None:
        return []
    if issubclass(specific_class, CoursePage):
        # Commissioners read it without editing the course.
        if not reads_course_figures(user, page):
            return []
        url = reverse("courses:impact", args=[page.pk])
        return [Button(_("Impact"), url, icon_name="crosshairs", priority=62)]
    return page_buttons(
        page, user, CohortPage, _("Impact"), "cohorts:impact", "crosshairs", 62
    )
