"""A renamed cohort's old address leads to its new one in every language:
Wagtail keeps the redirect under the address without a language prefix,
and the Swedish and English addresses follow it with their prefix kept."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.contrib.redirects.models import Redirect
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from cohorts.models import CohortPage

from .factories import cohort_edit_data, make_cohort, make_coordinator, make_course


class PrefixedRedirectTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course(), title="Cohort A")
        cls.old_path = cls.cohort.url
        with cls.captureOnCommitCallbacks(execute=True):
            cohort = cls.cohort.get_latest_revision_as_object()
            cohort.slug = "cohort-b"
            cohort.save_revision().publish()
        cls.cohort.refresh_from_db()
        cls.new_path = cls.cohort.url

    def test_the_rename_leaves_a_redirect_under_the_unprefixed_address(self):
        self.assertNotEqual(self.old_path, self.new_path)
        self.assertTrue(Redirect.objects.filter(redirect_page=self.cohort).exists())
        response = self.client.get(self.old_path)
        self.assertRedirects(
            response, self.new_path, status_code=301, fetch_redirect_response=False
        )

    def test_the_old_swedish_and_english_addresses_lead_to_the_new_ones(self):
        for language in ["sv", "en"]:
            with self.subTest(language):
                self.assertEqual(
                    self.client.get(f"/{language}{self.new_path}").status_code, 200
                )
                response = self.client.get(f"/{language}{self.old_path}")
                self.assertRedirects(
                    response,
                    f"/{language}{self.new_path}",
                    status_code=301,
                    fetch_redirect_response=False,
                )

    def test_a_temporary_redirect_stays_temporary(self):
        Redirect.objects.filter(redirect_page=self.cohort).update(is_permanent=False)
        response = self.client.get(f"/sv{self.old_path}")
        self.assertRedirects(
            response,
            f"/sv{self.new_path}",
            status_code=302,
            fetch_redirect_response=False,
        )

    def test_a_redirect_to_a_link_on_the_site_keeps_the_prefix(self):
        Redirect.objects.create(
            old_path="/vanha-osoite", redirect_link=self.new_path, is_permanent=True
        )
        response = self.client.get("/en/vanha-osoite/")
        self.assertRedirects(
            response,
            f"/en{self.new_path}",
            status_code=301,
            fetch_redirect_response=False,
        )

    def test_an_unknown_address_is_still_not_found(self):
        for path in ["/sv/ei-ole/", "/en/ei-ole/", "/ei-ole/"]:
            with self.subTest(path):
                self.assertEqual(self.client.get(path).status_code, 404)

    def test_an_admin_path_is_never_redirected(self):
        Redirect.objects.create(
            old_path="/admin/pages", redirect_page=self.cohort, is_permanent=True
        )
        self.assertEqual(self.client.get("/sv/admin/pages/").status_code, 404)

    def test_a_page_that_answers_looks_up_no_redirect(self):
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(f"/sv{self.new_path}").status_code, 200)
        table = Redirect._meta.db_table
        self.assertFalse([q["sql"] for q in queries if table in q["sql"]])


class RedirectUnderAdminLanguageTest(WagtailTestUtils, TestCase):
    """A coordinator who uses the admin in English or Swedish moves or
    renames a cohort: Wagtail made the redirect from the old address as
    their language shows it (/en/…), and the participants' Finnish and
    Swedish old addresses answered 404."""

    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course(), title="Cohort A")
        cls.old_path = cls.cohort.url

    def assertOldAddressesLead(self, new_path):
        for prefix in ["", "/sv", "/en"]:
            with self.subTest(prefix=prefix):
                response = self.client.get(prefix + self.old_path)
                self.assertRedirects(
                    response,
                    prefix + new_path,
                    status_code=301,
                    fetch_redirect_response=False,
                )

    def test_a_cohort_moved_in_the_english_admin(self):
        coordinator = make_coordinator()
        UserProfile.objects.update_or_create(
            user=coordinator, defaults={"preferred_language": "en"}
        )
        self.client.force_login(coordinator)
        other = make_course("Other course")
        response = self.client.post(
            reverse("wagtailadmin_pages:move_confirm", args=[self.cohort.pk, other.pk])
        )
        self.assertEqual(response.status_code, 302)
        moved = CohortPage.objects.get(pk=self.cohort.pk)
        with translation.override("fi"):
            self.assertOldAddressesLead(moved.url)

    def test_a_cohort_renamed_in_the_swedish_admin(self):
        coordinator = make_coordinator()
        UserProfile.objects.update_or_create(
            user=coordinator, defaults={"preferred_language": "sv"}
        )
        self.client.force_login(coordinator)
        page = self.cohort.get_latest_revision_as_object()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                cohort_edit_data(page, slug="cohort-b"),
            )
        self.assertEqual(response.status_code, 302)
        renamed = CohortPage.objects.get(pk=self.cohort.pk)
        with translation.override("fi"):
            self.assertOldAddressesLead(renamed.url)
