"""What the reflection page leaves on a shared computer, what it keeps there
when the server refuses it, and where it puts the focus when a form comes
back with errors."""

from django.urls import reverse
from playwright.sync_api import expect

from assignments.models import MAX_ANSWER_LENGTH, Reflection
from cohorts.enrolment import enrol
from tests.factories import make_course

from .base import BrowserTestCase, running_cohort, text

FIRST_PROMPT = "What did you try?"
PREFIX = "virtu:reflection:"
RESTORED = (
    "Text you wrote on this device was not saved yet, so it was put back. "
    "Check it and save."
)


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
        # A comment kept the same way, not yet posted.
        page.evaluate("localStorage.setItem('virtu-comment:1:2', '{}')")

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

    def test_changes_refused_as_too_long_are_kept_until_they_are_saved(self):
        """A submitted reflection is not changed by text the server refuses:
        the changes come back with the error, and closing the tab without
        shortening them does not lose them."""
        reflection = Reflection(
            experiment=self.experiment,
            author=self.enrollment,
            answers=[{"prompt": FIRST_PROMPT, "answer": "A walking meeting."}],
        )
        reflection.submit()
        reflection.save()
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        url = reverse("participant:reflection", args=[self.experiment.pk])
        page.goto(url)
        too_long = ("A walking meeting. " * (MAX_ANSWER_LENGTH // 19 + 1)).strip()
        page.get_by_label(FIRST_PROMPT).fill(too_long)
        page.get_by_role("button", name=text("Save changes", "fi")).click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        page.close()

        again = page.context.new_page()
        again.goto(url)

        answer = again.get_by_label(FIRST_PROMPT)
        status = again.locator("#autosave-status")
        expect(status).to_have_text(text(RESTORED, "fi"))
        # The note first: a failure on the value prints all of it.
        expect(answer).to_have_value(too_long)
        answer.fill("A walking meeting, twice.")
        again.get_by_role("button", name=text("Save changes", "fi")).click()
        expect(again.locator(".messages")).to_contain_text(
            text("Your changes were saved.", "fi")
        )
        # Saved: the copy on the device is gone, so nothing comes back.
        again.reload()
        expect(answer).to_have_value("A walking meeting, twice.")
        expect(status).to_have_text("")
