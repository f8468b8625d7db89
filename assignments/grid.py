"""The progress grid of a cohort in the admin: a row per participant, a
column per session (attendance) and per experiment (where they are with its
reflection), with counts per column, filters, search and exports."""

from collections import OrderedDict

import django_filters
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BaseColumn, Column, Table
from wagtail.admin.views.reports import ReportView

from cohorts.exports import SafeSpreadsheetExportMixin
from cohorts.models import Attendance, CohortPage, Enrollment
from cohorts.views import (
    CohortBreadcrumbsMixin,
    managed_cohort,
    page_buttons,
    report_urls,
)
from outbox.listing import counted

from . import choosing, progress
from .fragments import fingerprint, fragment_seconds
from .models import Choice, Reflection


class ProgressFilterSet(WagtailFilterSet):
    """State means a participant's state in the chosen experiment, or in
    any experiment when none is chosen ("not started" in any: at least one
    experiment without a reflection)."""

    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=Reflection.Progress.choices,
        empty_label=_("Any state"),
        method="filter_state",
    )
    experiment = django_filters.ChoiceFilter(
        label=_("In experiment"),
        empty_label=_("Any experiment"),
        method="filter_experiment",
    )
    organisation = django_filters.ChoiceFilter(
        label=_("Organisation"), empty_label=_("Any organisation")
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


#: The icon of each attendance state (None: not marked) and of each state of
#: a reflection: a cell shows the icon in the state's colour, and says the
#: state in words to screen readers and in the legend.
ATTENDANCE_ICONS = {
    Attendance.Status.PRESENT: "check",
    Attendance.Status.ABSENT: "cross",
    Attendance.Status.EXCUSED: "minus",
    None: "radio-empty",
}
PROGRESS_ICONS = {
    Reflection.Progress.NOT_STARTED: "radio-empty",
    Reflection.Progress.DRAFT: "edit",
    Reflection.Progress.SUBMITTED: "doc-full",
    Reflection.Progress.LATE: "time",
    Reflection.Progress.FEEDBACK: "comment",
    progress.NOT_CHOSEN: "minus",
}


def attendance_label(status):
    return Attendance.Status(status).label if status else gettext("Not marked")


def badge(state, label, icon):
    """What the badge template needs: ``state`` names the colour."""
    return {"state": state or "none", "label": label, "icon": icon}


def attendance_badges():
    return [
        (status, badge(status, attendance_label(status), icon))
        for status, icon in ATTENDANCE_ICONS.items()
    ]


def progress_label(state):
    if state == progress.NOT_CHOSEN:
        return gettext("Chose another option")
    return Reflection.Progress(state).label


def progress_badges(option=False):
    """The states of a reflection column; ``option``: of an experiment that
    is one of its gap's options, where a participant may choose another."""
    return [
        (state, badge(state, progress_label(state), icon))
        for state, icon in PROGRESS_ICONS.items()
        if option or state != progress.NOT_CHOSEN
    ]


def progress_state(experiment, reflection, choice):
    """A participant's state in ``experiment`` (a column of the grid), from
    their reflection on it and their choice in its gap (either None)."""
    if reflection is not None:
        return reflection.progress
    if progress.chose_another(experiment, choice, reflection):
        return progress.NOT_CHOSEN
    return Reflection.Progress.NOT_STARTED


class ParticipantColumn(Column):
    """The participant's name with their organisation under it, kept in view
    while the grid scrolls sideways; sortable by either."""

    header_template_name = "assignments/admin/progress_participant_header.html"
    cell_template_name = "assignments/admin/progress_participant_cell.html"

    def __init__(self, sort_keys, **kwargs):
        super().__init__("name", classname="virtu-sticky", **kwargs)
        #: (sort key, label) of each way to sort by this column.
        self.sort_keys = sort_keys

    def get_header_context_data(self, parent_context):
        context = super().get_header_context_data(parent_context)
        ordering = context["table"].ordering
        context["sorts"] = [
            {
                "label": label,
                "next": key if ordering != key else f"-{key}",
                "state": (
                    "ascending"
                    if ordering == key
                    else "descending"
                    if ordering == f"-{key}"
                    else ""
                ),
            }
            for key, label in self.sort_keys
        ]
        return context


class ProgressColumn(Column):
    """A column of the progress grid, with its counts under the heading."""

    header_template_name = "assignments/admin/progress_column_header.html"

    class Media:
        css = {"all": ["assignments/admin/progress.css"]}

    def __init__(self, *args, badges=(), url="", url_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.badges = badges
        self.counts = {}
        self.url, self.url_label = url, url_label

    def get_header_context_data(self, parent_context):
        return {
            **super().get_header_context_data(parent_context),
            "counts": [(badge, self.counts.get(key, 0)) for key, badge in self.badges],
        }


class ReflectionColumn(ProgressColumn):
    cell_template_name = "assignments/admin/progress_reflection_cell.html"

    def __init__(self, experiment, option=False, **kwargs):
        super().__init__(
            f"experiment-{experiment.pk}",
            label=experiment.title,
            accessor=lambda person: person.reflection_by_experiment.get(experiment.pk),
            badges=progress_badges(option),
            **kwargs,
        )
        self.experiment = experiment

    def get_cell_context_data(self, instance, parent_context):
        # Not Column's: it would turn the reflection into text, with queries.
        context = BaseColumn.get_cell_context_data(self, instance, parent_context)
        reflection = self.get_value(instance)
        choice = instance.choice_by_gap.get(self.experiment.after_session)
        state = progress_state(self.experiment, reflection, choice)
        context["badge"] = badge(state, progress_label(state), PROGRESS_ICONS[state])
        # Drafts are their authors' own: the grid tells they exist, no more.
        if reflection and reflection.status == Reflection.Status.SUBMITTED:
            context["url"] = reverse("reflections:review", args=[reflection.pk])
        return context


class ChoiceColumn(Column):
    """What each participant chose to do in a gap that asks for a choice:
    the option, or the first line of their own plan."""

    cell_template_name = "assignments/admin/progress_choice_cell.html"

    def __init__(self, gap, **kwargs):
        super().__init__(
            f"choice-{gap}",
            label=gettext("Choice after session %(number)s") % {"number": gap},
            accessor=lambda person: person.choice_by_gap.get(gap),
            **kwargs,
        )

    def get_cell_context_data(self, instance, parent_context):
        context = BaseColumn.get_cell_context_data(self, instance, parent_context)
        context["choice"] = self.get_value(instance)
        return context


def choices_of(people, gaps, cohort):
    """{(enrollment pk, gap): Choice} for ``people`` (everyone in ``cohort``
    when None), in one query."""
    if not gaps:
        return {}
    choices = Choice.objects.filter(after_session__in=gaps)
    if people is None:
        choices = choices.filter(enrollment__cohort=cohort)
    else:
        choices = choices.filter(enrollment__in=people)
    return {
        (choice.enrollment_id, choice.after_session): choice
        for choice in choices.select_related("experiment")
    }


class AttendanceColumn(ProgressColumn):
    cell_template_name = "assignments/admin/progress_attendance_cell.html"

    def __init__(self, session, **kwargs):
        super().__init__(
            f"session-{session.pk}",
            label=session.title,
            accessor=lambda person: person.attendance_by_session.get(session.pk),
            badges=attendance_badges(),
            **kwargs,
        )
        self.session = session

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        status = context["raw_value"]
        context["badge"] = badge(
            status, attendance_label(status), ATTENDANCE_ICONS[status or None]
        )
        return context


class ProgressTable(Table):
    """Wagtail's table with each row kept in the cache under a fingerprint of
    what it shows (``assignments.fragments``): a page of 100 people renders
    some 900 cell templates, most of them the same as on the last visit."""

    template_name = "assignments/admin/progress_table.html"

    @property
    def fragment_seconds(self):
        return fragment_seconds()


class ProgressView(SafeSpreadsheetExportMixin, ReportView):
    """One cohort, a row per participant: attendance at each session and the
    state of each experiment's reflection. A fixed number of queries at any
    size: the page's people, then their attendance and reflections in bulk,
    and the counts by aggregate."""

    model = Enrollment
    permission_required = "view"
    results_template_name = "assignments/admin/progress_results.html"
    paginator_class = counted(
        ngettext_lazy("%(count)s participant", "%(count)s participants", "count")
    )
    template_name = "assignments/admin/progress.html"
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
        #: One moment for the whole page: which sessions have been held.
        self.now = timezone.now()
        self.sessions = list(self.cohort.sessions.all())
        self.experiments = list(self.cohort.experiments.all())
        #: The gaps whose participants choose their experiment.
        self.choice_gaps = [
            gap
            for gap, options in choosing.gaps(self.experiments).items()
            if choosing.asks_choice(options)
        ]

    def get_breadcrumbs_items(self):
        return CohortBreadcrumbsMixin.get_breadcrumbs_items(self)

    def get_page_title(self):
        # The cohort in the heading: the breadcrumbs that name it are folded.
        return f"{self.page_title}: {self.cohort.title}"

    def get_index_url(self):
        return reverse(self.index_url_name, args=[self.cohort.pk])

    def get_index_results_url(self):
        return reverse(self.index_results_url_name, args=[self.cohort.pk])

    def get_filename(self):
        return self.dated_filename(self.page_title, self.cohort.slug)

    def get_filterset_kwargs(self):
        return {
            **super().get_filterset_kwargs(),
            "cohort": self.cohort,
            "experiments": self.experiments,
        }

    def get_base_queryset(self):
        return progress.participants(self.cohort)

    def get_valid_orderings(self):
        # The participant column sorts by name or by organisation.
        return [*self.orderings, *(f"-{key}" for key in self.orderings)]

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
            ParticipantColumn(
                [("name", _("Participant")), ("organisation", _("Organisation"))],
                label=_("Participant"),
            ),
            *[
                AttendanceColumn(
                    session,
                    # Marked once held (``CohortPage.has_held``).
                    url=reverse(
                        self.attendance_url_name, args=[self.cohort.pk, session.pk]
                    )
                    if self.cohort.has_held(session.start, self.now)
                    else "",
                    url_label=_("Mark attendance"),
                )
                for session in self.sessions
            ],
            *self.experiment_columns(),
        ]

    def experiment_columns(self):
        """A column per experiment; where a gap asks for a choice, what each
        participant chose comes first, then its options."""
        columns = []
        for gap, experiments in sorted(choosing.gaps(self.experiments).items()):
            option = gap in self.choice_gaps
            if option:
                columns.append(ChoiceColumn(gap))
            columns.extend(ReflectionColumn(e, option=option) for e in experiments)
        return columns

    table_class = ProgressTable

    def with_cells(self, people):
        """The ``people`` with their attendance and reflections attached, and
        the fingerprint of their row."""
        people = list(people)
        cells = self.cells_of(people)
        columns = fingerprint(
            self.cohort.pk, self.sessions, self.experiments, self.choice_gaps
        )
        for person in people:
            self.attach(person, *cells)
            person.row_fingerprint = fingerprint(columns, person)
        return people

    def cells_of(self, people):
        """The attendance, reflections and choices of ``people`` (a list), or
        of the whole cohort when None."""
        return (
            progress.attendance_of(people, self.sessions, self.now),
            progress.reflections_of(people, self.experiments),
            choices_of(people, self.choice_gaps, self.cohort),
        )

    def attach(self, person, attendance, reflections, choices):
        person.choice_by_gap = {
            gap: choices.get((person.pk, gap)) for gap in self.choice_gaps
        }
        person.attendance_by_session = {
            session.pk: attendance.get((person.pk, session.pk))
            for session in self.sessions
        }
        person.reflection_by_experiment = {
            experiment.pk: reflections.get((person.pk, experiment.pk))
            for experiment in self.experiments
        }
        return person

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
        return ExportRows(object_list, self)

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        if self.is_export:
            return context
        total = context["items_count"]
        attendance = progress.attendance_counts(
            self.object_list, total, self.sessions, self.now
        )
        options = [e for e in self.experiments if e.after_session in self.choice_gaps]
        states = progress.progress_counts(
            self.object_list, total, self.experiments, options
        )
        for column in self.columns:
            if isinstance(column, AttendanceColumn):
                column.counts = attendance[column.session.pk]
            elif isinstance(column, ReflectionColumn):
                column.counts = states[column.experiment.pk]
        context["cohort"] = self.cohort
        context["legend"] = [
            (_("Attendance"), [badge for __, badge in attendance_badges()]),
            (
                _("Reflections"),
                [badge for __, badge in progress_badges(bool(self.choice_gaps))],
            ),
        ]
        context["withdrawn_count"] = progress.withdrawn_count(self.cohort)
        return context

    @cached_property
    def list_export(self):
        return [
            "name",
            "email",
            "organisation",
            *[column.name for column in self.columns[1:]],
        ]

    @cached_property
    def export_headings(self):
        return {
            "name": gettext("Participant"),
            "email": gettext("Email"),
            "organisation": gettext("Organisation"),
            **{column.name: str(column.label) for column in self.columns[1:]},
        }

    def to_row_dict(self, item):
        """The row as the screen shows it: the label of each cell."""
        row = OrderedDict(
            name=item.name, email=item.email, organisation=item.organisation
        )
        for session in self.sessions:
            status = item.attendance_by_session[session.pk]
            row[f"session-{session.pk}"] = attendance_label(status)
        for gap in self.choice_gaps:
            choice = item.choice_by_gap[gap]
            row[f"choice-{gap}"] = choice.title if choice else ""
        for experiment in self.experiments:
            state = progress_state(
                experiment,
                item.reflection_by_experiment[experiment.pk],
                item.choice_by_gap.get(experiment.after_session),
            )
            row[f"experiment-{experiment.pk}"] = progress_label(state)
        return row


class ExportRows:
    """The people of an export with their cells, read while the file is
    sent: the cohort's attendance, reflections and choices in one query
    each, whatever its size (a list of thousands of ids in each query grew
    slower than the rows), then the people in batches."""

    def __init__(self, people, view):
        self.people = people
        self.view = view
        # Read before the response starts: a database that fails here gives
        # an error page, not a cut-off file.
        self.cells = view.cells_of(None)

    def count(self):
        return self.people.count()

    def __iter__(self):
        for person in self.people.iterator(chunk_size=2000):
            yield self.view.attach(person, *self.cells)


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
