"""The impact survey: the plan copied from the course, the three waves, the
survey a participant answers, its reminders and the report's arithmetic."""

import csv
import importlib
import io
import json
import zoneinfo
from datetime import timedelta

import openpyxl
from bs4 import BeautifulSoup
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text
from wagtail.users.models import UserProfile

from assignments.models import Experiment, Reflection
from assignments.personal_data import erase_reflections
from cohorts.enrolment import enrol
from cohorts.models import Attendance, CohortPage, Enrollment
from cohorts.reminders import queue_reminders
from courses.models import CoursePage
from courses.permissions import COMMISSIONERS
from home.management.demo import add_generated_participants
from impact.emails import Kind
from impact.figures import open_answers, report, success_cases
from impact.models import (
    MAX_OPEN_ANSWER_LENGTH,
    CohortStatement,
    CourseQuestion,
    CourseStatement,
    Rating,
    Response,
    Wave,
)
from impact.waves import schedule
from outbox.models import OutgoingEmail
from outbox.sending import render

from .factories import (
    cohort_edit_data,
    commission,
    make_cohort,
    make_commissioner,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    make_user,
    place_sessions,
)
from .test_course_overview import breadcrumb_links
from .test_participant_pages import counted_to, limit_said
from .test_progress import in_english

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
STATEMENTS = [
    "I run remote meetings in which everyone takes part",
    "I share my work where my team can see it",
    "I try new ways of working with my team",
]


def english(url):
    """The English page of a participant's ``url`` (the site's own is Finnish)."""
    return url if url.startswith("/en/") else "/en" + url


def make_impact_course(**fields):
    course = make_course(**fields)
    for number, text in enumerate(STATEMENTS):
        CourseStatement.objects.create(
            course=course, sort_order=number, text_en=text, text_fi=f"Väite {number}"
        )
    CourseQuestion.objects.create(course=course, text_en="One change you made")
    return course


def answer(enrollment, wave, values, before=None, status=Response.Status.SUBMITTED):
    """A response of ``enrollment`` in ``wave``: ``values`` (and ``before``,
    the retrospective ratings) in the order of the cohort's statements."""
    response = Response.objects.create(
        enrollment=enrollment,
        wave=wave,
        status=status,
        submitted_at=timezone.now() if status == Response.Status.SUBMITTED else None,
    )
    statements = list(CohortStatement.objects.filter(cohort=enrollment.cohort_id))
    Rating.objects.bulk_create(
        Rating(
            response=response,
            statement=statement,
            value=value,
            before=before[index] if before else None,
        )
        for index, (statement, value) in enumerate(
            zip(statements, values, strict=False)
        )
    )
    return response


class ImpactPlanTests(TestCase):
    def test_a_new_cohort_copies_the_courses_statements_and_questions(self):
        cohort = make_cohort(make_impact_course())
        statements = list(cohort.impact_statements.all())
        self.assertEqual([s.text_en for s in statements], STATEMENTS)
        self.assertEqual(statements[0].target, 7)
        self.assertEqual(statements[0].level, "behaviour")
        self.assertEqual(
            [q.text_en for q in cohort.impact_questions.all()], ["One change you made"]
        )

    def test_the_statement_is_shown_in_the_readers_language(self):
        from django.utils import translation

        statement = make_cohort(make_impact_course()).impact_statements.first()
        with translation.override("fi"):
            self.assertEqual(statement.text, "Väite 0")
        with translation.override("sv"):  # no Swedish: the Finnish
            self.assertEqual(statement.text, "Väite 0")
        with translation.override("en"):
            self.assertEqual(statement.text, STATEMENTS[0])

    def test_waves_are_scheduled_from_the_sessions(self):
        cohort = make_cohort(make_impact_course())
        sessions = list(cohort.sessions.all())
        baseline, end, follow_up = schedule(sessions, cohort.zone)
        self.assertEqual(baseline.closes, sessions[0].start)
        self.assertEqual(baseline.opens, sessions[0].start - timedelta(days=14))
        self.assertEqual(end.opens, sessions[-1].start)
        self.assertEqual(end.closes, sessions[-1].end + timedelta(days=14))
        self.assertEqual(follow_up.opens, sessions[-1].end + timedelta(days=75))
        self.assertEqual(
            (baseline.wave, end.wave, follow_up.wave),
            (Wave.BASELINE, Wave.END, Wave.FOLLOW_UP),
        )


class SurveyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_impact_course())
        # The first session in three days: the baseline is open.
        place_sessions(cls.cohort, timezone.now() + timedelta(days=3))
        cls.anna, cls.bertil = make_participants(cls.cohort, 2)
        cls.statements = list(cls.cohort.impact_statements.all())
        # The site's own (Finnish) address, whatever language an earlier
        # test's request left active in this thread.
        with translation.override(settings.LANGUAGE_CODE):
            cls.url = reverse("impact:survey", args=[cls.cohort.pk, Wave.BASELINE])

    def post(self, action="save", ratings=(), **extra):
        data = {"action": action, **extra}
        for statement, value in zip(self.statements, ratings, strict=False):
            data[f"rating_{statement.pk}"] = value
        return self.client.post(english(self.url), data)

    def test_a_survey_sent_with_the_open_questions_left_blank_keeps_no_answer(self):
        self.client.force_login(self.anna.user)
        self.assertEqual(
            self.post("submit", ratings=[3, 4, 5], answer_0="   ").status_code, 302
        )
        saved = Response.objects.get(enrollment=self.anna)
        self.assertEqual(saved.status, Response.Status.SUBMITTED)
        self.assertEqual(saved.open_answers, [])

    def test_a_participant_saves_a_draft_and_sends_it_when_every_statement_is_rated(
        self,
    ):
        self.client.force_login(self.anna.user)
        self.assertContains(self.client.get(self.url), "Väite 0")
        response = self.post(ratings=[3], answer_0="Fewer emails")
        self.assertEqual(response.status_code, 302)
        saved = Response.objects.get(enrollment=self.anna)
        self.assertEqual(saved.status, Response.Status.DRAFT)
        self.assertEqual(saved.open_answers[0]["answer"], "Fewer emails")
        self.assertEqual(
            [r.value for r in saved.ratings.order_by("statement__sort_order")],
            [3, None, None],
        )

        response = self.post("submit", ratings=[3, 4])
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Choose a number from 0 to 10.", status_code=400)
        saved.refresh_from_db()
        self.assertEqual(saved.status, Response.Status.DRAFT)

        self.assertEqual(self.post("submit", ratings=[3, 4, 5]).status_code, 302)
        saved.refresh_from_db()
        self.assertEqual(saved.status, Response.Status.SUBMITTED)
        self.assertIsNotNone(saved.submitted_at)

    def test_the_survey_sent_offline_says_so_in_the_persons_language(self):
        # reflection.js shows it instead of the browser's "no internet" page.
        self.client.force_login(self.anna.user)
        page = self.client.get(self.url).content.decode()
        said = json.loads(
            page.split('<script id="autosave-messages" type="application/json">')[
                1
            ].split("</script>")[0]
        )
        self.assertEqual(
            said["offline"],
            "Verkkoyhteys puuttuu, joten mitään ei lähetetty. Tekstisi on tallessa "
            "tällä laitteella: lähetä se uudelleen, kun yhteys palaa.",
        )

    def test_the_open_answer_box_says_its_limit_and_counts_down_to_it(self):
        self.client.force_login(self.anna.user)
        response = self.client.get(english(self.url))
        self.assertEqual(
            limit_said(response.content, "answer_0"),
            ("At most 5,000 characters.", counted_to(MAX_OPEN_ANSWER_LENGTH)),
        )

    def test_the_heading_has_no_colon_to_begin_a_line_on_a_phone(self):
        """A name wider than a phone wraps at any letter: a visible colon
        could begin the next line ("Vaikuttavuuskysely / : Ennen
        valmennusta"). It is said to screen readers alone, in every
        language."""
        self.client.force_login(self.anna.user)
        for language, name in [
            ("fi", "Vaikuttavuuskysely: Ennen valmennusta"),
            ("sv", "Effektenkät: Före utbildningen"),
            ("en", "Impact survey: Before the training"),
        ]:
            with self.subTest(language=language), translation.override(language):
                page = reverse("impact:survey", args=[self.cohort.pk, Wave.BASELINE])
                content = self.client.get(page).content
                heading = BeautifulSoup(content, "html.parser").find("h1")
                self.assertEqual(" ".join(heading.get_text().split()), name)
                for hidden in heading.select(".visually-hidden"):
                    hidden.extract()
                self.assertNotIn(":", heading.get_text())

    def test_autosave_keeps_a_draft_and_answers_in_json(self):
        self.client.force_login(self.anna.user)
        url = reverse("impact:autosave", args=[self.cohort.pk, Wave.BASELINE])
        response = self.client.post(
            url, {f"rating_{self.statements[1].pk}": "8", "answer_0": "Hello"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.json()["saved_at"])
        rating = Rating.objects.get(response__enrollment=self.anna, value__isnull=False)
        self.assertEqual((rating.statement, rating.value), (self.statements[1], 8))

    def test_autosave_for_someone_no_longer_in_the_cohort_stops_and_keeps_the_copy(
        self,
    ):
        """reflection.js stops saving on ``closed`` and keeps its copy; a
        bare 404 page would have it retry every few seconds for good."""
        self.client.force_login(self.anna.user)
        url = reverse("impact:autosave", args=[self.cohort.pk, Wave.BASELINE])
        Enrollment.objects.get(pk=self.anna.pk).withdraw()
        with translation.override("en"):
            response = self.client.post(english(url), {"answer_0": "Hello"})
        self.assertEqual(response.status_code, 404)
        self.assertTrue(response.json()["closed"])
        self.assertIn("kept on this device", response.json()["error"])
        self.assertFalse(Response.objects.exists())
        # Anyone else is told the same, and nothing of the cohort.
        self.client.force_login(make_participants(self.cohort, 1, prefix="x")[0].user)
        other = reverse("impact:autosave", args=[self.cohort.pk + 999, Wave.BASELINE])
        self.assertTrue(self.client.post(other, {"answer_0": "Hi"}).json()["closed"])

    def test_the_end_wave_asks_each_statement_also_in_retrospect(self):
        cohort = make_cohort(make_impact_course(title="Ended"), title="Ended A")
        place_sessions(cohort, timezone.now() - timedelta(days=14))
        person = enrol(cohort, "ended@example.fi", "En", "Ded")
        self.client.force_login(person.user)
        url = reverse("impact:survey", args=[cohort.pk, Wave.END])
        page = self.client.get(english(url))
        self.assertContains(page, "Before the training, I would have said", count=3)
        statements = cohort.impact_statements.all()
        data = {"action": "submit"}
        for statement in statements:
            data[f"rating_{statement.pk}"] = 7
            data[f"before_{statement.pk}"] = 4
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(set(Rating.objects.values_list("value", "before")), {(7, 4)})

    def test_a_closed_wave_takes_no_answers(self):
        self.client.force_login(self.anna.user)
        url = reverse("impact:survey", args=[self.cohort.pk, Wave.FOLLOW_UP])
        response = self.client.post(url, {f"rating_{self.statements[0].pk}": "5"})
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Response.objects.exists())
        self.assertContains(
            self.client.get(english(url)), "This survey is not open yet."
        )

    def test_only_the_cohorts_participants_answer(self):
        other = make_cohort(make_impact_course(title="Other"), title="Other A")
        stranger = make_participants(other, 1, prefix="stranger")[0]
        trainer = make_trainer(self.cohort)
        for user in [stranger.user, trainer, make_coordinator()]:
            with self.subTest(user=user.email):
                self.client.force_login(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_my_training_shows_the_open_wave_and_then_that_it_was_sent(self):
        self.client.force_login(self.anna.user)
        page = self.client.get(english(reverse("participant:my_training")))
        self.assertContains(page, english(self.url))
        self.assertContains(page, "Survey to answer now")
        answer(self.anna, Wave.BASELINE, [1, 2, 3])
        page = self.client.get(english(reverse("participant:my_training")))
        self.assertNotContains(page, "Survey to answer now")
        self.assertContains(page, "Your answers: sent")

    def test_the_cohort_space_shows_the_waves_in_the_programme(self):
        self.client.force_login(self.anna.user)
        page = self.client.get(
            english(reverse("participant:cohort", args=[self.cohort.pk]))
        )
        self.assertContains(page, "Follow-up")
        self.assertContains(page, "At the end")


class SurveyReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_impact_course())
        cls.people = make_participants(cls.cohort, 3)
        make_trainer(cls.cohort)
        OutgoingEmail.objects.all().delete()

    def test_only_those_who_have_not_answered_are_reminded_once(self):
        first = self.cohort.sessions.first()
        answer(self.people[0], Wave.BASELINE, [5, 5, 5])
        answer(self.people[1], Wave.BASELINE, [5], status=Response.Status.DRAFT)
        # Too early: the baseline closes in more than four days.
        queue_reminders(now=first.start - timedelta(days=5))
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.SURVEY_REMINDER))

        now = first.start - timedelta(days=3)
        counts = queue_reminders(now=now)
        self.assertEqual(counts[Kind.SURVEY_REMINDER], 2)
        sent = OutgoingEmail.objects.filter(kind=Kind.SURVEY_REMINDER).order_by("to")
        self.assertEqual(
            [email.to for email in sent], [p.email for p in self.people[1:]]
        )
        # The worker makes the message when it sends it.
        self.assertIn(
            reverse("impact:survey", args=[self.cohort.pk, Wave.BASELINE]),
            render(sent[0]).text,
        )
        # The next hour, and the next day: nothing again.
        queue_reminders(now=now + timedelta(hours=1))
        queue_reminders(now=now + timedelta(days=1))
        self.assertEqual(sent.count(), 2)


class ReportTestData:
    @classmethod
    def setUpTestData(cls):
        cls.course = make_impact_course()
        cls.cohort = make_cohort(cls.course)
        cls.people = make_participants(cls.cohort, 9)
        p = cls.people
        # Statement 1, hand-picked: baseline of p0–p5, end of p0–p4 and p6.
        baseline = [2, 4, 5, 6, 3, 7]
        end = [6, 7, 5, 8, 6, None, 9]
        before = [1, 3, 5, 5, 2, None, None]
        for index, value in enumerate(baseline):
            answer(p[index], Wave.BASELINE, [value, 5, 5])
        for index, value in enumerate(end):
            if value is not None:
                answer(p[index], Wave.END, [value, 5, 5], [before[index], 5, 5])
        # Withdrawn, and a draft: neither counts.
        answer(p[7], Wave.BASELINE, [0, 0, 0])
        answer(p[7], Wave.END, [10, 10, 10])
        p[7].withdraw()
        answer(p[8], Wave.BASELINE, [0, 0, 0], status=Response.Status.DRAFT)
        # Open answers: two sent at the end, one withdrawn, one in a draft.
        for person, text in [
            (p[0], "Agendas go out a day before."),
            (p[1], "Cameras on <b>by default</b>."),
            (p[7], "Withdrawn answer."),
        ]:
            Response.objects.filter(enrollment=person, wave=Wave.END).update(
                open_answers=[{"question": "One change you made", "answer": text}]
            )
        Response.objects.filter(enrollment=p[8]).update(
            open_answers=[{"question": "One change you made", "answer": "Draft."}]
        )
        cls.trainer = make_trainer(cls.cohort)
        cls.coordinator = make_coordinator()
        in_english(cls.trainer, cls.coordinator)


class MatchedPairsTests(ReportTestData, TestCase):
    def test_distributions_and_means_of_each_wave(self):
        figures = report([self.cohort]).statements[0]
        waves = {row.key: row for row in figures.distributions}
        baseline = waves[Wave.BASELINE]
        self.assertEqual(baseline.n, 6)
        self.assertEqual(baseline.counts, [1, 2, 1, 2, 0])
        self.assertEqual(baseline.percents, [17, 33, 17, 33, 0])
        self.assertEqual(baseline.mean, 4.5)  # 27 / 6
        end = waves[Wave.END]
        self.assertEqual(end.n, 6)
        self.assertEqual(end.counts, [0, 0, 1, 3, 2])
        self.assertEqual(end.mean, 6.8)  # 41 / 6
        self.assertEqual(waves["before"].n, 5)
        self.assertEqual(waves["before"].mean, 3.2)  # 16 / 5
        self.assertFalse(waves[Wave.FOLLOW_UP].shown)

    def test_the_change_is_of_matched_respondents_only(self):
        to_end, to_follow_up, in_retrospect = (
            report([self.cohort]).statements[0].changes
        )
        # p0–p4: +4, +3, 0, +2, +3 = 12 / 5; p5 (baseline only) and p6 (end
        # only) are excluded.
        self.assertEqual((to_end.matched, to_end.excluded, to_end.mean), (5, 2, 2.4))
        # Nobody answered the follow-up: six baseline answers excluded.
        self.assertEqual(
            (to_follow_up.matched, to_follow_up.excluded, to_follow_up.mean),
            (0, 6, None),
        )
        # p0–p4 rated both at the end: 5 + 4 + 0 + 3 + 4 = 16 / 5; p6 gave no
        # retrospective rating.
        self.assertEqual(
            (in_retrospect.matched, in_retrospect.excluded, in_retrospect.mean),
            (5, 1, 3.2),
        )

    def test_success_cases_are_the_largest_and_smallest_changes(self):
        largest, smallest = success_cases(self.cohort)
        # Mean over three statements; statements 2 and 3 did not change.
        self.assertEqual(
            [(case.enrollment, case.change) for case in largest],
            [(self.people[0], 1.3), (self.people[1], 1.0), (self.people[4], 1.0)],
        )
        self.assertEqual(
            [(case.enrollment, case.change) for case in smallest],
            [(self.people[2], 0.0), (self.people[3], 0.7)],
        )


