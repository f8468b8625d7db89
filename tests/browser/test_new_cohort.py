"""A coordinator creates a cohort in the admin: the sessions planned from the
course appear in the form as soon as the first date is picked, before the
first save, and are saved as shown."""

from datetime import UTC, datetime

from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from cohorts.models import CohortPage
from tests.factories import make_coordinator, make_course

from .base import BrowserTestCase


# Wagtail's autosave would create the page in the background while the test
# clicks "Save draft"; the two requests race for the slug (Wagtail's create
# view then answers 500 to the loser). What is tested here is the planning.
@override_settings(WAGTAIL_AUTOSAVE_INTERVAL=0)
class NewCohortFormTests(BrowserTestCase):
    def test_picking_the_first_date_plans_the_sessions_in_the_form(self):
        course = make_course()
        page = self.new_page("en")
        self.log_in(page, make_coordinator())
        page.goto(
            reverse("wagtailadmin_pages:add", args=("cohorts", "cohortpage", course.pk))
        )
        sessions = page.locator("#id_sessions-FORMS > [data-inline-panel-child]")
        expect(sessions).to_have_count(0)

        page.locator("#id_title").fill("Itä-Suomi")
        date = page.locator("#id_start_date")
        date.fill("2038-01-11")
        date.dispatch_event("change")

        expect(sessions).to_have_count(3)
        expect(page.locator("#id_sessions-0-title")).to_have_value("Session 1")
        expect(page.locator("#id_sessions-0-start")).to_have_value("2038-01-11 09:00")
        expect(page.locator("#id_sessions-2-start")).to_have_value("2038-02-08 09:00")
        expect(page.locator("#id_sessions-2-end")).to_have_value("2038-02-08 12:30")
        self.assertFalse(CohortPage.objects.exists())

        # Another date moves the planned rows; a row changed by hand stays.
        page.locator("#id_sessions-1-start").fill("2038-01-26 13:00")
        page.locator("#id_sessions-1-end").fill("2038-01-26 16:30")
        date.fill("2038-01-18")
        date.dispatch_event("change")
        expect(page.locator("#id_sessions-0-start")).to_have_value("2038-01-11 09:00")

        # A date picker opens 100 ms after its field takes focus, even when
        # the focus has moved on by then, and can cover the title or the
        # buttons at the foot of the editor. Once the pickers are open, a
        # press of the mouse outside them closes them all, as it does for a
        # person who clicks on an empty part of the page.
        page.wait_for_timeout(300)
        page.locator("body").dispatch_event("mousedown")
        expect(page.locator(".xdsoft_datetimepicker:visible")).to_have_count(0)
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".messages")).to_contain_text("Itä-Suomi")
        cohort = CohortPage.objects.get()
        self.assertEqual(
            [s.start for s in cohort.sessions.all()],
            [
                datetime(2038, 1, 11, 7, 0, tzinfo=UTC),
                datetime(2038, 1, 26, 11, 0, tzinfo=UTC),
                datetime(2038, 2, 8, 7, 0, tzinfo=UTC),
            ],
        )

    def test_a_new_date_replans_rows_nobody_changed(self):
        course = make_course()
        page = self.new_page("en")
        self.log_in(page, make_coordinator())
        page.goto(
            reverse("wagtailadmin_pages:add", args=("cohorts", "cohortpage", course.pk))
            + "?start_date=2038-01-11"
        )
        expect(page.locator("#id_sessions-0-start")).to_have_value("2038-01-11 09:00")
        date = page.locator("#id_start_date")
        date.fill("2038-03-01")
        date.dispatch_event("change")
        expect(page.locator("#id_sessions-0-start")).to_have_value("2038-03-01 09:00")
        expect(page.locator("#id_sessions-2-start")).to_have_value("2038-03-29 09:00")
