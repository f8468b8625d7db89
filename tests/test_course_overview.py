"""The course overview: a course's cohorts side by side, for coordinators."""

import csv
import io

import openpyxl
from django.test import TestCase
from django.urls import reverse

from . import test_progress
from .factories import make_cohort, make_coordinator
from .test_progress import TrainingDataMixin, in_english


class CourseOverviewTest(TrainingDataMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        in_english(cls.coordinator)

    def url(self, **query):
        url = reverse("courses:overview", args=[self.course.pk])
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return url

    def rows(self, response):
        soup = self.get_soup(response.content)
        return {
            row[0]: row
            for row in (
                [
                    " ".join(cell.get_text().split())
                    for cell in tr.find_all(["td", "th"])
                ]
                for tr in soup.select("table.listing tbody tr")
            )
        }

    def test_cohorts_side_by_side_with_their_figures(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        rows = self.rows(response)
        self.assertEqual(set(rows), {"Cohort A", "Cohort B"})
        a = rows["Cohort A"]
        self.assertEqual(a[1], "4")  # participants
        self.assertEqual(a[2], "0")  # withdrawn
        self.assertEqual(a[3], "1 / 4 (25 %)")  # session 1: one present
        self.assertEqual(a[4], "Not marked")
        self.assertEqual(a[6], "2")  # experiments
        self.assertEqual(a[7], "3")  # submitted reflections
        self.assertEqual(a[8], "0.8")  # per participant
        self.assertEqual(a[9], "2")  # awaiting feedback
        b = rows["Cohort B"]
        self.assertEqual((b[1], b[7], b[9]), ("2", "1", "1"))

    def test_cohort_links_to_its_progress(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        self.assertContains(response, reverse("cohorts:progress", args=[self.other.pk]))

    def test_xlsx_and_csv_exports_have_the_rows_of_the_screen(self):
        self.client.force_login(self.coordinator)
        screen = self.rows(self.client.get(self.url()))
        response = self.client.get(self.url(export="xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        heading, *body = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            heading[:5],
            (
                "Cohort",
                "Organisations",
                "Participants",
                "Withdrawn",
                "Session 1: present",
            ),
        )
        self.assertEqual({row[0] for row in body}, set(screen))
        for row in body:
            shown = screen[row[0]]
            self.assertEqual(str(row[2]), shown[1])
            self.assertEqual(
                row[-4:],
                tuple(
                    type(value)(text)
                    for value, text in zip(row[-4:], shown[-4:], strict=True)
                ),
            )
        a = next(row for row in body if row[0] == "Cohort A")
        self.assertEqual(a[3], 0)  # withdrawn
        self.assertEqual((a[4], a[5]), (1, 25))  # session 1: present, percent
        self.assertEqual((a[6], a[7]), (None, None))  # session 2: not marked
        text = b"".join(self.client.get(self.url(export="csv")).streaming_content)
        exported = list(csv.reader(io.StringIO(text.decode())))
        self.assertEqual(exported[0], [str(cell) for cell in heading])
        self.assertEqual({row[0] for row in exported[1:]}, set(screen))

    def test_trainers_get_no_overview(self):
        for trainer in (self.trainer, self.other_trainer):
            self.client.force_login(trainer)
            for query in ({}, {"export": "csv"}, {"export": "xlsx"}):
                with self.subTest(trainer=trainer, query=query):
                    self.assertEqual(
                        self.client.get(self.url(**query)).status_code, 404
                    )

    def test_guessed_ids_are_not_found(self):
        self.client.force_login(self.coordinator)
        for pk in (self.cohort.pk, 999999):
            url = reverse("courses:overview", args=[pk])
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_participant_gets_nothing(self):
        self.client.force_login(self.participant_user)
        self.assertEqual(self.client.get(self.url()).status_code, 302)

    def test_course_page_links_to_the_overview(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(
            reverse("wagtailadmin_pages:edit", args=[self.course.pk])
        )
        self.assertContains(response, self.url())


class CourseOverviewQueryCountTest(test_progress.ProgressQueryCountTest):
    """The same cohorts of 20 and 2,000, with a second cohort beside them."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.course = cls.cohort.get_parent().specific
        make_cohort(cls.course, "Cohort B")
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def test_overview_queries_do_not_grow_with_participants(self):
        self.trainer = self.coordinator
        self.assertSameQueriesAtEachSize(
            reverse("courses:overview", args=[self.course.pk])
        )

    def test_overview_export_queries_do_not_grow_with_participants(self):
        self.trainer = self.coordinator
        self.assertSameQueriesAtEachSize(
            reverse("courses:overview", args=[self.course.pk]) + "?export=xlsx"
        )

    # The grid's own tests run in test_progress.
    test_grid_queries_do_not_grow_with_participants = None
    test_filtered_grid_queries_do_not_grow_with_participants = None
    test_export_queries_do_not_grow_with_participants = None
