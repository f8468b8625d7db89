from datetime import timedelta

from django.contrib import messages
from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks
from wagtail.models import Page
from wagtail.permissions import register_permission_policy
from wagtail.signals import init_new_page

from outbox.scheduling import PeriodicJob
from signin.signals import opened_and_closed

from . import audit, copying, deletion, drafts, moving, personal_data, retention
from .calendar.invites import render_invite, take_told
from .emails import Kind
from .meetings import missing_links_warning, take_failures
from .models import Attendance, CohortPage, Enrollment
from .panels import NextSessionsPanel
from .permissions import (
    CohortScopedPermissionPolicy,
    enrolled_people_only,
    resync_trainer_access,
)
from .planning import plan_new_cohort, remember_start_date
from .reminders import queue_reminders, render_session_reminder
from .signals import reopened
from .views import cohort_buttons
from .welcome import render_welcome

register_permission_policy(
    Enrollment, CohortScopedPermissionPolicy(Enrollment, "cohort")
)
register_permission_policy(
    Attendance, CohortScopedPermissionPolicy(Attendance, "session__page")
)
hooks.register("construct_sign_in_link_users", enrolled_people_only)
# Erased after the apps above (their rows point at enrolments).
hooks.register("register_personal_data", personal_data.personal_data, order=10)
hooks.register("before_create_page", remember_start_date)
init_new_page.connect(plan_new_cohort, dispatch_uid="virtu_plan_new_cohort")


@hooks.register("register_email_kinds")
def cohort_email_kinds():
    return Kind


@hooks.register("register_email_renderers")
def cohort_email_renderers():
    return {
        Kind.WELCOME: render_welcome,
        Kind.INVITE: render_invite,
        Kind.UPDATE: render_invite,
        Kind.CANCEL: render_invite,
        Kind.REMOVED: render_invite,
        Kind.SESSION_REMINDER: render_session_reminder,
    }


@hooks.register("insert_global_admin_css")
def cohorts_admin_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("cohorts/admin/admin.css")
    )


@hooks.register("register_periodic_jobs")
def reminder_jobs():
    # Hourly: a reminder goes out within the hour it falls due, once.
    return [
        PeriodicJob("cohorts.reminders", timedelta(hours=1), queue_reminders),
        # Daily: list cohorts past their retention, erase the confirmed.
        PeriodicJob("cohorts.retention", timedelta(days=1), retention.run),
        # Hourly: a trainer's access follows their enrolment even where the
        # enrolment was changed in bulk, without the signals that keep it.
        PeriodicJob(
            "cohorts.trainer_access", timedelta(hours=1), resync_trainer_access
        ),
    ]


# Enrolments, attendance and sessions log into TrainingLogEntry, which Site
# history shows each person for the cohorts they manage alone.
hooks.register("register_log_actions", audit.register_actions)


@hooks.register("after_publish_page")
def warn_of_meetings_on_publishing(request, page):
    # The meetings were synced while the cohort was published (signals.py);
    # a failure warns and lets the publish go on, and the next one retries.
    if isinstance(page.specific, CohortPage):
        for failure in take_failures(page):
            messages.warning(request, str(failure))
        if warning := missing_links_warning(page):
            messages.warning(request, warning)
        tell_who_is_told(request, [page])


# A live cohort saved as a draft (or sent for approval) changes nobody's
# calendar or pages: said, with who publishes it.
hooks.register("after_edit_page", drafts.warn)


@hooks.register("before_delete_page")
def warn_of_what_deleting_takes(request, page):
    # A cohort, or a page with cohorts beneath it (a course).
    if request.method == "GET":
        deletion.warn(request, [page])


# Wagtail's own "Delete" for pages (registered at order 0) is replaced by one
# that warns as above, for the pages chosen in the explorer.
hooks.register("register_bulk_action", deletion.DeleteBulkAction, order=1)


@hooks.register("after_unpublish_page")
def warn_of_meetings_on_unpublishing(request, page):
    # A course's cohorts are unpublished with it where "Unpublish these
    # too" was ticked.
    cohorts = list(CohortPage.objects.among([page]))
    for cohort in cohorts:
        for failure in take_failures(cohort):
            messages.warning(request, str(failure))
    tell_who_is_told(request, cohorts)


@hooks.register("after_bulk_action")
def tell_who_is_told_in_bulk(request, action_type, objects, action):
    """Cohorts published or unpublished in the explorer, with the pages
    beneath those chosen where the unpublish took them too."""
    if action_type in ("publish", "unpublish"):
        pages = [page for page in objects if isinstance(page, Page)]
        tell_who_is_told(request, list(CohortPage.objects.among(pages)))


def tell_who_is_told(request, cohorts):
    # Wagtail says only "Page published": whether anybody's calendar was
    # sent the change is said from what the sync queued (signals.py).
    if told := take_told(cohorts):
        messages.success(request, told)


# A copied cohort: what the copy left out, and the past dates it kept.
hooks.register("after_copy_page", copying.mark_the_copies)
hooks.register("after_copy_page", copying.say_links_were_left_out)
hooks.register("before_edit_page", copying.warn_of_past_dates)


@hooks.register("before_move_page")
def warn_of_who_reads_a_moved_cohort(request, page, destination):
    if request.method == "GET":
        moving.warn(request, page, destination)


@hooks.register("register_page_header_buttons")
def cohort_header_buttons(page, user, view_name, next_url=None):
    return cohort_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def cohort_listing_buttons(page, user, next_url=None):
    return cohort_buttons(page, user)


@hooks.register("construct_homepage_panels")
def add_next_sessions_panel(request, panels):
    panels.append(NextSessionsPanel())


@hooks.register("after_bulk_action")
def opened_in_bulk(request, action_type, objects, action):
    """Wagtail's "Set active state" on the users' list saves no account, so
    ``signals.account_changed`` does not see an account opened by it."""
    if action_type == "set_active_state":
        opened, __ = opened_and_closed(action)
        if opened:
            reopened(opened)
