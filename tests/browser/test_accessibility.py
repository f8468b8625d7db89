"""Every page a participant sees, checked by axe-core for WCAG 2.1 A and AA in
Finnish (no prefix in the address) and in English (/en/)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assignments.models import MAX_ANSWER_LENGTH, Comment, Reflection
from cohorts.enrolment import enrol
from signin.links import new_link
from tests.factories import make_course, make_trainer

from .base import BrowserTestCase, running_cohort, text


class ParticipantPagesAccessibilityTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        cohort = running_cohort(make_course())
        self.cohort = cohort
        first, second = cohort.experiments.order_by("after_session")
        self.first_experiment = first
        self.anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        bertil = enrol(cohort, "bertil@example.fi", "Bertil", "Berg")
        trainer = make_trainer(cohort)
        now = timezone.now()
        # Bertil's reflection, shared, with feedback and comments.
        self.shared = self.reflection(bertil, first, "Meetings on Teams.")
        self.shared.feedback, self.shared.feedback_by = "Well tried.", trainer
        self.shared.feedback_at = now
        self.shared.save()
        Comment.objects.create(
            reflection=self.shared, author=self.anna.user, text="Nice one."
        )
        Comment.objects.create(reflection=self.shared, author=trainer, text="Yes!")
        # Anna's own, submitted, with feedback she has not read yet.
        self.own = self.reflection(self.anna, second, "A day online.")
        self.own.feedback, self.own.feedback_by = "Good.", trainer
        self.own.feedback_at = now
        self.own.save()

    @staticmethod
    def reflection(author, experiment, answer):
        reflection = Reflection(
            experiment=experiment,
            author=author,
            answers=[{"prompt": experiment.prompt_list[0], "answer": answer}],
            visibility=Reflection.Visibility.COHORT,
        )
        reflection.submit()
        reflection.save()
        return reflection

    def visit(self, page, path, language, status=200):
        """Open ``path`` in ``language`` and check that it answers."""
        prefix = "" if language == "fi" else f"/{language}"
        response = page.goto(prefix + path)
        self.assertEqual(response.status, status, path)
        expect(page.locator("html")).to_have_attribute("lang", language)

    def check(self, page, name):
        with self.subTest(page=name, url=page.url):
            self.axe_check(page)

    def check_every_page(self, language):
        page = self.new_page(language)
        user = self.anna.user

        self.visit(page, reverse("login"), language)
        self.check(page, "sign-in")
        page.get_by_label(text("Email address", language)).fill("anna@")
        page.get_by_role(
            "button", name=text("Send me a sign-in link", language)
        ).click()
        expect(page.get_by_role("alert")).to_be_visible()
        self.check(page, "sign-in with an error")

        __, token = new_link(user)
        self.visit(page, reverse("signin:link", args=[token]), language)
        self.check(page, "sign-in link")
        __, expired = new_link(user, now=timezone.now() - timedelta(days=60))
        self.visit(page, reverse("signin:link", args=[expired]), language, 410)
        self.check(page, "expired sign-in link")

        self.log_in(page, user)
        self.visit(page, reverse("participant:my_training"), language)
        self.check(page, "my training")
        form = reverse("participant:reflection", args=[self.first_experiment.pk])
        self.visit(page, form, language)
        self.check(page, "reflection form")
        answer = page.get_by_label(self.first_experiment.prompt_list[0])
        answer.fill("x" * (MAX_ANSWER_LENGTH + 1))
        page.get_by_role("button", name=text("Submit", language), exact=True).click()
        expect(answer).to_have_attribute("aria-invalid", "true")
        self.check(page, "reflection form with an error")
        self.visit(
            page,
            reverse("participant:reflection", args=[self.own.experiment_id]),
            language,
        )
        self.check(page, "submitted reflection with feedback")
        self.visit(page, reverse("participant:cohort", args=[self.cohort.pk]), language)
        self.check(page, "cohort space")
        self.visit(
            page,
            reverse("participant:shared_reflection", args=[self.shared.pk]),
            language,
        )
        expect(page.locator("#comments")).to_contain_text("Nice one.")
        self.check(page, "a peer's reflection with comments")
        page.get_by_role("button", name=text("Post comment", language)).click()
        expect(page.get_by_label(text("Your comment", language))).to_have_attribute(
            "aria-invalid", "true"
        )
        self.check(page, "comment form with an error")

    def test_participant_pages_in_finnish_meet_wcag_2_1_aa(self):
        self.check_every_page("fi")

    def test_participant_pages_in_english_meet_wcag_2_1_aa(self):
        self.check_every_page("en")

    def test_the_check_names_the_rule_and_the_element_that_break_it(self):
        page = self.new_page("en")
        page.set_content(
            '<html lang="en"><title>Form</title><main><h1>Form</h1>'
            '<input id="nameless"></main></html>'
        )

        with self.assertRaises(AssertionError) as failure:
            self.axe_check(page)

        self.assertIn(
            "- label (critical): Form elements must have labels", str(failure.exception)
        )
        self.assertIn("#nameless", str(failure.exception))
