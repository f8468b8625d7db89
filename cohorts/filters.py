import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from .models import Enrollment
from .permissions import cohorts_for_user


def users_cohorts(request):
    """The cohort choices of a filter: only those the user may see."""
    return cohorts_for_user(request.user).order_by("title")


class EnrollmentFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(label=_("cohort"), queryset=users_cohorts)
    organisation = django_filters.CharFilter(
        label=_("organisation"), lookup_expr="icontains"
    )

    class Meta:
        model = Enrollment
        fields = ["role", "cohort", "organisation"]
