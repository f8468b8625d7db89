"""Enrolling people from a CSV or Excel file: all of them, or nobody."""

import codecs
import csv
import dataclasses
import io
import threading
import time
from collections import Counter
from datetime import timedelta
from unittest import mock

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test import (
    Client,
    SimpleTestCase,
    TestCase,
    TransactionTestCase,
    override_settings,
    skipUnlessDBFeature,
)
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, override
from wagtail.models import GroupPagePermission
from wagtail.test.utils import WagtailTestUtils

from cohorts import audit, importing
from cohorts.emails import Kind
from cohorts.enrolment import enrol, withdraw
from cohorts.importing import MAX_ROWS, enrol_people, read_people
from cohorts.models import Attendance, CohortPage, Enrollment, TrainingLogEntry
from courses.permissions import COORDINATORS
from outbox.models import OutgoingEmail
from outbox.sending import message_id, send_pending
from signin.links import Kind as SignInKind
from signin.models import SignInLink

from .test_outbox import SMTPServerMixin
from .test_signin import LINK

try:
    from django.tasks import task_backends
except ImportError:  # Django 5.2
    from django_tasks import task_backends
from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_trainer,
    make_user,
)

HEADER = ["name", "email", "organisation", "role"]


def csv_file(rows, name="people.csv", delimiter=",", encoding="utf-8"):
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


