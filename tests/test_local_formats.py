"""Dates and times in Swedish and Finnish: each kind (a date, a date with
its weekday, a time range) is written one way, on the pages as in the
emails, as public-sector texts in Finland write them."""

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
from bs4 import BeautifulSoup
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, time_format
from wagtail.users.models import UserProfile

from assignments.models import Reflection
from cohorts.emails import FINNISH_TIME, local_times
from cohorts.enrolment import enrol
from cohorts.models import Session

from .factories import make_cohort, make_coordinator, make_course


class SwedishAndFinnishFormatsTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Session 1 is on Monday 15 March 2027, 9.00–12.30 in Helsinki.
        cls.cohort = make_cohort(make_course())
        cls.session = Session.objects.filter(page=cls.cohort).order_by("start")[0]
        cls.user = enrol(cls.cohort, "anna@example.fi", "Anna", "Aalto").user

    def my_training(self, language):
        self.client.force_login(self.user)
        with translation.override(language):
            return self.client.get(reverse("participant:my_training")).content.decode()

    def test_a_swedish_session_reads_the_same_on_the_page_and_in_the_email(self):
        with translation.override("sv"):
            email = local_times(self.session)

        self.assertEqual(email, "måndag 15 mars 2027 kl. 9.00–12.30 (Europe/Helsinki)")
        self.assertIn("15 mars 2027 kl. 9.00</time>–", self.my_training("sv"))
        self.assertIn(">12.30</time>", self.my_training("sv"))

    def test_a_finnish_session_reads_the_same_on_the_page_and_in_the_email(self):
        with translation.override("fi"):
            email = local_times(self.session)

        self.assertEqual(
            email, "maanantai 15. maaliskuuta 2027 klo 9.00–12.30 (Europe/Helsinki)"
        )
        self.assertIn("15. maaliskuuta 2027 klo 9.00</time>–", self.my_training("fi"))

    def test_an_english_short_date_cannot_be_read_month_first(self):
        # Django's English writes 7 December as "12/07/2026": 12 July to a
        # reader in Finland.
        moment = datetime(2026, 12, 7, 13, 5, tzinfo=FINNISH_TIME)
        with translation.override("en"):
            self.assertEqual(date_format(moment, "SHORT_DATE_FORMAT"), "2026-12-07")
            self.assertEqual(
                date_format(moment, "SHORT_DATETIME_FORMAT"), "2026-12-07 13:05"
            )

    def test_a_swedish_date_is_written_day_month_year_in_both_lengths(self):
        moment = datetime(2026, 12, 7, 13, 5, tzinfo=FINNISH_TIME)
        with translation.override("sv"):
            self.assertEqual(date_format(moment, "DATE_FORMAT"), "7 december 2026")
            self.assertEqual(date_format(moment, "SHORT_DATE_FORMAT"), "7.12.2026")
            self.assertEqual(
                date_format(moment, "SHORT_DATETIME_FORMAT"), "7.12.2026 13.05"
            )
            self.assertEqual(time_format(moment, "TIME_FORMAT"), "13.05")

    def test_a_finnish_date_keeps_djangos_forms(self):
        with translation.override("fi"):
            self.assertEqual(date_format(date(2026, 12, 7)), "7. joulukuuta 2026")
            self.assertEqual(
                date_format(date(2026, 12, 7), "SHORT_DATE_FORMAT"), "7.12.2026"
            )


class ExportedListingTest(TestCase):
    """A listing's CSV in the reader's language: choices by their names,
    yes and no in words, and times in local time as the pages write them."""

    @classmethod
    def setUpTestData(cls):
        cohort = make_cohort(make_course())
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        cls.coordinator = make_coordinator()
        experiment = cohort.experiments.order_by("after_session")[0]
        Reflection.objects.create(
            experiment=experiment,
            author=anna,
            answers=[{"prompt": "What did you try?", "answer": "A meeting."}],
            status=Reflection.Status.SUBMITTED,
            # 9.00 in Helsinki.
            submitted_at=datetime(2027, 3, 16, 7, 0, tzinfo=UTC),
            visibility=Reflection.Visibility.TRAINERS,
        )

    def rows(self, language, path):
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = language
        profile.save()
        self.client.force_login(self.coordinator)
        response = self.client.get(path + "?export=csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    def test_a_swedish_reflections_export_is_in_swedish(self):
        [row] = self.rows("sv", "/admin/training/reflections/")

        self.assertEqual(row["Status"], "Inlämnad")
        self.assertEqual(row["Synlig för"], "Endast tränare")
        self.assertEqual(row["Försenad"], "Nej")
        self.assertEqual(row["Inlämnad"], "16.3.2027 9.00")

    def test_a_finnish_enrolments_export_names_the_role_in_finnish(self):
        rows = self.rows("fi", "/admin/training/enrolments/")

        self.assertEqual({row["Rooli"] for row in rows}, {"Osallistuja"})

    def test_an_xlsx_export_gives_times_in_local_time(self):
        self.rows("sv", "/admin/training/reflections/")
        response = self.client.get("/admin/training/reflections/?export=xlsx")
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        [headings, row] = list(book.active.values)

        self.assertEqual(row[headings.index("Inlämnad")], datetime(2027, 3, 16, 9, 0))

    def test_a_reflection_opened_in_swedish_gives_local_time_and_words(self):
        # Wagtail's inspect page writes a time as it is stored, in UTC.
        self.rows("sv", "/admin/training/reflections/")
        reflection = Reflection.objects.get()
        response = self.client.get(reverse("reflections:inspect", args=[reflection.pk]))
        soup = BeautifulSoup(response.content, "html.parser")
        fields = {
            dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
            for dt in soup.select("main dl dt")
        }

        self.assertEqual(fields["Inlämnad"], "16 mars 2027 kl. 9.00")
        self.assertEqual(fields["Försenad"], "Nej")
