from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.admin.widgets import HeaderButton

from .enrolment import EnrollmentForm
from .filters import EnrollmentFilterSet
from .importing import ImportForm, describe
from .models import CohortPage, Enrollment, Session


class CohortScopedIndexView(generic.IndexView):
    """A listing of only the objects of the cohorts the user may see."""

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