def xlsx_file(rows, name="people.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    data = io.BytesIO()
    workbook.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def text_of(message):
    """An email's text and HTML parts, as its reader sees them."""
    return "\n".join(
        message.get_body((kind,)).get_content() for kind in ("plain", "html")
    )


def problems(rows, **kwargs):
    """The (line, message) of each problem in a CSV file of ``rows``."""
    people, found = read_people(csv_file(rows, **kwargs))
    return [(problem.line, problem.message) for problem in found]


class ImportViewTestCase(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        course = make_course()
        cls.cohort = make_cohort(course)
        cls.other_cohort = make_cohort(course, title="Cohort B")
        cls.coordinator = make_coordinator()
        cls.url = reverse("enrollments:import")
        cls.index_url = reverse("enrollments:index")

    def setUp(self):
        self.client.force_login(self.coordinator)

    def post(self, file, cohort=None):
        """The first step: a cohort and a file chosen, and sent."""
        cohort_id = (cohort or self.cohort).pk
        return self.client.post(self.url, {"cohort": cohort_id, "file": file})

    def import_file(self, file, cohort=None, **kwargs):
        """Both steps: the file sent, and what it will do confirmed."""
        response = self.post(file, cohort)
        self.assertEqual(response.status_code, 302, self.listed_problems(response))
        return self.client.post(response["Location"], **kwargs)

    def enrolled(self, cohort=None):
        return {
            (e.user.email, e.user.first_name, e.user.last_name, e.role, e.organisation)
            for e in (cohort or self.cohort).enrollments.select_related("user")
        }

    def listed_problems(self, response):
        soup = self.get_soup(response.content)
        return [
            " ".join(item.get_text().split())
            for item in soup.select("#import-problems li")
        ]


class ImportGoodFileTest(ImportViewTestCase):
    def test_good_file_enrols_everyone_with_their_roles_and_organisations(self):
        response = self.import_file(
            csv_file(
                [
                    HEADER,
                    ["Anna Maria Virtanen", "anna@example.fi", "Lapin AVI", "trainer"],
                    ["Pekka Korhonen", "Pekka@Example.fi", "Itä-Suomen AVI", ""],
                    ["Liisa Nieminen", "liisa@example.fi", "", "participant"],
                ]
            )
        )

        self.assertRedirects(response, f"{self.index_url}?cohort={self.cohort.pk}")
        self.assertEqual(
            self.enrolled(),
            {
                ("anna@example.fi", "Anna Maria", "Virtanen", "trainer", "Lapin AVI"),
                (
                    "pekka@example.fi",
                    "Pekka",
                    "Korhonen",
                    "participant",
                    "Itä-Suomen AVI",
                ),
                ("liisa@example.fi", "Liisa", "Nieminen", "participant", ""),
            },
        )
        self.assertEqual(self.other_cohort.enrollments.count(), 0)
        self.assertEqual(
            [str(message) for message in get_messages(response.wsgi_request)],
            ["Cohort A: 3 people added."],
        )

    def test_import_ends_on_the_listing_of_that_cohort(self):
        enrol(self.other_cohort, "elsewhere@example.fi", "Eero", "Elsewhere")

        response = self.import_file(
            csv_file([HEADER, ["Anna Virtanen", "anna@example.fi"]]), follow=True
        )

        self.assertContains(response, "anna@example.fi")
        self.assertNotContains(response, "elsewhere@example.fi")

    def test_imported_trainer_gets_edit_access_to_the_cohort(self):
        self.import_file(
            csv_file([HEADER, ["Tea Trainer", "tea@example.fi", "", "trainer"]])
        )

        trainer = Enrollment.objects.get(user__email="tea@example.fi").user
        self.assertTrue(self.cohort.permissions_for_user(trainer).can_edit())

    def test_people_already_in_the_cohort_are_updated_not_refused(self):
        enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen", "participant", "Old")
        enrol(self.cohort, "pekka@example.fi", "Pekka", "Korhonen", "participant", "X")

        response = self.import_file(
            csv_file(
                [
                    HEADER,
                    ["Anna Virtanen", "ANNA@example.fi", "Lapin AVI", "trainer"],
                    ["Pekka Korhonen", "pekka@example.fi", "X", "participant"],
                    ["Liisa Nieminen", "liisa@example.fi", "", ""],
                ]
            )
        )

        self.assertEqual(
            self.enrolled(),
            {
                ("anna@example.fi", "Anna", "Virtanen", "trainer", "Lapin AVI"),
                ("pekka@example.fi", "Pekka", "Korhonen", "participant", "X"),
                ("liisa@example.fi", "Liisa", "Nieminen", "participant", ""),
            },
        )
        self.assertEqual(
            [str(message) for message in get_messages(response.wsgi_request)],
            ["Cohort A: 1 person added, 1 updated, 1 unchanged."],
        )

    def test_people_withdrawn_from_the_cohort_are_enrolled_again_with_their_work(
        self,
    ):
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen", "participant")
        enrol(self.cohort, "pekka@example.fi", "Pekka", "Korhonen")
        withdraw(anna, by=self.coordinator)
        invites = OutgoingEmail.objects.filter(to="anna@example.fi", kind=Kind.INVITE)
        invited_before = invites.count()

        with self.captureOnCommitCallbacks(execute=True):
            response = self.import_file(
                csv_file(
                    [
                        HEADER,
                        ["Anna Virtanen", "anna@example.fi", "Lapin AVI", ""],
                        ["Pekka Korhonen", "pekka@example.fi", "", ""],
                    ]
                )
            )

        self.assertEqual(
            [str(message) for message in get_messages(response.wsgi_request)],
            ["Cohort A: 1 person enrolled again, 1 unchanged."],
        )
        restored = Enrollment.objects.get(pk=anna.pk)  # the same row: their work
        self.assertIsNone(restored.withdrawn_at)
        self.assertIsNone(restored.withdrawn_by)
        self.assertEqual(restored.organisation, "Lapin AVI")
        self.assertEqual(self.cohort.enrollments.active().count(), 2)
        self.assertEqual(self.cohort.enrollments.count(), 2)
        # Their calendar gets the sessions back, and they are welcomed again
        # (with a new sign-in link), as the preview said.
        sessions = self.cohort.sessions.count()
        self.assertEqual(invites.count(), invited_before + sessions)
        self.assertEqual(
            OutgoingEmail.objects.filter(
                to="anna@example.fi", kind=Kind.WELCOME
            ).count(),
            2,
        )
        self.assertTrue(
            TrainingLogEntry.objects.filter(
                action=audit.RESTORE, object_id=str(anna.pk)
            ).exists()
        )
        entry = TrainingLogEntry.objects.get(action=audit.IMPORT)
        for language, text in [
            ("en", "Imported a file of 2 people: 0 added, 1 enrolled again"),
            ("fi", "Toi tiedoston, jossa oli 2 henkilöä: 0 lisätty, 1 lisätty uud"),
        ]:
            with override(language):
                message = audit.ImportFormatter().format_message(entry)
            self.assertTrue(message.startswith(text), message)

    def test_enrolled_again_with_no_organisation_keeps_the_one_they_had(self):
        for again in ("import", "form"):
            with self.subTest(again):
                email = f"{again}@example.fi"
                place = enrol(
                    self.cohort, email, "Anna", "Virtanen", organisation="Lapin AVI"
                )
                withdraw(place, by=self.coordinator)
                if again == "import":
                    self.import_file(csv_file([HEADER, ["Anna", email, "", ""]]))
                else:
                    self.client.post(
                        "/admin/training/enrolments/new/",
                        {
                            "cohort": self.cohort.pk,
                            "email": email,
                            "role": "participant",
                            "organisation": "",
                        },
                    )
                place.refresh_from_db()
                self.assertIsNone(place.withdrawn_at)
                self.assertEqual(place.organisation, "Lapin AVI")

    def test_an_empty_organisation_keeps_the_one_stored(self):
        """A list without organisations (a column left empty, or none at all)
        changes nobody's: only a cell with one in it does. (The role is
        always the list's: empty is a participant.)"""
        enrol(self.cohort, "anna@example.fi", "Anna", "V", organisation="Lapin AVI")
        enrol(self.cohort, "pekka@example.fi", "Pekka", "K", organisation="Kela")

        response = self.import_file(
            csv_file(
                [
                    HEADER,
                    ["Anna V", "anna@example.fi", "", ""],
                    ["Pekka K", "pekka@example.fi", "", "trainer"],
                ]
            )
        )
        self.assertEqual(
            [str(message) for message in get_messages(response.wsgi_request)],
            ["Cohort A: 1 updated, 1 unchanged."],
        )
        self.import_file(
            csv_file(
                [["name", "email"], ["A", "anna@example.fi"], ["P", "pekka@example.fi"]]
            )
        )
        self.assertEqual(
            sorted(self.cohort.enrollments.values_list("organisation", "role")),
            [("Kela", "participant"), ("Lapin AVI", "participant")],
        )
        self.import_file(
            csv_file([HEADER, ["Anna V", "anna@example.fi", "Lapin ELY", ""]])
        )
        self.assertEqual(
            self.cohort.enrollments.get(user__email="anna@example.fi").organisation,
            "Lapin ELY",
        )

    def test_a_withdrawn_trainer_enrolled_again_can_edit_the_cohort_again(self):
        tea = enrol(self.cohort, "tea@example.fi", "Tea", "Trainer", "trainer")
        withdraw(tea, by=self.coordinator)
        self.assertFalse(self.cohort.permissions_for_user(tea.user).can_edit())

        self.import_file(
            csv_file([HEADER, ["Tea Trainer", "tea@example.fi", "", "trainer"]])
        )

        user = get_user_model().objects.get(pk=tea.user_id)  # no cached permissions
        self.assertTrue(self.cohort.permissions_for_user(user).can_edit())

    def test_enrolling_people_again_takes_as_many_queries_for_twelve_as_for_two(self):
        def withdrawn_people(count, prefix):
            people = [
                enrol(self.cohort, f"{prefix}{n}@example.fi", "P", str(n))
                for n in range(count)
            ]
            for person in people:
                withdraw(person, by=self.coordinator)
            return [["P", person.user.email, "", ""] for person in people]

        two = withdrawn_people(2, "two")
        with CaptureQueriesContext(connection) as small:
            self.import_file(csv_file([HEADER, *two]))
        twelve = withdrawn_people(12, "twelve")
        with self.assertNumQueries(len(small)):
            self.import_file(csv_file([HEADER, *two, *twelve]))
        self.assertEqual(self.cohort.enrollments.active().count(), 14)
        self.assertEqual(
            TrainingLogEntry.objects.filter(action=audit.RESTORE).count(), 14
        )

    def test_someone_withdrawn_before_the_cohort_went_live_is_welcomed(self):
        CohortPage.objects.get(pk=self.cohort.pk).unpublish()
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen")
        withdraw(anna, by=self.coordinator)
        page = CohortPage.objects.get(pk=self.cohort.pk)
        page.save_revision().publish()
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.WELCOME).exists())

        with self.captureOnCommitCallbacks(execute=True):
            self.import_file(csv_file([HEADER, ["Anna Virtanen", "anna@example.fi"]]))

        self.assertEqual(
            OutgoingEmail.objects.filter(
                to="anna@example.fi", kind=Kind.WELCOME
            ).count(),
            1,
        )

    def test_so_is_one_enrolled_again_by_hand(self):
        CohortPage.objects.get(pk=self.cohort.pk).unpublish()
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen")
        withdraw(anna, by=self.coordinator)
        CohortPage.objects.get(pk=self.cohort.pk).save_revision().publish()

        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("enrollments:add"),
                {
                    "cohort": self.cohort.pk,
                    "role": Enrollment.Role.PARTICIPANT,
                    "email": "anna@example.fi",
                    "organisation": "",
                },
            )
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(Enrollment.objects.get(pk=anna.pk).withdrawn_at)
        welcomes = OutgoingEmail.objects.filter(kind=Kind.WELCOME)
        self.assertEqual(welcomes.filter(to="anna@example.fi").count(), 1)
        # Withdrawn and enrolled again once more: welcomed once more.
        withdraw(Enrollment.objects.get(pk=anna.pk), by=self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "anna@example.fi")
        self.assertEqual(welcomes.filter(to="anna@example.fi").count(), 2)

    def test_people_withdrawn_and_not_in_the_list_stay_withdrawn(self):
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen")
        withdraw(anna, by=self.coordinator)

        self.import_file(csv_file([HEADER, ["Pekka Korhonen", "pekka@example.fi"]]))

        self.assertIsNotNone(Enrollment.objects.get(pk=anna.pk).withdrawn_at)

    def test_an_existing_account_keeps_its_name_whoever_the_list_names(self):
        """A list may hold anyone's address, a superuser's or another
        coordinator's too: an import enrols them and changes no account."""
        root = make_user("root@example.org", first_name="Root", last_name="Admin")
        root.is_superuser = True
        root.save()
        other = make_coordinator("coordinator.two@example.fi")
        enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen")
        response = self.import_file(
            csv_file(
                [
                    HEADER,
                    ["Evil Name", "root@example.org", "X", "participant"],
                    ["Other Name", other.email, "X", "participant"],
                    ["Hanna Virtanen", "anna@example.fi", "", "participant"],
                ]
            )
        )
        names = {
            e.user.email: (e.user.first_name, e.user.last_name)
            for e in self.cohort.enrollments.select_related("user")
        }
        self.assertEqual(
            names,
            {
                "root@example.org": ("Root", "Admin"),
                other.email: (other.first_name, other.last_name),
                "anna@example.fi": ("Anna", "Virtanen"),
            },
        )
        self.assertEqual(
            [str(message) for message in get_messages(response.wsgi_request)],
            ["Cohort A: 2 people added, 1 unchanged."],
        )

    def test_semicolon_csv_with_bom_and_finnish_headings_is_read(self):
        self.import_file(
            csv_file(
                [
                    ["Nimi", "Sähköposti", "Organisaatio", "Rooli"],
                    ["Äijä Öhman", "aija@example.fi", "ELY-keskus, Oulu", "Valmentaja"],
                    ["Satu Mäkelä", "satu@example.fi", "Kela", "osallistuja"],
                ],
                delimiter=";",
                encoding="utf-8-sig",
            )
        )

        self.assertEqual(
            self.enrolled(),
            {
                ("aija@example.fi", "Äijä", "Öhman", "trainer", "ELY-keskus, Oulu"),
                ("satu@example.fi", "Satu", "Mäkelä", "participant", "Kela"),
            },
        )

    def test_excel_workbook_with_swedish_headings_is_read(self):
        self.import_file(
            xlsx_file(
                [
                    ["Namn", "E-post", "Organisation", "Roll"],
                    ["Åsa Lindqvist", "asa@example.fi", "Vasa stad", "tränare"],
                    ["Erik Holm", "erik@example.fi", None, "deltagare"],
                    [None, None, None, None],
                    ["Nils Berg", "nils@example.fi", 4021, None],
                ]
            )
        )

        self.assertEqual(
            self.enrolled(),
            {
                ("asa@example.fi", "Åsa", "Lindqvist", "trainer", "Vasa stad"),
                ("erik@example.fi", "Erik", "Holm", "participant", ""),
                ("nils@example.fi", "Nils", "Berg", "participant", "4021"),
            },
        )


