"""Dates and times in Swedish and Finnish: each kind (a date, a date with
its weekday, a time range) is written one way, on the pages as in the
emails, as public-sector texts in Finland write them."""

import codecs
import csv
import io
from datetime import UTC, date, datetime

import openpyxl
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format, time_format
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.users.models import UserProfile

from assignments.models import Reflection
from cohorts.emails import FINNISH_TIME, local_times
from cohorts.enrolment import enrol
from cohorts.importing import read_people
from cohorts.models import CohortPage, Session
from courses.exports import SafeExportMixin

from .factories import make_cohort, make_coordinator, make_course
from .test_progress import TrainingDataMixin


def csv_rows(content):
    """The rows of a CSV export, read as a program would: with or without a
    byte order mark, split at the delimiter of its heading (semicolons in
    Finnish and Swedish, commas in English)."""
    text = content.decode("utf-8-sig")
    heading = text.partition("\n")[0]
    delimiter = csv.Sniffer().sniff(heading, delimiters=",;").delimiter
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


class SwedishAndFinnishFormatsTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Session 1 is on Monday 15 March 2038, 9.00–12.30 in Helsinki.
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

        self.assertEqual(email, "måndag 15 mars 2038 kl. 9.00–12.30 (Europe/Helsinki)")
        self.assertIn("15 mars 2038 kl. 9.00</time>–", self.my_training("sv"))
        self.assertIn(">12.30</time>", self.my_training("sv"))

    def test_a_finnish_session_reads_the_same_on_the_page_and_in_the_email(self):
        with translation.override("fi"):
            email = local_times(self.session)

        self.assertEqual(
            email, "maanantai 15. maaliskuuta 2038 klo 9.00–12.30 (Europe/Helsinki)"
        )
        self.assertIn("15. maaliskuuta 2038 klo 9.00</time>–", self.my_training("fi"))

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
            submitted_at=datetime(2038, 3, 16, 7, 0, tzinfo=UTC),
            visibility=Reflection.Visibility.TRAINERS,
        )

    def rows(self, language, path):
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = language
        profile.save()
        self.client.force_login(self.coordinator)
        response = self.client.get(path + "?export=csv")
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        # Semicolons between cells in Finnish and Swedish (CsvForExcelTest).
        delimiter = ";" if language in ("fi", "sv") else ","
        return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))

    def test_a_swedish_reflections_export_is_in_swedish(self):
        [row] = self.rows("sv", "/admin/training/reflections/")

        self.assertEqual(row["Status"], "Inlämnad")
        self.assertEqual(row["Synlig för"], "Endast tränare")
        self.assertEqual(row["Försenad"], "Nej")
        self.assertEqual(row["Inlämnad"], "16.3.2038 9.00")

    def test_a_finnish_enrolments_export_names_the_role_in_finnish(self):
        rows = self.rows("fi", "/admin/training/enrolments/")

        self.assertEqual({row["Rooli"] for row in rows}, {"Osallistuja"})

    def test_an_xlsx_export_gives_times_in_local_time(self):
        self.rows("sv", "/admin/training/reflections/")
        response = self.client.get("/admin/training/reflections/?export=xlsx")
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        [headings, row] = list(book.active.values)

        self.assertEqual(row[headings.index("Inlämnad")], datetime(2038, 3, 16, 9, 0))

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

        self.assertEqual(fields["Inlämnad"], "16 mars 2038 kl. 9.00")
        self.assertEqual(fields["Försenad"], "Nej")


