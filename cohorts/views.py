from collections import OrderedDict
from urllib.parse import urlencode

import django_filters
from django.contrib import messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BaseColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.views.reports import ReportView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.admin.widgets import Button, HeaderButton

from assignments.models import Reflection

from . import progress
from .attendance import CHOICES, AttendanceForm
from .enrolment import EnrollmentForm
from .exports import SafeSpreadsheetExportMixin
from .filters import EnrollmentFilterSet
from .importing import ImportForm, describe
from .models import Attendance, CohortPage, Enrollment, Session
from .permissions import cohorts_for_user


class CohortScopedIndexView(SafeSpreadsheetExportMixin, generic.IndexView):
    """A listing of only the objects of the cohorts the user may see, with
    exports in which their text cannot turn into formulas."""

    def get_base_queryset(self):
        return self.permission_policy.in_users_cohorts(
            self.request.user, super().get_base_queryset()
        )


class CohortScopedEditView(generic.EditView):
    def get_queryset(self):
        return self.permission_policy.in_users_cohorts(
            self.request.user, super().get_queryset()
        )


class CohortScopedDeleteView(generic.DeleteView):
    def get_queryset(self):
        return self.permission_policy.in_users_cohorts(
            self.request.user, super().get_queryset()
        )


class CohortScopedInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(
            self.permission_policy.in_users_cohorts(
                self.request.user, self.model._default_manager.all()
            ),
            pk=self.pk,
        )


class CohortScopedViewSet(ModelViewSet):
    """A model viewset whose every view, export included, shows only the
    objects of the user's own cohorts (all cohorts for coordinators)."""

    index_view_class = CohortScopedIndexView
    edit_view_class = CohortScopedEditView
    delete_view_class = CohortScopedDeleteView
    inspect_view_class = CohortScopedInspectView


class EnrollmentIndexView(CohortScopedIndexView):
    import_url_name = None

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "cohort")

    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.import_url_name and self.user_has_permission("add"):
            url = reverse(self.import_url_name)
            # From a listing filtered to one cohort, import into that cohort.
            if (cohort := self.request.GET.get("cohort", "")).isdigit():
                url += "?" + urlencode({"cohort": cohort})
            buttons.append(HeaderButton(_("Import from file"), url, icon_name="upload"))
        return buttons


class ImportView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    """Enrols everyone listed in a file, or nobody when any row is wrong."""

    model = Enrollment
    permission_required = "add"
    form_class = ImportForm
    template_name = "cohorts/enrollment_import.html"
    page_title = _("Import from file")
    index_url_name = None
    import_url_name = None

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(self.model._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_initial(self):
        return {"cohort": self.request.GET.get("cohort")}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["action_url"] = reverse(self.import_url_name)
        context["submit_button_label"] = _("Import")
        context["submit_button_active_label"] = _("Importing…")
        context["media"] = context["form"].media
        return context

    def form_valid(self, form):
        cohort, counts = form.cleaned_data["cohort"], form.save()
        messages.success(
            self.request,
            gettext("%(cohort)s: %(counts)s.")
            % {"cohort": cohort.title, "counts": describe(counts)},
        )
        query = urlencode({"cohort": cohort.pk})
        return redirect(reverse(self.index_url_name) + "?" + query)


class EnrollmentViewSet(CohortScopedViewSet):
    model = Enrollment
    index_view_class = EnrollmentIndexView
    icon = "group"
    menu_label = _("Enrolments")
    add_to_admin_menu = False
    url_prefix = "training/enrolments"
    list_display = [
        Column("name", label=_("Name"), sort_key="user__last_name"),
        Column("email", label=_("Email"), sort_key="user__email"),
        "role",
        "organisation",
        "cohort",
    ]
    filterset_class = EnrollmentFilterSet
    list_export = ["name", "email", "role", "organisation", "cohort", "created_at"]
    export_headings = {"name": _("Name"), "email": _("Email")}
    search_fields = [
        "user__first_name",
        "user__last_name",
        "user__email",
        "organisation",
    ]
    ordering = ["cohort__title", "role", "user__last_name", "user__first_name"]
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return EnrollmentForm

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            import_url_name=self.get_url_name("import"), **kwargs
        )

    @property
    def import_view(self):
        return self.construct_view(
            ImportView, import_url_name=self.get_url_name("import")
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("import/", self.import_view, name="import"),
        ]


class CohortIndexView(PageIndexView):
    """Cohorts with their head counts and first session, in a fixed number
    of queries however many people they have."""

    def get_base_queryset(self):
        # One small subquery per figure: joining enrolments and sessions in
        # one aggregate multiplies rows and got 30 times slower at 5,000.
        return (
            super()
            .get_base_queryset()
            .annotate(
                participant_count=self.count_enrolled(Enrollment.Role.PARTICIPANT),
                trainer_count=self.count_enrolled(Enrollment.Role.TRAINER),
                first_session=Subquery(
                    Session.objects.filter(page=OuterRef("pk"))
                    .order_by("start")
                    .values("start")[:1]
                ),
            )
        )

    @staticmethod
    def count_enrolled(role):
        return Coalesce(
            Subquery(
                Enrollment.objects.filter(cohort=OuterRef("pk"), role=role)
                .order_by()
                .values("cohort")
                .annotate(count=Count("pk"))
                .values("count")
            ),
            0,
        )


