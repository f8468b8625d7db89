"""The training admin makes as many queries for a cohort of thousands as for
a cohort of a few: nothing runs a query per person, or per row of a page."""

from unittest import skipUnless

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cohorts.models import Enrollment
from home.management.demo import add_generated_participants, add_generated_progress

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

    def assertQueriesDoNotGrow(self, url, user=None, progress=False):
        """Count the queries of ``url`` at the first size, then expect the
        very same number as the cohort grows to each larger size (with
        attendance and a reflection for each newcomer, with ``progress``)."""
        if progress:
            add_generated_progress(self.cohort, timezone.now())
        self.client.force_login(user or self.coordinator)
        self.client.get(url)  # fills the caches a running site has filled
        with CaptureQueriesContext(connection) as first:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)

        participants = self.cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT)
        for size in SIZES[1:]:
            # Generated people are numbered, so this tops the cohort up to size.
            add_generated_participants([self.cohort], size - SIZES[0])
            if progress:
                add_generated_progress(self.cohort, timezone.now())
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

    def test_reflection_listing_queries_do_not_grow_with_participants(self):
        self.assertQueriesDoNotGrow(reverse("reflections:index"), progress=True)

    def test_trainers_reflection_listing_queries_do_not_grow_with_participants(self):
        self.assertQueriesDoNotGrow(
            reverse("reflections:index"), self.trainer, progress=True
        )


@skipUnless(connection.vendor == "postgresql", "reads PostgreSQL's query plan")
class ReflectionListingIndexTest(TestCase):
    """The admin's reflections, newest change first, are read a page at a
    time from an index: sorting every reflection of a cohort of 10,000 for
    each page took 50 ms."""

    def test_reflection_listing_page_is_read_in_order_from_an_index(self):
        cohort = make_cohort(make_course())
        add_generated_participants([cohort], 50)
        add_generated_progress(cohort, timezone.now())
        self.client.force_login(make_coordinator())
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(reverse("reflections:index"))
        self.assertEqual(len(response.context["object_list"]), 20)
        [listing] = [
            query["sql"]
            for query in queries
            if query["sql"].startswith('SELECT "assignments_reflection"."id"')
            and 'ORDER BY "assignments_reflection"."updated_at" DESC' in query["sql"]
        ]
        with connection.cursor() as cursor:
            # A table this small is cheaper to sort: ask whether anything
            # but a sort can give the order.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {listing}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        self.assertIn("reflection_listing", plan)
        self.assertNotIn("Sort", plan)
