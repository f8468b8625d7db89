from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

from assignments.models import Reflection
from assignments.views import ReflectionViewSet
from courses.views import CourseListingViewSet

from .models import Enrollment
from .permissions import CohortScopedPermissionPolicy
from .views import CohortListingViewSet, EnrollmentViewSet

register_permission_policy(
    Enrollment, CohortScopedPermissionPolicy(Enrollment, "cohort")
)
register_permission_policy(
    Reflection, CohortScopedPermissionPolicy(Reflection, "experiment__cohort")
)


class TrainingViewSetGroup(ViewSetGroup):
    menu_label = _("Training")
    menu_icon = "calendar"
    menu_order = 150
    items = (
        CourseListingViewSet("courses"),
        CohortListingViewSet("cohorts"),
        EnrollmentViewSet("enrollments"),
        ReflectionViewSet("reflections"),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()
