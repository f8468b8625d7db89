"""The site's own "not found" and "something went wrong" pages: in the
reader's language, saying what may have happened and where to go, instead
of the server's bare English text. A withdrawn participant following an old
link, or anyone after a cohort is unpublished, lands on the first."""

from django.conf import settings
from django.test import RequestFactory, TestCase, override_settings
from django.utils import timezone, translation
from django.views.defaults import server_error

from cohorts.models import Enrollment

from .factories import make_cohort, make_course, make_participants


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

    def test_a_withdrawn_participant_is_told_what_may_have_happened(self):
        Enrollment.objects.filter(pk=self.enrollment.pk).update(
            withdrawn_at=timezone.now()
        )
        self.client.force_login(self.enrollment.user)
        response = self.get(f"/my/experiments/{self.experiment.pk}/", "fi")
        self.assertContains(response, "<h1>Sivua ei löydy</h1>", status_code=404)
        self.assertContains(response, "et ehkä ole enää ryhmässä", status_code=404)
        self.assertContains(response, 'href="/my/"', status_code=404)
        self.assertContains(response, '<html lang="fi">', status_code=404)

    def test_anyone_signed_out_is_offered_to_sign_in(self):
        response = self.get("/sv/no-such-page/", "sv")
        self.assertContains(response, "<h1>Sidan hittades inte</h1>", status_code=404)
        self.assertContains(response, 'href="/sv/accounts/login/"', status_code=404)


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