class ReportPageTests(ReportTestData, TestCase):
    def cohort_url(self, **query):
        return reverse("cohorts:impact", args=[self.cohort.pk]) + (
            "?export=" + query["export"] if query else ""
        )

    def course_url(self, **query):
        return reverse("courses:impact", args=[self.course.pk]) + (
            "?export=" + query["export"] if query else ""
        )

    def workbook_rows(self, response):
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        return list(sheet.iter_rows(values_only=True))

    def test_the_report_shows_each_statement_as_a_chart_and_tables(self):
        self.client.force_login(self.trainer)
        response = self.client.get(self.cohort_url())
        self.assertEqual(response.status_code, 200)
        soup = self.get_soup(response.content) if hasattr(self, "get_soup") else None
        self.assertContains(response, '<svg class="impact-chart"', count=3)
        self.assertContains(response, '<title id="chart-1-title">')
        self.assertContains(response, "+2.4")
        self.assertContains(response, "Success cases")
        self.assertContains(response, self.people[0].name)
        del soup

    def test_a_figure_from_fewer_than_five_people_is_hidden_in_page_and_export(self):
        # Two of the five matched pairs go: the change rests on three people.
        Response.objects.filter(enrollment__in=self.people[:2], wave=Wave.END).delete()
        self.client.force_login(self.coordinator)
        response = self.client.get(self.cohort_url())
        self.assertNotContains(response, "+2.4")
        self.assertContains(response, "hidden (fewer than 5 people)")
        # The end wave: four people, no chart row, no shares.
        figures = report([self.cohort]).statements[0]
        end = next(d for d in figures.distributions if d.key == Wave.END)
        self.assertEqual((end.n, end.counts, end.mean), (4, None, None))
        rows = self.workbook_rows(self.client.get(self.cohort_url(export="xlsx")))
        heading, *body = rows
        by_figure = {
            (row[0], row[3]): dict(zip(heading, row, strict=True)) for row in body
        }
        end_row = by_figure[(STATEMENTS[0], "At the end")]
        self.assertEqual(end_row["People"], 4)
        self.assertIsNone(end_row["Mean"])
        self.assertTrue(all(end_row[h] is None for h in heading if "Rated" in h))
        change = by_figure[(STATEMENTS[0], "From before the training to the end")]
        self.assertEqual(change["Matched respondents"], 3)
        self.assertIsNone(change["Mean change"])
        baseline = by_figure[(STATEMENTS[0], "Before the training")]
        self.assertEqual(baseline["Mean"], 4.5)
        # Those left out of the change are named by what they did, not as
        # if they had dropped out.
        self.assertEqual(
            change["Answered one wave only"],
            baseline["People"] + end_row["People"] - 2 * 3,
        )

    @override_settings(VIRTU_SMALLEST_GROUP=3)
    def test_the_hidden_figures_say_the_smallest_group_the_site_is_set_to(self):
        # Three of the five matched pairs go: the change rests on two people,
        # the end wave on three.
        Response.objects.filter(enrollment__in=self.people[:3], wave=Wave.END).delete()
        self.client.force_login(self.coordinator)
        response = self.client.get(self.cohort_url())
        self.assertContains(response, "hidden (fewer than 3 people)")
        self.assertContains(response, "Figures made from fewer than 3 people are")
        self.assertNotContains(response, "fewer than 5")
        rows = self.workbook_rows(self.client.get(self.cohort_url(export="xlsx")))
        heading, *body = rows
        by_figure = {
            (row[0], row[3]): dict(zip(heading, row, strict=True)) for row in body
        }
        end_row = by_figure[(STATEMENTS[0], "At the end")]
        self.assertEqual(end_row["People"], 3)
        self.assertIsNotNone(end_row["Mean"])
        change = by_figure[(STATEMENTS[0], "From before the training to the end")]
        self.assertEqual(change["Matched respondents"], 2)
        self.assertIsNone(change["Mean change"])
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "fi"
        profile.save()
        response = self.client.get(self.cohort_url())
        self.assertContains(response, "piilotettu (alle 3 henkilöä)")

    def test_trainers_and_coordinators_read_the_open_answers_without_names(self):
        for user in [self.trainer, self.coordinator]:
            self.client.force_login(user)
            response = self.client.get(self.cohort_url())
            with self.subTest(user=user.email):
                self.assertContains(response, "Open answers")
                self.assertContains(response, "Agendas go out a day before.")
                # Escaped, as everything a participant writes.
                self.assertContains(
                    response, "Cameras on &lt;b&gt;by default&lt;/b&gt;."
                )
                self.assertNotContains(response, "Withdrawn answer.")
                self.assertNotContains(response, "Draft.")
                self.assertNotContains(response, self.people[0].user.email)
        # Not in the course's report, which commissioners read too.
        response = self.client.get(self.course_url())
        self.assertNotContains(response, "Agendas go out a day before.")

    def row_cells(self, response, caption_id, label):
        """The cells after the heading of ``label``'s row in a table."""
        soup = WagtailTestUtils.get_soup(response.content)
        found = soup.find(id=caption_id)
        table = found.find_parent("table") or found.find_next("table")
        row = next(
            th.parent
            for th in table.find_all("th", scope="row")
            if th.get_text(strip=True) == label
        )
        return [" ".join(td.get_text().split()) for td in row.find_all("td")]

    def test_a_wave_nobody_has_answered_says_so_rather_than_hidden(self):
        # Nobody answered the follow-up: nothing is hidden, nothing is there.
        self.client.force_login(self.coordinator)
        response = self.client.get(self.cohort_url())
        self.assertEqual(
            self.row_cells(response, "ratings-1", "Follow-up"),
            ["0", "no answers yet"],
        )
        self.assertEqual(
            self.row_cells(
                response, "changes-1", "From before the training to the follow-up"
            ),
            ["0", "6", "nobody has given both ratings yet"],
        )
        # Four who answered are still hidden.
        Response.objects.filter(enrollment__in=self.people[:2], wave=Wave.END).delete()
        response = self.client.get(self.cohort_url())
        self.assertEqual(
            self.row_cells(response, "ratings-1", "At the end"),
            ["4", "hidden (fewer than 5 people)"],
        )

    def test_the_charts_text_writes_the_means_as_the_table_beside_it(self):
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "fi"
        profile.save()
        self.client.force_login(self.coordinator)
        response = self.client.get(self.cohort_url())
        soup = WagtailTestUtils.get_soup(response.content)
        description = soup.find(id="chart-1-desc").get_text()
        # 27 / 6 at the baseline, 41 / 6 at the end.
        self.assertIn("keskiarvo 4,5", description)
        self.assertIn("keskiarvo 6,8", description)
        self.assertNotIn("4.5", description)
        self.assertEqual(
            self.row_cells(response, "ratings-1", "Ennen valmennusta")[-1], "4,5"
        )

    def test_experiment_outcomes_under_five_are_hidden(self):
        self.client.force_login(self.coordinator)
        label = "Experiments adopted or adapted (of those decided)"
        response = self.client.get(self.cohort_url())
        # No reflections yet: no share of experiments adopted.
        self.assertEqual(
            self.row_cells(response, "taking-part", label), ["none decided yet"]
        )
        # Four decided: only how many.
        experiment = self.cohort.experiments.first()
        for person in self.people[:4]:
            reflection = reflect(person, experiment)
            reflection.decision = Reflection.Decision.ADOPT
            reflection.save(update_fields=["decision"])
        response = self.client.get(self.cohort_url())
        self.assertEqual(
            self.row_cells(response, "taking-part", label),
            ["4", "hidden (fewer than 5 people)"],
        )

    def test_the_export_has_the_figures_of_the_page(self):
        # The last session began yesterday: the end wave is open.
        place_sessions(self.cohort, timezone.now() - timedelta(days=15))
        self.client.force_login(self.coordinator)
        rows = self.workbook_rows(self.client.get(self.course_url(export="xlsx")))
        heading, *body = rows
        self.assertEqual(heading[:4], ("Statement", "Level", "Target", "Figure"))
        change = next(
            row
            for row in body
            if row[0] == STATEMENTS[0]
            and row[3] == "From before the training to the end"
        )
        self.assertEqual(change[-3:], (5, 2, 2.4))
        # A share has its count, its total and its percent, as on the page;
        # below five, only the total.
        shares = {row[3]: dict(zip(heading, row, strict=True)) for row in body}
        sent = shares["Answers sent: Before the training"]
        self.assertEqual((sent["Count"], sent["Total"], sent["Share, %"]), (6, 8, 75))
        # Nobody has been asked the follow-up yet.
        follow_up = shares["Answers sent: Follow-up"]
        self.assertEqual(
            (follow_up["Count"], follow_up["Total"], follow_up["Share, %"]),
            (None, 0, None),
        )
        attendance = shares["Attendance (present, of those marked)"]
        self.assertEqual(
            (attendance["Count"], attendance["Total"], attendance["Share, %"]),
            (None, 0, None),
        )
        csv = b"".join(self.client.get(self.course_url(export="csv"))).decode()
        self.assertIn("2.4", csv)

    def test_a_finnish_export_writes_the_means_with_a_decimal_comma(self):
        place_sessions(self.cohort, timezone.now() - timedelta(days=15))
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "fi"
        profile.save()
        self.client.force_login(self.coordinator)

        content = b"".join(self.client.get(self.course_url(export="csv")))
        heading, *body = csv.reader(
            io.StringIO(content.decode("utf-8-sig")), delimiter=";"
        )
        self.assertTrue(all(len(row) == len(heading) for row in body))
        # Matched respondents, answered one wave only, and the mean change.
        self.assertIn(["5", "2", "2,4"], [row[-3:] for row in body])
        means = {row[heading.index("Keskiarvo")] for row in body} - {""}
        self.assertIn("4,5", means)
        # The workbook keeps its numbers.
        rows = self.workbook_rows(self.client.get(self.course_url(export="xlsx")))
        self.assertIn((5, 2, 2.4), [row[-3:] for row in rows])

    def test_people_outside_the_cohort_and_course_get_nothing(self):
        other = make_cohort(make_impact_course(title="Other"), title="Other A")
        outsider = make_trainer(other, "other-trainer@example.fi")
        editor = make_user("editor@example.fi", groups=["Editors"])
        for user in [outsider, editor, self.people[0].user]:
            self.client.force_login(user)
            for url in [
                self.cohort_url(),
                self.cohort_url(export="xlsx"),
                self.course_url(),
                self.course_url(export="csv"),
            ]:
                with self.subTest(user=user.email, url=url):
                    self.assertIn(self.client.get(url).status_code, (302, 404))


