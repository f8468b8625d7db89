"""The course overview: a course's cohorts side by side, for coordinators
and the course's commissioners."""

import csv
import io
from datetime import timedelta

import openpyxl
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from assignments.models import Experiment, Reflection
from assignments.personal_data import erase_reflections
from cohorts.models import Attendance, Enrollment

from . import test_progress
from .factories import (
    commission,
    make_cohort,
    make_commissioner,
    make_coordinator,
    make_participants,
    make_trainer,
    place_sessions,
)
from .test_progress import TrainingDataMixin, in_english, reflect


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
        return overview_rows(self.get_soup(response.content))

    def export(self, kind):
        return export_rows(self.client, self.url(export=kind))

    def test_cohorts_side_by_side_with_their_figures(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 200)
        rows = self.rows(response)
        self.assertEqual(set(rows), {"Cohort A", "Cohort B"})
        a = rows["Cohort A"]
        self.assertEqual(a[1], "4")  # participants
        self.assertEqual(a[2], "0")  # withdrawn
        # Session 1: one present, one absent, two not marked yet.
        self.assertEqual(a[3], "1 / 2 (50 %) 2 not marked")
        self.assertEqual(a[4], "Not marked")
        self.assertEqual(a[6], "2")  # experiments
        self.assertEqual(a[7], "3")  # submitted reflections
        self.assertEqual(a[8], "0.8")  # per participant
        self.assertEqual(a[9], "2")  # awaiting feedback
        b = rows["Cohort B"]
        self.assertEqual((b[1], b[7], b[9]), ("2", "1", "1"))

    def add_option(self, gap=1):
        """A second experiment in the gap after session ``gap`` of cohort A."""
        return Experiment.objects.create(
            cohort=self.cohort,
            title="Another option",
            instructions="Or try this.",
            after_session=gap,
            sort_order=10,
        )

    def test_a_gap_with_two_options_asks_each_participant_for_one_experiment(self):
        self.add_option()
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        headers = [
            " ".join(th.get_text().split())
            for th in self.get_soup(response.content).select("table.listing thead th")
        ]
        self.assertEqual(headers[6], "Experiments asked")
        self.assertEqual(self.rows(response)["Cohort A"][6], "2")

    def test_work_on_two_options_of_a_gap_counts_once_for_its_participant(self):
        option = self.add_option()
        reflect(self.people[1], option)
        self.client.force_login(self.coordinator)
        a = self.rows(self.client.get(self.url()))["Cohort A"]
        self.assertEqual(a[7], "4")  # every reflection submitted
        self.assertEqual(a[8], "0.8")  # but one experiment done, as before
        self.assertEqual(a[9], "3")  # never more awaiting than submitted
        response = self.client.get(self.url(export="xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        heading, *body = list(sheet.iter_rows(values_only=True))
        a = next(row for row in body if row[0] == "Cohort A")
        exported = dict(zip(heading, a, strict=True))
        self.assertEqual(exported["Experiments asked"], 2)
        self.assertEqual(exported["Reflections submitted"], 4)
        self.assertEqual(exported["Experiments done per participant"], 0.8)

    def test_a_shared_reflection_whose_author_was_erased_counts_nowhere(self):
        # The erased participant's shared reflection keeps its place in the
        # cohort's discussion, without an author: not submitted by anyone
        # the overview counts, and nobody's to give feedback to.
        self.submitted.visibility = Reflection.Visibility.COHORT
        self.submitted.save()
        erase_reflections(self.people[1].reflections.all(), self.people[1].user)
        self.people[1].delete()
        self.client.force_login(self.coordinator)
        a = self.rows(self.client.get(self.url()))["Cohort A"]
        self.assertEqual(a[1], "3")  # participants
        self.assertEqual(a[7], "2")  # submitted
        self.assertEqual(a[9], "1")  # awaiting feedback

    def test_a_draft_copy_is_told_from_its_original(self):
        """A copy keeps its original's name: it was an identical row."""
        copy = self.cohort.copy(update_attrs={"slug": "cohort-a-copy"}, keep_live=False)
        self.client.force_login(self.coordinator)
        rows = self.rows(self.client.get(self.url()))
        self.assertEqual(rows["Cohort A"][1], "4")
        self.assertEqual(rows["Cohort A (draft)"][1], "0")
        self.assertFalse(copy.live)

    def test_cohort_links_to_its_progress(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        self.assertContains(response, reverse("cohorts:progress", args=[self.other.pk]))

    def test_breadcrumbs_lead_a_coordinator_to_the_courses_and_the_course(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(self.url())
        self.assertEqual(
            breadcrumb_links(self.get_soup(response.content))[1:],
            [
                reverse("courses:index"),
                reverse("wagtailadmin_pages:edit", args=[self.course.pk]),
            ],
        )

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
        # Session 1: present, percent of those marked, not marked.
        self.assertEqual(a[4:7], (1, 50, 2))
        # Session 2: nobody marked yet.
        self.assertEqual(a[7:10], (None, None, 4))
        text = b"".join(self.client.get(self.url(export="csv")).streaming_content)
        exported = list(csv.reader(io.StringIO(text.decode())))
        self.assertEqual(exported[0], [str(cell) for cell in heading])
        self.assertEqual({row[0] for row in exported[1:]}, set(screen))

    def test_a_partly_marked_session_tells_those_not_marked_from_the_absent(self):
        # Session 1 of cohort A: one of four present, one absent, and two not
        # marked yet, who may well have been there.
        self.client.force_login(self.coordinator)
        a = self.rows(self.client.get(self.url()))["Cohort A"]
        self.assertEqual(a[3], "1 / 2 (50 %) 2 not marked")
        for kind in ["xlsx", "csv"]:
            with self.subTest(kind=kind):
                row = self.export(kind)["Cohort A"]
                numbers = [
                    row["Session 1: present"],
                    row["Session 1: attendance % of those marked"],
                    row["Session 1: not marked"],
                ]
                if kind == "csv":
                    numbers = [int(number) for number in numbers]
                self.assertEqual(numbers, [1, 50, 2])
        profile = UserProfile.get_for_user(self.coordinator)
        for language, text in (
            ("fi", "1 / 2 (50 %) 2 merkitsemättä"),
            ("sv", "1 / 2 (50 %) 2 omarkerade"),
        ):
            with self.subTest(language):
                profile.preferred_language = language
                profile.save()
                a = self.rows(self.client.get(self.url()))["Cohort A"]
                self.assertEqual(a[3], text)

    def test_a_fully_marked_session_reads_as_before(self):
        # Session 2 was yesterday.
        place_sessions(self.cohort, timezone.now() - timedelta(days=8))
        session = self.sessions[1]
        for person, status in zip(
            self.people, ["present", "present", "excused", "present"], strict=True
        ):
            Attendance.objects.create(session=session, enrollment=person, status=status)
        self.client.force_login(self.coordinator)
        a = self.rows(self.client.get(self.url()))["Cohort A"]
        self.assertEqual(a[4], "3 / 4 (75 %)")
        row = self.export("xlsx")["Cohort A"]
        self.assertEqual(row["Session 2: present"], 3)
        self.assertEqual(row["Session 2: attendance % of those marked"], 75)
        self.assertEqual(row["Session 2: not marked"], 0)

    def test_marks_of_a_session_ahead_count_once_it_is_held(self):
        """Marks stored for session 2 before it is held (marked ahead, or
        the session moved later): nobody has attended it yet."""
        for person in self.people:
            Attendance.objects.create(
                session=self.sessions[1], enrollment=person, status="present"
            )
        self.client.force_login(self.coordinator)
        a = self.rows(self.client.get(self.url()))["Cohort A"]
        self.assertEqual(a[4], "Not marked")
        row = self.export("xlsx")["Cohort A"]
        self.assertIsNone(row["Session 2: present"])
        self.assertIsNone(row["Session 2: attendance % of those marked"])
        # Session 1, held, reads as before.
        self.assertEqual(a[3], "1 / 2 (50 %) 2 not marked")

        test_progress.move(self.sessions[1], timezone.now() - timedelta(minutes=1))
        a = self.rows(self.client.get(self.url()))["Cohort A"]
        self.assertEqual(a[4], "4 / 4 (100 %)")

    def test_a_cohort_that_has_not_started_has_no_experiment_due_yet(self):
        today = timezone.localdate()
        later = make_cohort(
            self.course, "Cohort C", start_date=today + timedelta(days=60)
        )
        make_participants(later, 5, prefix="charlie")
        # Begun long enough ago for its experiments to be due: nobody
        # reflecting is a figure.
        begun = make_cohort(
            self.course, "Cohort D", start_date=today - timedelta(days=120)
        )
        make_participants(begun, 5, prefix="delta")
        self.client.force_login(self.coordinator)
        rows = self.rows(self.client.get(self.url()))
        self.assertEqual(rows["Cohort C"][8], "none due yet")
        self.assertEqual(rows["Cohort D"][8], "0.0")
        # Cohort A has none due yet either, but some of its people wrote early.
        self.assertEqual(rows["Cohort A"][8], "0.8")
        heading = "Experiments done per participant"
        self.assertIsNone(self.export("xlsx")["Cohort C"][heading])
        self.assertEqual(self.export("xlsx")["Cohort D"][heading], 0)
        self.assertEqual(self.export("csv")["Cohort C"][heading], "")
        profile = UserProfile.get_for_user(self.coordinator)
        for language, text in (
            ("fi", "yksikään määräaika ei ole vielä mennyt"),
            ("sv", "ingen tidsfrist har gått ut ännu"),
        ):
            with self.subTest(language):
                profile.preferred_language = language
                profile.save()
                rows = self.rows(self.client.get(self.url()))
                self.assertEqual(rows["Cohort C"][8], text)

    def test_the_withdrawn_column_counts_people_in_finnish_and_swedish(self):
        # Not the enrolment's status ("Peruttu", "Återkallad"): a number of
        # people who left.
        self.client.force_login(self.coordinator)
        profile = UserProfile.get_for_user(self.coordinator)
        for language, heading in (("fi", "Keskeyttäneet"), ("sv", "Avhoppade")):
            with self.subTest(language):
                profile.preferred_language = language
                profile.save()
                response = self.client.get(self.url())
                headers = [
                    th.get_text(strip=True)
                    for th in self.get_soup(response.content).select(
                        "table.listing thead th"
                    )
                ]
                self.assertEqual(headers[2], heading)

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


def overview_rows(soup):
    """{cohort: the texts of its row}."""
    return {
        row[0]: row
        for row in (
            [" ".join(cell.get_text().split()) for cell in tr.find_all(["td", "th"])]
            for tr in soup.select("table.listing tbody tr")
        )
    }


def export_rows(client, url):
    """{cohort: {heading: cell}} of the export at ``url``."""
    response = client.get(url)
    if "export=csv" in url:
        text = b"".join(response.streaming_content).decode()
        heading, *body = csv.reader(io.StringIO(text))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        heading, *body = sheet.iter_rows(values_only=True)
    return {row[0]: dict(zip(heading, row, strict=True)) for row in body}


def breadcrumb_links(soup):
    """Where the breadcrumbs lead, but for the last, this page."""
    links = soup.select("nav[aria-label=Breadcrumb] a[href]")
    return [a["href"] for a in links if a["href"]]


def cohort_links(soup):
    """{cohort: where its name leads, or None}."""
    return {
        " ".join(cell.get_text().split()): (
            cell.a["href"] if cell.a is not None else None
        )
        for cell in soup.select("table.listing tbody td.title")
    }


class CommissionerOverviewTest(TrainingDataMixin, TestCase):
    """The commissioner reads the overview of the course that names them,
    and is offered only links they may follow."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.commissioner = make_commissioner()
        commission(cls.course, cls.commissioner)
        in_english(cls.coordinator)

    def overview(self):
        response = self.client.get(reverse("courses:overview", args=[self.course.pk]))
        self.assertEqual(response.status_code, 200)
        return self.get_soup(response.content)

    def test_cohorts_lead_a_commissioner_to_their_impact_not_their_progress(self):
        self.client.force_login(self.commissioner)
        self.assertEqual(
            cohort_links(self.overview()),
            {
                "Cohort A": reverse("cohorts:impact", args=[self.cohort.pk]),
                "Cohort B": reverse("cohorts:impact", args=[self.other.pk]),
            },
        )

    def test_breadcrumbs_name_the_course_without_linking_a_commissioner_to_it(self):
        self.client.force_login(self.commissioner)
        soup = self.overview()
        self.assertEqual(breadcrumb_links(soup), [reverse("wagtailadmin_home")])
        crumbs = soup.select_one("nav[aria-label=Breadcrumb]").get_text()
        self.assertIn("Courses", crumbs)
        self.assertIn(self.course.title, crumbs)

    def test_a_commissioner_who_trains_a_cohort_follows_its_progress(self):
        make_trainer(self.cohort, self.commissioner.email)
        self.client.force_login(self.commissioner)
        self.assertEqual(
            cohort_links(self.overview()),
            {
                "Cohort A": reverse("cohorts:progress", args=[self.cohort.pk]),
                "Cohort B": reverse("cohorts:impact", args=[self.other.pk]),
            },
        )

    def export(self, kind):
        return export_rows(
            self.client,
            reverse("courses:overview", args=[self.course.pk]) + f"?export={kind}",
        )

    def test_a_commissioner_reads_nothing_of_what_a_cohort_under_five_did(self):
        # Cohort B's two: one absent, as their impact report would hide.
        Attendance.objects.create(
            session=self.other.sessions.first(),
            enrollment=self.others[0],
            status="absent",
        )
        self.client.force_login(self.coordinator)
        coordinator = overview_rows(self.overview())
        # Coordinators follow the cohorts' people by name: every figure.
        self.assertEqual(coordinator["Cohort A"][3], "1 / 2 (50 %) 2 not marked")
        self.assertEqual(coordinator["Cohort B"][3], "0 / 1 (0 %) 1 not marked")
        self.client.force_login(self.commissioner)
        soup = self.overview()
        self.assertIn("fewer than 5 participants", soup.get_text())
        rows = overview_rows(soup)
        for cohort, participants in [("Cohort A", "4"), ("Cohort B", "2")]:
            with self.subTest(cohort=cohort):
                row = rows[cohort]
                self.assertEqual(row[1], participants)
                self.assertEqual(row[6], "2")  # experiments asked: the plan's
                for cell in [row[3], *row[7:]]:
                    self.assertEqual(cell, "hidden (fewer than 5 people)")
        for kind in ["xlsx", "csv"]:
            for cohort, row in self.export(kind).items():
                with self.subTest(kind=kind, cohort=cohort):
                    self.assertIn(row["Participants"], (4, 2, "4", "2"))
                    for heading in [
                        "Session 1: present",
                        "Session 1: attendance % of those marked",
                        "Session 1: not marked",
                        "Reflections submitted",
                        "Experiments done per participant",
                        "Awaiting feedback",
                    ]:
                        self.assertIn(row[heading], (None, ""))

    def test_a_commissioner_who_trains_a_cohort_reads_its_figures_alone(self):
        make_trainer(self.cohort, self.commissioner.email)
        self.client.force_login(self.commissioner)
        rows = overview_rows(self.overview())
        self.assertEqual(rows["Cohort A"][3], "1 / 2 (50 %) 2 not marked")
        self.assertEqual(rows["Cohort B"][7], "hidden (fewer than 5 people)")

    def test_a_commissioner_reads_the_figures_of_a_cohort_of_five(self):
        make_participants(self.cohort, 1, prefix="echo")
        self.client.force_login(self.commissioner)
        soup = self.overview()
        rows = overview_rows(soup)
        # Session 1 is marked for two of them so far: "1 / 2" would tell
        # what those two did.
        self.assertEqual(rows["Cohort A"][3], "hidden (fewer than 5 people)")
        self.assertEqual(rows["Cohort A"][7], "3")  # submitted reflections
        self.assertEqual(rows["Cohort B"][7], "hidden (fewer than 5 people)")
        row = self.export("xlsx")["Cohort A"]
        self.assertIsNone(row["Session 1: present"])
        self.assertIsNone(row["Session 1: attendance % of those marked"])
        # Once five are marked, the figure is theirs to read.
        session = self.cohort.sessions.first()
        for person in self.cohort.enrollments.filter(
            role=Enrollment.Role.PARTICIPANT, attendances__isnull=True
        ):
            Attendance.objects.create(
                session=session, enrollment=person, status="present"
            )
        rows = overview_rows(self.overview())
        self.assertEqual(rows["Cohort A"][3], "4 / 5 (80 %)")
        self.assertEqual(self.export("xlsx")["Cohort A"]["Session 1: present"], 4)

    @override_settings(VIRTU_SMALLEST_GROUP=3)
    def test_the_hidden_figures_say_the_smallest_group_the_site_is_set_to(self):
        # Session 1 of Cohort A marked for three of its four.
        Attendance.objects.create(
            session=self.sessions[0],
            enrollment=self.cohort.enrollments.filter(
                role=Enrollment.Role.PARTICIPANT, attendances__isnull=True
            ).first(),
            status="present",
        )
        self.client.force_login(self.commissioner)
        soup = self.overview()
        self.assertIn("fewer than 3 participants", " ".join(soup.get_text().split()))
        rows = overview_rows(soup)
        # Cohort A's four are enough; Cohort B's two are not.
        self.assertEqual(rows["Cohort A"][3], "2 / 3 (67 %) 1 not marked")
        self.assertEqual(rows["Cohort B"][7], "hidden (fewer than 3 people)")
        for kind in ["xlsx", "csv"]:
            with self.subTest(kind=kind):
                export = self.export(kind)
                self.assertIn(export["Cohort A"]["Session 1: present"], (2, "2"))
                self.assertIn(export["Cohort B"]["Reflections submitted"], (None, ""))
        profile = UserProfile.get_for_user(self.commissioner)
        profile.preferred_language = "fi"
        profile.save()
        soup = self.overview()
        self.assertIn("alle 3 osallistujaa", " ".join(soup.get_text().split()))
        rows = overview_rows(soup)
        self.assertEqual(rows["Cohort B"][7], "piilotettu (alle 3 henkilöä)")

    def assertEveryLinkOpens(self, user):
        self.client.force_login(user)
        soup = self.overview()
        links = [*breadcrumb_links(soup), *filter(None, cohort_links(soup).values())]
        for link in links:
            with self.subTest(user=user.email, link=link):
                self.assertEqual(self.client.get(link).status_code, 200)

    def test_every_link_of_the_report_opens_for_whoever_is_offered_it(self):
        self.assertEveryLinkOpens(self.commissioner)
        self.assertEveryLinkOpens(self.coordinator)
        make_trainer(self.cohort, self.commissioner.email)
        self.assertEveryLinkOpens(self.commissioner)

    def test_links_cost_the_same_queries_however_many_cohorts(self):
        make_trainer(self.cohort, self.commissioner.email)
        url = reverse("courses:overview", args=[self.course.pk])
        counts = {self.commissioner: [], self.coordinator: []}
        for more in (0, 3):
            for number in range(more):
                make_cohort(self.course, f"Cohort {number}")
            for user, seen in counts.items():
                self.client.force_login(user)
                self.client.get(url)  # fills the caches a running site has filled
                with CaptureQueriesContext(connection) as queries:
                    response = self.client.get(url)
                self.assertEqual(
                    len(cohort_links(self.get_soup(response.content))), 2 + more
                )
                seen.append(len(queries))
        for user, seen in counts.items():
            with self.subTest(user=user.email):
                self.assertEqual(seen[0], seen[1], seen)


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
