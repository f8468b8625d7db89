"""The cohort progress grid: a row per participant, attendance and reflection
state per column, counts, filters, search, sorting and exports, for the
cohort's trainers and coordinators only."""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

import openpyxl
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from assignments.models import Reflection
from assignments.progress import PROGRESS_FILTERS, participants
from cohorts.models import Attendance, CohortPage, Enrollment, Session
from home.management.demo import add_generated_participants, add_generated_progress

from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    make_user,
)

Progress = Reflection.Progress


def reflect(enrollment, experiment, status="submitted", **fields):
    """A reflection by ``enrollment`` on ``experiment``."""
    submitted = status == Reflection.Status.SUBMITTED
    return Reflection.objects.create(
        author=enrollment,
        experiment=experiment,
        answers=[{"prompt": "What did you try?", "answer": f"{enrollment.name} tried"}],
        status=status,
        submitted_at=timezone.now() - timedelta(days=1) if submitted else None,
        **fields,
    )


def in_english(*users):
    """Have the admin speak English to ``users`` (the site's own is Finnish)."""
    for user in users:
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save()


def move(session, start):
    """Move ``session`` to ``start``, as a coordinator may at any time."""
    Session.objects.filter(pk=session.pk).update(
        start=start, end=start + timedelta(hours=3, minutes=30)
    )


def start_now(cohort):
    """Have ``cohort``'s first session begun an hour ago: it is under way,
    and its attendance is marked (``CohortPage.has_held``); the others stay
    ahead."""
    move(
        Session.objects.filter(page=cohort).order_by("sort_order").first(),
        timezone.now() - timedelta(hours=1),
    )


class TrainingDataMixin(WagtailTestUtils):
    """Cohorts A and B of one course, a trainer of each, a coordinator and
    a participant; in cohort A four participants at every state. Each
    cohort's first session is under way, the others ahead."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course, "Cohort A")
        cls.other = make_cohort(cls.course, "Cohort B")
        for cohort in (cls.cohort, cls.other):
            start_now(cohort)
        cls.trainer = make_trainer(cls.cohort)
        cls.other_trainer = make_trainer(cls.other, "other.trainer@example.fi")
        cls.coordinator = make_coordinator()
        cls.people = make_participants(cls.cohort, 4)
        cls.people[0].organisation = '=HYPERLINK("http://evil")'
        cls.people[0].save()
        cls.others = make_participants(cls.other, 2, prefix="bravo")
        cls.sessions = list(cls.cohort.sessions.all())
        cls.experiments = list(cls.cohort.experiments.all())
        first = cls.experiments[0]
        cls.draft = reflect(cls.people[0], first, Reflection.Status.DRAFT)
        cls.submitted = reflect(cls.people[1], first)
        cls.late = reflect(cls.people[2], first, is_late=True)
        cls.answered = reflect(
            cls.people[3],
            first,
            feedback="Good",
            feedback_at=timezone.now(),
            feedback_by=cls.trainer,
        )
        cls.other_reflection = reflect(cls.others[0], cls.other.experiments.first())
        Attendance.objects.create(
            session=cls.sessions[0], enrollment=cls.people[0], status="present"
        )
        Attendance.objects.create(
            session=cls.sessions[0], enrollment=cls.people[1], status="absent"
        )
        in_english(cls.trainer, cls.other_trainer)
        cls.participant_user = cls.people[1].user
        cls.participant_user.set_password("correct horse battery")
        cls.participant_user.save()

    def progress_url(self, cohort=None, **query):
        url = reverse("cohorts:progress", args=[(cohort or self.cohort).pk])
        if query:
            url += "?" + urlencode(query)
        return url

    @staticmethod
    def texts(cells):
        """Cell texts, the first column's name and organisation apart (as
        the exports have them)."""
        texts = [" ".join(cell.get_text().split()) for cell in cells]
        parts = [
            " ".join(part.get_text().split())
            for part in cells[0].find_all(["span", "a"], recursive=False)
        ]
        return [*parts, *[""] * (2 - len(parts)), *texts[1:]]

    def rows(self, response):
        """The grid's body as lists of cell texts."""
        soup = self.get_soup(response.content)
        return [
            self.texts(row.find_all(["td", "th"]))
            for row in soup.select("table.listing tbody tr")
        ]

    def headers(self, soup):
        return self.texts(soup.select("table.listing thead th"))

    def names(self, response):
        return [row[0] for row in self.rows(response)]


