"""Signing in by a link sent by email, and the language switch, in chromium."""

from django.urls import reverse
from playwright.sync_api import expect

from cohorts.enrolment import enrol
from tests.factories import make_course

from .base import BrowserTestCase, running_cohort, text

ANNA = "anna@example.fi"
LINK_SENT = (
    "If the address is enrolled, a sign-in link is on its way. Check your email."
)


class SignInTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        cohort = running_cohort(make_course())
        enrol(cohort, ANNA, "Anna", "Aalto")
        self.mailbox.messages.clear()  # her welcome and calendar invites

    def test_a_participant_asks_for_a_link_and_signs_in_with_it_once(self):
        page = self.new_page()
        page.goto(reverse("login"))
        email = page.get_by_label(text("Email address", "fi"))
        send = page.get_by_role("button", name=text("Send me a sign-in link", "fi"))

        email.fill("nobody@example.fi")
        send.click()
        expect(page.get_by_role("status")).to_contain_text(text(LINK_SENT, "fi"))
        email.fill(ANNA)
        send.click()

        expect(page.get_by_role("status")).to_contain_text(text(LINK_SENT, "fi"))
        message = self.last_email_to(ANNA)
        self.assertEqual(
            [str(m["To"]) for m in self.mailbox.messages], [ANNA]
        )  # the unknown address got nothing, and was told the same
        self.assertEqual(
            message["Subject"],
            text("Your sign-in link to %(site)s", "fi") % {"site": "Virtu"},
        )
        link = self.link_in(message, "/accounts/link/")

        self.sign_in_by_link(page, ANNA)

        expect(page).to_have_url(
            self.live_server_url + reverse("participant:my_training")
        )
        expect(page.get_by_role("heading", level=1)).to_have_text(
            text("My training", "fi")
        )
        # Clicked again in the same browser, signed in: on to the training.
        page.goto(link)
        expect(page).to_have_url(
            self.live_server_url + reverse("participant:my_training")
        )
        # Anywhere else it is used up.
        elsewhere = self.new_page()
        elsewhere.goto(link)
        expect(elsewhere.get_by_role("heading", level=1)).to_have_text(
            text("This sign-in link no longer works", "fi")
        )

    def test_the_language_switch_in_the_header_turns_the_site_to_english(self):
        page = self.new_page()
        page.goto(reverse("login"))

        page.get_by_role("button", name="English").click()

        expect(page).to_have_url(self.live_server_url + "/en/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(text("Sign in", "en"))
        # The choice holds on pages without a language in their address.
        page.goto(reverse("login"))
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_role("button", name="Suomi").click()
        expect(page.locator("html")).to_have_attribute("lang", "fi")
