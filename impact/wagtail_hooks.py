from wagtail import hooks

from . import personal_data
from .emails import Kind
from .models import plan_impact
from .panels import CourseFiguresPanel, impact_plan_panels
from .reminders import queue_survey_reminders, render_survey_reminder
from .reports import cohort_impact_urls, course_impact_urls, impact_buttons
from .timeline import survey_items

# Before assignments' and cohorts' entries: answers point at enrolments.
hooks.register("register_personal_data", personal_data.personal_data, order=-10)
hooks.register("register_course_panels", impact_plan_panels)
hooks.register("register_cohort_panels", impact_plan_panels)
hooks.register("plan_cohort", plan_impact)
hooks.register("programme_items", survey_items)
hooks.register("register_cohort_admin_urls", cohort_impact_urls)
hooks.register("register_course_admin_urls", course_impact_urls)


@hooks.register("register_email_kinds")
def impact_email_kinds():
    return Kind


@hooks.register("register_email_renderers")
def impact_email_renderers():
    return {Kind.SURVEY_REMINDER: render_survey_reminder}


@hooks.register("queue_reminders")
def survey_reminders(now):
    return {Kind.SURVEY_REMINDER: queue_survey_reminders(now)}


@hooks.register("register_page_header_buttons")
def impact_header_buttons(page, user, view_name, next_url=None):
    return impact_buttons(page, user)


@hooks.register("register_page_listing_more_buttons")
def impact_listing_buttons(page, user, next_url=None):
    return impact_buttons(page, user)


@hooks.register("construct_homepage_panels")
def add_course_figures_panel(request, panels):
    panels.append(CourseFiguresPanel())
