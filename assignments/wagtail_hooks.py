from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import InlinePanel
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy

from cohorts.models import CohortPage
from cohorts.views import (
    CohortListingViewSet,
    EnrollmentViewSet,
    RetentionReviewViewSet,
)
from courses.views import CourseListingViewSet
from outbox.views import OutgoingEmailViewSet
from signin.header import HeaderLink

from .calendar import announce_due_times, due_events, experiments_to_bring
from .emails import Kind
from .feedback import register_feedback_actions
from .grid import progress_buttons, progress_urls
from .models import Experiment, Reflection
from .overview import course_buttons, overview_urls
from .panels import AwaitingFeedbackPanel
from .participant_views import sign_in_destination
from .permissions import ReflectionPermissionPolicy
from .personal_data import personal_data
from .reminders import queue_reflection_reminders, render_reflection_reminder
from .views import ReflectionViewSet

register_permission_policy(Reflection, ReflectionPermissionPolicy(Reflection))


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
        RetentionReviewViewSet("retention"),
    )


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingViewSetGroup()


@hooks.register("register_email_kinds")
def reflection_email_kinds():
    return Kind


@hooks.register("register_email_renderers")
def reflection_email_renderers():
    return {Kind.REFLECTION_REMINDER: render_reflection_reminder}


# Feedback on reflections, in the cohorts' log (cohorts.audit).
hooks.register("register_log_actions", register_feedback_actions)


# What experiments add to the cohorts app.


hooks.register("plan_cohort", Experiment.plan)
hooks.register("session_preparation", experiments_to_bring)
hooks.register("calendar_feed_events", due_events)
hooks.register("sync_cohort_calendar", announce_due_times)
hooks.register("register_cohort_admin_urls", progress_urls)
hooks.register("register_course_admin_urls", overview_urls)
hooks.register("register_sign_in_destination", sign_in_destination)
hooks.register("register_personal_data", personal_data)


@hooks.register("after_copy_page")
def follow_copied_cohorts(request, page, new_page):
    """A cohort copied, alone or with its course, counts in its new course."""
    Experiment.follow_course(CohortPage.objects.descendant_of(new_page, inclusive=True))


@hooks.register("register_cohort_panels")
def experiment_panels():
    return [InlinePanel("experiments", label=_("Experiment"), heading=_("Experiments"))]


@hooks.register("queue_reminders")
def reflection_reminders(now):
    return {Kind.REFLECTION_REMINDER: queue_reflection_reminders(now)}


# Buttons and panels in the admin.


@hooks.register("register_page_header_buttons")
def training_header_buttons(page, user, view_name, next_url=None):
    return [*progress_buttons(page, user), *course_buttons(page, user)]


@hooks.register("register_page_listing_more_buttons")
def training_listing_buttons(page, user, next_url=None):
    return [*progress_buttons(page, user), *course_buttons(page, user)]


@hooks.register("construct_homepage_panels")
def add_awaiting_feedback_panel(request, panels):
    panels.append(AwaitingFeedbackPanel())


@hooks.register("register_site_header_link", order=10)
def my_training_link():
    return HeaderLink("my_training", _("My training"), "participant:my_training")