class CsvForExcelTest(TrainingDataMixin, TestCase):
    """A CSV export opens in Excel in columns, with its numbers as numbers:
    in Finnish and Swedish as Excel in Finland writes a CSV itself
    (semicolons between cells, a decimal comma, a byte order mark for
    UTF-8), in English as before (commas, a decimal point)."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        CohortPage.objects.filter(pk=cls.other.pk).update(
            organisations="Kela; ELY-keskus, Oulu"
        )

    def export(self, language, path=None, **query):
        """A CSV export (the course overview's unless ``path`` is given) as
        the coordinator downloads it in ``language``."""
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = language
        profile.save()
        self.client.force_login(self.coordinator)
        response = self.client.get(
            path or reverse("courses:overview", args=[self.course.pk]),
            {**query, "export": "csv"},
        )
        self.assertTrue(response.streaming)
        return b"".join(response.streaming_content)

    def read(self, content, delimiter):
        """{cohort: its row}, each row checked to be as long as the heading."""
        heading, *body = csv.reader(
            io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter
        )
        for row in body:
            self.assertEqual(len(row), len(heading), row)
        return {row[0]: row for row in body}

    def test_a_decimal_has_a_comma_in_finnish_and_swedish_and_a_point_in_english(
        self,
    ):
        for language, delimiter, a, b in [
            ("en", ",", "0.8", "0.5"),
            ("fi", ";", "0,8", "0,5"),
            ("sv", ";", "0,8", "0,5"),
        ]:
            with self.subTest(language):
                rows = self.read(self.export(language), delimiter)
                # Experiments done per participant, the last column but one.
                self.assertEqual(rows["Cohort A"][-2], a)
                self.assertEqual(rows["Cohort B"][-2], b)

    def test_a_finnish_file_is_the_csv_excel_in_finland_opens_in_columns(self):
        content = self.export("fi")

        self.assertTrue(content.startswith(codecs.BOM_UTF8))
        self.assertTrue(content.decode("utf-8-sig").startswith("Ryhmä;"))
        # A cell with a semicolon is quoted, and read back as one cell.
        self.assertIn(b'"Kela; ELY-keskus, Oulu"', content)
        self.assertEqual(
            self.read(content, ";")["Cohort B"][1], "Kela; ELY-keskus, Oulu"
        )

    def test_a_finnish_enrolments_export_is_read_back_by_the_enrolment_import(self):
        content = self.export(
            "fi", "/admin/training/enrolments/", cohort=self.cohort.pk
        )

        people, problems = read_people(SimpleUploadedFile("ryhma-a.csv", content))

        self.assertEqual(problems, [])
        self.assertEqual(
            {person.email for person in people if person.role == "participant"},
            {person.email for person in self.people},
        )

    def test_an_english_file_stays_comma_separated_without_a_byte_order_mark(self):
        content = self.export("en")

        self.assertTrue(content.startswith(b"Cohort,Organisations,"))
        self.assertEqual(
            self.read(content, ",")["Cohort B"][1], "Kela; ELY-keskus, Oulu"
        )


class ExportedNumberTest(TestCase):
    """A number of an export is written by ``SafeExportMixin`` as the
    reader's language writes it, and stays a number."""

    class Listing(SafeExportMixin, SpreadsheetExportMixin):
        list_export = ["figure", "change"]

        def to_row_dict(self, item):
            return item

    def test_a_negative_decimal_is_a_number_not_text_defused_as_a_formula(self):
        listing = self.Listing()
        row = {"figure": "-0,4", "change": -0.4}
        for language, line in [
            ("en", b'"\'-0,4",-0.4\r\n'),
            ("fi", b"'-0,4;-0,4\r\n"),
            ("sv", b"'-0,4;-0,4\r\n"),
        ]:
            with self.subTest(language), translation.override(language):
                self.assertEqual(list(listing.stream_csv([row]))[1], line)
                # XLSX keeps the number.
                self.assertEqual(
                    listing.preprocess_field_value("change", -0.4, "xlsx"), -0.4
                )

    def test_a_csv_is_still_made_a_row_at_a_time(self):
        read = []

        def rows():
            for number in [3.5, 4.25]:
                read.append(number)
                yield {"figure": "Mean", "change": number}

        with translation.override("fi"):
            lines = self.Listing().stream_csv(rows())
            heading = next(lines)
            first = next(lines)
            self.assertEqual(read, [3.5])
            rest = list(lines)

        self.assertEqual(heading, codecs.BOM_UTF8 + b"figure;change\r\n")
        self.assertEqual(first, b"Mean;3,5\r\n")
        self.assertEqual(rest, [b"Mean;4,25\r\n"])