class ImportBadFileTest(ImportViewTestCase):
    def test_one_bad_row_enrols_nobody_and_every_problem_is_listed_by_line(self):
        enrol(self.cohort, "old@example.fi", "Olli", "Old", "participant", "Kela")

        response = self.post(
            csv_file(
                [
                    HEADER,
                    ["Anna Virtanen", "anna@example.fi", "Lapin AVI", "participant"],
                    ["No Address", "", "Kela", "participant"],
                    ["Pekka Korhonen", "pekka@example.fi", "Kela", "boss"],
                    ["Anna Again", "ANNA@example.fi", "Kela", ""],
                    ["Bad Address", "bad@", "Kela", ""],
                    ["Olli Old", "old@example.fi", "Vero", "trainer"],
                ]
            )
        )

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.listed_problems(response),
            [
                "Line 2: anna@example.fi is also on line 5.",
                "Line 3: The email address is missing.",
                "Line 4: “boss” is not a role. Use participant or trainer "
                "(or leave it empty for a participant).",
                "Line 5: anna@example.fi is also on line 2.",
                "Line 6: “bad@” is not a valid email address.",
            ],
        )
        self.assertEqual(
            self.enrolled(),
            {("old@example.fi", "Olli", "Old", "participant", "Kela")},
        )
        self.assertFalse(Enrollment.objects.filter(user__email="anna@example.fi"))

    def test_a_participant_with_work_is_not_made_a_trainer_by_a_file(self):
        """Their reflections, attendance and answers would leave the
        trainers' grid and the cohort's figures, which count participants:
        the edit form refused it, a file did it. Someone withdrawn with work
        is no different, and the rest of the file waits for the fix."""
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen")
        bert = enrol(self.cohort, "bert@example.fi", "Bert", "Berg", "participant")
        for enrollment in (anna, bert):
            Attendance.objects.create(
                session=self.cohort.sessions.first(),
                enrollment=enrollment,
                status=Attendance.Status.PRESENT,
            )
        withdraw(bert, by=self.coordinator)
        # Nothing on Carl's place yet: a trainer listed as a participant by
        # mistake is put right.
        enrol(self.cohort, "carl@example.fi", "Carl", "Carlsson")
        before = self.enrolled()

        response = self.post(
            xlsx_file(
                [
                    HEADER,
                    ["Anna Virtanen", "anna@example.fi", "Lapin AVI", "trainer"],
                    ["Carl Carlsson", "carl@example.fi", "", "trainer"],
                    ["Bert Berg", "BERT@example.fi", "", "valmentaja"],
                    ["Liisa Nieminen", "liisa@example.fi", "", ""],
                ]
            )
        )

        self.assertEqual(response.status_code, 200)
        work = (
            " already has work in this cohort as a participant (reflections, "
            "attendance or survey answers), which would drop out of the "
            "trainers' grid and the cohort's figures if they became a trainer. "
            "Leave their role as participant, or empty."
        )
        self.assertEqual(
            self.listed_problems(response),
            [f"Line 2: anna@example.fi{work}", f"Line 4: BERT@example.fi{work}"],
        )
        self.assertEqual(self.enrolled(), before)
        bert.refresh_from_db()
        self.assertIsNotNone(bert.withdrawn_at)
        self.assertFalse(Enrollment.objects.filter(user__email="liisa@example.fi"))

        response = self.import_file(
            xlsx_file(
                [
                    HEADER,
                    ["Anna Virtanen", "anna@example.fi", "Lapin AVI", ""],
                    ["Carl Carlsson", "carl@example.fi", "", "trainer"],
                ]
            )
        )

        self.assertRedirects(response, f"{self.index_url}?cohort={self.cohort.pk}")
        self.assertEqual(
            Enrollment.objects.get(user__email="carl@example.fi").role,
            Enrollment.Role.TRAINER,
        )

    def test_a_refused_file_is_announced_in_the_admins_messages(self):
        """The admin's message area is read out by screen readers when the
        page opens; the list of problems alone is not."""
        response = self.post(csv_file([HEADER, ["No Address", "", "", ""]]))

        # (Wagtail's message list may hold empty items beside it.)
        [message] = [
            item
            for item in self.get_soup(response.content).select(".messages li")
            if item.get_text(strip=True)
        ]
        self.assertTrue(
            " ".join(message.get_text().split()).startswith(
                "Nobody was imported: the file has a problem, listed below."
            ),
            message,
        )

    def test_problems_are_listed_in_the_coordinators_language(self):
        finn = make_user("kaisa@example.fi", groups=[COORDINATORS], language="fi")
        self.client.force_login(finn)

        response = self.post(csv_file([HEADER, ["No Address", "", "", ""]]))

        with override("fi"):
            expected = gettext("The email address is missing.")
        self.assertNotEqual(expected, "The email address is missing.")
        [problem] = self.listed_problems(response)
        self.assertTrue(problem.endswith(expected), problem)

    def test_chosen_cohort_stays_selected_after_errors(self):
        response = self.post(
            csv_file([HEADER, ["No Address", "", "", ""]]), cohort=self.other_cohort
        )

        selected = self.get_soup(response.content).select_one(
            "select[name=cohort] option[selected]"
        )
        self.assertEqual(selected["value"], str(self.other_cohort.pk))

    def test_file_without_an_email_column_is_refused_on_line_one(self):
        response = self.post(csv_file([["name", "organisation"], ["Anna", "Kela"]]))

        [problem] = self.listed_problems(response)
        self.assertTrue(problem.startswith("Line 1: The first row has no “email”"))
        self.assertEqual(Enrollment.objects.count(), 0)

    def test_form_says_that_importing_emails_everyone_in_the_file(self):
        response = self.client.get(reverse("enrollments:import"))

        help_text = self.get_soup(response.content).select_one("#id_cohort-helptext")
        self.assertIsNotNone(help_text)
        self.assertIn("emailed a welcome and the invitations", help_text.get_text())

    def test_missing_column_is_named_in_the_coordinators_language(self):
        """A Finnish coordinator is told which heading to add in Finnish
        (one the import accepts), not the program's English name for it."""
        finn = make_user("kaisa@example.fi", groups=[COORDINATORS], language="fi")
        self.client.force_login(finn)

        response = self.post(
            csv_file([["kutsumanimi", "sähköposti"], ["Anna", "anna@example.fi"]])
        )

        [problem] = self.listed_problems(response)
        self.assertIn("”nimi”", problem)
        self.assertNotIn("name”", problem)

    def test_wrong_kind_of_file_is_a_form_error(self):
        response = self.post(SimpleUploadedFile("people.xls", b"\xd0\xcf\x11\xe0"))

        self.assertContains(
            response,
            "File extension “xls” is not allowed. Allowed extensions are: csv, xlsx.",
        )
        self.assertContains(response, "Nobody was imported: correct the form below.")

    def test_damaged_workbook_is_reported_not_a_server_error(self):
        response = self.post(SimpleUploadedFile("people.xlsx", b"not a zip file"))

        self.assertEqual(
            self.listed_problems(response),
            ["The file could not be read as an Excel workbook (.xlsx)."],
        )


