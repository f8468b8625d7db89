import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet

from cohorts.filters import users_cohorts

from .models import Reflection


class ReflectionFilterSet(WagtailFilterSet):
    cohort = django_filters.ModelChoiceFilter(
        label=_("Cohort"), field_name="experiment__cohort", queryset=users_cohorts
    )

    class Meta:
        model = Reflection
        fields = ["visibility", "is_late", "cohort"]
