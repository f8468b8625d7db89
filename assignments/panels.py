"""A panel on the admin dashboard: reflections awaiting the user's feedback."""

from django.urls import reverse
from wagtail.admin.ui.components import Component

from .feedback import awaiting_feedback


class AwaitingFeedbackPanel(Component):
    """How many submitted reflections of the user's cohorts have no feedback
    yet, and the ones that have waited longest."""

    name = "awaiting_feedback"
    template_name = "assignments/admin/awaiting_feedback_panel.html"
    order = 50
    #: Reflections listed.
    limit = 5

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        waiting = awaiting_feedback(user)
        first = list(
            waiting.select_related("author__user", "experiment__cohort")[: self.limit]
        )
        count = len(first) if len(first) < self.limit else waiting.count()
        return {
            "count": count,
            "reflections": [
                (reflection, reverse("reflections:review", args=[reflection.pk]))
                for reflection in first
            ],
            "next_url": reverse("reflections:next"),
        }
