from django.db.models import Count, Min, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.pages.listing import IndexView as PageIndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.viewsets.pages import PageListingViewSet

from .enrolment import EnrollmentForm
from .models import CohortPage, Enrollment


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
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "cohort")


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
    list_filter = ["role", "cohort", "organisation"]
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


class CohortIndexView(PageIndexView):
    """Cohorts with their head counts and first session, in a fixed number
    of queries however many people they have."""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                participant_count=Count(
                    "enrollments",
                    filter=Q(enrollments__role=Enrollment.Role.PARTICIPANT),
                    distinct=True,
                ),
                trainer_count=Count(
                    "enrollments",
                    filter=Q(enrollments__role=Enrollment.Role.TRAINER),
                    distinct=True,
                ),
                first_session=Min("sessions__start"),
            )
        )


class CohortListingViewSet(PageListingViewSet):
    model = CohortPage
    index_view_class = CohortIndexView
    icon = "group"
    menu_label = _("Cohorts")
    add_to_admin_menu = False
    name = "cohorts"
    columns = [
        *PageListingViewSet.columns,
        Column("organisations", label=_("Organisations")),
        Column("first_session", label=_("First session"), sort_key="first_session"),
        Column(
            "participant_count", label=_("Participants"), sort_key="participant_count"
        ),
        Column("trainer_count", label=_("Trainers"), sort_key="trainer_count"),
    ]
