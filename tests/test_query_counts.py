"""The training admin makes as many queries for a cohort of thousands as for
a cohort of a few: nothing runs a query per person, or per row of a page."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cohorts.models import Enrollment
from home.management.demo import add_generated_participants

from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
)

#: Fewer people than a listing page holds, a few pages' worth, and thousands.
SIZES = (5, 50, 5000)


class QueryCountTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        course = make_course()
        cls.cohort = make_cohort(course)
        make_cohort(course, "Cohort B")
        cls.trainer = make_trainer(cls.cohort)
        make_participants(cls.cohort, SIZES[0])
        cls.coordinator = make_coordinator()

    def assertQueriesDoNotGrow(self, url, user=None):
        """Count the queries of ``url`` at the first size, then expect the
        very same number as the cohort grows to each larger size."""
        self.client.force_login(user or self.coordinator)
        self.client.get(url)  # fills the caches a running site has filled
        with CaptureQueriesContext(connection) as first:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)

        participants = self.cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT)
        for size in SIZES[1:]:
            # Generated people are numbered, so this tops the cohort up to size.
            add_generated_participants([self.cohort], size - SIZES[0])
            self.assertEqual(participants.count(), size)
            with self.subTest(participants=size), self.assertNumQueries(len(first)):
                response = self.client.get(url)
            self.assertEqual(response.status_code, 200)

    def test_cohort_listing_queries_do_not_grow_with_participants(self):
        self.assertQueriesDoNotGrow(reverse("cohorts:index"))

    def test_cohort_edit_view_queries_do_not_grow_with_participants(self):
        self.assertQueriesDoNotGrow(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        )

    def test_enrolment_listing_queries_do_not_grow_with_participants(self):
        self.assertQueriesDoNotGrow(reverse("enrollments:index"))

    def test_trainers_enrolment_listing_queries_do_not_grow_with_participants(self):
        self.assertQueriesDoNotGrow(reverse("enrollments:index"), self.trainer)
