"""The progress grid of a cohort in the admin: a row per participant, a
column per session (attendance) and per experiment (where they are with its
reflection), with counts per column, filters, search and exports."""

from collections import OrderedDict

import django_filters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BaseColumn, Column
from wagtail.admin.views.reports import ReportView

from cohorts.exports import SafeSpreadsheetExportMixin
from cohorts.models import Attendance, CohortPage, Enrollment
from cohorts.views import (
    CohortBreadcrumbsMixin,
    managed_cohort,
    page_buttons,
    report_urls,
)

from . import progress
from .models import Reflection


class ProgressFilterSet(WagtailFilterSet):
    """State means a participant's state in the chosen experiment, or in
    any experiment when none is chosen ("not started" in any: at least one
    experiment without a reflection)."""

    state = django_filters.ChoiceFilter(
        label=_("state"),
        choices=Reflection.Progress.choices,
        empty_label=_("Any state"),
        method="filter_state",
    )
    experiment = django_filters.ChoiceFilter(
        label=_("in experiment"),
        empty_label=_("Any experiment"),
        method="filter_experiment",
    )
    organisation = django_filters.ChoiceFilter(
        label=_("organisation"), empty_label=_("Any organisation")
    )

    class Meta:
        model = Enrollment
        fields = ["state", "experiment", "organisation"]

    def __init__(self, *args, cohort, experiments, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort
        self.experiments = {
            str(experiment.pk): experiment for experiment in experiments
        }
        self.filters["experiment"].extra["choices"] = [
            (pk, experiment.title) for pk, experiment in self.experiments.items()
        ]
        organisations = (
            progress.participants(cohort)
            .exclude(organisation="")
            .order_by("organisation")
            .values_list("organisation", flat=True)
            .distinct()
        )
        self.filters["organisation"].extra["choices"] = [
            (organisation, organisation) for organisation in organisations
        ]

    def filter_state(self, queryset, name, value):
        experiment = self.experiments.get(self.form.cleaned_data.get("experiment"))
        return progress.with_progress(queryset, self.cohort, value, experiment)

    def filter_experiment(self, queryset, name, value):
        return queryset  # narrows the state filter only


class ProgressColumn(Column):
    """A column of the progress grid, with its counts under the heading."""

    header_template_name = "assignments/admin/progress_column_header.html"

    def __init__(self, *args, counts_labels=(), url="", url_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.counts_labels = counts_labels
        self.counts = {}
        self.url, self.url_label = url, url_label

    def get_header_context_data(self, parent_context):
        return {
            **super().get_header_context_data(parent_context),
            "counts": [
                (label, self.counts.get(key, 0)) for key, label in self.counts_labels
            ],
        }


class ReflectionColumn(ProgressColumn):
    cell_template_name = "assignments/admin/progress_reflection_cell.html"

    def __init__(self, experiment, **kwargs):
        super().__init__(
            f"experiment-{experiment.pk}",
            label=experiment.title,
            accessor=lambda person: person.reflection_by_experiment.get(experiment.pk),
            counts_labels=Reflection.Progress.choices,
            **kwargs,
        )
        self.experiment = experiment

    def get_cell_context_data(self, instance, parent_context):
        # Not Column's: it would turn the reflection into text, with queries.
        context = BaseColumn.get_cell_context_data(self, instance, parent_context)
        reflection = self.get_value(instance)
        state = reflection.progress if reflection else Reflection.Progress.NOT_STARTED
        context["state"] = state
        context["label"] = Reflection.Progress(state).label
        # Drafts are their authors' own: the grid tells they exist, no more.
        if reflection and reflection.status == Reflection.Status.SUBMITTED:
            context["url"] = reverse("reflections:review", args=[reflection.pk])
        return context


class AttendanceColumn(ProgressColumn):
    cell_template_name = "assignments/admin/progress_attendance_cell.html"

    def __init__(self, session, **kwargs):
        super().__init__(
            f"session-{session.pk}",
            label=session.title,
            accessor=lambda person: person.attendance_by_session.get(session.pk),
            counts_labels=[*Attendance.Status.choices, (None, _("Not marked"))],
            **kwargs,
        )
        self.session = session

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        status = context["raw_value"]
        context["label"] = (
            Attendance.Status(status).label if status else gettext("Not marked")
        )
        return context


class ProgressView(SafeSpreadsheetExportMixin, ReportView):
    """One cohort, a row per participant: attendance at each session and the
    state of each experiment's reflection. A fixed number of queries at any
    size: the page's people, then their attendance and reflections in bulk,
    and the counts by aggregate."""

    model = Enrollment
    permission_required = "view"
    page_title = _("Progress")
    header_icon = "table"
    paginate_by = 100
    is_searchable = True
    filterset_class = ProgressFilterSet
    default_ordering = "name"
    attendance_url_name = None
    #: Sort keys and the fields they order by, ties broken the same way.
    orderings = {
        "name": ("user__last_name", "user__first_name", "pk"),
        "organisation": ("organisation", "user__last_name", "user__first_name", "pk"),
    }

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.cohort = managed_cohort(request.user, kwargs["pk"])
        self.sessions = list(self.cohort.sessions.all())
        self.experiments = list(self.cohort.experiments.all())

    def get_breadcrumbs_items(self):
        return CohortBreadcrumbsMixin.get_breadcrumbs_items(self)

    def get_page_subtitle(self):
        return self.cohort.title

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.cohort.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.cohort.pk])

    def get_filename(self):
        return f"progress-{self.cohort.slug}-{timezone.localdate():%Y-%m-%d}"

    def get_filterset_kwargs(self):
        return {
            **super().get_filterset_kwargs(),
            "cohort": self.cohort,
            "experiments": self.experiments,
        }

    def get_base_queryset(self):
        return progress.participants(self.cohort)

    def order_queryset(self, queryset):
        descending = self.ordering.startswith("-")
        fields = self.orderings[self.ordering.removeprefix("-")]
        return queryset.order_by(*(f"-{f}" if descending else f for f in fields))

    def search_queryset(self, queryset):
        # Each word matches a first or last name or an email address, so
        # that "Aino Virtanen" finds her.
        for word in self.search_query.split():
            queryset = queryset.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__email__icontains=word)
            )
        return queryset

    @cached_property
    def columns(self):
        return [
            Column("name", label=_("Participant"), sort_key="name"),
            Column("organisation", label=_("Organisation"), sort_key="organisation"),
            *[
                AttendanceColumn(
                    session,
                    url=reverse(
                        self.attendance_url_name, args=[self.cohort.pk, session.pk]
                    ),
                    url_label=_("Mark attendance"),
                )
                for session in self.sessions
            ],
            *[ReflectionColumn(experiment) for experiment in self.experiments],
        ]

    def with_cells(self, people):
        """The ``people`` with their attendance and reflections attached."""
        people = list(people)
        attendance = progress.attendance_of(people, self.sessions)
        reflections = progress.reflections_of(people, self.experiments)
        for person in people:
            person.attendance_by_session = {
                session.pk: attendance.get((person.pk, session.pk))
                for session in self.sessions
            }
            person.reflection_by_experiment = {
                experiment.pk: reflections.get((person.pk, experiment.pk))
                for experiment in self.experiments
            }
        return people

    def paginate_queryset(self, queryset, page_size):
        paginator, page, people, is_paginated = super().paginate_queryset(
            queryset, page_size
        )
        page.object_list = self.with_cells(people)
        return paginator, page, page.object_list, is_paginated

    def decorate_paginated_queryset(self, object_list):
        # Paginated pages have their cells already; an export has not.
        if isinstance(object_list, list):
            return object_list
        return self.with_cells(object_list)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if self.is_export:
            return context
        total = context["items_count"]
        attendance = progress.attendance_counts(self.object_list, total, self.sessions)
        states = progress.progress_counts(self.object_list, total, self.experiments)
        for column in self.columns:
            if isinstance(column, AttendanceColumn):
                column.counts = attendance[column.session.pk]
            elif isinstance(column, ReflectionColumn):
                column.counts = states[column.experiment.pk]
        context["cohort"] = self.cohort
        return context

    @cached_property
    def list_export(self):
        return [
            "name",
            "email",
            "organisation",
            *[column.name for column in self.columns[2:]],
        ]

    @cached_property
    def export_headings(self):
        return {
            "name": gettext("Participant"),
            "email": gettext("Email"),
            "organisation": gettext("Organisation"),
            **{column.name: str(column.label) for column in self.columns[2:]},
        }

    def to_row_dict(self, item):
        """The row as the screen shows it: the label of each cell."""
        row = OrderedDict(
            name=item.name, email=item.email, organisation=item.organisation
        )
        for session in self.sessions:
            status = item.attendance_by_session[session.pk]
            row[f"session-{session.pk}"] = (
                Attendance.Status(status).label if status else gettext("Not marked")
            )
        for experiment in self.experiments:
            reflection = item.reflection_by_experiment[experiment.pk]
            state = (
                reflection.progress if reflection else Reflection.Progress.NOT_STARTED
            )
            row[f"experiment-{experiment.pk}"] = Reflection.Progress(state).label
        return row


def progress_urls(viewset):
    """The grid's URLs, in the cohorts viewset's namespace
    (``cohorts:progress``), for the ``register_cohort_admin_urls`` hook."""
    return report_urls(
        ProgressView,
        viewset,
        "progress",
        attendance_url_name=viewset.get_url_name("session_attendance"),
    )


def progress_buttons(page, user):
    """A button to a cohort's progress grid, on its page in the admin."""
    return page_buttons(
        page,
        user,
        CohortPage,
        _("Progress"),
        "cohorts:progress",
        icon_name="table",
        priority=60,
    )
