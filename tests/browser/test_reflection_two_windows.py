"""The reflection form open in two windows at once: what one saves, the
other's autosave never wipes, and the other keeps its own text and says why
it could not save it. One window is never taken for two: not when it is sent
while its own autosave is on its way, nor when Back shows it again after it
was sent. Signing in again in another window does not stop the form from
saving."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from assignments.models import Reflection
from cohorts.enrolment import enrol
from signin.links import new_link
from tests.factories import PROMPTS, make_course

from .base import BrowserTestCase, running_cohort, text

PROMPT = PROMPTS.splitlines()
CHANGED = (
    "This reflection was changed in another window or on another device. "
    "Your text here is kept on this device: reload the page to see the newer "
    "version, then copy in what you need."
)
SENT = "Your reflection was sent to the trainers."


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
        # Its autosave fails offline: kept on this device only, and the next
        # try is 15 s away, so no save is on its way when the page reloads
        # (one cut off by the reload made this test fail now and then).
        expect(page.locator("#autosave-status")).to_have_text(
            text("Not saved — your text is kept on this device.", "fi")
        )
        page.context.set_offline(False)

        page.reload()

        expect(page.get_by_label(PROMPT[3])).to_have_value(
            "Try it with the whole team."
        )
        expect(page.locator(".kept-copy")).to_have_count(0)

    def reload_as_a_save_is_answered(self, made_before_the_save, typed_meanwhile=""):
        """Back online, the page's retry of its text for "What next?" is on
        its way when the person reloads, and its answer reaches the page
        being left. The server makes the reloaded page before that save
        (``made_before_the_save``) or after it. ``typed_meanwhile``: typed
        into "How did it go?" during the save, and not saved before the
        reload."""
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
        expect(page.locator("#autosave-status")).to_have_text(
            text("Not saved — your text is kept on this device.", "fi")
        )
        held = []
        answered = []
        reloaded = []
        page.on(
            "requestfinished",
            lambda request: (
                answered.append(request) if request.url.endswith("/autosave/") else None
            ),
        )

        def hold_the_first(route):
            if not held:
                held.append(route)
            elif reloaded:
                route.continue_()
            else:
                # Any later save of the page being left never gets there.
                route.abort()

        def answer_the_save(route):
            if route.request.resource_type != "document" or not held:
                route.continue_()
                return
            page_made = route.fetch() if made_before_the_save else None
            held[0].continue_()
            for _ in range(200):
                if answered:
                    break
                page.wait_for_timeout(25)
            # For the page being left to read the answer.
            page.wait_for_timeout(300)
            route.fulfill(response=page_made or route.fetch())

        page.route("**/autosave/", hold_the_first)
        page.context.set_offline(False)
        for _ in range(200):
            if held:
                break
            page.wait_for_timeout(25)
        self.assertTrue(held, "The page did not save when it was back online.")
        if typed_meanwhile:
            page.get_by_label(PROMPT[1]).fill(typed_meanwhile)
        page.route(url, answer_the_save)

        page.reload()

        reloaded.append(True)
        self.assertTrue(answered, "The save was not answered before the reload.")
        return page

    def assertPutBackAndSaved(self, page, answers):
        for prompt, answer in answers.items():
            expect(page.get_by_label(prompt)).to_have_value(answer)
        expect(page.locator(".kept-copy")).to_have_count(0)
        # Saved from the reloaded page: where the server has the same text,
        # it says so, not that it was changed elsewhere.
        expect(page.locator("#autosave-status")).to_contain_text(
            text("Saved %(time)s", "fi").split("%")[0].strip()
        )
        for prompt, answer in answers.items():
            self.assertEqual(self.saved_answers()[prompt], answer)

    def test_a_save_answered_while_the_page_reloads_does_not_lose_the_text(self):
        # The page made before the save does not have the text, and the
        # answer must not make the page being left forget its copy (it
        # failed CI once this way).
        page = self.reload_as_a_save_is_answered(made_before_the_save=True)
        self.assertPutBackAndSaved(page, {PROMPT[3]: "Try it with the whole team."})

    def test_text_typed_as_a_save_is_answered_on_reload_is_put_back(self):
        # The page made after the save has the saved text, and the copy on
        # this device, written from the version before, also has newer text.
        page = self.reload_as_a_save_is_answered(
            made_before_the_save=False, typed_meanwhile="It went well."
        )
        self.assertPutBackAndSaved(
            page,
            {PROMPT[3]: "Try it with the whole team.", PROMPT[1]: "It went well."},
        )

    def choose_outcome(self, page):
        page.get_by_label(
            text("Adapt: I keep doing it, changed", "fi"), exact=True
        ).check()
        page.get_by_label("4", exact=True).check()

    def test_submit_pressed_while_an_autosave_is_on_its_way_waits_for_it(self):
        # A slow connection: the autosave reaches the server, and its answer
        # is held back until the form has been sent.
        held = []

        def hold(route):
            held.append((route, route.fetch()))

        url = reverse("participant:reflection", args=[self.experiment.pk])
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        page.route("**/autosave/", hold)
        page.goto(url)
        self.choose_outcome(page)
        page.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        # Until the server has saved it (the page waits for its answer).
        for _ in range(100):
            if held:
                break
            page.wait_for_timeout(50)
        self.assertTrue(held, "No autosave was sent.")
        page.get_by_label(PROMPT[3]).fill("Try it with the whole team.")
        page.get_by_role("button", name=text("Submit", "fi"), exact=True).click()
        expect(page.locator("#autosave-status")).to_have_text(
            text("Saving your text…", "fi")
        )

        route, response = held[0]
        route.fulfill(response=response)

        expect(page.locator(".messages")).to_contain_text(text(SENT, "fi"))
        expect(page.locator("#newer-version")).to_have_count(0)
        reflection = Reflection.objects.get(author=self.enrollment)
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(self.saved_answers()[PROMPT[2]], "Shorter meetings.")
        self.assertEqual(self.saved_answers()[PROMPT[3]], "Try it with the whole team.")

    def test_back_after_submitting_shows_the_submitted_reflection(self):
        # Submitted once without an outcome (sent back with an error), then
        # with one. Back went to the page that answered the first, and sent
        # that again as if from an older window.
        url = reverse("participant:reflection", args=[self.experiment.pk])
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        page.goto(url)
        page.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        submit = page.get_by_role("button", name=text("Submit", "fi"), exact=True)
        submit.click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        self.choose_outcome(page)
        submit.click()
        expect(page.locator(".messages")).to_contain_text(text(SENT, "fi"))

        page.go_back()

        expect(page.locator("#newer-version")).to_have_count(0)
        expect(page.locator("[data-error-summary]")).to_have_count(0)
        # The submitted reflection, to change until the next session.
        answer = page.get_by_label(PROMPT[2])
        expect(answer).to_have_value("Shorter meetings.")
        answer.fill("Shorter meetings, and fewer.")
        page.get_by_role("button", name=text("Save changes", "fi")).click()
        expect(page.locator(".messages")).to_contain_text(
            text("Your changes were saved.", "fi")
        )
        self.assertEqual(
            self.saved_answers()[PROMPT[2]], "Shorter meetings, and fewer."
        )

    def sign_in_again_in_another_tab(self, page):
        """Signing in gives the browser a new CSRF token, which ``page``,
        opened before, does not have."""
        other_tab = page.context.new_page()
        __, token = new_link(self.enrollment.user)
        other_tab.goto(reverse("signin:link", args=[token]))
        other_tab.get_by_role("button", name=text("Sign in", "fi"), exact=True).click()
        expect(other_tab).not_to_have_url(re.compile("/accounts/link/"))
        other_tab.close()

    def test_signing_in_again_in_another_tab_leaves_the_form_saving(self):
        url = reverse("participant:reflection", args=[self.experiment.pk])
        page = self.new_page()
        self.log_in(page, self.enrollment.user)
        page.goto(url)
        saved = text("Saved %(time)s", "fi").split("%")[0].strip()

        self.sign_in_again_in_another_tab(page)
        page.get_by_label(PROMPT[2]).fill("Shorter meetings.")
        expect(page.locator("#autosave-status")).to_contain_text(saved)
        self.assertEqual(self.saved_answers()[PROMPT[2]], "Shorter meetings.")

        # The form's own button, pressed before the autosave asks.
        self.sign_in_again_in_another_tab(page)
        page.get_by_label(PROMPT[3]).fill("Try it with the whole team.")
        page.get_by_role("button", name=text("Save draft", "fi")).click()
        expect(page.locator(".message-success")).to_contain_text(saved)
        self.assertEqual(self.saved_answers()[PROMPT[3]], "Try it with the whole team.")
