from django.contrib import messages
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

from assignments.models import Reflection
from assignments.views import ReflectionViewSet
from courses.views import CourseListingViewSet

from .meetings import ensure_meetings
from .models import Attendance, CohortPage, Enrollment, OutgoingEmail
from .outbox_views import OutboxPermissionPolicy, OutgoingEmailViewSet
from .panels import NextSessionsPanel
from .permissions import CohortScopedPermissionPolicy, ReflectionPermissionPolicy
from .views import CohortListingViewSet, EnrollmentViewSet, cohort_buttons

register_permission_policy(
    Enrollment, CohortScopedPermissionPolicy(Enrollment, "cohort")
)
register_permission_policy(
    Attendance, CohortScopedPermissionPolicy(Attendance, "session__page")
)
register_permission_policy(Reflection, ReflectionPermissionPolicy(Reflection))
register_permission_policy(OutgoingEmail, OutboxPermissionPolicy(OutgoingEmail))


class TrainingViewSetGroup(ViewSetGroup):
    menu_label = _("Training")
    menu_icon = "calendar"
    menu_order = 150
    items = (
        CourseListingViewSet("courses"),
        CohortListingViewSet("cohorts"),
        EnrollmentViewSet("enrollments"),
        ReflectionViewSet("reflections"),
        OutgoingEmailViewSet("outbox"),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()


@hooks.register("register_log_actions")
def keep_people_out_of_site_history(actions):
    # Site history shows a model's log entries to anyone with a permission on
    # the model, whatever the cohort: a trainer would read the names in other
    # cohorts' enrolments there. So these models keep no log.
    actions.log_entry_models_by_type.register(Enrollment, None)
    actions.log_entry_models_by_type.register(Reflection, None)


@hooks.register("before_publish_page")
def create_meetings(request, page):
    # Before publishing: page_published is sent during the publish, and the
    # invites it triggers must already carry the join links. A failure warns
    # and lets the publish go on; publishing again retries.
    if isinstance(page, CohortPage):
        for failure in ensure_meetings(page):
            messages.warning(request, str(failure))


@hooks.register("register_page_header_buttons")
def cohort_header_buttons(page, user, view_name, next_url=None):
    return cohort_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def cohort_listing_buttons(page, user, next_url=None):
    return cohort_buttons(page, user)


@hooks.register("construct_homepage_panels")
def add_next_sessions_panel(request, panels):
    panels.append(NextSessionsPanel())