class ImportAccessTest(ImportViewTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.trainer = make_trainer(cls.cohort)

    def test_cohort_in_the_query_is_preselected(self):
        response = self.client.get(f"{self.url}?cohort={self.other_cohort.pk}")

        selected = self.get_soup(response.content).select_one(
            "select[name=cohort] option[selected]"
        )
        self.assertEqual(selected["value"], str(self.other_cohort.pk))

    def test_page_has_admin_breadcrumbs_back_to_the_enrolments(self):
        response = self.client.get(self.url)

        soup = self.get_soup(response.content)
        self.assertIsNotNone(
            soup.select_one(f'[data-w-breadcrumbs] a[href="{self.index_url}"]')
        )
        self.assertEqual(
            soup.select_one("form#w-editor-form")["enctype"], "multipart/form-data"
        )

    def test_coordinator_sees_import_button_on_enrolment_listing(self):
        response = self.client.get(f"{self.index_url}?cohort={self.cohort.pk}")

        button = self.get_soup(response.content).select_one(
            f'a[href="{self.url}?cohort={self.cohort.pk}"]'
        )
        self.assertEqual(button.get_text(strip=True), "Import from file")

    def test_trainer_sees_no_import_button_and_is_refused_the_import(self):
        self.client.force_login(self.trainer)

        listing = self.client.get(self.index_url)
        self.assertEqual(listing.status_code, 200)
        self.assertNotContains(listing, self.url)
        # Wagtail answers a refused admin page with a message on the dashboard,
        # and scripts with a plain 403.
        home = reverse("wagtailadmin_home")
        self.assertRedirects(self.client.get(self.url), home)
        xhr = {"x-requested-with": "XMLHttpRequest"}
        with self.assertLogs("django.request", "WARNING"):
            self.assertEqual(self.client.get(self.url, headers=xhr).status_code, 403)
        response = self.post(csv_file([HEADER, ["A B", "a@example.fi", "", ""]]))
        self.assertRedirects(response, home)
        self.assertFalse(Enrollment.objects.filter(user__email="a@example.fi"))

    def test_guessed_cohort_id_is_a_form_error(self):
        response = self.client.post(
            self.url,
            {"cohort": 999_999, "file": csv_file([HEADER, ["A B", "a@example.fi"]])},
        )

        self.assertContains(
            response,
            "Select a valid choice. That choice is not one of the available choices.",
        )

    def test_user_who_may_enrol_cannot_import_into_a_cohort_they_cannot_see(self):
        clerk = make_user("clerk@example.fi")
        group = Group.objects.create(name="Enrolment clerks")
        group.permissions.add(
            Permission.objects.get(codename="access_admin"),
            Permission.objects.get(codename="add_enrollment"),
        )
        clerk.groups.add(group)
        self.client.force_login(clerk)

        response = self.post(csv_file([HEADER, ["A B", "a@example.fi", "", ""]]))

        self.assertEqual(response.status_code, 200)
        self.assertIn("cohort", response.context["form"].errors)
        self.assertFalse(Enrollment.objects.filter(user__email="a@example.fi"))


class ImportPreviewTest(ImportViewTestCase):
    """A file is first shown, in the coordinator's words, with what importing
    it will do; nobody is enrolled or emailed until they confirm it, once."""

    FILE = [
        HEADER,
        ["Anna Virtanen", "anna@example.fi", "Lapin AVI", "trainer"],
        ["Pekka Korhonen", "pekka@example.fi", "Kela", ""],
        ["Olli Old", "old@example.fi", "Vero", ""],
        ["Uma Unchanged", "uma@example.fi", "", ""],
    ]

    def setUp(self):
        super().setUp()
        enrol(self.cohort, "old@example.fi", "Olli", "Old", organisation="Kela")
        enrol(self.cohort, "uma@example.fi", "Uma", "Unchanged")
        self.emails_before = OutgoingEmail.objects.count()

    def new_emails(self):
        return OutgoingEmail.objects.count() - self.emails_before

    def preview(self, file=None, cohort=None):
        """The preview page of a file, and its address."""
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post(file or csv_file(self.FILE), cohort)
        self.assertEqual(response.status_code, 302, self.listed_problems(response))
        url = response["Location"]
        page = self.client.get(url)
        self.assertIsNotNone(self.get_soup(page.content).select_one("#import-confirm"))
        return page, url

    def confirm(self, url):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url)

    def messages(self, response):
        return [str(message) for message in get_messages(response.wsgi_request)]

    def test_a_file_is_previewed_and_nobody_is_enrolled_or_emailed(self):
        response, url = self.preview()

        self.assertEqual(response.status_code, 200)
        soup = self.get_soup(response.content)
        self.assertIn("Cohort A", soup.select_one("#import-cohort").get_text())
        self.assertEqual(
            [item.get_text(strip=True) for item in soup.select("#import-summary li")],
            [
                "2 new people will be enrolled.",
                "1 person already enrolled will have their role or organisation "
                "changed.",
                "1 person is already enrolled as listed and stays as they are.",
                "2 people will be emailed at once: a welcome and the invitations "
                "to the sessions. Emails cannot be recalled.",
            ],
        )
        table = soup.select_one("#import-people")
        self.assertIsNotNone(table.find_parent(class_="virtu-scroll"))
        rows = [
            [cell.get_text(strip=True) for cell in row.select("td")]
            for row in table.select("tbody tr")
        ]
        changed = "Role or organisation changed"
        self.assertEqual(
            rows,
            [
                ["Anna Virtanen", "anna@example.fi", "Trainer", "Lapin AVI", "New"],
                ["Pekka Korhonen", "pekka@example.fi", "Participant", "Kela", "New"],
                ["Olli Old", "old@example.fi", "Participant", "Vero", changed],
            ],
        )
        button = soup.select_one("#import-confirm button[type=submit]")
        self.assertEqual(button.get_text(strip=True), "Enrol 2 people and email them")
        back = soup.select_one("#import-confirm a")
        self.assertEqual(back["href"], f"{self.url}?cohort={self.cohort.pk}")
        self.assertEqual(
            {e.user.email for e in self.cohort.enrollments.select_related("user")},
            {"old@example.fi", "uma@example.fi"},
        )
        self.assertEqual(
            self.cohort.enrollments.get(user__email="old@example.fi").organisation,
            "Kela",
        )
        self.assertEqual(self.new_emails(), 0)
        self.assertFalse(TrainingLogEntry.objects.filter(action=audit.IMPORT))

    def rows(self, response):
        return [
            [cell.get_text(strip=True) for cell in row.select("td")]
            for row in self.get_soup(response.content).select("#import-people tbody tr")
        ]

    def test_the_preview_names_people_as_the_file_does_not_as_their_accounts(
        self,
    ):
        """A list may hold anyone's address: the preview must not tell the
        coordinator the name of the account an address has (a superuser's,
        another coordinator's), only what the file says and what importing
        it does to the cohort."""
        make_user(
            "root@example.org",
            first_name="Rauni",
            last_name="Rootinen",
            is_superuser=True,
        )
        make_user(
            "coordinator.two@example.fi",
            groups=[COORDINATORS],
            first_name="Outi",
            last_name="Toinen",
        )

        response, url = self.preview(
            csv_file(
                [
                    HEADER,
                    ["Some Body", "ROOT@example.org", "", ""],
                    ["Other Body", "coordinator.two@example.fi", "", ""],
                ]
            )
        )

        soup = self.get_soup(response.content)
        self.assertEqual(
            self.rows(response),
            [
                ["Some Body", "ROOT@example.org", "Participant", "", "New"],
                ["Other Body", "coordinator.two@example.fi", "Participant", "", "New"],
            ],
        )
        self.assertEqual(
            [th.get_text(strip=True) for th in soup.select("#import-people th")][0],
            "Name in the file",
        )
        self.assertEqual(
            " ".join(soup.select_one("#import-names").get_text().split()),
            "People who already have an account on this site keep the name in "
            "their account.",
        )
        page = response.content.decode()
        for stored in ["Rauni", "Rootinen", "Outi", "Toinen"]:
            self.assertNotIn(stored, page)

    def test_the_preview_is_the_same_for_an_address_with_an_account_or_none(self):
        """Nor whether an address has an account at all."""
        make_user("root@example.org", first_name="Rauni", last_name="Rootinen")

        def seen(address):
            response, url = self.preview(
                csv_file([HEADER, ["Some Body", address, "Kela", ""]])
            )
            soup = self.get_soup(response.content)
            return (
                [li.get_text(strip=True) for li in soup.select("#import-summary li")],
                self.rows(response)[0][:1] + self.rows(response)[0][2:],
                soup.select_one("#import-confirm button").get_text(strip=True),
            )

        self.assertEqual(seen("root@example.org"), seen("nobody@example.org"))

    def test_the_preview_shows_twenty_people_and_says_how_many_more(self):
        rows = [[f"P {n}", f"p{n}@example.fi"] for n in range(25)]

        response, url = self.preview(csv_file([HEADER, *rows]))

        soup = self.get_soup(response.content)
        self.assertEqual(len(soup.select("#import-people tbody tr")), 20)
        self.assertEqual(
            " ".join(soup.select_one("#import-people-heading").get_text().split()),
            "The first 20 of the 25 people to enrol or change",
        )

    def test_the_preview_is_in_the_coordinators_language(self):
        finn = make_user("kaisa@example.fi", groups=[COORDINATORS], language="fi")
        self.client.force_login(finn)

        response, url = self.preview()

        button = self.get_soup(response.content).select_one("#import-confirm button")
        with override("fi"):
            expected = ngettext(
                "Enrol %(count)s person and email them",
                "Enrol %(count)s people and email them",
                2,
            ) % {"count": 2}
        self.assertNotIn("Enrol", expected)
        self.assertEqual(button.get_text(strip=True), expected)

    def test_confirming_enrols_and_queues_one_welcome_per_new_person(self):
        welcomes = OutgoingEmail.objects.filter(kind=Kind.WELCOME)
        before = Counter(welcomes.values_list("to", flat=True))
        response, url = self.preview()

        response = self.confirm(url)

        self.assertRedirects(response, f"{self.index_url}?cohort={self.cohort.pk}")
        self.assertEqual(
            self.messages(response),
            ["Cohort A: 2 people added, 1 updated, 1 unchanged."],
        )
        self.assertEqual(self.cohort.enrollments.count(), 4)
        after = Counter(welcomes.values_list("to", flat=True))
        self.assertEqual(after - before, {"anna@example.fi": 1, "pekka@example.fi": 1})
        entry = TrainingLogEntry.objects.get(action=audit.IMPORT)
        self.assertEqual(entry.data["file"], "people.csv")
        self.assertEqual(entry.data["rows"], 4)

    def test_someone_enrolled_again_is_sent_what_the_preview_says(self):
        """The preview promises a welcome and the invitations to a person
        withdrawn and imported again: weeks may have passed, and the welcome
        carries their sign-in link."""
        self.coordinator.wagtail_userprofile.preferred_language = "fi"
        self.coordinator.wagtail_userprofile.save()
        with self.captureOnCommitCallbacks(execute=True):
            withdraw(
                self.cohort.enrollments.get(user__email="uma@example.fi"),
                by=self.coordinator,
            )
        before = set(OutgoingEmail.objects.values_list("pk", flat=True))

        response, url = self.preview(csv_file([HEADER, ["Uma", "uma@example.fi"]]))
        self.assertIn(
            "1 henkilölle lähetetään heti sähköpostilla tervetuloviesti ja "
            "kutsut tuokioihin. Lähetettyjä viestejä ei voi perua.",
            [
                li.get_text(strip=True)
                for li in self.get_soup(response.content).select("#import-summary li")
            ],
        )
        self.confirm(url)

        sent = OutgoingEmail.objects.exclude(pk__in=before)
        self.assertEqual(
            sorted(sent.values_list("to", "kind")),
            [("uma@example.fi", Kind.INVITE)] * 3 + [("uma@example.fi", Kind.WELCOME)],
        )

    def test_confirming_twice_enrols_and_emails_once(self):
        response, url = self.preview()
        self.confirm(url)
        queued = self.new_emails()
        self.assertGreater(queued, 0)

        # A double click, or the back button and the button again.
        response = self.confirm(url)

        listing = f"{self.index_url}?cohort={self.cohort.pk}"
        self.assertRedirects(response, listing, fetch_redirect_response=False)
        self.assertEqual(self.messages(response)[-1], self.ALREADY)
        self.assertEqual(self.new_emails(), queued)
        self.assertEqual(
            TrainingLogEntry.objects.filter(action=audit.IMPORT).count(), 1
        )
        # The preview itself is gone too: it says the file was imported.
        response = self.client.get(url)
        self.assertRedirects(response, listing, fetch_redirect_response=False)
        self.assertEqual(self.messages(response)[-1], self.ALREADY)

    #: What a second confirmation of one preview is told, whenever it comes.
    ALREADY = (
        "Cohort A: this file has already been imported (2 people added, "
        "1 updated, 1 unchanged). Nothing was imported again."
    )

    def test_a_second_confirmation_that_read_the_session_first_imports_nothing(
        self,
    ):
        """Two presses at once (a double click, two tabs of the preview):
        the second read the session before the first had done; it waits for
        the first, and says the file was imported."""
        response, url = self.preview()
        kept = self.client.session[importing.PENDING_KEY]
        first = self.confirm(url)
        queued = self.new_emails()
        enrolled = self.enrolled()
        session = self.client.session
        session[importing.PENDING_KEY] = kept
        session.save()

        second = self.confirm(url)

        listing = f"{self.index_url}?cohort={self.cohort.pk}"
        self.assertRedirects(second, listing, fetch_redirect_response=False)
        self.assertEqual(
            self.messages(first)[-1],
            "Cohort A: 2 people added, 1 updated, 1 unchanged.",
        )
        self.assertEqual(self.messages(second)[-1], self.ALREADY)
        self.assertEqual(self.enrolled(), enrolled)
        self.assertEqual(self.new_emails(), queued)
        [entry] = TrainingLogEntry.objects.filter(action=audit.IMPORT)
        self.assertEqual((entry.data["added"], entry.data["updated"]), (2, 1))
        self.assertNotIn(importing.PENDING_KEY, self.client.session)

    def test_a_file_imported_already_is_not_named_to_another_coordinator(self):
        response, url = self.preview()
        self.confirm(url)
        self.client.force_login(make_coordinator("coordinator.two@example.fi"))

        response = self.confirm(url)

        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        message = self.messages(response)[-1]
        self.assertIn("this file is no longer waiting to be imported", message)

    def test_the_same_people_imported_again_change_nothing_and_email_nobody(self):
        """Even when a second confirmation gets past the session (two tabs,
        or two presses at once): the enrolment goes by address."""
        response, first = self.preview()
        self.confirm(first)
        queued = self.new_emails()

        response, second = self.preview()
        self.assertEqual(
            [
                li.get_text(strip=True)
                for li in self.get_soup(response.content).select("#import-summary li")
            ],
            ["4 people are already enrolled as listed and stay as they are."],
        )
        self.assertIsNone(
            self.get_soup(response.content).select_one("#import-confirm button")
        )
        with self.captureOnCommitCallbacks(execute=True):
            counts = enrol_people(self.cohort, read_people(csv_file(self.FILE))[0])

        self.assertEqual(counts["unchanged"], 4)
        self.assertEqual(self.new_emails(), queued)

    def test_a_draft_cohort_is_imported_without_emails_and_says_so(self):
        CohortPage.objects.get(pk=self.cohort.pk).unpublish()

        response, url = self.preview()

        soup = self.get_soup(response.content)
        self.assertIn(
            "The cohort is a draft: 2 people will be emailed a welcome and the "
            "invitations to the sessions when it is published.",
            [li.get_text(strip=True) for li in soup.select("#import-summary li")],
        )
        button = soup.select_one("#import-confirm button")
        self.assertEqual(button.get_text(strip=True), "Enrol 2 people")

    def test_the_checks_of_the_cohort_are_made_again_on_confirming(self):
        """Anna was a participant without work when the file was shown; by
        the time it is confirmed she has some, and is not made a trainer."""
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "Virtanen")
        self.emails_before = OutgoingEmail.objects.count()
        response, url = self.preview()
        Attendance.objects.create(
            session=self.cohort.sessions.first(),
            enrollment=anna,
            status=Attendance.Status.PRESENT,
        )

        response = self.confirm(url)

        self.assertRedirects(
            response,
            f"{self.url}?cohort={self.cohort.pk}",
            fetch_redirect_response=False,
        )
        message = self.messages(response)[-1]
        self.assertTrue(
            message.startswith(
                "Nobody was imported: anna@example.fi already has work in this "
                "cohort as a participant"
            ),
            message,
        )
        anna.refresh_from_db()
        self.assertEqual(anna.role, Enrollment.Role.PARTICIPANT)
        self.assertFalse(Enrollment.objects.filter(user__email="pekka@example.fi"))
        self.assertEqual(self.new_emails(), 0)

    def log_in_clerk(self):
        """Someone who may enrol people in Cohort A only, and why."""
        clerk = make_user("clerk@example.fi")
        group = Group.objects.create(name="Cohort A clerks")
        group.permissions.add(
            *Permission.objects.filter(
                codename__in=["access_admin", "add_enrollment", "view_enrollment"]
            )
        )
        clerk.groups.add(group)
        page_permission = GroupPagePermission.objects.create(
            group=group,
            page=self.cohort,
            permission=Permission.objects.get(codename="change_page"),
        )
        self.client.force_login(clerk)
        return group, page_permission

    def test_a_coordinator_who_lost_the_cohort_before_confirming_is_refused(self):
        group, page_permission = self.log_in_clerk()
        response, url = self.preview()

        page_permission.delete()
        response = self.confirm(url)

        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertEqual(
            self.messages(response)[-1],
            "Nobody was imported: you may no longer enrol people in the "
            "cohort the file was for.",
        )
        self.assertFalse(Enrollment.objects.filter(user__email="anna@example.fi"))
        self.assertEqual(self.new_emails(), 0)

    def test_a_coordinator_who_may_no_longer_enrol_is_refused(self):
        group, page_permission = self.log_in_clerk()
        response, url = self.preview()

        group.permissions.remove(Permission.objects.get(codename="add_enrollment"))
        response = self.confirm(url)

        self.assertRedirects(
            response, reverse("wagtailadmin_home"), fetch_redirect_response=False
        )
        self.assertFalse(Enrollment.objects.filter(user__email="anna@example.fi"))
        self.assertEqual(self.new_emails(), 0)

    def test_a_wrong_or_expired_token_is_refused_with_a_message(self):
        response, url = self.preview()
        wrong = url.rstrip("/") + "x/"

        for name, address in [("wrong", wrong), ("other", self.url + "abc/")]:
            with self.subTest(name):
                response = self.confirm(address)
                self.assertRedirects(response, self.url, fetch_redirect_response=False)
                message = self.messages(response)[-1]
                self.assertTrue(
                    message.startswith(
                        "Nobody was imported: this file is no longer waiting"
                    ),
                    message,
                )

        session = self.client.session
        session[importing.PENDING_KEY]["at"] -= 2 * 60 * 60
        session.save()
        response = self.confirm(url)
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertIn("more than an hour has passed", self.messages(response)[-1])
        self.assertFalse(Enrollment.objects.filter(user__email="anna@example.fi"))
        self.assertEqual(self.new_emails(), 0)

    def test_only_the_last_file_chosen_can_be_confirmed(self):
        response, first = self.preview()
        response, second = self.preview(cohort=self.other_cohort)

        self.assertRedirects(
            self.confirm(first), self.url, fetch_redirect_response=False
        )
        self.assertEqual(self.other_cohort.enrollments.count(), 0)
        self.confirm(second)
        self.assertEqual(self.other_cohort.enrollments.count(), 4)
        self.assertFalse(
            self.cohort.enrollments.filter(user__email="anna@example.fi").exists()
        )

    def test_the_cohort_cannot_be_changed_on_confirming(self):
        """Only the token is sent back: what is imported, and where, is the
        session's."""
        response, url = self.preview()

        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, {"cohort": self.other_cohort.pk})

        self.assertEqual(self.other_cohort.enrollments.count(), 0)
        self.assertTrue(
            self.cohort.enrollments.filter(user__email="anna@example.fi").exists()
        )