class ProgressGridTest(TrainingDataMixin, TestCase):
    def test_grid_shows_a_row_per_participant_with_attendance_and_states(self):
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url())
        self.assertEqual(response.status_code, 200)
        rows = {row[0]: row for row in self.rows(response)}
        self.assertEqual(set(rows), {person.name for person in self.people})
        expected = {
            self.people[0]: ("Present", "Draft"),
            self.people[1]: ("Absent", "Submitted"),
            self.people[2]: ("Not marked", "Submitted late"),
            self.people[3]: ("Not marked", "Feedback given"),
        }
        for person, (attendance, state) in expected.items():
            row = rows[person.name]
            self.assertEqual(row[2], attendance)
            self.assertEqual(row[2 + len(self.sessions)], state)
            # The second experiment has no reflections yet.
            self.assertEqual(row[3 + len(self.sessions)], "Not started")

    def test_the_heading_names_the_cohort(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.progress_url()).content)
        heading = f"Progress: {self.cohort.title}"
        self.assertEqual(soup.select_one("h1").get_text(strip=True), heading)
        self.assertIn(heading, soup.select_one("title").get_text())

    def test_column_headings_count_each_state(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.progress_url()).content)
        headers = self.headers(soup)
        self.assertIn("Present: 1", headers[2])
        self.assertIn("Absent: 1", headers[2])
        self.assertIn("Not marked: 2", headers[2])
        first_experiment = headers[2 + len(self.sessions)]
        for label in [
            "Not started: 0",
            "Draft: 1",
            "Submitted: 1",
            "Submitted late: 1",
            "Feedback given: 1",
        ]:
            self.assertIn(label, first_experiment)
        self.assertIn("Not started: 4", headers[3 + len(self.sessions)])

    def test_submitted_cells_open_the_reflection_and_drafts_do_not(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.progress_url()).content)
        links = {a["href"] for a in soup.select("tbody a")}
        for reflection in (self.submitted, self.late, self.answered):
            self.assertIn(reverse("reflections:review", args=[reflection.pk]), links)
        self.assertNotIn(reverse("reflections:review", args=[self.draft.pk]), links)
        # Nor does the grid show a word of a draft.
        self.assertNotContains(
            self.client.get(self.progress_url()), f"{self.people[0].name} tried"
        )

    def test_session_headings_link_to_the_attendance_form(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.progress_url()).content)
        url = reverse(
            "cohorts:session_attendance", args=[self.cohort.pk, self.sessions[0].pk]
        )
        link = soup.select_one(f'thead a[href="{url}"]')
        self.assertEqual(link["aria-label"], f"Mark attendance: {self.sessions[0]}")

    def test_sessions_ahead_offer_no_attendance_form(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.progress_url()).content)
        links = soup.find_all(
            "a", string=lambda text: text and "Mark attendance" in text
        )
        # Session 1 is under way; sessions 2 and 3 are ahead.
        self.assertEqual(len(links), 1)

    def test_marks_of_a_session_moved_later_count_once_it_is_held_again(self):
        """A coordinator moves session 1, marked already, a week later: its
        marks are kept, and neither shown nor counted until it starts."""
        move(self.sessions[0], timezone.now() + timedelta(days=7))
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url())
        self.assertEqual(
            {row[2] for row in self.rows(response)}, {"Not marked"}, self.rows(response)
        )
        heading = self.headers(self.get_soup(response.content))[2]
        self.assertIn("Present: 0", heading)
        self.assertIn("Not marked: 4", heading)
        export = self.client.get(self.progress_url(export="csv"))
        body = b"".join(export.streaming_content).decode()
        self.assertEqual(
            {row[3] for row in list(csv.reader(io.StringIO(body)))[1:]},
            {"Not marked"},
        )
        self.assertEqual(Attendance.objects.filter(session=self.sessions[0]).count(), 2)

        move(self.sessions[0], timezone.now() - timedelta(minutes=1))
        rows = {row[0]: row for row in self.rows(self.client.get(self.progress_url()))}
        self.assertEqual(rows[self.people[0].name][2], "Present")
        self.assertEqual(rows[self.people[1].name][2], "Absent")

    def test_marks_of_a_session_dated_before_the_cohort_was_copied_do_not_count(self):
        CohortPage.objects.filter(pk=self.cohort.pk).update(copied_at=timezone.now())
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url())
        self.assertEqual({row[2] for row in self.rows(response)}, {"Not marked"})

    def test_filter_by_state_in_any_or_one_experiment(self):
        self.client.force_login(self.trainer)
        first, second = self.experiments[:2]
        cases = [
            ({"state": Progress.DRAFT}, [self.people[0]]),
            ({"state": Progress.SUBMITTED}, [self.people[1]]),
            ({"state": Progress.LATE}, [self.people[2]]),
            ({"state": Progress.FEEDBACK}, [self.people[3]]),
            ({"state": Progress.NOT_STARTED}, self.people),
            ({"state": Progress.NOT_STARTED, "experiment": first.pk}, []),
            ({"state": Progress.NOT_STARTED, "experiment": second.pk}, self.people),
            ({"state": Progress.LATE, "experiment": second.pk}, []),
        ]
        for query, expected in cases:
            with self.subTest(query=query):
                response = self.client.get(self.progress_url(**query))
                self.assertEqual(
                    sorted(self.names(response)) if expected else [],
                    sorted(person.name for person in expected),
                )

    def test_counts_follow_the_filter(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(
            self.client.get(self.progress_url(state=Progress.LATE)).content
        )
        headers = self.headers(soup)
        self.assertIn("Not marked: 1", headers[2])
        self.assertIn("Submitted late: 1", headers[2 + len(self.sessions)])
        self.assertIn("Draft: 0", headers[2 + len(self.sessions)])

    def test_filter_by_organisation_and_search_by_full_name(self):
        self.people[2].organisation = "Kela"
        self.people[2].save()
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url(organisation="Kela"))
        self.assertEqual(self.names(response), [self.people[2].name])
        response = self.client.get(self.progress_url(q=self.people[3].name))
        self.assertEqual(self.names(response), [self.people[3].name])
        response = self.client.get(self.progress_url(q="nobody by this name"))
        self.assertEqual(self.names(response), [])

    def test_sorting_by_name_and_by_organisation(self):
        for number, organisation in enumerate(["D", "C", "B", "A"]):
            Enrollment.objects.filter(pk=self.people[number].pk).update(
                organisation=organisation
            )
        self.client.force_login(self.trainer)
        by_name = self.names(self.client.get(self.progress_url()))
        self.assertEqual(by_name, [person.name for person in self.people])
        descending = self.names(self.client.get(self.progress_url(ordering="-name")))
        self.assertEqual(descending, by_name[::-1])
        by_org = self.names(self.client.get(self.progress_url(ordering="organisation")))
        self.assertEqual(by_org, by_name[::-1])

    def test_states_in_sql_agree_with_the_model(self):
        for reflection in Reflection.objects.all():
            for state, condition in PROGRESS_FILTERS.items():
                with self.subTest(reflection=reflection.pk, state=state):
                    matches = Reflection.objects.filter(
                        condition, pk=reflection.pk
                    ).exists()
                    self.assertEqual(matches, reflection.progress == state)