def reflect(enrollment, experiment, status=Reflection.Status.SUBMITTED):
    return Reflection.objects.create(
        experiment=experiment,
        author=enrollment,
        status=status,
        submitted_at=timezone.now() if status == Reflection.Status.SUBMITTED else None,
    )


class ExperimentsCompletedTests(ReportTestData, TestCase):
    """Each participant is asked one reflection per gap between sessions,
    however many options the gap offers."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The course plans one experiment after sessions 1 and 2; the first
        # gap offers a second option.
        cls.option_a, cls.second_gap = cls.cohort.experiments.order_by("after_session")
        cls.option_b = Experiment.objects.create(
            cohort=cls.cohort,
            title="Option B",
            instructions="Try another way.",
            after_session=cls.option_a.after_session,
            sort_order=5,
        )
        p = cls.people
        for person in p[:6]:
            reflect(person, cls.option_a)
        # Written before choices existed: two options of one gap, done once.
        reflect(p[0], cls.option_b)
        reflect(p[6], cls.option_b)
        for person in p[:3]:
            reflect(person, cls.second_gap)
        # Neither a draft nor a withdrawn participant's reflection counts.
        reflect(p[8], cls.second_gap, status=Reflection.Status.DRAFT)
        reflect(p[7], cls.option_a)
        # The last session began yesterday: both gaps are due.
        place_sessions(cls.cohort, timezone.now() - timedelta(days=15))

    def test_a_gap_with_two_options_asks_one_reflection_of_each_participant(self):
        completed = report([self.cohort]).completed
        # Eight participants, two gaps; seven did the first, three the second.
        self.assertEqual((completed.part, completed.whole), (10, 16))
        self.assertEqual(completed.percent, 63)
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cohorts:impact", args=[self.cohort.pk]))
        self.assertContains(response, "10 / 16")

    def test_an_enrolment_moved_away_takes_its_reflections_out_of_the_share(self):
        other = make_cohort(self.course, "Cohort B")
        place_sessions(other, timezone.now() - timedelta(days=15))
        Enrollment.objects.filter(pk=self.people[0].pk).update(cohort=other)
        completed = report([self.cohort]).completed
        self.assertEqual((completed.part, completed.whole), (8, 14))
        moved_to = report([other]).completed
        self.assertEqual((moved_to.part, moved_to.whole), (0, 2))


class AskedSoFarTests(TestCase):
    """A share is of those asked so far: a wave's answers of the cohorts it
    has opened for, experiments of those whose reflection is due."""

    @classmethod
    def setUpTestData(cls):
        now = timezone.now()
        cls.course = make_impact_course()
        # Its last session began 16 days ago: the end wave has been open, the
        # follow-up has not.
        cls.ended = make_cohort(cls.course, "Ended")
        place_sessions(cls.ended, now - timedelta(days=30))
        cls.waiting = make_cohort(cls.course, "Not started")
        place_sessions(cls.waiting, now + timedelta(days=60))
        ended = make_participants(cls.ended, 6, prefix="ended")
        waiting = make_participants(cls.waiting, 5, prefix="waiting")
        for person in ended[:5]:
            answer(person, Wave.END, [7, 7, 7])
        first_gap, second_gap = cls.ended.experiments.order_by("after_session")
        for person in ended[:4]:
            reflect(person, first_gap)
        # The second gap's reflections are due in three days.
        Experiment.objects.filter(pk=second_gap.pk).update(
            due_at=now + timedelta(days=3)
        )
        reflect(ended[0], second_gap)
        # Written early, before the cohort has begun.
        for person in waiting[:2]:
            reflect(person, cls.waiting.experiments.order_by("after_session")[0])
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def test_the_end_surveys_share_is_of_the_cohorts_it_has_opened_for(self):
        waves = dict(report([self.ended, self.waiting]).waves)
        end = waves[Wave.END.label]
        self.assertEqual((end.part, end.whole, end.percent), (5, 6, 83))

    def test_a_wave_open_for_no_cohort_reads_not_open_yet(self):
        waves = dict(report([self.ended, self.waiting]).waves)
        self.assertIsNone(waves[Wave.FOLLOW_UP.label])
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("courses:impact", args=[self.course.pk]))
        self.assertContains(response, "not open yet", count=1)
        # Before its first session, nothing of a cohort has been asked.
        response = self.client.get(reverse("cohorts:impact", args=[self.waiting.pk]))
        self.assertContains(response, "not open yet", count=3)
        self.assertContains(response, "none due yet", count=1)
        self.assertContains(response, "none marked yet", count=1)
        self.assertContains(response, "none decided yet", count=1)
        self.assertNotContains(response, "0 / 5")

    def test_experiments_not_yet_due_are_not_in_the_whole(self):
        completed = report([self.ended, self.waiting]).completed
        # The first gap of the ended cohort alone: six asked, four sent.
        self.assertEqual((completed.part, completed.whole), (4, 6))
        self.assertIsNone(report([self.waiting]).completed)


class ErasedDecisionTests(TestCase):
    """An erased participant's reflection shared with the cohort keeps its
    place without its author: none of the figures counts it."""

    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_impact_course())
        place_sessions(cls.cohort, timezone.now() - timedelta(days=30))
        cls.people = make_participants(cls.cohort, 6)
        experiment = cls.cohort.experiments.order_by("after_session")[0]
        for person in cls.people:
            Reflection.objects.create(
                experiment=experiment,
                author=person,
                status=Reflection.Status.SUBMITTED,
                submitted_at=timezone.now(),
                visibility=Reflection.Visibility.COHORT,
                decision=Reflection.Decision.ADOPT,
            )

    def test_an_erased_participants_decision_is_not_counted(self):
        for person in self.people[:3]:
            erase_reflections(Reflection.objects.filter(author=person), person.user)
        self.assertEqual(
            Reflection.objects.filter(author=None, decision="adopt").count(), 3
        )
        figures = report([self.cohort])
        self.assertEqual((figures.completed.part, figures.completed.whole), (3, 12))
        self.assertEqual((figures.adopted.part, figures.adopted.whole), (3, 3))


class OpenAnswerTests(ReportTestData, WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # A response with nothing written keeps no open answers: at the
        # baseline nobody wrote anything, at the end one more wrote nothing.
        Response.objects.filter(wave=Wave.BASELINE).update(open_answers=[])
        Response.objects.filter(enrollment=cls.people[2], wave=Wave.END).update(
            open_answers=[]
        )

    def test_only_answers_with_something_written_are_counted_and_shown(self):
        (end,) = open_answers(self.cohort, shown=1)
        self.assertEqual(end.label, Wave.END.label)
        self.assertEqual(end.total, 2)
        self.assertEqual(len(end.answers), 1)

    def test_a_wave_where_nobody_wrote_anything_has_no_heading(self):
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("cohorts:impact", args=[self.cohort.pk]))
        section = self.get_soup(response.content).find(id="open-answers").parent
        self.assertEqual(
            [heading.get_text() for heading in section.find_all("h3")],
            ["At the end"],
        )
        self.assertIn("Agendas go out a day before.", section.get_text())

    def test_without_any_written_answer_the_section_says_so(self):
        Response.objects.filter(wave=Wave.END).update(open_answers=[])
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("cohorts:impact", args=[self.cohort.pk]))
        section = self.get_soup(response.content).find(id="open-answers").parent
        self.assertEqual(section.find_all("h3"), [])
        self.assertIn(
            "Nobody has sent an answer to an open question yet.", section.get_text()
        )

    def test_answers_saved_before_blank_ones_were_dropped_are_cleared(self):
        migration = importlib.import_module(
            "impact.migrations.0003_responses_with_nothing_written_keep_no_open_answers"
        )
        blank = [{"question": "One change you made", "answer": "  "}]
        written = [{"question": "One change you made", "answer": "Shorter meetings"}]
        Response.objects.filter(wave=Wave.BASELINE).update(open_answers=blank)
        Response.objects.filter(wave=Wave.END).update(open_answers=written)
        migration.drop_blank_open_answers(django_apps, None)
        self.assertFalse(
            Response.objects.filter(wave=Wave.BASELINE).exclude(open_answers=[])
        )
        self.assertFalse(Response.objects.filter(wave=Wave.END, open_answers=[]))


class SurveyPrivacyTests(ReportTestData, TestCase):
    def test_the_survey_names_everyone_who_sees_answers_with_a_name(self):
        # A coordinator who trains no one sees the success cases, by name.
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cohorts:impact", args=[self.cohort.pk]))
        self.assertContains(response, self.people[0].name)
        # The Finnish page, the site's own: a request leaves its language
        # active for the tests that follow.
        self.client.force_login(self.people[0].user)
        url = reverse("impact:survey", args=[self.cohort.pk, Wave.BASELINE])
        self.assertContains(
            self.client.get(url),
            "nimesi kanssa ne näkevät vain valmentajasi ja valmennuksen "
            "koordinaattorit",
        )


class RatedStatementTests(ReportTestData, TestCase):
    """A statement people have rated stays in the cohort's plan, with its
    ratings; one nobody has rated yet can go."""

    def post_removing(self, statement):
        page = CohortPage.objects.get(pk=self.cohort.pk)
        data = cohort_edit_data(page.get_latest_revision_as_object())
        index = list(page.impact_statements.all()).index(statement)
        data[f"impact_statements-{index}-DELETE"] = "1"
        self.client.force_login(self.coordinator)
        return self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
        )

    def test_a_rated_statement_is_not_removed_and_keeps_its_ratings(self):
        CohortStatement.objects.create(
            cohort=self.cohort, sort_order=9, text_en="A fourth, unrated"
        )
        rated = self.cohort.impact_statements.first()
        ratings = rated.ratings.count()
        self.assertGreater(ratings, 5)
        response = self.post_removing(rated)
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            f"“{STATEMENTS[0]}” has been rated in {ratings} answers, so it stays "
            "in the plan",
        )
        self.assertEqual(Rating.objects.filter(statement=rated).count(), ratings)

        unrated = CohortStatement.objects.get(text_en="A fourth, unrated")
        self.assertEqual(self.post_removing(unrated).status_code, 302)
        self.assertFalse(CohortStatement.objects.filter(pk=unrated.pk).exists())
        self.assertEqual(Rating.objects.filter(statement=rated).count(), ratings)

    def test_a_statement_gone_all_the_same_leaves_its_ratings_and_the_report(self):
        # As publishing an older revision without it does.
        rated = self.cohort.impact_statements.first()
        ratings = list(rated.ratings.values_list("pk", flat=True))
        rated.delete()
        self.assertEqual(
            Rating.objects.filter(pk__in=ratings, statement=None).count(),
            len(ratings),
        )
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("cohorts:impact", args=[self.cohort.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, STATEMENTS[0])
        self.assertContains(response, STATEMENTS[1])

    def test_an_enrolment_moved_to_another_cohort_brings_no_figures_with_it(self):
        other = make_cohort(self.course, "Cohort B")
        moved = self.people[0]
        Enrollment.objects.filter(pk=moved.pk).update(cohort=other)
        self.client.force_login(self.coordinator)
        for url in [
            reverse("cohorts:impact", args=[other.pk]),
            reverse("cohorts:impact", args=[self.cohort.pk]),
            reverse("courses:impact", args=[self.course.pk]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(report([other]).statements[0].distributions[0].n, 0)
        # Deleting the cohort it left keeps its answers.
        url = reverse("wagtailadmin_pages:delete", args=[self.cohort.pk])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertTrue(Rating.objects.filter(response__enrollment=moved).exists())

    def test_deleting_the_cohort_deletes_its_statements_and_ratings(self):
        self.client.force_login(self.coordinator)
        url = reverse("wagtailadmin_pages:delete", args=[self.cohort.pk])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(CohortPage.objects.filter(pk=self.cohort.pk).exists())
        self.assertFalse(Rating.objects.exists())
        self.assertFalse(CohortStatement.objects.exists())


class CommissionerTests(ReportTestData, WagtailTestUtils, TestCase):
    """A commissioner reads every figure of the courses they commissioned and
    none of the people, and nothing of other courses."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.commissioner = make_commissioner()
        in_english(cls.commissioner)
        commission(cls.course, cls.commissioner)

    def personal_data(self):
        people = Enrollment.objects.filter(cohort=self.cohort).select_related("user")
        for person in people:
            yield person.user.email
            yield person.user.last_name
            yield person.name
        yield "Agendas go out a day before."

    def test_the_reports_breadcrumbs_link_no_listing_a_commissioner_cannot_open(self):
        reports = [
            reverse("cohorts:impact", args=[self.cohort.pk]),
            reverse("courses:impact", args=[self.course.pk]),
        ]
        for user, listings in [
            (self.commissioner, [[], []]),
            (
                self.coordinator,
                [
                    [
                        reverse("cohorts:index"),
                        reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                    ],
                    [
                        reverse("courses:index"),
                        reverse("wagtailadmin_pages:edit", args=[self.course.pk]),
                    ],
                ],
            ),
        ]:
            self.client.force_login(user)
            for url, expected in zip(reports, listings, strict=True):
                with self.subTest(user=user.email, url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    links = breadcrumb_links(self.get_soup(response.content))
                    self.assertEqual(links[1:], expected)

    def test_the_reports_breadcrumbs_never_link_back_to_the_report_itself(self):
        # An empty href is a link to this same page: the course's or cohort's
        # name is a link to its editor for those who may edit it, plain text
        # for a commissioner. (The last crumb is this page, as on every
        # Wagtail page.)
        reports = [
            (
                reverse("cohorts:impact", args=[self.cohort.pk]),
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
            ),
            (
                reverse("courses:impact", args=[self.course.pk]),
                reverse("wagtailadmin_pages:edit", args=[self.course.pk]),
            ),
        ]
        for user in [self.commissioner, self.coordinator]:
            self.client.force_login(user)
            for url, editor in reports:
                with self.subTest(user=user.email, url=url):
                    soup = self.get_soup(self.client.get(url).content)
                    crumbs = soup.select("nav[aria-label=Breadcrumb] li")[:-1]
                    hrefs = [a.get("href") for li in crumbs for a in li.select("a")]
                    self.assertNotIn("", hrefs)
                    self.assertEqual(editor in hrefs, user == self.coordinator)

    def test_a_commissioner_of_another_course_reads_nothing_of_this_one(self):
        other = make_user("toinen-tilaaja@example.fi", groups=[COMMISSIONERS])
        in_english(other)
        self.client.force_login(other)
        dashboard = self.client.get(reverse("wagtailadmin_home"))
        self.assertNotContains(dashboard, self.course.title)
        self.assertContains(dashboard, "No course names you as its commissioner yet.")
        for url in [
            reverse("cohorts:impact", args=[self.cohort.pk]),
            reverse("courses:impact", args=[self.course.pk]),
            reverse("courses:overview", args=[self.course.pk]),
        ]:
            for export in ["", "?export=xlsx", "?export=csv"]:
                with self.subTest(url=url + export):
                    self.assertEqual(self.client.get(url + export).status_code, 404)
        # Named on the course, they read it; out of the group, no longer.
        commission(self.course, other)
        url = reverse("courses:impact", args=[self.course.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        other.groups.clear()
        self.assertIn(self.client.get(url).status_code, (302, 404))

    def test_the_page_chooser_names_no_course_or_cohort_to_a_commissioner(self):
        other = make_impact_course(title="Another organisation's course")
        make_cohort(other, title="Their cohort")
        index = self.course.get_parent().pk
        urls = [
            reverse("wagtailadmin_choose_page_child", args=[index]),
            reverse("wagtailadmin_choose_page_child", args=[self.course.pk]),
            reverse("wagtailadmin_choose_page_search") + "?q=cohort",
        ]
        self.client.force_login(self.commissioner)
        for url in urls:
            with self.subTest(url=url):
                text = self.client.get(url).content.decode()
                self.assertNotIn("Another organisation", text)
                self.assertNotIn("Their cohort", text)
                self.assertNotIn(self.cohort.title, text)
        # A coordinator, who links pages, still finds them all.
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(urls[0]), "Another organisation")
        self.assertContains(self.client.get(urls[2]), "Their cohort")

    def test_no_chooser_view_names_a_page_a_commissioner_types_in(self):
        # The listing is empty, but the page whose number is in the address
        # heads the browse view, with its ancestors in the breadcrumbs.
        # The chooser opens at the top instead.
        self.client.force_login(self.commissioner)
        for page in [self.course, self.cohort]:
            url = reverse("wagtailadmin_choose_page_child", args=[page.pk])
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(
                    response,
                    reverse("wagtailadmin_choose_page"),
                    fetch_redirect_response=False,
                )
                response = self.client.get(url, follow=True)
                self.assertNotContains(response, self.course.title)
                self.assertNotContains(response, self.cohort.title)

    def test_a_chooser_of_cohorts_opens_at_no_course_for_a_commissioner(self):
        # Wagtail opens it where all cohorts meet: here, the one course.
        self.client.force_login(self.commissioner)
        url = reverse("wagtailadmin_choose_page") + "?page_type=cohorts.cohortpage"
        response = self.client.get(url, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, self.course.title)
        self.assertNotContains(response, self.cohort.title)
        # A coordinator's opens there.
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get(url), self.cohort.title)

    def test_confirming_a_chosen_page_names_none_to_a_commissioner(self):
        self.client.force_login(self.commissioner)
        chosen = reverse("wagtailadmin_choose_page_chosen_multiple")
        response = self.client.get(f"{chosen}?id={self.cohort.pk}")
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, self.cohort.title, status_code=404)

    def test_page_searches_refuse_a_commissioner(self):
        # Wagtail's dashboard offers everyone its page search box; for a
        # commissioner the search is refused, not answered with titles.
        self.client.force_login(self.commissioner)
        explorer = reverse("wagtailadmin_explore", args=[self.course.get_parent().pk])
        for url in [
            reverse("wagtailadmin_pages:search") + "?q=cohort",
            reverse("wagtailadmin_pages:search_results") + "?q=cohort",
            explorer + "?q=cohort",
            reverse("wagtailadmin_explore_root") + "?q=cohort",
        ]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertRedirects(
                    response,
                    reverse("wagtailadmin_home"),
                    fetch_redirect_response=False,
                )

    def test_the_sign_in_and_front_pages_tell_a_commissioner_their_way_in(self):
        soup = self.get_soup(self.client.get("/en/accounts/login/").content)
        self.assertEqual(
            soup.find(id="by-password").get_text(strip=True),
            "Trainers, coordinators and commissioners: sign in with a password",
        )
        self.client.force_login(self.commissioner)
        soup = self.get_soup(self.client.get("/en/").content)
        links = soup.find("main").find_all("a", href=reverse("wagtailadmin_home"))
        self.assertEqual(
            [link.get_text(strip=True) for link in links],
            [
                "Go to your courses' figures",
                "Coordinators, trainers and commissioners: open the admin",
            ],
        )

    def test_my_training_tells_a_commissioner_in_no_cohort_where_the_figures_are(self):
        self.client.force_login(self.commissioner)
        main = self.get_soup(self.client.get("/en/my/").content).find("main")
        text = " ".join(main.get_text().split())
        self.assertIn("As a commissioner you read your courses' figures", text)
        self.assertNotIn("When a coordinator enrols you", text)
        link = main.find("a", href=reverse("wagtailadmin_home"))
        self.assertEqual(link.get_text(strip=True), "Go to your courses' figures")
        # Anyone else in no cohort is told how they will get one.
        outsider = make_user("outsider@example.fi")
        self.client.force_login(outsider)
        response = self.client.get("/en/my/")
        self.assertContains(response, "When a coordinator enrols you")
        self.assertNotContains(response, "As a commissioner")

    def test_the_front_page_says_what_my_training_says_to_each_role(self):
        """Not "you are not enrolled in any cohort yet" to a commissioner who
        reads the figures in the admin: the front page's note is My
        training's, for a coordinator in no cohort too; a trainer sees the
        cohorts they train on both."""
        trainer = make_trainer(self.cohort, "front-trainer@example.fi")
        with translation.override("en"):
            space = reverse("participant:cohort", args=[self.cohort.pk])
        for person, said, not_said in [
            (
                self.commissioner,
                "As a commissioner you read your courses' figures, without "
                "names, in the admin. Go to your courses' figures",
                "not enrolled",
            ),
            (
                make_coordinator("front-coordinator@example.fi"),
                "You are not enrolled in any cohort yet. When a coordinator "
                "enrols you, your cohort appears here.",
                "As a commissioner",
            ),
            (trainer, self.cohort.title, "not enrolled"),
        ]:
            self.client.force_login(person)
            for page in ("/en/", "/en/my/"):
                with self.subTest(person=person.email, page=page):
                    main = self.get_soup(self.client.get(page).content).main
                    text = " ".join(main.get_text().split())
                    self.assertIn(said, text)
                    self.assertNotIn(not_said, text)
                    if person == trainer:
                        self.assertIn(f'href="{space}"', str(main))

    def test_the_dashboard_keeps_an_unpublished_course_with_its_figures(self):
        self.course.unpublish()
        self.client.force_login(self.commissioner)
        dashboard = self.client.get(reverse("wagtailadmin_home"))
        self.assertNotContains(dashboard, "No course names you")
        self.assertContains(dashboard, "not published")
        overview = reverse("courses:overview", args=[self.course.pk])
        self.assertContains(dashboard, overview)
        self.assertEqual(self.client.get(overview).status_code, 200)

    def test_the_admin_menu_offers_commissioners_no_listing_they_cannot_open(self):
        self.client.force_login(self.commissioner)
        home = self.client.get(reverse("wagtailadmin_home")).content.decode()
        for listing in [reverse("courses:index"), reverse("cohorts:index")]:
            with self.subTest(listing=listing):
                self.assertNotIn(f'"url": "{listing}"', home)
                self.assertEqual(self.client.get(listing).status_code, 302)
        self.client.force_login(self.coordinator)
        home = self.client.get(reverse("wagtailadmin_home")).content.decode()
        self.assertIn(f'"url": "{reverse("courses:index")}"', home)
        self.assertIn(f'"url": "{reverse("cohorts:index")}"', home)

    def test_the_course_editor_offers_only_commissioners_to_name(self):
        coordinator = self.coordinator
        self.client.force_login(coordinator)
        url = reverse("wagtailadmin_pages:edit", args=[self.course.pk])
        response = self.client.get(url)
        self.assertContains(response, "Commissioned by")
        self.assertContains(response, "tilaaja@example.fi")
        self.assertNotContains(response, self.people[0].user.email)
        self.assertNotContains(response, coordinator.email + ")")

    def test_no_name_or_answer_of_anyone_in_any_page_or_export(self):
        self.client.force_login(self.commissioner)
        pages = {
            "cohort report": reverse("cohorts:impact", args=[self.cohort.pk]),
            "course report": reverse("courses:impact", args=[self.course.pk]),
            "course overview": reverse("courses:overview", args=[self.course.pk]),
        }
        dashboard = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(dashboard, reverse("courses:impact", args=[self.course.pk]))
        for value in self.personal_data():
            self.assertNotContains(dashboard, value)
        for name, url in pages.items():
            for export in ["", "xlsx", "csv"]:
                with self.subTest(page=name, export=export):
                    response = self.client.get(
                        url + (f"?export={export}" if export else "")
                    )
                    self.assertEqual(response.status_code, 200)
                    content = b"".join(response) if export else response.content
                    if export == "xlsx":
                        cells = self.workbook_rows_text(content)
                    else:
                        cells = content.decode()
                    self.assertTrue(cells)
                    for value in self.personal_data():
                        self.assertNotIn(value, cells)
                    if not export and name != "course overview":
                        self.assertIn("impact-chart", cells)
                        self.assertNotIn("Success cases", cells)

    @staticmethod
    def workbook_rows_text(content):
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return " ".join(
            str(value) for row in sheet.iter_rows(values_only=True) for value in row
        )

    def test_the_survey_pages_of_participants_are_not_for_commissioners(self):
        self.client.force_login(self.commissioner)
        url = reverse("impact:survey", args=[self.cohort.pk, Wave.BASELINE])
        self.assertEqual(self.client.get(url).status_code, 404)