class CohortListingViewSet(PageListingViewSet):
    model = CohortPage
    index_view_class = CohortIndexView
    icon = "group"
    menu_label = _("Cohorts")
    add_to_admin_menu = False
    name = "cohorts"
    columns = [
        # Wagtail's own, less "updated", to leave the title room.
        *[
            column
            for column in PageListingViewSet.columns
            if column.name != "latest_revision_created_at"
        ],
        Column("organisations", label=_("Organisations")),
        Column("first_session", label=_("First session"), sort_key="first_session"),
        Column(
            "participant_count", label=_("Participants"), sort_key="participant_count"
        ),
        Column("trainer_count", label=_("Trainers"), sort_key="trainer_count"),
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/progress/", self.progress_view, name="progress"),
            path(
                "<int:pk>/progress/results/",
                self.progress_results_view,
                name="progress_results",
            ),
            path(
                "<int:pk>/attendance/",
                CurrentAttendanceView.as_view(),
                name="attendance",
            ),
            path(
                "<int:pk>/attendance/<int:session_pk>/",
                self.attendance_view,
                name="session_attendance",
            ),
        ]

    def get_progress_view_kwargs(self, **kwargs):
        return {
            "index_url_name": self.get_url_name("progress"),
            "index_results_url_name": self.get_url_name("progress_results"),
            "attendance_url_name": self.get_url_name("session_attendance"),
            **kwargs,
        }

    @property
    def progress_view(self):
        return ProgressView.as_view(**self.get_progress_view_kwargs())

    @property
    def progress_results_view(self):
        return ProgressView.as_view(**self.get_progress_view_kwargs(results_only=True))

    @property
    def attendance_view(self):
        return AttendanceView.as_view(
            progress_url_name=self.get_url_name("progress"),
            attendance_url_name=self.get_url_name("session_attendance"),
        )


def managed_cohort(user, pk):
    """The cohort ``pk`` if ``user`` trains or coordinates it, else 404."""
    return get_object_or_404(cohorts_for_user(user), pk=pk)


class CohortBreadcrumbsMixin:
    """Home › Cohorts › the cohort › this view."""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("cohorts:index"), "label": _("Cohorts")},
            {
                "url": reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                "label": self.cohort.title,
            },
            {"url": "", "label": self.get_page_title()},
        ]


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

    header_template_name = "cohorts/admin/progress_column_header.html"

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
    cell_template_name = "cohorts/admin/progress_reflection_cell.html"

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
    cell_template_name = "cohorts/admin/progress_attendance_cell.html"

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


class CurrentAttendanceView(PermissionCheckedMixin, View):
    """To the attendance of the session under way or last started (the
    first, before any has started)."""

    model = Attendance
    permission_required = "change"

    def get(self, request, pk):
        cohort = managed_cohort(request.user, pk)
        sessions = list(cohort.sessions.order_by("start"))
        if not sessions:
            messages.warning(request, gettext("This cohort has no sessions yet."))
            return redirect("cohorts:progress", cohort.pk)
        started = [s for s in sessions if s.start <= timezone.now()]
        session = started[-1] if started else sessions[0]
        return redirect("cohorts:session_attendance", cohort.pk, session.pk)


class AttendanceView(
    PermissionCheckedMixin, CohortBreadcrumbsMixin, WagtailAdminTemplateMixin, FormView
):
    """A session's attendance for the whole cohort, in one form."""

    model = Attendance
    permission_required = "change"
    template_name = "cohorts/admin/attendance.html"
    header_icon = "tick-inverse"
    progress_url_name = None
    attendance_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.cohort = managed_cohort(request.user, kwargs["pk"])
        self.sessions = list(self.cohort.sessions.all())
        self.session = next(
            (s for s in self.sessions if s.pk == kwargs["session_pk"]), None
        )
        if self.session is None:
            raise Http404

    def get_page_title(self):
        return gettext("Attendance")

    def get_page_subtitle(self):
        return self.session.title

    def get_form(self, form_class=None):
        people = progress.participants(self.cohort).order_by(
            *ProgressView.orderings["name"]
        )
        return AttendanceForm(self.session, people, **self.get_form_kwargs())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            cohort=self.cohort,
            session=self.session,
            sessions=[
                (
                    session,
                    reverse(
                        self.attendance_url_name, args=[self.cohort.pk, session.pk]
                    ),
                )
                for session in self.sessions
            ],
            progress_url=reverse(self.progress_url_name, args=[self.cohort.pk]),
            choices=CHOICES,
        )
        return context

    def form_valid(self, form):
        changed = form.save(self.request.user)
        messages.success(
            self.request,
            ngettext(
                "Attendance saved for %(session)s: %(count)s change.",
                "Attendance saved for %(session)s: %(count)s changes.",
                changed,
            )
            % {"session": self.session.title, "count": changed},
        )
        return redirect(self.request.path)

    def form_invalid(self, form):
        messages.error(
            self.request,
            gettext("The attendance could not be saved. Check the marked rows."),
        )
        return super().form_invalid(form)


def cohort_buttons(page, user, priority=60):
    """Buttons to a cohort's progress and attendance, on its page in the admin."""
    model = page.specific_class
    if model is None or not issubclass(model, CohortPage):
        return
    if not page.permissions_for_user(user).can_edit():
        return
    yield Button(
        _("Progress"),
        reverse("cohorts:progress", args=[page.pk]),
        icon_name="table",
        priority=priority,
    )
    yield Button(
        _("Mark attendance"),
        reverse("cohorts:attendance", args=[page.pk]),
        icon_name="tick-inverse",
        priority=priority + 1,
    )
