"""The accessibility statement's feedback form on a 320 px phone, in
Finnish: what the page says after sending (the errors, or the thanks) is in
view where the reader is, in their language, and nothing typed is lost; near
its limit, the box counts down to it."""

from playwright.sync_api import expect

from privacy.models import FEEDBACK_LIMIT, AccessibilityFeedback
from tests.test_statements import make_statements

from .base import BrowserTestCase, text


class AccessibilityFeedbackTests(BrowserTestCase):
    def test_on_a_phone_the_errors_and_the_thanks_show_where_the_reader_is(self):
        __, statement = make_statements()
        page = self.new_page("fi")
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(statement.url)
        form = page.locator("form.feedback-form")
        message = form.get_by_label(text("Your feedback", "fi"))
        name = form.get_by_label(text("Your name (optional)", "fi"))
        email = form.get_by_label(
            text("Your email address, for the answer (optional)", "fi")
        )
        send = form.get_by_role("button", name=text("Send feedback", "fi"))

        # Sent without a message and with half an address: the form comes
        # back, far down a long page, and its errors are in view.
        name.fill("Olli Osallistuja")
        email.fill("olli@")
        send.click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text(text("Check the form:", "fi"))
        expect(summary).to_contain_text(text("This field is required.", "fi"))
        expect(summary).to_contain_text(text("Enter a valid email address.", "fi"))
        expect(summary).to_be_in_viewport()
        expect(name).to_have_value("Olli Osallistuja")
        expect(email).to_have_value("olli@")
        self.axe_check(page)

        # Near the limit, and past it, the box says so below it (the server
        # would refuse the text whole, and give it back).
        count = page.locator("#id_message-count")
        expect(count).to_have_attribute("aria-live", "polite")
        message.fill("x" * (FEEDBACK_LIMIT - 20))
        expect(count).to_have_text(
            text("Characters left: %(count)s", "fi") % {"count": 20}
        )
        message.fill("x" * (FEEDBACK_LIMIT + 3))
        expect(count).to_have_text(
            text("Characters over the limit: %(count)s", "fi") % {"count": 3}
        )
        # Below the box, on its own line, and the page no wider than the phone.
        box = message.bounding_box()
        self.assertGreater(count.bounding_box()["y"], box["y"] + box["height"] - 1)
        self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), 320)
        self.axe_check(page)

        message.fill("Painike ei näy puhelimella.")
        email.fill("olli@example.fi")
        send.click()
        thanks = page.get_by_role("status")
        expect(thanks).to_have_text(text("Thank you. We answer within 14 days.", "fi"))
        expect(thanks).to_be_in_viewport()
        self.assertEqual(
            AccessibilityFeedback.objects.get().message, "Painike ei näy puhelimella."
        )
        self.axe_check(page)
