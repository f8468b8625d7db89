"""What the reflection page leaves on a shared computer, and where it puts
the focus when a form comes back with errors."""

from django.urls import reverse
from playwright.sync_api import expect

from cohorts.enrolment import enrol
from tests.factories import make_course

from .base import BrowserTestCase, running_cohort, text

FIRST_PROMPT = "What did you try?"
PREFIX = "virtu:reflection:"


class ReflectionDeviceTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.cohort = running_cohort(make_course())
        self.experiment = self.cohort.experiments.get(after_session=1)
        self.enrollment = enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")

    def stored_keys(self, page):
        return page.evaluate("Object.keys(window.localStorage)")

    def test_signing_out_forgets_the_text_kept_on_this_device(self):
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        page.goto(reverse("participant:reflection", args=[self.experiment.pk]))
        # Offline, the text stays on the device only.
        page.context.set_offline(True)
        page.get_by_label(FIRST_PROMPT).fill("Not for the next person.")
        page.wait_for_function(
            f"Object.keys(localStorage).some(k => k.startsWith('{PREFIX}'))"
        )
        page.context.set_offline(False)
        page.evaluate("localStorage.setItem('unrelated', 'kept')")

        page.get_by_role("button", name=text("Sign out", "fi")).click()
        page.wait_for_load_state()

        self.assertEqual(self.stored_keys(page), ["unrelated"])

    def test_a_form_with_errors_puts_the_focus_on_the_error_summary(self):
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        page.goto(reverse("participant:reflection", args=[self.experiment.pk]))
        page.get_by_role("button", name=text("Submit", "fi"), exact=True).click()

        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text(
            text("Write something before you submit.", "fi")
        )
        self.axe_check(page)