class StaffAddressImportTest(SMTPServerMixin, ImportViewTestCase):
    """A coordinator's list may hold the address of an account that can use
    the admin (a superuser, staff). The import enrols that account as it is,
    tells the coordinator nothing of it they could not see before, and no
    email it causes signs anyone in to that account: email alone never
    opens the admin (``signin.links``)."""

    STORED = ["Rauni", "Rootinen", "Sami", "Staffinen"]

    def setUp(self):
        super().setUp()
        cache.clear()  # the sign-in page's rate limits count in the cache
        self.addCleanup(cache.clear)
        self.root = make_user(
            "root@example.org",
            first_name="Rauni",
            last_name="Rootinen",
            is_superuser=True,
            is_staff=True,
        )
        # Staff who never set a password (one made in a shell, say).
        self.staff = make_user(
            "staff@example.org", first_name="Sami", last_name="Staffinen"
        )
        self.staff.is_staff = True
        self.staff.set_unusable_password()
        self.staff.save()

    def assertNamesNoStoredName(self, text):
        shown = [name for name in self.STORED if name in text]
        self.assertEqual(shown, [], "stored names of accounts are shown")

    def sent_to(self, address, kind):
        """The messages of ``kind`` the mail server got for ``address``."""
        ids = {
            message_id(key)
            for key in OutgoingEmail.objects.filter(kind=kind, to=address).values_list(
                "key", flat=True
            )
        }
        return [
            message
            for message in self.mailbox.messages
            if message["To"] == address and message["Message-ID"] in ids
        ]

    def test_a_staff_address_in_a_file_gives_no_way_into_the_account(self):
        with self.captureOnCommitCallbacks(execute=True):
            preview = self.post(
                csv_file(
                    [
                        HEADER,
                        ["Some Body", "ROOT@Example.org", "", ""],
                        ["Other Body", "staff@example.org", "", ""],
                        ["Nina Newcomer", "nina@example.fi", "", ""],
                    ]
                )
            )
            page = self.client.get(preview["Location"])
            response = self.client.post(preview["Location"])
        while send_pending(now=timezone.now() + timedelta(minutes=5)):
            pass

        self.assertNamesNoStoredName(page.content.decode())
        self.assertEqual(
            [str(message) for message in get_messages(response.wsgi_request)],
            ["Cohort A: 3 people added."],
        )
        # Enrolled as they are: no second account at the address, no change.
        users = get_user_model().objects
        self.assertEqual(users.filter(email__iexact="root@example.org").count(), 1)
        self.root.refresh_from_db()
        self.assertEqual(self.root.get_full_name(), "Rauni Rootinen")
        self.assertEqual(
            {e.user for e in self.cohort.enrollments.select_related("user")}
            - {users.get(email="nina@example.fi")},
            {self.root, self.staff},
        )
        # The audit log and Site history as the coordinator reads them.
        for entry in TrainingLogEntry.objects.filter(cohort_id=self.cohort.pk):
            self.assertNamesNoStoredName(
                f"{entry.label} {entry.data} {entry.message} {entry.comment}"
            )
        history = self.client.get(reverse("wagtailadmin_reports:site_history"))
        self.assertContains(history, "Imported a file of 3 people: 3 added")
        self.assertNamesNoStoredName(history.content.decode())
        # Each is welcomed at their own address, with no link that signs in.
        welcomes = {
            address: self.sent_to(address, Kind.WELCOME)
            for address in ["root@example.org", "staff@example.org", "nina@example.fi"]
        }
        self.assertEqual({len(sent) for sent in welcomes.values()}, {1})
        self.assertRegex(text_of(welcomes["nina@example.fi"][0]), LINK)
        for address in ["root@example.org", "staff@example.org"]:
            with self.subTest(address=address):
                self.assertNotRegex(text_of(welcomes[address][0]), LINK)
        self.assertFalse(SignInLink.objects.filter(user__in=[self.root, self.staff]))

        # Enrolled now, they may ask the sign-in page for a link: they are
        # told to use their password instead.
        self.client.logout()
        for address in ["Root@example.org", "staff@example.org"]:
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post(reverse("login"), {"link-email": address})
        while send_pending(now=timezone.now() + timedelta(minutes=10)):
            pass
        for address in ["root@example.org", "staff@example.org"]:
            with self.subTest(address=address):
                [message] = self.sent_to(address, SignInKind.SIGN_IN)
                self.assertIn("password", message["Subject"])
                self.assertNotRegex(text_of(message), LINK)
        self.assertFalse(SignInLink.objects.filter(user__in=[self.root, self.staff]))


