from wagtail import hooks

from .panels import AwaitingFeedbackPanel


@hooks.register("construct_homepage_panels")
def add_awaiting_feedback_panel(request, panels):
    panels.append(AwaitingFeedbackPanel())
