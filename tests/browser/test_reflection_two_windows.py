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

    def open_two_windows_and_save_in_one(self):
        """The form open in two tabs; the first saves new text, and the
        second, opened before it, is then written in."""
        url = reverse("participant:reflection", args=[self.experiment.pk])
        laptop = self.new_page()
        self.log_in(laptop, self.enrollment.user)
        laptop.goto(url)
        other_tab = laptop.context.new_page()
        other_tab.goto(url)
        laptop.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        expect(laptop.locator("#autosave-status")).to_contain_text(
            text("Saved %(time)s", "fi").split("%")[0].strip()
        )
        laptop.close()
        return url, other_tab

    def leave_and_come_back(self, page, url):
        page.goto(reverse("participant:my_training"))
        page.goto(url)

    def test_text_refused_by_save_draft_is_still_kept_after_leaving_the_page(self):
        url, other_tab = self.open_two_windows_and_save_in_one()
        other_tab.get_by_label(PROMPT[3]).fill("Try it with the whole team.")
        expect(other_tab.locator("#autosave-status")).to_have_text(text(CHANGED, "fi"))
        # Told to reload, the person presses the button they know instead.
        other_tab.get_by_role("button", name=text("Save draft", "fi")).click()
        expect(other_tab.locator("#newer-version")).to_contain_text("Shorter meetings.")

        self.leave_and_come_back(other_tab, url)
        expect(other_tab.get_by_label(PROMPT[2])).to_have_value("Shorter meetings.")
        expect(other_tab.locator(".kept-copy textarea").last).to_have_value(
            "Try it with the whole team."
        )

    def test_a_save_refused_before_any_autosave_never_overwrites_the_newer_text(self):
        url, other_tab = self.open_two_windows_and_save_in_one()
        # Typed and sent at once, before this tab's autosave asked.
        other_tab.get_by_label(PROMPT[3]).fill("Try it with the whole team.")
        other_tab.get_by_role("button", name=text("Save draft", "fi")).click()
        expect(other_tab.locator("#newer-version")).to_contain_text("Shorter meetings.")

        self.leave_and_come_back(other_tab, url)
        expect(other_tab.locator(".kept-copy textarea").last).to_have_value(
            "Try it with the whole team."
        )
        expect(other_tab.get_by_label(PROMPT[2])).to_have_value("Shorter meetings.")
        other_tab.wait_for_timeout(1500)
        self.assertEqual(self.saved_answers()[PROMPT[2]], "Shorter meetings.")

    def phone_offline_while_the_laptop_saves(self, typed_after=False):
        """The phone's text is written from the version before the laptop's
        save (offline meanwhile); the phone closes the tab and opens the
        page again once online. ``typed_after``: also typed on the phone
        after the laptop saved, by the clocks."""
        url = reverse("participant:reflection", args=[self.experiment.pk])
        phone = self.new_page()
        self.log_in(phone, self.enrollment.user)
        phone.goto(url)
        phone.context.set_offline(True)
        phone.get_by_label(PROMPT[3]).fill("Try it with the whole team.")
        phone.wait_for_timeout(300)
        laptop = self.new_page()
        self.log_in(laptop, self.enrollment.user)
        laptop.goto(url)
        laptop.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        expect(laptop.locator("#autosave-status")).to_contain_text(
            text("Saved %(time)s", "fi").split("%")[0].strip()
        )
        if typed_after:
            phone.get_by_label(PROMPT[1]).fill("It went well.")
            phone.wait_for_timeout(300)
        context = phone.context
        phone.close()
        context.set_offline(False)
        phone = context.new_page()
        phone.goto(url)
        return phone

    def assertKeptBesideTheLaptopsText(self, phone):
        expect(phone.get_by_label(PROMPT[2])).to_have_value("Shorter meetings.")
        kept = phone.locator(".kept-copy textarea")
        expect(kept.last).to_have_value("Try it with the whole team.")
        phone.wait_for_timeout(2500)
        self.assertEqual(self.saved_answers()[PROMPT[2]], "Shorter meetings.")
        self.assertEqual(self.saved_answers()[PROMPT[3]], "")

    def test_a_phone_offline_meanwhile_keeps_its_older_text(self):
        # Not forgotten because the laptop saved later.
        self.assertKeptBesideTheLaptopsText(self.phone_offline_while_the_laptop_saves())

    def test_a_phone_offline_meanwhile_never_saves_over_the_laptops_text(self):
        # Not put back and saved over the laptop's because its clock is later.
        phone = self.phone_offline_while_the_laptop_saves(typed_after=True)
        self.assertKeptBesideTheLaptopsText(phone)

    def test_text_typed_during_a_save_is_put_back_in_the_same_window(self):
        # Not a conflict: this window's own save is the newer version.
        url = reverse("participant:reflection", args=[self.experiment.pk])
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        page.goto(url)
        page.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        expect(page.locator("#autosave-status")).to_contain_text(
            text("Saved %(time)s", "fi").split("%")[0].strip()
        )
        page.context.set_offline(True)
        page.get_by_label(PROMPT[3]).fill("Try it with the whole team.")
        page.wait_for_timeout(300)
        page.context.set_offline(False)

        page.reload()

        expect(page.get_by_label(PROMPT[3])).to_have_value(
            "Try it with the whole team."
        )
        expect(page.locator(".kept-copy")).to_have_count(0)