@skipUnlessDBFeature("has_select_for_update")
class ConcurrentConfirmTest(TransactionTestCase):
    """Two confirmations of one preview at once (a double click, two tabs of
    it) import the file once, and the second says so: the browser shows the
    answer to the last one sent.

    On PostgreSQL: SQLite's in-memory test database cannot hold two
    connections that wait for each other (a file database with the shipped
    IMMEDIATE transactions waits as PostgreSQL does)."""

    serialized_rollback = True  # the pages the migrations make

    def setUp(self):
        self.cohort = make_cohort(make_course())
        self.client.force_login(make_coordinator())
        response = self.client.post(
            reverse("enrollments:import"),
            {
                "cohort": self.cohort.pk,
                "file": csv_file(
                    [
                        HEADER,
                        ["Anna Virtanen", "anna@example.fi", "Kela", ""],
                        ["Pekka Korhonen", "pekka@example.fi", "Kela", ""],
                    ]
                ),
            },
        )
        self.url = response["Location"]

    def confirm_twice(self, start_second):
        """The messages of two confirmations sent from one browser, the
        second sent when ``start_second`` (an Event) is set."""
        answers, errors = {}, []
        cookie = self.client.cookies[settings.SESSION_COOKIE_NAME].value

        def confirm(name):
            try:
                client = Client()
                client.cookies[settings.SESSION_COOKIE_NAME] = cookie
                response = client.post(self.url)
                answers[name] = (
                    response["Location"],
                    [str(m) for m in get_messages(response.wsgi_request)],
                )
            except Exception as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                connection.close()

        first = threading.Thread(target=confirm, args=("first",))
        second = threading.Thread(target=confirm, args=("second",))
        first.start()
        self.assertTrue(start_second.wait(20))
        second.start()
        first.join(60)
        second.join(60)
        self.assertEqual(errors, [])
        return answers

    def assertImportedOnce(self, answers):
        listing = f"{reverse('enrollments:index')}?cohort={self.cohort.pk}"
        self.assertEqual(
            sorted(answers.values()),
            sorted(
                [
                    (listing, ["Cohort A: 2 people added."]),
                    (
                        listing,
                        [
                            "Cohort A: this file has already been imported (2 "
                            "people added). Nothing was imported again."
                        ],
                    ),
                ]
            ),
        )
        self.assertEqual(
            TrainingLogEntry.objects.filter(action=audit.IMPORT).count(), 1
        )
        self.assertEqual(self.cohort.enrollments.count(), 2)
        welcomes = OutgoingEmail.objects.filter(kind=Kind.WELCOME)
        self.assertEqual(
            sorted(welcomes.values_list("to", flat=True)),
            ["anna@example.fi", "pekka@example.fi"],
        )
        # Each email of the import went once: a welcome and the invites.
        sent = Counter(message.extra_headers["Message-ID"] for message in mail.outbox)
        self.assertEqual(len(sent), OutgoingEmail.objects.count())
        self.assertEqual(set(sent.values()), {1})

    def test_two_confirmations_at_the_same_instant_import_once(self):
        """Both read the session before either has imported."""
        both_read = threading.Barrier(2)
        read = importing.pending

        def pending(session, token):
            found = read(session, token)
            both_read.wait(20)
            return found

        now = threading.Event()
        now.set()
        with mock.patch("cohorts.views.pending", pending):
            answers = self.confirm_twice(start_second=now)

        self.assertImportedOnce(answers)

    def test_a_confirmation_sent_while_the_first_imports_waits_for_it(self):
        """The usual double click: the second arrives while the first is
        still enrolling, and its answer is the one the browser shows."""
        importing_now = threading.Event()
        enrol = importing.people_for_emails

        def slowly(people):
            importing_now.set()
            time.sleep(1)  # the second confirmation arrives meanwhile
            return enrol(people)

        with mock.patch("cohorts.importing.people_for_emails", slowly):
            answers = self.confirm_twice(start_second=importing_now)

        self.assertImportedOnce(answers)


