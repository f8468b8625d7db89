"""Who reads which reflections in the admin: the submitted ones of the
cohorts they train or coordinate (``cohorts.permissions``). A draft is its
author's alone until they send it to the trainers."""

from cohorts.permissions import CohortScopedPermissionPolicy

from .models import Reflection


class ReflectionPermissionPolicy(CohortScopedPermissionPolicy):
    """Reflections of the user's cohorts, once submitted."""

    def __init__(self, model, **kwargs):
        super().__init__(model, "experiment__cohort", **kwargs)

    def in_users_cohorts(self, user, queryset):
        return (
            super()
            .in_users_cohorts(user, queryset)
            .filter(status=Reflection.Status.SUBMITTED)
        )
