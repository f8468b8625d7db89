"""A new cohort's sessions shown in the admin's create form before the first
save: planned from the course (``CohortPage.plan_from_course``) for the date
in the address (``?start_date=2027-03-15``), and again in the browser when
the coordinator picks another date (``cohorts/planning.js``, with
``schedule.session_plan``)."""

from contextvars import ContextVar
from datetime import date

from django.utils.dateparse import parse_date

from .models import CohortPage

#: The first date asked for in the address of the create view now being
#: served: Wagtail gives the request to ``before_create_page`` and the new page
#: to ``init_new_page``, never both to one.
requested_start_date: ContextVar[date | None] = ContextVar(
    "requested_start_date", default=None
)


def remember_start_date(request, parent_page, page_class):
    """The ``before_create_page`` hook: note ``?start_date=`` of a new cohort."""
    start = None
    if page_class is CohortPage and request.method == "GET":
        try:
            start = parse_date(request.GET.get("start_date", ""))
        except ValueError:
            start = None
    requested_start_date.set(start)


def plan_new_cohort(sender, page, parent, **kwargs):
    """The ``init_new_page`` signal: give the new cohort the course's plan,
    so that the form shows its sessions and experiments before it is saved."""
    start = requested_start_date.get()
    requested_start_date.set(None)
    if not isinstance(page, CohortPage):
        return
    if start is not None:
        page.start_date = start
    page.plan_from_course(parent.specific)
