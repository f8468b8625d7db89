"""The demo site prints its emails readably: a sign-in link asked for on the
sign-in page can be copied from the console and works."""

import io
import re
from contextlib import redirect_stdout

from django.contrib.auth import get_user_model
from django.core import mail
from django.test import TestCase, override_settings
from django.urls import reverse

from cohorts.enrolment import enrol

from .factories import make_cohort, make_course

LINK = re.compile(r"https?://\S+")


@override_settings(
    EMAIL_BACKEND="home.email.ReadableConsoleBackend",
    WAGTAILADMIN_BASE_URL="http://testserver",
)
class ReadableConsoleEmailTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        enrol(make_cohort(make_course()), "paivi@example.fi", "Päivi", "Mäkelä")

    def ask_for_a_link(self):
        console = io.StringIO()
        with redirect_stdout(console), self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("login"), {"link-email": "paivi@example.fi"}
            )
        self.assertIn(response.status_code, (200, 302))
        return console.getvalue()

    def test_the_console_shows_the_text_decoded(self):
        printed = self.ask_for_a_link()
        self.assertIn("To: paivi@example.fi", printed)
        self.assertIn("Päivi", printed)
        self.assertNotIn("=C3=A4", printed)
        self.assertNotRegex(printed, r"=\n")

    def test_a_link_copied_from_the_console_signs_the_person_in(self):
        printed = self.ask_for_a_link()
        links = [url for url in LINK.findall(printed) if "/accounts/link/" in url]
        self.assertEqual(len(links), 1, printed)
        path = links[0].removeprefix("http://testserver")
        page = self.client.get(path)
        self.assertEqual(page.status_code, 200)
        self.client.post(path)
        self.assertEqual(
            int(self.client.session["_auth_user_id"]),
            get_user_model().objects.get(email="paivi@example.fi").pk,
        )

    def test_djangos_own_console_backend_breaks_the_link(self):
        # Why the demo has its own backend: the raw message cuts long lines.
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
        ):
            printed = self.ask_for_a_link()
        self.assertEqual(mail.outbox, [])
        self.assertRegex(printed, r"=\n|=C3=A4")
