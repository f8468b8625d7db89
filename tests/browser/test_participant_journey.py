"""A participant's way through the site in chromium, from the welcome email to
a comment from a peer; and a draft that survives a lost connection."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from playwright.sync_api import expect

from assignments.models import MAX_ANSWER_LENGTH, MAX_COMMENT_LENGTH, Reflection
from cohorts.enrolment import enrol
from tests.factories import make_course

from .base import BrowserTestCase, running_cohort, text

ANNA, BERTIL, CECILIA = "anna@example.fi", "bertil@example.fi", "cecilia@example.fi"
FIRST_PROMPT = "What did you try?"
NOT_SAVED = "Not saved — your text is kept on this device."
RESTORED = (
    "Text you wrote on this device was not saved yet, so it was put back. "
    "Check it and save."
)


def saved(language):
    """The autosave status after a save: "Saved 10.42"."""
    message = re.escape(text("Saved %(time)s", language))
    return re.compile("^" + message.replace(re.escape("%(time)s"), ".+") + "$")


class ParticipantJourneyTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        course = make_course()
        self.cohort = running_cohort(course)
        self.other_cohort = running_cohort(course, title="Cohort B")
        self.experiment = self.cohort.experiments.get(after_session=1)
        self.next_session = self.cohort.sessions.all()[1]

    def shared_by_anna(self):
        """Anna's reflection, submitted and shared with the cohort."""
        anna = enrol(self.cohort, ANNA, "Anna", "Aalto")
        reflection = Reflection(
            experiment=self.experiment,
            author=anna,
            answers=[{"prompt": FIRST_PROMPT, "answer": "A walking meeting."}],
            visibility=Reflection.Visibility.COHORT,
        )
        reflection.submit()
        reflection.save()
        return reflection

    def test_a_comment_written_while_signed_out_elsewhere_is_not_lost(self):
        """Bertil is signed out (in another tab, or the session ended) while
        writing a comment: posting leads to the sign-in page, and once he is
        back through a new link the comment is in its box, with a note."""
        reflection = self.shared_by_anna()
        enrol(self.cohort, BERTIL, "Bertil", "Berg")
        page = self.new_page()
        language = self.sign_in_by_link(page, BERTIL)
        address = reverse("participant:shared_reflection", args=[reflection.pk])
        page.goto(address)
        comment = page.get_by_label(text("Your comment", language))
        comment.fill("I will try it on Friday.")
        status = page.locator("#autosave-status")
        expect(status).to_contain_text(
            text(
                "Your comment is kept on this device until you press “Post comment”.",
                language,
            )
        )

        # Signed out meanwhile: the session ends, the CSRF cookie stays.
        page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        page.get_by_role("button", name=text("Post comment", language)).click()
        page.get_by_label(text("Email address", language)).fill(BERTIL)
        page.get_by_role(
            "button", name=text("Send me a sign-in link", language), exact=True
        ).click()
        self.sign_in_by_link(page, BERTIL)

        expect(page).to_have_url(self.live_server_url + address)
        expect(comment).to_have_value("I will try it on Friday.")
        expect(status).to_contain_text(
            text(
                "A comment you wrote on this device was not posted, so it was "
                "put back. Check it and post it.",
                language,
            )
        )
        page.get_by_role("button", name=text("Post comment", language)).click()
        expect(page.locator("#comments")).to_contain_text("I will try it on Friday.")
        # Posted: nothing comes back, on this visit or the next.
        expect(comment).to_have_value("")
        page.reload()
        expect(comment).to_have_value("")
        expect(status).to_have_text("")

    def test_the_same_comment_posted_twice_is_said_to_be_posted_already(self):
        """Bertil posts "Thanks!" and, within a minute, "Thanks!" again: it
        is shown once, the page says he had posted it already, and it is not
        put back in the box as "not posted", on this visit or the next."""
        reflection = self.shared_by_anna()
        bertil = enrol(self.cohort, BERTIL, "Bertil", "Berg")
        page = self.new_page()
        self.log_in(page, bertil.user)
        page.goto(reverse("participant:shared_reflection", args=[reflection.pk]))
        comment = page.get_by_label(text("Your comment", "fi"))
        post = page.get_by_role("button", name=text("Post comment", "fi"))
        status = page.locator("#autosave-status")
        comment.fill("Kiitos!")
        post.click()
        expect(page.locator("#comments li")).to_have_count(1)

        comment.fill("Kiitos!")
        post.click()

        expect(page.locator(".messages")).to_have_text(
            text("You had already posted this comment; it is shown once.", "fi")
        )
        expect(page.locator("#comments li")).to_have_count(1)
        expect(comment).to_have_value("")
        expect(status).to_have_text("")
        page.reload()
        expect(comment).to_have_value("")
        expect(status).to_have_text("")
        self.axe_check(page)

    def test_a_comment_posted_offline_stays_on_the_page_and_says_so(self):
        """On a phone that lost its connection, "Post comment" does not lead
        to the browser's own "no internet" page: the comment stays in its box
        with a note, and is posted once the connection is back."""
        reflection = self.shared_by_anna()
        bertil = enrol(self.cohort, BERTIL, "Bertil", "Berg")
        page = self.new_page()
        page.set_viewport_size({"width": 320, "height": 700})
        self.log_in(page, bertil.user)
        address = reverse("participant:shared_reflection", args=[reflection.pk])
        page.goto(address)
        comment = page.get_by_label(text("Your comment", "fi"))
        post = page.get_by_role("button", name=text("Post comment", "fi"))
        comment.fill("Kokeilen tätä perjantaina.")
        page.context.set_offline(True)

        post.click()

        expect(page.locator("#autosave-status")).to_have_text(
            text(
                "You are offline, so nothing was sent. Your text is kept on "
                "this device: send it again when you are back online.",
                "fi",
            )
        )
        expect(page).to_have_url(self.live_server_url + address)
        expect(comment).to_have_value("Kokeilen tätä perjantaina.")
        self.axe_check(page)
        page.context.set_offline(False)
        post.click()
        expect(page.locator("#comments li")).to_contain_text(
            "Kokeilen tätä perjantaina."
        )
        expect(comment).to_have_value("")

    def test_each_box_counts_the_characters_left_near_its_limit(self):
        """The limit is said under the box from the start; near it, a polite
        live region says how many characters are left, or are too many: the
        comment box and a reflection's answer boxes alike, and the draft is
        saved as it is typed all the same."""
        reflection = self.shared_by_anna()
        bertil = enrol(self.cohort, BERTIL, "Bertil", "Berg")
        page = self.new_page()
        self.log_in(page, bertil.user)
        page.goto(reverse("participant:shared_reflection", args=[reflection.pk]))
        comment = page.get_by_label(text("Your comment", "fi"))
        expect(comment).to_have_accessible_description(
            re.compile(re.escape("Enintään 5\u00a0000 merkkiä."))
        )
        count = page.locator("#id_text-count")
        expect(count).to_have_attribute("aria-live", "polite")
        comment.fill("Hyvä idea.")
        page.wait_for_timeout(1500)
        expect(count).to_have_text("")
        comment.fill("x" * (MAX_COMMENT_LENGTH - 20))
        left = text("Characters left: %(count)s", "fi")
        expect(count).to_have_text(left % {"count": 20})
        comment.fill("x" * (MAX_COMMENT_LENGTH + 3))
        over = text("Characters over the limit: %(count)s", "fi")
        expect(count).to_have_text(over % {"count": 3})
        self.axe_check(page)

        page.goto(reverse("participant:reflection", args=[self.experiment.pk]))
        answer = page.get_by_label(FIRST_PROMPT)
        expect(answer).to_have_accessible_description(
            re.compile(re.escape("Enintään 20\u00a0000 merkkiä."))
        )
        count = page.locator("#id_answer_0-count")
        expect(count).to_have_attribute("aria-live", "polite")
        answer.fill("x" * (MAX_ANSWER_LENGTH - 20))
        expect(count).to_have_text(left % {"count": 20})
        expect(page.locator("#autosave-status")).to_have_text(saved("fi"))
        self.assertEqual(
            len(Reflection.objects.get(author__user=bertil.user).answers[0]["answer"]),
            MAX_ANSWER_LENGTH - 20,
        )
        answer.fill("x" * (MAX_ANSWER_LENGTH + 3))
        expect(count).to_have_text(over % {"count": 3})
        self.axe_check(page)

    def test_a_comment_refused_as_too_long_is_kept_until_it_is_posted(self):
        """The comment comes back with the error, the same as it was sent:
        Bertil closes the tab without shortening it, and it is not lost."""
        reflection = self.shared_by_anna()
        bertil = enrol(self.cohort, BERTIL, "Bertil", "Berg")
        page = self.new_page()
        self.log_in(page, bertil.user)
        address = reverse("participant:shared_reflection", args=[reflection.pk])
        page.goto(address)
        too_long = ("I will try it. " * (MAX_COMMENT_LENGTH // 15 + 1)).strip()
        page.get_by_label(text("Your comment", "fi")).fill(too_long)
        page.get_by_role("button", name=text("Post comment", "fi")).click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        page.close()

        again = page.context.new_page()
        again.goto(address)

        comment = again.get_by_label(text("Your comment", "fi"))
        status = again.locator("#autosave-status")
        expect(status).to_have_text(
            text(
                "A comment you wrote on this device was not posted, so it was "
                "put back. Check it and post it.",
                "fi",
            )
        )
        # The note first: a failure on the value prints all of it.
        expect(comment).to_have_value(too_long)
        comment.fill("I will try it on Friday.")
        again.get_by_role("button", name=text("Post comment", "fi")).click()
        expect(again.locator("#comments")).to_contain_text("I will try it on Friday.")
        # Posted: the copy on the device is gone, so nothing comes back.
        again.reload()
        expect(comment).to_have_value("")
        expect(status).to_have_text("")

    def test_a_participant_writes_shares_and_gets_a_comment_from_a_peer(self):
        # A coordinator enrols Anna: her welcome email brings her link.
        enrol(self.cohort, ANNA, "Anna", "Aalto")
        anna = self.new_page()
        language = self.sign_in_by_link(anna, ANNA)

        expect(anna).to_have_url(
            self.live_server_url + reverse("participant:my_training")
        )
        expect(anna.get_by_role("heading", level=1)).to_have_text(
            text("My training", language)
        )
        with translation.override(language):
            start = date_format(
                timezone.localtime(self.next_session.start, self.cohort.zone),
                "DATETIME_FORMAT",
            )
        self.assertIn("9.00", start)  # planned at 9:00 in Helsinki
        cohort_section = anna.get_by_role("region", name=self.cohort.title)
        expect(cohort_section).to_contain_text(self.next_session.title)
        expect(cohort_section).to_contain_text(start)

        # She writes; the draft is saved as she types, and is there again
        # when she comes back.
        cohort_section.get_by_role(
            "link", name=re.compile(re.escape(text("Write your reflection", language)))
        ).click()
        expect(anna.get_by_role("heading", level=1)).to_have_text(self.experiment.title)
        answer = anna.get_by_label(FIRST_PROMPT)
        answer.fill("I ran our weekly meeting remotely.")
        expect(anna.locator("#autosave-status")).to_have_text(saved(language))
        anna.reload()
        expect(answer).to_have_value("I ran our weekly meeting remotely.")

        # She says what she makes of it and submits it, shared with her
        # cohort.
        anna.get_by_label(
            text("Adapt: I keep doing it, changed", language), exact=True
        ).check()
        anna.get_by_label("4", exact=True).check()
        anna.get_by_label(text("Shared with my cohort", language)).check()
        anna.get_by_role("button", name=text("Submit", language), exact=True).click()
        expect(anna.locator(".messages")).to_contain_text(
            text(
                "Your reflection was sent to the trainers and shared with your cohort.",
                language,
            )
        )
        reflection = Reflection.objects.get()
        self.assertEqual(
            (reflection.status, reflection.visibility),
            (Reflection.Status.SUBMITTED, Reflection.Visibility.COHORT),
        )
        self.assertEqual(
            reflection.answers[0]["answer"], "I ran our weekly meeting remotely."
        )

        # Bertil, in the same cohort, reads it in the cohort space and
        # comments on it.
        enrol(self.cohort, BERTIL, "Bertil", "Berg")
        bertil = self.new_page()
        self.sign_in_by_link(bertil, BERTIL)
        bertil.get_by_role(
            "link", name=re.compile(re.escape(text("Open the cohort space", language)))
        ).click()
        shared = bertil.get_by_role(
            "article", name=f"Anna Aalto: {self.experiment.title}"
        )
        expect(shared).to_contain_text("I ran our weekly meeting remotely.")
        shared.get_by_role("link").click()
        bertil.get_by_label(text("Your comment", language)).fill(
            "Good idea <b>— I will try it too.</b>"
        )
        bertil.get_by_role("button", name=text("Post comment", language)).click()
        comments = bertil.locator("#comments")
        expect(comments).to_contain_text("Good idea <b>— I will try it too.</b>")
        expect(comments).to_contain_text("Bertil Berg")

        # Anna hears of it by email, and sees it from her reflection's page.
        comment_email = self.last_email_to(ANNA)
        self.assertIn("Bertil Berg", comment_email.get_body(("plain",)).get_content())
        self.assertEqual(
            self.link_to(ANNA, "/my/reflections/"),
            reverse("participant:shared_reflection", args=[reflection.pk]),
        )
        anna.get_by_role(
            "link", name=text("See comments on your reflection", language)
        ).click()
        expect(anna.locator("#comments")).to_contain_text(
            "Good idea <b>— I will try it too.</b>"
        )

        # Cecilia, of another cohort, finds neither the reflection nor the
        # cohort space.
        enrol(self.other_cohort, CECILIA, "Cecilia", "Cederberg")
        cecilia = self.new_page()
        self.sign_in_by_link(cecilia, CECILIA)
        for url in [
            reverse("participant:shared_reflection", args=[reflection.pk]),
            reverse("participant:cohort", args=[self.cohort.pk]),
        ]:
            with self.subTest(url=url):
                self.assertEqual(cecilia.goto(url).status, 404)
                expect(cecilia.locator("body")).not_to_contain_text(
                    "I ran our weekly meeting remotely."
                )

    def test_a_draft_written_offline_is_saved_when_the_connection_is_back(self):
        enrollment = enrol(self.cohort, ANNA, "Anna", "Aalto")
        page = self.new_page()
        self.log_in(page, enrollment.user)
        page.goto(reverse("participant:reflection", args=[self.experiment.pk]))
        answer = page.get_by_label(FIRST_PROMPT)
        status = page.locator("#autosave-status")

        page.context.set_offline(True)
        answer.fill("Written on the train.")
        expect(status).to_have_text(text(NOT_SAVED, "fi"))
        self.assertFalse(Reflection.objects.exists())
        page.context.set_offline(False)

        expect(status).to_have_text(saved("fi"))
        self.assertEqual(
            Reflection.objects.get().answers[0]["answer"], "Written on the train."
        )

    def test_text_not_yet_saved_is_put_back_after_the_tab_was_closed(self):
        enrollment = enrol(self.cohort, ANNA, "Anna", "Aalto")
        page = self.new_page()
        self.log_in(page, enrollment.user)
        url = reverse("participant:reflection", args=[self.experiment.pk])
        page.goto(url)
        page.get_by_label(FIRST_PROMPT).fill("First thoughts.")
        expect(page.locator("#autosave-status")).to_have_text(saved("fi"))

        # The connection drops; she adds a line and closes the tab before
        # anything reaches the server.
        page.context.set_offline(True)
        page.get_by_label(FIRST_PROMPT).fill("First thoughts.\nAnd more.")
        page.close()
        page.context.set_offline(False)
        self.assertEqual(
            Reflection.objects.get().answers[0]["answer"], "First thoughts."
        )

        again = page.context.new_page()
        again.goto(url)

        expect(again.get_by_label(FIRST_PROMPT)).to_have_value(
            "First thoughts.\nAnd more."
        )
        status = again.locator("#autosave-status")
        expect(status).to_have_text(text(RESTORED, "fi"))
        expect(status).to_have_text(saved("fi"))
        # Browsers send a textarea's line breaks as CRLF.
        self.assertEqual(
            Reflection.objects.get().answers[0]["answer"].splitlines(),
            ["First thoughts.", "And more."],
        )
