"""The site's own "not found", "page out of date" and "something went
wrong" pages: in the reader's language, saying what may have happened and
where to go, instead of the server's bare English text. A participant
following a link to something taken from their cohort lands on the first
(one withdrawn from the cohort, or whose cohort was unpublished, is told so:
test_former_places); a form sent from a page opened before the person signed
in again in another window, on the second."""

from django.conf import settings
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory, TestCase, override_settings
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from assignments.models import Reflection

from .factories import make_cohort, make_coordinator, make_course, make_participants


class NotFoundPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())
        cls.enrollment = make_participants(cls.cohort, 1, "error")[0]
        cls.experiment = cls.cohort.experiments.first()

    def get(self, path, language):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = self.client.get(path)
        self.assertEqual(response.status_code, 404, response.get("Location"))
        return response

    def test_a_participant_is_told_what_may_have_happened(self):
        path = f"/my/experiments/{self.experiment.pk}/"
        self.experiment.delete()
        self.client.force_login(self.enrollment.user)
        response = self.get(path, "fi")
        self.assertContains(response, "<h1>Sivua ei löydy</h1>", status_code=404)
        self.assertContains(response, "et ehkä ole enää ryhmässä", status_code=404)
        self.assertContains(response, 'href="/my/"', status_code=404)
        self.assertContains(response, '<html lang="fi">', status_code=404)

    def test_anyone_signed_out_is_offered_to_sign_in(self):
        response = self.get("/sv/no-such-page/", "sv")
        self.assertContains(response, "<h1>Sidan hittades inte</h1>", status_code=404)
        self.assertContains(response, 'href="/sv/accounts/login/"', status_code=404)


class OutOfDatePageTests(TestCase):
    """A form sent with a CSRF token the browser no longer has (signing in
    again in another window gives it a new one) is refused, as Django
    refuses it, with the site's own page."""

    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())
        cls.enrollment = make_participants(cls.cohort, 1, "stale")[0]
        cls.experiment = cls.cohort.experiments.first()
        cls.coordinator = make_coordinator()

    def setUp(self):
        self.client = Client(enforce_csrf_checks=True)

    def open_then_sign_in_elsewhere(self, path):
        """The token of the page at ``path``, after the browser's token
        changed (a sign-in in another window)."""
        response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        token = response.context["csrf_token"]
        self.client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
        return token

    def post(self, path, data, **headers):
        """Sent, refused, and the reason written in the log alone."""
        with self.assertLogs("django.security.csrf", "WARNING") as logged:
            response = self.client.post(path, data, headers=headers)
        self.assertEqual(response.status_code, 403)
        self.reason = logged.records[0].getMessage()
        return response

    def test_a_reflection_sent_from_an_old_page_is_told_to_reload_it(self):
        self.client.force_login(self.enrollment.user)
        path = reverse("participant:reflection", args=[self.experiment.pk])
        token = self.open_then_sign_in_elsewhere(path)

        response = self.post(
            path,
            {"csrfmiddlewaretoken": token, "answer_0": "Hello", "action": "submit"},
            referer=f"http://testserver{path}",
        )

        self.assertContains(response, '<html lang="fi">', status_code=403)
        self.assertContains(response, "<h1>Sivu oli vanhentunut</h1>", status_code=403)
        self.assertContains(
            response, "kirjauduit uudelleen toisessa ikkunassa", status_code=403
        )
        self.assertContains(response, "tallessa tällä laitteella", status_code=403)
        self.assertContains(response, 'class="site-header"', status_code=403)
        self.assertContains(response, f'href="{path}"', status_code=403)
        self.assertFalse(Reflection.objects.filter(author=self.enrollment).exists())
        self.assertIn("CSRF token from POST incorrect", self.reason)
        for told in ["CSRF", "incorrect", "DEBUG", "Kielletty", "Forbidden"]:
            self.assertNotContains(response, told, status_code=403)

    def test_it_is_in_the_language_of_the_address(self):
        path = "/sv/accounts/login/"
        self.open_then_sign_in_elsewhere(path)

        response = self.post(path, {"link-email": "anna@example.fi"})

        self.assertContains(response, '<html lang="sv">', status_code=403)
        self.assertContains(response, "<h1>Sidan var föråldrad</h1>", status_code=403)
        self.assertContains(
            response, "loggade till exempel in på nytt i ett annat", status_code=403
        )

    def test_an_autosave_is_told_in_json_to_reload(self):
        self.client.force_login(self.enrollment.user)
        path = reverse("participant:reflection", args=[self.experiment.pk])
        token = self.open_then_sign_in_elsewhere(path)

        response = self.post(
            reverse("participant:autosave", args=[self.experiment.pk]),
            {"csrfmiddlewaretoken": token, "answer_0": "Hello"},
            accept="application/json",
        )

        self.assertIn("lataa sivu uudelleen", response.json()["error"])

    def test_the_admin_page_sent_from_is_offered_again(self):
        self.client.force_login(self.coordinator)
        path = reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        token = self.open_then_sign_in_elsewhere(path)

        response = self.post(
            path,
            {"csrfmiddlewaretoken": token, "title": "Renamed"},
            referer=f"http://testserver{path}",
        )

        # In the language the admin speaks to them.
        self.assertContains(response, '<html lang="en">', status_code=403)
        self.assertContains(
            response, "<h1>This page was out of date</h1>", status_code=403
        )
        self.assertContains(response, f'href="{path}"', status_code=403)
        # Nothing of the admin's is kept on the device.
        self.assertContains(response, "copy it from there", status_code=403)
        self.assertNotContains(response, "this device", status_code=403)

    def test_a_page_elsewhere_is_never_offered(self):
        self.client.get("/accounts/login/")

        response = self.post(
            "/accounts/login/",
            {"link-email": "anna@example.fi"},
            referer="http://elsewhere.example/accounts/login/",
        )

        self.assertContains(response, "<h1>Sivu oli vanhentunut</h1>", status_code=403)
        self.assertNotContains(response, "elsewhere.example", status_code=403)

    def test_a_page_elsewhere_behind_this_sites_address_is_never_offered(self):
        # This site's address, whose path reads as another site once the
        # scheme and host are taken off (found in review).
        self.client.get("/accounts/login/")

        response = self.post(
            "/accounts/login/",
            {"link-email": "anna@example.fi"},
            referer="http://testserver//elsewhere.example/x",
        )

        self.assertContains(response, "<h1>Sivu oli vanhentunut</h1>", status_code=403)
        self.assertNotContains(response, "elsewhere.example", status_code=403)


class ServerErrorPageTests(TestCase):
    def test_it_is_in_the_readers_language_and_needs_no_database(self):
        request = RequestFactory().get("/my/")
        with translation.override("fi"), self.assertNumQueries(0):
            response = server_error(request)
        self.assertEqual(response.status_code, 500)
        text = response.content.decode()
        self.assertIn("<h1>Jotain meni vikaan</h1>", text)
        self.assertIn("reflektiosi on tallessa tällä laitteella", text)

    @override_settings(WAGTAIL_SITE_NAME="Oma Akatemia")
    def test_it_calls_the_site_by_its_name(self):
        with translation.override("en"):
            response = server_error(RequestFactory().get("/my/"))
        self.assertIn(
            "<title>Something went wrong – Oma Akatemia</title>",
            response.content.decode(),
        )
