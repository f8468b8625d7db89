from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column

from cohorts.views import CohortScopedIndexView, CohortScopedViewSet

from .filters import ReflectionFilterSet
from .models import Reflection


class ReflectionIndexView(CohortScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("experiment__cohort", "author__user", "author__cohort")
        )


class ReflectionViewSet(CohortScopedViewSet):
    """Reflections of the user's cohorts; participants write them on the site."""

    model = Reflection
    index_view_class = ReflectionIndexView
    icon = "doc-full"
    menu_label = _("Reflections")
    add_to_admin_menu = False
    url_prefix = "training/reflections"
    inspect_view_enabled = True
    list_display = [
        "experiment",
        Column("author", label=_("Participant"), sort_key="author__user__last_name"),
        Column("cohort", label=_("Cohort"), accessor="experiment.cohort"),
        "status",
        "visibility",
        "is_late",
        "submitted_at",
    ]
    filterset_class = ReflectionFilterSet
    list_export = [
        "experiment",
        "author",
        "status",
        "visibility",
        "is_late",
        "submitted_at",
        "text",
    ]
    export_headings = {"author": _("Participant"), "text": _("Answers")}
    search_fields = ["author__user__first_name", "author__user__last_name"]
    inspect_view_fields = [
        "experiment",
        "author",
        "status",
        "visibility",
        "is_late",
        "submitted_at",
        "text",
    ]
    ordering = ["-updated_at"]
    #: Participants write reflections on the site; the admin only reads them,
    #: and the Coordinators and Trainers groups hold no add or change permission.
    form_fields = ["visibility"]