class CourseBesideItsCohortsTests(TestCase):
    """A course's figures sum its cohorts' figures, which a commissioner
    reads beside it: the course's figure is hidden where the cohorts hidden
    on their own are together from fewer than five people, whose answers
    subtracting the cohorts shown would otherwise tell."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_impact_course()
        cls.large = make_cohort(cls.course, "Cohort A")
        cls.small = make_cohort(cls.course, "Cohort B")
        # Both over: every wave has been asked of everyone.
        for cohort in (cls.large, cls.small):
            place_sessions(cohort, timezone.now() - timedelta(days=100))
        session = cls.large.sessions.first()
        for person in make_participants(cls.large, 5, prefix="alpha"):
            answer(person, Wave.BASELINE, [5, 5, 5])
            answer(person, Wave.END, [6, 6, 6])
            Attendance.objects.create(
                session=session, enrollment=person, status=Attendance.Status.PRESENT
            )
        (cls.lonely,) = make_participants(cls.small, 1, prefix="bravo")
        answer(cls.lonely, Wave.BASELINE, [0, 10, 9])
        answer(cls.lonely, Wave.END, [2, 3, 4])
        Attendance.objects.create(
            session=cls.small.sessions.first(),
            enrollment=cls.lonely,
            status=Attendance.Status.ABSENT,
        )
        cls.commissioner = make_commissioner()
        in_english(cls.commissioner)
        commission(cls.course, cls.commissioner)

    def export(self, url):
        """The rows of ``url``'s XLSX export, by statement and figure."""
        self.client.force_login(self.commissioner)
        response = self.client.get(url + "?export=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        heading, *body = sheet.iter_rows(values_only=True)
        return {(row[0], row[3]): dict(zip(heading, row, strict=True)) for row in body}

    def test_a_cohort_of_one_cannot_be_told_by_subtracting_the_others(self):
        course_url = reverse("courses:impact", args=[self.course.pk])
        course = self.export(course_url)
        large = self.export(reverse("cohorts:impact", args=[self.large.pk]))
        for statement in STATEMENTS:
            with self.subTest(statement=statement):
                baseline = course[(statement, "Before the training")]
                # Who rated is counted; how they rated is not shown.
                self.assertEqual(baseline["People"], 6)
                self.assertIsNone(baseline["Mean"])
                self.assertTrue(
                    all(baseline[h] is None for h in baseline if "Rated" in h)
                )
                change = course[(statement, "From before the training to the end")]
                self.assertEqual(change["Matched respondents"], 6)
                self.assertIsNone(change["Mean change"])
                # Cohort A's own figures stay: five people.
                self.assertEqual(large[(statement, "Before the training")]["Mean"], 5)
        share = course[(None, "Answers sent: Before the training")]
        self.assertEqual(share["Total"], 6)
        self.assertEqual((share["Count"], share["Share, %"]), (None, None))
        # Cohort B's session, marked for one, is left out, as the course
        # overview hides it: the course's attendance is cohort A's.
        share = course[(None, "Attendance (present, of those marked)")]
        self.assertEqual((share["Count"], share["Total"]), (5, 5))
        page = self.client.get(course_url)
        # Neither the means (25 + 0) / 6, (25 + 10) / 6, (25 + 9) / 6, nor
        # the mean change (5 + 2) / 6, nor attendance 5 / 6.
        for figure in ["4.2", "5.8", "5.7", "+1.2", "83 %"]:
            self.assertNotContains(page, figure)
        self.assertContains(page, "hidden (fewer than 5 people)")
        self.assertContains(page, "by subtracting the cohorts shown")

    def test_cohorts_hidden_together_from_five_people_leave_the_course_shown(self):
        # Cohort C's four people and cohort B's one: hidden on their own,
        # five together, as many as a figure may show.
        other = make_cohort(self.course, "Cohort C")
        place_sessions(other, timezone.now() - timedelta(days=100))
        for person in make_participants(other, 4, prefix="charlie"):
            answer(person, Wave.BASELINE, [5, 5, 5])
        course = self.export(reverse("courses:impact", args=[self.course.pk]))
        baseline = course[(STATEMENTS[0], "Before the training")]
        self.assertEqual((baseline["People"], baseline["Mean"]), (10, 4.5))
        sent = course[(None, "Answers sent: Before the training")]
        self.assertEqual(
            (sent["Count"], sent["Total"], sent["Share, %"]), (10, 10, 100)
        )
        # From before to the end: cohort B alone is hidden, one person.
        change = course[(STATEMENTS[0], "From before the training to the end")]
        self.assertEqual(change["Matched respondents"], 6)
        self.assertIsNone(change["Mean change"])


class ShareBesideItsCohortsTests(TestCase):
    """A cohort's share is hidden by its whole as well as by its people: a
    cohort of six where three have decided shows no share of its own, and
    the course's, beside the other cohort's, would tell it."""

    @classmethod
    def setUpTestData(cls):
        course = make_impact_course()
        cls.few_decided = make_cohort(course, "Cohort A")
        cls.other = make_cohort(course, "Cohort B")
        for cohort, prefix, decided, adopted in (
            (cls.few_decided, "alpha", 3, 2),
            (cls.other, "bravo", 6, 3),
        ):
            place_sessions(cohort, timezone.now() - timedelta(days=60))
            experiment = cohort.experiments.order_by("after_session")[0]
            people = make_participants(cohort, 6, prefix=prefix)
            for number, person in enumerate(people[:decided]):
                Reflection.objects.create(
                    experiment=experiment,
                    author=person,
                    status=Reflection.Status.SUBMITTED,
                    submitted_at=timezone.now(),
                    decision=Reflection.Decision.ADOPT
                    if number < adopted
                    else Reflection.Decision.DROP,
                )

    def test_a_share_hidden_by_its_whole_is_not_told_by_the_course(self):
        self.assertIsNone(report([self.few_decided]).adopted.percent)
        self.assertEqual(report([self.other]).adopted.percent, 50)
        # 5 / 9 would leave (5 - 3) / (9 - 6) for cohort A.
        course = report([self.few_decided, self.other]).adopted
        self.assertEqual((course.part, course.whole), (5, 9))
        self.assertIsNone(course.percent)


class ReportQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_impact_course()
        cls.cohort = make_cohort(cls.course)
        make_cohort(cls.course, "Cohort B")
        cls.coordinator = make_coordinator()
        add_generated_participants([cls.cohort], 20)
        # Past its last session, beside one that has not begun.
        place_sessions(cls.cohort, timezone.now() - timedelta(days=100))
        # A gap with two options, each written about.
        Experiment.objects.create(
            cohort=cls.cohort,
            title="Option B",
            instructions="x",
            after_session=1,
            sort_order=5,
        )

    @classmethod
    def answer_everyone(cls):
        statements = list(cls.cohort.impact_statements.all())
        experiments = list(cls.cohort.experiments.all())
        people = list(
            Enrollment.objects.filter(cohort=cls.cohort).exclude(
                impact_responses__isnull=False
            )
        )
        now = timezone.now()
        for wave in [Wave.BASELINE, Wave.END]:
            responses = Response.objects.bulk_create(
                Response(
                    enrollment=person,
                    wave=wave,
                    status=Response.Status.SUBMITTED,
                    submitted_at=now,
                )
                for person in people
            )
            Rating.objects.bulk_create(
                Rating(
                    response=response,
                    statement=statement,
                    value=(response.enrollment_id + index) % 11,
                    before=3 if wave == Wave.END else None,
                )
                for response in responses
                for index, statement in enumerate(statements)
            )
        Reflection.objects.bulk_create(
            Reflection(
                experiment=experiment,
                author=person,
                status=Reflection.Status.SUBMITTED,
                submitted_at=now,
                decision=Reflection.Decision.ADOPT,
            )
            for person in people
            for experiment in experiments
        )

    def test_the_reports_make_as_many_queries_for_2000_participants_as_for_20(self):
        self.answer_everyone()
        self.client.force_login(self.coordinator)
        urls = [
            reverse("cohorts:impact", args=[self.cohort.pk]),
            reverse("courses:impact", args=[self.course.pk]),
            reverse("courses:impact", args=[self.course.pk]) + "?export=xlsx",
        ]
        counts = {}
        for url in urls:
            self.client.get(url)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(url).status_code, 200)
            counts[url] = len(queries)
        add_generated_participants([self.cohort], 2000)
        self.answer_everyone()
        self.assertEqual(
            Response.objects.filter(enrollment__cohort=self.cohort).count(), 4000
        )
        # Everyone wrote about both options of the first gap: done once.
        completed = report([self.cohort]).completed
        self.assertEqual((completed.part, completed.whole), (4000, 4000))
        for url in urls:
            with self.subTest(url=url), self.assertNumQueries(counts[url]):
                self.assertEqual(self.client.get(url).status_code, 200)


class ImpactPlanEditorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def post_course(self, statements):
        course = self.course
        data = nested_form_data(
            {
                "title": course.title,
                "slug": course.slug,
                "description": rich_text(""),
                "session_interval_days": 14,
                "min_session_minutes": 120,
                "max_session_minutes": 300,
                "session_plans": inline_formset(
                    [
                        {
                            "id": plan.pk,
                            "title": plan.title,
                            "agenda": plan.agenda,
                            "start_time": "09:00",
                            "length_minutes": plan.length_minutes,
                        }
                        for plan in course.session_plans.all()
                    ],
                    initial=3,
                ),
                "experiment_templates": inline_formset([]),
                "impact_statements": inline_formset(
                    [
                        {"text_en": text, "level": "behaviour", "target": 8}
                        for text in statements
                    ]
                ),
                "impact_questions": inline_formset([{"text_en": "One change"}]),
                "action-publish": "publish",
            }
        )
        url = reverse("wagtailadmin_pages:edit", args=[course.pk])
        return self.client.post(url, data)

    def test_the_course_editor_has_the_impact_plan(self):
        self.client.force_login(self.coordinator)
        url = reverse("wagtailadmin_pages:edit", args=[self.course.pk])
        self.assertContains(self.client.get(url), "Impact plan")

    def test_a_plan_has_three_to_eight_statements(self):
        self.client.force_login(self.coordinator)
        response = self.post_course(STATEMENTS[:2])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "An impact plan has 3 to 8 statements.")
        self.assertFalse(CourseStatement.objects.exists())

        self.assertEqual(self.post_course(STATEMENTS).status_code, 302)
        self.assertEqual(
            [s.text_en for s in CourseStatement.objects.order_by("sort_order")],
            STATEMENTS,
        )
        self.assertEqual(CourseStatement.objects.first().target, 8)
        # A cohort planned from it now copies the plan.
        cohort = make_cohort(CoursePage.objects.get(pk=self.course.pk))
        self.assertEqual(cohort.impact_statements.count(), 3)

    def test_a_new_cohorts_form_shows_the_courses_plan_to_check_and_change(self):
        course = make_impact_course(title="Planned")
        self.client.force_login(self.coordinator)
        url = reverse(
            "wagtailadmin_pages:add", args=("cohorts", "cohortpage", course.pk)
        )
        response = self.client.get(url + "?start_date=2038-03-15")
        for text in STATEMENTS:
            self.assertContains(response, f'value="{text}"')
        self.assertContains(response, 'value="One change you made"')


