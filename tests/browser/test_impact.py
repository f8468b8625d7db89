"""The impact survey in the browser: answers survive a lost connection and
a closed tab; the survey and the report fit 320, 390 and 1280 px and meet
WCAG 2.1 AA; the report prints without the admin around it."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cohorts.enrolment import enrol
from impact.models import Rating, Response, Wave
from tests.factories import make_cohort, make_coordinator, place_sessions
from tests.test_impact import answer, make_impact_course

from .base import BrowserTestCase, artifacts_dir, text
from .test_layout import MEASURE, WIDTHS

NOT_SAVED = "Not saved — your answers are kept on this device."
RESTORED = (
    "Answers you gave on this device were not saved yet, so they were put "
    "back. Check them and save."
)


def saved(language):
    message = re.escape(text("Saved %(time)s", language))
    return re.compile("^" + message.replace(re.escape("%(time)s"), ".+") + "$")


class ImpactBrowserTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.course = make_impact_course()
        # The first session in three days: the baseline is open.
        self.cohort = make_cohort(self.course)
        place_sessions(self.cohort, timezone.now() + timedelta(days=3))
        self.anna = enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")
        self.statements = list(self.cohort.impact_statements.all())
        self.url = reverse("impact:survey", args=[self.cohort.pk, Wave.BASELINE])

    def rate(self, page, statement, value):
        group = page.get_by_role("group", name=statement.text_fi)
        group.get_by_label(str(value), exact=True).check()

    def test_answers_given_offline_are_saved_when_the_connection_is_back(self):
        page = self.new_page()
        self.log_in(page, self.anna.user)
        page.goto(self.url)
        status = page.locator("#autosave-status")

        page.context.set_offline(True)
        self.rate(page, self.statements[0], 7)
        page.get_by_label("One change you made").fill("Agendas before meetings")
        expect(status).to_have_text(text(NOT_SAVED, "fi"))
        self.assertFalse(Response.objects.exists())
        page.context.set_offline(False)

        expect(status).to_have_text(saved("fi"))
        response = Response.objects.get()
        self.assertEqual(response.status, Response.Status.DRAFT)
        self.assertEqual(response.open_answers[0]["answer"], "Agendas before meetings")
        self.assertEqual(Rating.objects.get(statement=self.statements[0]).value, 7)

    def test_answers_not_yet_saved_are_put_back_after_the_tab_was_closed(self):
        page = self.new_page()
        self.log_in(page, self.anna.user)
        page.goto(self.url)
        self.rate(page, self.statements[0], 3)
        expect(page.locator("#autosave-status")).to_have_text(saved("fi"))

        page.context.set_offline(True)
        self.rate(page, self.statements[1], 9)
        page.close()
        page.context.set_offline(False)
        self.assertIsNone(Rating.objects.get(statement=self.statements[1]).value)

        again = page.context.new_page()
        again.goto(self.url)
        group = again.get_by_role("group", name=self.statements[1].text_fi)
        expect(group.get_by_label("9", exact=True)).to_be_checked()
        status = again.locator("#autosave-status")
        expect(status).to_have_text(text(RESTORED, "fi"))
        expect(status).to_have_text(saved("fi"))
        self.assertEqual(Rating.objects.get(statement=self.statements[1]).value, 9)

        # Sent, and counted.
        self.rate(again, self.statements[2], 5)
        again.get_by_role("button", name=text("Send answers", "fi")).click()
        expect(again.get_by_role("status").first).to_contain_text(
            text("Thank you: your answers were sent.", "fi")
        )
        self.assertEqual(Response.objects.get().status, Response.Status.SUBMITTED)

    def check_layout(self, page, name, width, within="body"):
        with self.subTest(page=name, width=width):
            directory = artifacts_dir() / "layout"
            directory.mkdir(exist_ok=True)
            page.screenshot(path=directory / f"{name}-{width}.png", full_page=True)
            self.assertEqual(page.evaluate(MEASURE, within), [], page.url)
            self.axe_check(page)

    def test_the_survey_fits_every_width_and_meets_wcag(self):
        ended = make_cohort(self.course, title="Ended")
        place_sessions(ended, timezone.now() - timedelta(days=14))
        bertil = enrol(ended, "bertil@example.fi", "Bertil", "Berg")
        page = self.new_page("fi")
        self.log_in(page, self.anna.user)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(self.url)
            self.check_layout(page, "impact-survey", width)
            # Sent with a statement missing: the errors, at each statement.
            page.get_by_role("button", name=text("Send answers", "fi")).click()
            expect(page.locator("[data-error-summary]")).to_be_visible()
            self.check_layout(page, "impact-survey-errors", width)
        self.log_in(page, bertil.user)
        end = reverse("impact:survey", args=[ended.pk, Wave.END])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.goto("/en" + end)
            expect(page.get_by_role("heading", level=2).first).to_be_visible()
            self.check_layout(page, "impact-survey-end", width)

    def report_data(self):
        people = [
            enrol(self.cohort, f"p{n}@example.fi", "Pat", f"Person{n}")
            for n in range(6)
        ]
        for number, person in enumerate(people):
            answer(person, Wave.BASELINE, [number % 4, 5, 6])
            response = answer(person, Wave.END, [number % 4 + 3, 7, 6], [1, 4, 5])
            # Open answers, one with a word longer than a phone is wide.
            response.open_answers = [
                {
                    "question": "One change you made",
                    "answer": "Shared notes at "
                    + "https://intra.example.fi/"
                    + "muistio-" * 12
                    + " and the weekly meeting is now remote for everyone.",
                }
            ]
            response.save(update_fields=["open_answers"])

    def test_the_report_fits_and_meets_wcag_and_prints_without_the_admin(self):
        self.report_data()
        coordinator = make_coordinator()
        page = self.new_page("fi")
        self.log_in(page, coordinator)
        for name, path in [
            ("impact-cohort", reverse("cohorts:impact", args=[self.cohort.pk])),
            ("impact-course", reverse("courses:impact", args=[self.course.pk])),
        ]:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(path)
                expect(page.locator("svg.impact-chart")).to_have_count(3)
                if name == "impact-cohort":
                    expect(page.locator(".impact-answers li")).to_have_count(6)
                self.check_layout(page, name, width, within="main")

        page.set_viewport_size({"width": 1280, "height": 900})
        page.emulate_media(media="print")
        expect(page.locator(".impact-print-title")).to_be_visible()
        expect(page.locator("svg.impact-chart").first).to_be_visible()
        expect(page.locator("aside, .sidebar").first).to_be_hidden()
        page.pdf(path=artifacts_dir() / "impact-course.pdf")
