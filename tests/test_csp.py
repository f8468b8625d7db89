"""The public site sends a content security policy (Django 6's built-in
middleware); the Wagtail admin, with inline scripts of its own, does not."""

from unittest import skipIf

import django
from django.test import TestCase
from wagtail.test.utils import WagtailTestUtils

from .factories import make_cohort, make_coordinator, make_course, make_participants


@skipIf(django.VERSION < (6, 0), "Django has CSP built in from 6.0 on")
class ContentSecurityPolicyTests(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())
        [cls.participant] = make_participants(cls.cohort, 1)
        cls.coordinator = make_coordinator()

    def assertStrictPolicy(self, response):
        policy = response.headers["Content-Security-Policy"]
        self.assertIn("default-src 'self'", policy)
        self.assertIn("script-src 'self'", policy)
        self.assertIn("frame-ancestors 'none'", policy)
        self.assertNotIn("unsafe-inline", policy)

    def test_the_sign_in_page_allows_only_the_sites_own_scripts(self):
        self.assertStrictPolicy(self.client.get("/accounts/login/"))

    def test_participant_pages_allow_only_the_sites_own_scripts(self):
        self.client.force_login(self.participant.user)

        for url in ["/my/", self.cohort.url]:
            with self.subTest(url=url):
                self.assertStrictPolicy(self.client.get(url))

    def test_the_admin_is_left_to_wagtail(self):
        self.client.force_login(self.coordinator)

        response = self.client.get("/admin/")

        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Content-Security-Policy", response.headers)
