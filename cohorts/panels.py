"""A panel on the admin dashboard: the user's next sessions."""

from django.urls import reverse
from django.utils import timezone
from wagtail.admin.ui.components import Component

from .emails import local_times
from .models import Session, join_urls
from .permissions import cohorts_for_user


class NextSessionsPanel(Component):
    """The next sessions of the cohorts the user trains or coordinates, in
    their cohort's time, with the join link and, once a session is held
    (``CohortPage.has_held``), the attendance form. Only live cohorts': a
    cohort taken off the site has had its sessions cancelled in everyone's
    calendar, and a draft has not invited anyone."""

    name = "next_sessions"
    template_name = "cohorts/admin/next_sessions_panel.html"
    order = 60
    #: Sessions shown.
    limit = 5

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        now = timezone.now()
        sessions = list(
            Session.objects.filter(
                page__in=cohorts_for_user(user),
                page__live=True,
                end__gt=now,
            )
            .select_related("page")
            .order_by("start", "pk")[: self.limit]
        )
        links = join_urls(sessions)
        return {
            "sessions": [
                {
                    "session": session,
                    "cohort": session.page,
                    "when": local_times(session),
                    "join_url": links.get(session.uid, ""),
                    "attendance_url": reverse(
                        "cohorts:session_attendance", args=[session.page_id, session.pk]
                    )
                    if session.page.has_held(session.start, now)
                    else "",
                    "progress_url": reverse("cohorts:progress", args=[session.page_id]),
                }
                for session in sessions
            ]
        }