class ImportNameColumnsTest(ImportViewTestCase):
    """HR systems export first and last names in two columns."""

    def test_first_and_last_name_columns_are_read_in_every_language(self):
        files = {
            "fi csv": csv_file(
                [
                    ["Etunimi", "Sukunimi", "Sähköposti"],
                    ["Anna Maria", "af Virtanen", "anna@example.fi"],
                ],
                delimiter=";",
                encoding="utf-8-sig",
            ),
            "sv xlsx": xlsx_file(
                [
                    ["Förnamn", "Efternamn", "E-post", "Roll"],
                    ["Anna Maria", "af Virtanen", "anna@example.fi", "deltagare"],
                ]
            ),
            "en csv": csv_file(
                [
                    ["Email", "Given name", "Family name"],
                    ["anna@example.fi", " Anna  Maria ", "af Virtanen"],
                ]
            ),
            "en xlsx": xlsx_file(
                [
                    ["First name", "Last name", "Email"],
                    ["Anna Maria", "af Virtanen", "anna@example.fi"],
                ]
            ),
            "sv csv, and a full name column too": csv_file(
                [
                    ["Namn", "Förnamn", "Efternamn", "E-post"],
                    ["Virtanen Anna", "Anna Maria", "af Virtanen", "anna@example.fi"],
                ]
            ),
        }
        for name, file in files.items():
            with self.subTest(name):
                self.import_file(file)
                self.assertEqual(
                    self.enrolled(),
                    {
                        (
                            "anna@example.fi",
                            "Anna Maria",
                            "af Virtanen",
                            "participant",
                            "",
                        )
                    },
                )
                get_user_model().objects.filter(email="anna@example.fi").delete()

    def test_a_first_name_column_without_a_last_name_one_is_refused(self):
        finn = make_user("kaisa@example.fi", groups=[COORDINATORS], language="fi")
        for user, header, expected in [
            (self.coordinator, ["first name", "email"], "“last name”"),
            (self.coordinator, ["email", "Surname"], "“first name”"),
            (finn, ["etunimi", "sähköposti"], "”sukunimi”"),
        ]:
            with self.subTest(header):
                self.client.force_login(user)
                response = self.post(csv_file([header, ["Anna", "anna@example.fi"]]))

                self.assertEqual(response.status_code, 200)
                [problem] = self.listed_problems(response)
                self.assertIn(expected, problem)
                self.assertFalse(
                    Enrollment.objects.filter(user__email="anna@example.fi")
                )
        with override("en"):
            [problem] = problems([["first name", "email"], ["Anna", "a@x.fi"]])
        self.assertEqual(
            problem,
            (
                1,
                "The first row has a “first name” column but no “last name” "
                "column. Add a “last name” column (accepted names for it: last "
                "name, lastname, surname, family name, sukunimi, efternamn, "
                "släktnamn), or give the whole name in one “name” column "
                "instead.",
            ),
        )