class ProgressExportTest(TrainingDataMixin, TestCase):
    def screen_rows(self, **query):
        return self.rows(self.client.get(self.progress_url(**query)))

    def test_xlsx_export_has_the_rows_of_the_screen(self):
        self.client.force_login(self.trainer)
        for query in ({}, {"state": Progress.SUBMITTED}, {"ordering": "-name"}):
            with self.subTest(query=query):
                response = self.client.get(self.progress_url(export="xlsx", **query))
                self.assertEqual(response.status_code, 200)
                book = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
                rows = list(book.active.iter_rows(values_only=True))
                heading, body = rows[0], rows[1:]
                self.assertEqual(heading[:3], ("Participant", "Email", "Organisation"))
                screen = self.screen_rows(**query)
                # Email is the export's only extra column.
                self.assertEqual(
                    [[row[0], *row[2:]] for row in body],
                    [[cell or None for cell in row] for row in screen],
                )

    def test_xlsx_cells_stay_under_their_headings_when_experiments_are_reordered(self):
        # A coordinator put the last gap's experiment first in the list: the
        # grid still shows the gaps in order, and so must the workbook.
        last = self.experiments[-1]
        self.assertNotEqual(last.after_session, self.experiments[0].after_session)
        last.sort_order = -1
        last.save()
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url(export="xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
        body = list(book.active.iter_rows(values_only=True))[1:]
        self.assertEqual(
            [[row[0], *row[2:]] for row in body],
            [[cell or None for cell in row] for row in self.screen_rows()],
        )

    def test_csv_export_has_the_rows_of_the_screen_with_formulas_defused(self):
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url(export="csv"))
        body = b"".join(response.streaming_content).decode()
        rows = list(csv.reader(io.StringIO(body)))[1:]
        screen = self.screen_rows()
        self.assertEqual(len(rows), len(screen))
        for exported, shown in zip(rows, screen, strict=True):
            if shown[1].startswith("="):
                self.assertEqual(exported[2], "'" + shown[1])
            else:
                self.assertEqual(exported[2], shown[1])
            self.assertEqual([exported[0], *exported[3:]], [shown[0], *shown[2:]])

    def test_xlsx_keeps_formula_like_text_as_text(self):
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url(export="xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        cells = [row[2] for row in sheet.iter_rows(min_row=2)]
        formula = next(cell for cell in cells if str(cell.value).startswith("="))
        self.assertEqual(formula.data_type, "s")
        self.assertEqual(formula.value, self.people[0].organisation)

    def test_headings_typed_by_trainers_are_text_in_both_formats(self):
        self.sessions[0].title = "=SUM(1,2)"
        self.sessions[0].save()
        self.client.force_login(self.trainer)
        response = self.client.get(self.progress_url(export="csv"))
        body = b"".join(response.streaming_content).decode()
        heading = next(csv.reader(io.StringIO(body)))
        self.assertEqual(heading[3], "'=SUM(1,2)")
        response = self.client.get(self.progress_url(export="xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        cell = next(sheet.iter_rows(max_row=1))[3]
        self.assertEqual(cell.data_type, "s")
        self.assertEqual(cell.value, "'=SUM(1,2)")


class ProgressAccessTest(TrainingDataMixin, TestCase):
    def test_trainer_cannot_open_another_cohorts_grid_or_exports(self):
        self.client.force_login(self.trainer)
        for query in ({}, {"export": "csv"}, {"export": "xlsx"}):
            with self.subTest(query=query):
                response = self.client.get(self.progress_url(self.other, **query))
                self.assertEqual(response.status_code, 404)
        results = reverse("cohorts:progress_results", args=[self.other.pk])
        self.assertEqual(self.client.get(results).status_code, 404)

    def test_guessed_ids_are_not_found(self):
        self.client.force_login(self.trainer)
        for pk in (self.course.pk, self.other.pk, 999999):
            url = reverse("cohorts:progress", args=[pk])
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_coordinator_sees_every_cohort(self):
        self.client.force_login(self.coordinator)
        for cohort in (self.cohort, self.other):
            response = self.client.get(self.progress_url(cohort))
            self.assertEqual(response.status_code, 200)
        self.assertEqual(
            sorted(self.names(response)), sorted(p.name for p in self.others)
        )

    def test_participant_gets_nothing_from_the_admin(self):
        self.client.force_login(self.participant_user)
        response = self.client.get(self.progress_url())
        self.assertRedirects(
            response,
            reverse("wagtailadmin_login") + "?next=" + self.progress_url(),
            fetch_redirect_response=False,
        )
        self.assertEqual(
            self.client.get(self.progress_url(export="csv")).status_code, 302
        )

    def test_person_without_admin_rights_gets_nothing(self):
        self.client.force_login(make_user("nobody@example.fi"))
        self.assertEqual(self.client.get(self.progress_url()).status_code, 302)

    def test_cohort_page_links_to_its_progress_and_attendance(self):
        self.client.force_login(self.trainer)
        response = self.client.get(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        )
        self.assertContains(response, self.progress_url())
        self.assertContains(
            response, reverse("cohorts:attendance", args=[self.cohort.pk])
        )


#: A cohort of a few and of thousands.
SIZES = (20, 2000)


class ProgressQueryCountTest(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        course = make_course()
        cls.cohort = make_cohort(course)
        # Its first session's marks count; the others' are read and left out.
        start_now(cls.cohort)
        cls.trainer = make_trainer(cls.cohort)
        in_english(cls.trainer)

    def grow_to(self, size):
        """Top the cohort up to ``size`` participants, each with attendance
        and a reflection in a state of their own."""
        add_generated_participants([self.cohort], size)
        add_generated_progress(self.cohort, timezone.now())
        self.assertEqual(participants(self.cohort).count(), size)

    def assertSameQueriesAtEachSize(self, url):
        self.client.force_login(self.trainer)
        counts = []
        for size in SIZES:
            self.grow_to(size)
            self.client.get(url)  # fills the caches a running site has filled
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
                if response.streaming:  # an export reads as it is sent
                    b"".join(response.streaming_content)
            self.assertEqual(response.status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1], counts)
        return counts[0]

    def test_grid_queries_do_not_grow_with_participants(self):
        self.assertSameQueriesAtEachSize(
            reverse("cohorts:progress", args=[self.cohort.pk])
        )

    def test_filtered_grid_queries_do_not_grow_with_participants(self):
        url = reverse("cohorts:progress", args=[self.cohort.pk])
        self.assertSameQueriesAtEachSize(url + "?state=late&q=a")

    def test_export_queries_do_not_grow_with_participants(self):
        url = reverse("cohorts:progress", args=[self.cohort.pk])
        self.assertSameQueriesAtEachSize(url + "?export=xlsx")
