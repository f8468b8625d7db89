import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from .models import Enrollment
from .permissions import cohorts_for_user


def users_cohorts(request):
    """The cohort choices of a filter: only those the user may see."""
    return cohorts_for_user(request.user).order_by("title")


class EnrollmentFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(label=_("Cohort"), queryset=users_cohorts)
    organisation = django_filters.CharFilter(
        label=_("Organisation"), lookup_expr="icontains"
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[("active", _("In the cohort")), ("withdrawn", _("Withdrawn"))],
        method="filter_state",
    )

    def filter_state(self, queryset, name, value):
        if value == "withdrawn":
            return queryset.withdrawn()
        return queryset.active()

    class Meta:
        model = Enrollment
        fields = ["role", "cohort", "organisation", "state"]
