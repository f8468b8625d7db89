"""A trainer's round in the Wagtail admin, in chromium: feedback on a
reflection, which emails the participant, and a session's attendance; axe
checks each of the pages on the way."""

from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from assignments.models import MAX_ANSWER_LENGTH, Reflection
from cohorts.enrolment import enrol
from cohorts.models import Attendance, Enrollment
from tests.factories import make_coordinator, make_course, make_user

from .base import BrowserTestCase, running_cohort, text, watch_unsaved_changes

ANNA = "anna@example.fi"


class TrainerTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.cohort = running_cohort(make_course())
        self.experiment = self.cohort.experiments.get(after_session=1)
        self.session = self.cohort.sessions.first()
        # A trainer who signs in to the admin with a password.
        self.trainer = make_user(
            "tero@example.fi", first_name="Tero", last_name="Trainer"
        )
        enrol(self.cohort, "tero@example.fi", role=Enrollment.Role.TRAINER)
        self.anna = enrol(self.cohort, ANNA, "Anna", "Aalto")
        self.bertil = enrol(self.cohort, "bertil@example.fi", "Bertil", "Berg")
        reflection = Reflection(
            experiment=self.experiment,
            author=self.anna,
            answers=[{"prompt": "What did you try?", "answer": "A remote meeting."}],
        )
        reflection.submit()
        reflection.save()
        self.reflection = reflection
        self.mailbox.messages.clear()

    def sign_in_with_password(self, page):
        """Tero on the admin's sign-in page that is open."""
        page.locator("input[name=username]").fill("tero@example.fi")
        page.locator("input[name=password]").fill("correct horse battery")
        page.locator("form button[type=submit]").click()

    def test_a_trainer_gives_feedback_and_marks_attendance(self):
        page = self.new_page("en")
        page.goto(reverse("wagtailadmin_login"))
        self.sign_in_with_password(page)

        # From the dashboard to the reflection awaiting feedback.
        panel = page.get_by_role(
            "region", name=text("Reflections awaiting feedback", "en")
        )
        expect(panel).to_contain_text("1 reflection is awaiting feedback.")
        self.axe_check(page)
        panel.get_by_role("link", name=f"Anna Aalto: {self.experiment.title}").click()
        expect(page.locator("main")).to_contain_text("A remote meeting.")
        self.axe_check(page)
        page.get_by_label(text("Feedback", "en"), exact=True).fill(
            "Good start: try it with the whole team next."
        )
        page.get_by_role("button", name=text("Save feedback", "en"), exact=True).click()
        expect(page.locator(".messages")).to_contain_text(
            text("Feedback saved. %(name)s gets an email about it.", "en")
            % {"name": "Anna Aalto"}
        )

        # Anna's email arrived, in her language, with the way to her page.
        message = self.last_email_to(ANNA)
        self.assertEqual(
            message["Subject"],
            text("Feedback on your reflection: %(title)s", "fi")
            % {"title": self.experiment.title},
        )
        self.assertIn(
            "Good start: try it with the whole team next.",
            message.get_body(("plain",)).get_content(),
        )
        self.assertEqual(
            self.link_to(ANNA, "/my/"),
            reverse("participant:reflection", args=[self.experiment.pk]),
        )
        self.reflection.refresh_from_db()
        self.assertEqual(self.reflection.progress, Reflection.Progress.FEEDBACK)

        # The cohort's progress grid, and the first session's attendance.
        page.get_by_role(
            "link", name=text("Back to the cohort's progress", "en")
        ).click()
        self.axe_check(page)
        page.get_by_role(
            "link",
            name=f"{text('Mark attendance', 'en')}: {self.session.title}",
        ).click()
        self.axe_check(page)
        page.get_by_role("group", name="Anna Aalto").get_by_label(
            text("Present", "en")
        ).check()
        page.get_by_role("group", name="Bertil Berg").get_by_label(
            text("Excused", "en")
        ).check()
        page.get_by_role("button", name=text("Save attendance", "en")).click()

        expect(page.locator(".messages")).to_contain_text(
            text("Attendance saved for %(session)s: %(count)s changes.", "en")
            % {"session": self.session.title, "count": 2}
        )
        expect(
            page.get_by_role("group", name="Anna Aalto").get_by_label(
                text("Present", "en")
            )
        ).to_be_checked()
        self.assertEqual(
            dict(Attendance.objects.values_list("enrollment__user__email", "status")),
            {ANNA: "present", "bertil@example.fi": "excused"},
        )
        page.get_by_role(
            "link", name=text("Back to the cohort's progress", "en")
        ).click()
        anna_row = page.get_by_role("row").filter(has_text="Anna Aalto")
        expect(anna_row).to_contain_text(text("Present", "en"))
        expect(anna_row).to_contain_text(text("Feedback given", "en"))
        expect(page.get_by_role("row").filter(has_text="Bertil Berg")).to_contain_text(
            text("Excused", "en")
        )

    def test_feedback_written_while_signed_out_elsewhere_is_not_lost(self):
        """The trainer is signed out in another tab (or the session ends)
        while writing: saving leads to the sign-in page, and after signing
        in the feedback is back in its box, with a note, not gone."""
        page = self.new_page("en")
        page.goto(reverse("wagtailadmin_login"))
        self.sign_in_with_password(page)
        review = reverse("reflections:review", args=[self.reflection.pk])
        page.goto(review)
        feedback = page.get_by_label(text("Feedback", "en"), exact=True)
        feedback.fill("Well tried: next, ask the team first.")
        status = page.locator("#autosave-status")
        expect(status).to_contain_text(
            text(
                "Your feedback is kept on this device until you press “Save feedback”.",
                "en",
            )
        )

        # Signed out meanwhile: the session ends, the CSRF cookie stays.
        page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        page.get_by_role("button", name=text("Save feedback", "en"), exact=True).click()
        self.sign_in_with_password(page)

        expect(page).to_have_url(f"{self.live_server_url}{review}")
        expect(feedback).to_have_value("Well tried: next, ask the team first.")
        expect(status).to_contain_text(
            text(
                "Feedback you wrote on this device was not saved, so it was put "
                "back. Check it and save.",
                "en",
            )
        )
        page.get_by_role("button", name=text("Save feedback", "en"), exact=True).click()
        expect(page.locator(".messages")).to_contain_text(
            text("Feedback saved. %(name)s gets an email about it.", "en")
            % {"name": "Anna Aalto"}
        )
        self.reflection.refresh_from_db()
        self.assertEqual(
            self.reflection.feedback, "Well tried: next, ask the team first."
        )
        # Saved: the copy on the device is gone, so nothing comes back.
        page.reload()
        expect(status).to_have_text("")

    def test_feedback_refused_as_too_long_is_kept_until_it_is_saved(self):
        """The feedback comes back with the error, the same as it was sent:
        the trainer goes on to another page without shortening it, and it is
        not lost."""
        page = self.new_page("en")
        self.log_in(page, self.trainer)
        review = reverse("reflections:review", args=[self.reflection.pk])
        page.goto(review)
        too_long = ("Try it again. " * (MAX_ANSWER_LENGTH // 14 + 1)).strip()
        page.get_by_label(text("Feedback", "en"), exact=True).fill(too_long)
        page.get_by_role("button", name=text("Save feedback", "en"), exact=True).click()
        expect(page.locator(".messages")).to_contain_text(
            text("The feedback could not be saved.", "en")
        )
        page.get_by_role(
            "link", name=text("Back to the cohort's progress", "en")
        ).click()
        page.goto(review)

        feedback = page.get_by_label(text("Feedback", "en"), exact=True)
        status = page.locator("#autosave-status")
        expect(status).to_have_text(
            text(
                "Feedback you wrote on this device was not saved, so it was put "
                "back. Check it and save.",
                "en",
            )
        )
        # The note first: a failure on the value prints all of it.
        expect(feedback).to_have_value(too_long)
        # Counted as it was put back: how many characters are too many.
        expect(page.locator("#id_feedback-count")).to_have_text(
            text("Characters over the limit: %(count)s", "en")
            % {"count": len(too_long) - MAX_ANSWER_LENGTH}
        )
        feedback.fill("Try it again with the whole team.")
        page.get_by_role("button", name=text("Save feedback", "en"), exact=True).click()
        expect(page.locator(".messages")).to_contain_text(
            text("Feedback saved. %(name)s gets an email about it.", "en")
            % {"name": "Anna Aalto"}
        )
        # Saved: the copy on the device is gone, so nothing comes back.
        page.reload()
        expect(feedback).to_have_value("Try it again with the whole team.")
        expect(status).to_have_text("")

    def test_a_comment_written_while_signed_out_elsewhere_is_not_lost(self):
        """As the feedback: the trainer's comment is back in its box after
        signing in again, with a note, and gone from the device once added."""
        page = self.new_page("en")
        self.log_in(page, self.trainer)
        review = reverse("reflections:review", args=[self.reflection.pk])
        page.goto(review)
        comment = page.get_by_label(text("Your comment", "en"))
        comment.fill("Ask Bertil how his went.")
        status = page.locator("#comment-status")
        expect(status).to_have_text(
            text(
                "Your comment is kept on this device until you press “Add comment”.",
                "en",
            )
        )

        # Signed out meanwhile: the session ends, the CSRF cookie stays.
        page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
        page.get_by_role("button", name=text("Add comment", "en")).click()
        self.sign_in_with_password(page)

        expect(page).to_have_url(f"{self.live_server_url}{review}")
        expect(comment).to_have_value("Ask Bertil how his went.")
        expect(status).to_have_text(
            text(
                "A comment you wrote on this device was not posted, so it was "
                "put back. Check it and post it.",
                "en",
            )
        )
        # The feedback box kept nothing, so it says nothing.
        expect(page.locator("#autosave-status")).to_have_text("")
        page.get_by_role("button", name=text("Add comment", "en")).click()
        expect(page.locator("#comments")).to_contain_text("Ask Bertil how his went.")
        # Added: the copy on the device is gone, so nothing comes back.
        page.reload()
        expect(comment).to_have_value("")
        expect(status).to_have_text("")

    def test_signing_out_of_the_admin_forgets_what_was_kept_on_the_device(self):
        """A trainer at a shared computer: feedback and a comment written
        and not saved do not stay for the next person after signing out."""
        page = self.new_page("en")
        self.log_in(page, self.trainer)
        page.goto(reverse("reflections:review", args=[self.reflection.pk]))
        page.get_by_label(text("Feedback", "en"), exact=True).fill("Only for Anna.")
        page.get_by_label(text("Your comment", "en")).fill("Only for the team.")
        kept = "Object.keys(localStorage).filter(k => k.startsWith('virtu'))"
        page.wait_for_function(f"{kept}.length === 2")
        page.evaluate("localStorage.setItem('unrelated', 'kept')")

        page.get_by_role("button", name="Tero", exact=True).click()
        page.get_by_role("button", name=text("Log out", "en")).click()
        expect(page.locator("input[name=username]")).to_be_visible()

        self.assertEqual(page.evaluate(kept), [])
        self.assertEqual(page.evaluate("localStorage.getItem('unrelated')"), "kept")

    def test_leaving_attendance_marked_but_not_saved_asks_first(self):
        """The sessions' buttons and the pages of a large cohort lead away
        from the form: marks not yet saved are not lost without a word."""
        page = self.new_page("en")
        self.log_in(page, self.trainer)
        page.goto(
            reverse(
                "cohorts:session_attendance", args=[self.cohort.pk, self.session.pk]
            )
        )
        # Wagtail's warning, as on its edit forms.
        watch_unsaved_changes(page)
        anna = page.get_by_role("group", name="Anna Aalto")
        anna.get_by_label(text("Present", "en")).check()
        page.wait_for_function("window.edits.includes('add')")
        asked = []
        page.once(
            "dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss())
        )
        second = self.cohort.sessions.all()[1]
        page.get_by_role("link", name=second.title).click()

        expect(anna.get_by_label(text("Present", "en"))).to_be_checked()
        self.assertEqual(asked, ["beforeunload"])
        page.get_by_role("button", name=text("Save attendance", "en")).click()
        expect(page.locator(".messages")).to_contain_text(
            text("Attendance saved for %(session)s: %(count)s change.", "en")
            % {"session": self.session.title, "count": 1}
        )
        page.get_by_role("link", name=second.title).click()
        expect(page.get_by_role("link", name=second.title)).to_have_attribute(
            "aria-current", "page"
        )


class CoordinatorTests(BrowserTestCase):
    def test_the_course_overview_shows_each_cohort_and_meets_wcag(self):
        course = make_course()
        first = running_cohort(course, "Cohort A")
        second = running_cohort(course, "Cohort B")
        enrol(first, ANNA, "Anna", "Aalto")
        page = self.new_page("en")
        self.log_in(page, make_coordinator())

        # The course's cohorts in the page explorer; the overview is one of
        # the course's actions.
        page.goto(reverse("wagtailadmin_explore", args=[course.pk]))
        page.get_by_role("button", name=text("Actions", "en"), exact=True).click()
        page.get_by_role("link", name=text("Course overview", "en")).click()

        expect(page.get_by_role("heading", level=1)).to_contain_text(
            text("Course overview", "en")
        )
        for cohort in (first, second):
            expect(
                page.get_by_role("row").filter(has_text=cohort.title)
            ).to_be_visible()
        self.axe_check(page)