class ReadPeopleTest(SimpleTestCase):
    """The parser on its own, on the files coordinators really produce."""

    def setUp(self):
        self.enterContext(override("en"))

    def test_columns_may_come_in_any_order_among_unknown_ones(self):
        people, found = read_people(
            csv_file(
                [
                    ["Phone", "E-mail:", " ROLE ", "Full name"],
                    ["040 123", "a@example.fi", "Trainer", "  Anna   Maria  Virtanen "],
                ]
            )
        )

        self.assertEqual(found, [])
        [person] = people
        self.assertEqual(
            (person.line, person.email, person.first_name, person.last_name),
            (2, "a@example.fi", "Anna Maria", "Virtanen"),
        )
        self.assertEqual((person.role, person.organisation), ("trainer", ""))

    def test_name_and_organisation_and_role_cells_may_be_empty(self):
        people, found = read_people(csv_file([HEADER, ["", "a@example.fi"]]))

        self.assertEqual(found, [])
        self.assertEqual(
            (people[0].first_name, people[0].role, people[0].organisation),
            ("", "participant", ""),
        )

    def test_empty_file_is_refused(self):
        self.assertEqual(problems([]), [(None, "The file is empty.")])
        self.assertEqual(problems([[], ["", " "]]), [(None, "The file is empty.")])

    def test_file_with_only_column_names_is_refused(self):
        self.assertEqual(
            problems([HEADER, []]), [(None, "The file has column names but no people.")]
        )

    def test_missing_name_and_email_columns_are_both_reported(self):
        found = problems([["organisation", "role"], ["Kela", ""]])

        self.assertEqual([line for line, message in found], [1, 1])
        self.assertIn("“name”", found[0][1])
        self.assertIn("“email”", found[1][1])
        self.assertIn("sähköposti", found[1][1])

    def test_two_email_columns_are_refused(self):
        found = problems([["name", "email", "sähköposti"], ["A", "a@x.fi", "b@x.fi"]])

        self.assertEqual(found, [(1, "There are two “sähköposti” columns.")])

    def test_blank_rows_are_skipped_but_keep_their_line_numbers(self):
        found = problems([HEADER, ["A", "a@example.fi"], [], ["", ""], ["B", ""]])

        self.assertEqual(found, [(5, "The email address is missing.")])

    def test_a_cell_with_a_line_break_is_still_one_row(self):
        found = problems([HEADER, ["A", "a@example.fi", "Kela\nOulu"], ["B", ""]])

        self.assertEqual(found, [(3, "The email address is missing.")])

    def test_an_address_listed_three_times_names_the_other_lines(self):
        found = problems(
            [HEADER, ["A", "a@example.fi"], ["B", "b@example.fi"]]
            + [["A", "A@EXAMPLE.FI"], ["A", "a@example.fi"]]
        )

        self.assertEqual(
            found,
            [
                (2, "a@example.fi is also on lines 4, 5."),
                (4, "a@example.fi is also on lines 2, 5."),
                (5, "a@example.fi is also on lines 2, 4."),
            ],
        )

    def test_a_row_can_have_several_problems(self):
        found = problems([HEADER, ["A", "not an address", "", "coach"]])

        self.assertEqual([line for line, message in found], [2, 2])

    def test_overlong_organisation_is_refused(self):
        found = problems([HEADER, ["A", "a@example.fi", "x" * 256]])

        self.assertEqual(
            found, [(2, "The organisation is longer than 255 characters.")]
        )

    def test_a_full_file_is_read_and_one_row_more_is_refused(self):
        rows = [HEADER] + [["P", f"p{number}@example.fi"] for number in range(MAX_ROWS)]
        people, found = read_people(csv_file(rows))
        self.assertEqual((len(people), found), (MAX_ROWS, []))

        people, found = read_people(csv_file(rows + [["Q", "q@example.fi"]]))

        self.assertEqual(people, [])
        [problem] = found
        self.assertIsNone(problem.line)
        self.assertIn(f"more than {MAX_ROWS:,} people", problem.message)

    def test_plain_excel_csv_in_windows_1252_is_read(self):
        people, found = read_people(
            csv_file(
                [["nimi", "sähköposti"], ["Äijä Öhman", "aija@example.fi"]],
                delimiter=";",
                encoding="cp1252",
            )
        )

        self.assertEqual(found, [])
        self.assertEqual(people[0].first_name, "Äijä")

    def test_excel_unicode_text_with_tabs_is_read(self):
        text = "namn\te-post\nÅsa Lindqvist\tasa@example.fi\n"
        file = SimpleUploadedFile(
            "people.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        )

        people, found = read_people(file)

        self.assertEqual(found, [])
        self.assertEqual(
            (people[0].first_name, people[0].email), ("Åsa", "asa@example.fi")
        )

    def test_binary_file_named_csv_is_refused(self):
        file = SimpleUploadedFile("people.csv", b"PK\x03\x04\x00\x00\x08\x00")

        [problem] = read_people(file)[1]

        self.assertIn("not a text file", problem.message)

    def test_other_extensions_are_refused(self):
        [problem] = read_people(SimpleUploadedFile("people.ods", b"x"))[1]

        self.assertEqual(problem.message, "Choose a CSV or Excel (.xlsx) file.")

    def test_workbook_line_numbers_are_the_sheets_row_numbers(self):
        workbook = xlsx_file(
            [HEADER, ["A", "a@example.fi"], [], [], ["B", "nope", None, "x"]]
        )

        found = read_people(workbook)[1]

        self.assertEqual([problem.line for problem in found], [5, 5])

    def test_only_the_first_sheet_of_a_workbook_is_read(self):
        workbook = openpyxl.Workbook()
        workbook.active.append(HEADER)
        workbook.active.append(["A", "a@example.fi"])
        workbook.create_sheet("Notes").append(["not", "people"])
        data = io.BytesIO()
        workbook.save(data)

        people, found = read_people(SimpleUploadedFile("people.xlsx", data.getvalue()))

        self.assertEqual([person.email for person in people], ["a@example.fi"])


class EnrolPeopleTest(TestCase):
    def test_nothing_is_saved_when_one_enrolment_fails(self):
        cohort = make_cohort(make_course())
        people, found = read_people(
            csv_file([HEADER, ["A", "a@example.fi"], ["B", "b@example.fi"]])
        )
        # The second person's enrolment breaks inside the transaction.
        broken = dataclasses.replace(people[1], role=None)

        with self.assertRaises(IntegrityError):
            enrol_people(cohort, [people[0], broken])

        self.assertEqual(cohort.enrollments.count(), 0)

    def test_a_participant_with_work_is_not_made_a_trainer(self):
        """Whatever reads the list, not only the import form."""
        cohort = make_cohort(make_course())
        anna = enrol(cohort, "anna@example.fi", "Anna", "Virtanen")
        Attendance.objects.create(
            session=cohort.sessions.first(),
            enrollment=anna,
            status=Attendance.Status.PRESENT,
        )
        people, found = read_people(
            csv_file(
                [HEADER, ["B", "b@example.fi"], ["A", "anna@example.fi", "", "trainer"]]
            )
        )

        with self.assertRaises(ValidationError):
            enrol_people(cohort, people)

        anna.refresh_from_db()
        self.assertEqual(anna.role, Enrollment.Role.PARTICIPANT)
        self.assertEqual(cohort.enrollments.count(), 1)


class EnrolTest(TestCase):
    def test_a_participant_with_work_is_not_made_a_trainer(self):
        """Not by the demo data, a command or anything else that enrols."""
        course = make_course()
        cohort, other = make_cohort(course), make_cohort(course, title="Cohort B")
        anna = enrol(cohort, "anna@example.fi", "Anna", "Virtanen")
        Attendance.objects.create(
            session=cohort.sessions.first(),
            enrollment=anna,
            status=Attendance.Status.PRESENT,
        )

        with self.assertRaises(ValidationError):
            enrol(cohort, "anna@example.fi", role=Enrollment.Role.TRAINER)
        anna.refresh_from_db()
        self.assertEqual(anna.role, Enrollment.Role.PARTICIPANT)

        withdraw(anna, by=None)
        with self.assertRaises(ValidationError):
            enrol(cohort, "anna@example.fi", role=Enrollment.Role.TRAINER)
        anna.refresh_from_db()
        self.assertEqual(anna.role, Enrollment.Role.PARTICIPANT)
        self.assertIsNotNone(anna.withdrawn_at)

        # Her work is in the first cohort only: she may train in another.
        enrol(other, "anna@example.fi", role=Enrollment.Role.TRAINER)
        enrol(other, "anna@example.fi", role=Enrollment.Role.PARTICIPANT)
        self.assertEqual(
            enrol(other, "anna@example.fi", role=Enrollment.Role.TRAINER).role,
            Enrollment.Role.TRAINER,
        )


class LargeImportTest(SMTPServerMixin, ImportViewTestCase):
    """An import of the largest file answers without waiting for the mail
    server: it records one welcome and the invites per person and queues one
    task; the worker then sends each email exactly once."""

    def test_five_hundred_people_are_recorded_at_once_and_emailed_once_each(self):
        rows = [
            [f"Person {n}", f"person{n}@example.fi", "Office", "participant"]
            for n in range(MAX_ROWS)
        ]
        # A queue that keeps its tasks for a worker, as production's does.
        queue = {
            "default": {
                "BACKEND": f"{settings.TASKS_PACKAGE}.backends.dummy.DummyBackend"
            }
        }
        self.stop_smtp()  # nothing may reach the mail server from the request
        with override_settings(TASKS=queue):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.import_file(csv_file([HEADER, *rows]))
            tasks = list(task_backends["default"].results)

        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.cohort.enrollments.count(), MAX_ROWS)
        self.assertEqual(len(tasks), 1)
        self.assertEqual(OutgoingEmail.objects.filter(state="pending").count(), 2000)
        self.start_smtp()

        while send_pending(now=timezone.now() + timedelta(minutes=5)):
            pass  # the worker, a batch at a time

        self.assertEqual(len(self.mailbox.messages), 4 * MAX_ROWS)
        self.assertEqual(set(self.mailbox.by_id().values()), {1})
        per_person = Counter(message["To"] for message in self.mailbox.messages)
        self.assertEqual(set(per_person.values()), {4})  # a welcome, 3 invites
        self.assertEqual(len(per_person), MAX_ROWS)
        self.assertFalse(OutgoingEmail.objects.exclude(state="sent").exists())