class AttendanceNotMarkedTests(TestCase):
    """The attendance share is of those marked; beside it, how many marks
    of the sessions held so far are still missing, so that a session marked
    in parts does not read as if everyone was counted. A share marked for
    fewer than five people is hidden from commissioners, however many marks
    it sums."""

    LABEL = "Attendance (present, of those marked)"

    @classmethod
    def setUpTestData(cls):
        cls.course = make_impact_course()
        cls.cohort = make_cohort(cls.course)
        cls.people = make_participants(cls.cohort, 10)
        # Sessions 1 and 2 have been held; session 3 is next week.
        place_sessions(cls.cohort, timezone.now() - timedelta(days=8))
        cls.sessions = list(cls.cohort.sessions.order_by("sort_order"))
        cls.trainer = make_trainer(cls.cohort)
        cls.commissioner = make_commissioner()
        commission(cls.course, cls.commissioner)
        in_english(cls.trainer, cls.commissioner)

    def mark(self, session, people, status=Attendance.Status.PRESENT):
        for person in people:
            Attendance.objects.create(session=session, enrollment=person, status=status)

    def cells(self, user, url):
        self.client.force_login(user)
        return ReportPageTests.row_cells(
            self, self.client.get(url), "taking-part", self.LABEL
        )

    def exported(self, user, url):
        self.client.force_login(user)
        sheet = openpyxl.load_workbook(
            io.BytesIO(b"".join(self.client.get(url + "?export=xlsx")))
        ).active
        heading, *body = sheet.iter_rows(values_only=True)
        row = next(row for row in body if row[3] == self.LABEL)
        return dict(zip(heading, row, strict=True))

    def test_the_share_says_how_many_marks_of_the_sessions_held_are_missing(self):
        # Session 1 marked for six of ten, four present; five excused ahead
        # for session 3, which has not been held: those count nowhere.
        self.mark(self.sessions[0], self.people[:4])
        self.mark(self.sessions[0], self.people[4:6], Attendance.Status.ABSENT)
        self.mark(self.sessions[2], self.people[5:], Attendance.Status.EXCUSED)
        cohort_url = reverse("cohorts:impact", args=[self.cohort.pk])
        course_url = reverse("courses:impact", args=[self.course.pk])
        for url in (cohort_url, course_url):
            with self.subTest(url=url):
                # Ten people in each of the two sessions held, six marked.
                self.assertEqual(
                    self.cells(self.commissioner, url),
                    ["4 / 6", "67 % 14 not marked"],
                )
                row = self.exported(self.commissioner, url)
                self.assertEqual(
                    (row["Count"], row["Total"], row["Share, %"], row["Not marked"]),
                    (4, 6, 67, 14),
                )
        profile = UserProfile.get_for_user(self.commissioner)
        profile.preferred_language = "fi"
        profile.save()
        self.client.force_login(self.commissioner)
        self.assertContains(self.client.get(cohort_url), "14 merkitsemättä")
        export = self.client.get(cohort_url + "?export=csv")
        self.assertIn("Merkitsemättä", b"".join(export).decode())

    def test_a_share_of_many_marks_of_three_people_is_hidden_from_commissioners(self):
        # Three people marked at both sessions held: six marks, from three.
        for session in self.sessions[:2]:
            self.mark(session, self.people[:3])
        self.assertEqual(
            report([self.cohort], followed=[self.cohort.pk]).attendance.whole, 6
        )
        cohort_url = reverse("cohorts:impact", args=[self.cohort.pk])
        course_url = reverse("courses:impact", args=[self.course.pk])
        for url in (cohort_url, course_url):
            with self.subTest(url=url):
                # As the course overview hides each session.
                self.assertEqual(
                    self.cells(self.commissioner, url),
                    [
                        "hidden (fewer than 5 people) 2 sessions marked for "
                        "fewer than 5 people left out"
                    ],
                )
                row = self.exported(self.commissioner, url)
                self.assertEqual(
                    (row["Count"], row["Total"], row["Share, %"], row["Not marked"]),
                    (None, 0, None, None),
                )
        # Their trainer, who marked them, reads it as before.
        self.assertEqual(
            self.cells(self.trainer, cohort_url), ["6 / 6", "100 % 14 not marked"]
        )
        self.assertEqual(self.exported(self.trainer, cohort_url)["Share, %"], 100)

    def test_a_session_the_overview_hides_is_left_out_of_the_sum(self):
        # Session 1 marked for all ten, eight present, which the course
        # overview shows; session 2 for one person, absent, which it hides.
        # A sum of both, 8 / 11, less session 1's 8 / 10 would tell that one.
        self.mark(self.sessions[0], self.people[:8])
        self.mark(self.sessions[0], self.people[8:], Attendance.Status.ABSENT)
        self.mark(self.sessions[1], self.people[:1], Attendance.Status.ABSENT)
        cohort_url = reverse("cohorts:impact", args=[self.cohort.pk])
        course_url = reverse("courses:impact", args=[self.course.pk])
        for url in (cohort_url, course_url):
            with self.subTest(url=url):
                self.assertEqual(
                    self.cells(self.commissioner, url),
                    [
                        "8 / 10",
                        "80 % 1 session marked for fewer than 5 people left out",
                    ],
                )
        self.assertEqual(
            self.cells(self.trainer, cohort_url), ["8 / 11", "73 % 9 not marked"]
        )
        # Three more marked at session 2, still hidden; the same person
        # again at session 3, ahead, which counts nowhere until it is held.
        self.mark(self.sessions[1], self.people[1:3])
        self.mark(self.sessions[2], self.people[:1], Attendance.Status.EXCUSED)
        self.assertEqual(
            self.cells(self.commissioner, cohort_url),
            ["8 / 10", "80 % 1 session marked for fewer than 5 people left out"],
        )
        # With session 2 marked for five, it is shown, and so is the sum.
        self.mark(self.sessions[1], self.people[3:5])
        self.assertEqual(
            self.cells(self.commissioner, cohort_url), ["12 / 15", "80 % 5 not marked"]
        )
        # Session 3 held (moved earlier), its one mark is left out.
        place_sessions(self.cohort, timezone.now() - timedelta(days=15))
        self.assertEqual(
            self.cells(self.commissioner, cohort_url),
            [
                "12 / 15",
                "80 % 5 not marked 1 session marked for fewer than 5 people left out",
            ],
        )

    def test_a_session_moved_later_leaves_the_figures_until_it_is_held(self):
        # Session 2, held yesterday, marked for all ten, eight present; then
        # a coordinator moves it to next week.
        self.mark(self.sessions[1], self.people[:8])
        self.mark(self.sessions[1], self.people[8:], Attendance.Status.ABSENT)
        figures = report([self.cohort], followed=[self.cohort.pk])
        self.assertEqual((figures.attendance.part, figures.attendance.whole), (8, 10))
        self.assertEqual(figures.not_marked, 10)  # session 1's
        place_sessions(
            self.cohort, timezone.now() - timedelta(days=8), timedelta(days=15)
        )
        figures = report([self.cohort], followed=[self.cohort.pk])
        self.assertEqual((figures.attendance.part, figures.attendance.whole), (0, 0))
        self.assertEqual(figures.not_marked, 10)
        # Held again, it counts again.
        later = timezone.now() + timedelta(days=8)
        figures = report([self.cohort], now=later, followed=[self.cohort.pk])
        self.assertEqual((figures.attendance.part, figures.attendance.whole), (8, 10))

    def test_a_copied_cohorts_session_dated_before_the_copy_is_not_counted(self):
        # Copied today: sessions 1 and 2 have the original's dates.
        self.mark(self.sessions[0], self.people[:5])
        CohortPage.objects.filter(pk=self.cohort.pk).update(copied_at=timezone.now())
        figures = report([self.cohort], followed=[self.cohort.pk])
        self.assertEqual(figures.attendance.whole, 0)
        self.assertEqual(figures.not_marked, 0)
