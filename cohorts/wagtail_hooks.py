from django.contrib import messages
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.signals import init_new_page

from .emails import Kind
from .meetings import ensure_meetings, missing_links_warning
from .models import Attendance, CohortPage, Enrollment
from .panels import NextSessionsPanel
from .permissions import CohortScopedPermissionPolicy, enrolled_people_only
from .planning import plan_new_cohort, remember_start_date
from .views import cohort_buttons
from .welcome import render_welcome

register_permission_policy(
    Enrollment, CohortScopedPermissionPolicy(Enrollment, "cohort")
)
register_permission_policy(
    Attendance, CohortScopedPermissionPolicy(Attendance, "session__page")
)
hooks.register("construct_sign_in_link_users", enrolled_people_only)
hooks.register("before_create_page", remember_start_date)
init_new_page.connect(plan_new_cohort, dispatch_uid="virtu_plan_new_cohort")


@hooks.register("register_email_kinds")
def cohort_email_kinds():
    return Kind


@hooks.register("register_email_renderers")
def cohort_email_renderers():
    return {Kind.WELCOME: render_welcome}


@hooks.register("register_log_actions")
def keep_people_out_of_site_history(actions):
    # Site history shows a model's log entries to anyone with a permission on
    # the model, whatever the cohort: a trainer would read the names in other
    # cohorts' enrolments there. So enrolments keep no log.
    actions.log_entry_models_by_type.register(Enrollment, None)


@hooks.register("before_publish_page")
def create_meetings(request, page):
    # Before publishing: page_published is sent during the publish, and the
    # invites it triggers must already carry the join links. A failure warns
    # and lets the publish go on; publishing again retries.
    if isinstance(page, CohortPage):
        for failure in ensure_meetings(page):
            messages.warning(request, str(failure))
        if warning := missing_links_warning(page):
            messages.warning(request, warning)


@hooks.register("register_page_header_buttons")
def cohort_header_buttons(page, user, view_name, next_url=None):
    return cohort_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def cohort_listing_buttons(page, user, next_url=None):
    return cohort_buttons(page, user)


@hooks.register("construct_homepage_panels")
def add_next_sessions_panel(request, panels):
    panels.append(NextSessionsPanel())
