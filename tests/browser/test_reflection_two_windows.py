"""The reflection form open in two windows at once: what one saves, the
other's autosave never wipes, and the other keeps its own text and says why
it could not save it."""

from django.urls import reverse
from playwright.sync_api import expect

from assignments.models import Reflection
from cohorts.enrolment import enrol
from tests.factories import PROMPTS, make_course

from .base import BrowserTestCase, running_cohort, text

PROMPT = PROMPTS.splitlines()
CHANGED = (
    "This reflection was changed in another window or on another device. "
    "Your text here is kept on this device: reload the page to see the newer "
    "version, then copy in what you need."
)


class TwoWindowsTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.cohort = running_cohort(make_course())
        self.experiment = self.cohort.experiments.get(after_session=1)
        self.enrollment = enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")
        Reflection.objects.create(
            experiment=self.experiment,
            author=self.enrollment,
            answers=[{"prompt": PROMPT[0], "answer": "A walking meeting."}],
        )

    def saved_answers(self):
        reflection = Reflection.objects.get(author=self.enrollment)
        return {item["prompt"]: item["answer"] for item in reflection.answers}

    def test_an_older_window_keeps_its_text_and_the_newer_text_is_not_wiped(self):
        url = reverse("participant:reflection", args=[self.experiment.pk])
        laptop = self.new_page()
        self.log_in(laptop, self.enrollment.user)
        laptop.goto(url)
        # A second tab of the same browser, opened before the first saves.
        other_tab = laptop.context.new_page()
        other_tab.goto(url)

        laptop.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        expect(laptop.locator("#autosave-status")).to_contain_text(
            text("Saved %(time)s", "fi").split("%")[0].strip()
        )
        other_tab.get_by_label(PROMPT[3]).fill("Try it with the whole team.")

        status = other_tab.locator("#autosave-status")
        expect(status).to_have_text(text(CHANGED, "fi"))
        expect(other_tab.get_by_label(PROMPT[3])).to_have_value(
            "Try it with the whole team."
        )
        self.assertEqual(self.saved_answers()[PROMPT[2]], "Shorter meetings.")
        self.assertEqual(self.saved_answers()[PROMPT[3]], "")

        # It saves no more, however long it waits or is typed in.
        other_tab.get_by_label(PROMPT[1]).fill("It went well.")
        other_tab.wait_for_timeout(1500)
        self.assertEqual(self.saved_answers()[PROMPT[1]], "")

        # Reloaded, it shows the newer text, and its own beside it to copy.
        other_tab.reload()
        expect(other_tab.get_by_label(PROMPT[2])).to_have_value("Shorter meetings.")
        kept = other_tab.locator(".kept-copy")
        expect(kept).to_contain_text(text("Text kept on this device", "fi"))
        expect(kept.locator("textarea").last).to_have_value(
            "Try it with the whole team."
        )
        self.axe_check(other_tab)
        # Nothing in it is saved over the newer text meanwhile.
        other_tab.wait_for_timeout(1500)
        self.assertEqual(self.saved_answers()[PROMPT[2]], "Shorter meetings.")
        kept.get_by_role("button", name=text("Forget this kept text", "fi")).click()
        expect(kept).to_have_count(0)
        other_tab.reload()
        expect(other_tab.locator(".kept-copy")).to_have_count(0)
