"""Marking a session's attendance in chromium: the button that marks
everyone not yet marked present on the page, before the trainer saves."""

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from cohorts.enrolment import enrol
from cohorts.models import Attendance
from tests.factories import make_course, make_trainer

from .base import BrowserTestCase, running_cohort, text, watch_unsaved_changes
from .test_layout import MEASURE

MARK_ALL = "Mark everyone not yet marked as present"


def marked_present(count, language):
    with translation.override(language):
        return translation.ngettext(
            "%(count)s participant who was not marked is now marked present. "
            "Nothing is saved until you press “Save attendance”.",
            "%(count)s participants who were not marked are now marked present. "
            "Nothing is saved until you press “Save attendance”.",
            count,
        ) % {"count": count}


class MarkEveryoneTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.cohort = running_cohort(make_course())
        self.session = self.cohort.sessions.first()
        self.trainer = make_trainer(self.cohort)
        self.anna = enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")
        self.bertil = enrol(self.cohort, "bertil@example.fi", "Bertil", "Berg")
        self.cecilia = enrol(self.cohort, "cecilia@example.fi", "Cecilia", "Carlsson")
        self.david = enrol(self.cohort, "david@example.fi", "David", "Dahl")
        Attendance.objects.create(
            session=self.session,
            enrollment=self.anna,
            status=Attendance.Status.ABSENT,
            marked_by=self.trainer,
        )

    def open_attendance(self, language, width):
        profile = UserProfile.get_for_user(self.trainer)
        profile.preferred_language = language
        profile.save()
        page = self.new_page(language)
        page.set_viewport_size({"width": width, "height": 900})
        self.log_in(page, self.trainer)
        page.goto(
            reverse(
                "cohorts:session_attendance", args=[self.cohort.pk, self.session.pk]
            )
        )
        watch_unsaved_changes(page)
        return page

    def mark_everyone_not_yet_marked(self, language, width, key):
        page = self.open_attendance(language, width)

        def choice(name, label):
            group = page.get_by_role("group", name=name)
            return group.get_by_label(text(label, language), exact=True)

        # Bertil marked by hand and not saved yet.
        choice("Bertil Berg", "Excused").check()
        # Meanwhile another trainer changes Anna's mark.
        Attendance.objects.filter(enrollment=self.anna).update(
            status=Attendance.Status.EXCUSED
        )

        button = page.get_by_role("button", name=text(MARK_ALL, language))
        button.focus()
        page.keyboard.press(key)

        status = page.locator("main form").get_by_role("status")
        expect(status).to_have_text(marked_present(2, language))
        expect(choice("Anna Aalto", "Absent")).to_be_checked()
        expect(choice("Bertil Berg", "Excused")).to_be_checked()
        expect(choice("Cecilia Carlsson", "Present")).to_be_checked()
        expect(choice("David Dahl", "Present")).to_be_checked()
        # Nothing is saved by the button itself.
        self.assertEqual(
            dict(Attendance.objects.values_list("enrollment", "status")),
            {self.anna.pk: Attendance.Status.EXCUSED},
        )
        expect(button).to_be_focused()
        self.assertEqual(page.evaluate(MEASURE, "main"), [], page.url)
        box = button.bounding_box()
        self.assertGreaterEqual(box["x"], 0)
        self.assertLessEqual(box["x"] + box["width"], width)
        self.axe_check(page)

        # Pressed again, it says there is nobody left to mark.
        button.click()
        expect(status).to_have_text(
            text("Everyone on this page is already marked.", language)
        )

        # Leaving now asks first: the marks are not saved.
        page.wait_for_function("window.edits.includes('add')")
        asked = []
        page.once(
            "dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss())
        )
        second = self.cohort.sessions.all()[1]
        page.get_by_role("link", name=second.title).click()
        expect(choice("David Dahl", "Present")).to_be_checked()
        self.assertEqual(asked, ["beforeunload"])

        page.get_by_role("button", name=text("Save attendance", language)).click()
        with translation.override(language):
            saved = translation.ngettext(
                "Attendance saved for %(session)s: %(count)s change.",
                "Attendance saved for %(session)s: %(count)s changes.",
                3,
            ) % {"session": self.session.title, "count": 3}
        expect(page.locator(".messages")).to_contain_text(saved)
        # Anna's mark from the other trainer stands: this trainer did not
        # change hers.
        self.assertEqual(
            dict(Attendance.objects.values_list("enrollment", "status")),
            {
                self.anna.pk: Attendance.Status.EXCUSED,
                self.bertil.pk: Attendance.Status.EXCUSED,
                self.cecilia.pk: Attendance.Status.PRESENT,
                self.david.pk: Attendance.Status.PRESENT,
            },
        )
        expect(choice("Cecilia Carlsson", "Present")).to_be_checked()

    def test_everyone_not_yet_marked_is_marked_present_on_a_phone(self):
        self.mark_everyone_not_yet_marked("fi", 390, "Enter")

    def test_everyone_not_yet_marked_is_marked_present_on_a_desktop(self):
        self.mark_everyone_not_yet_marked("en", 1280, "Space")

    def test_without_javascript_the_button_is_not_offered(self):
        context = self.browser.new_context(
            base_url=self.live_server_url, java_script_enabled=False
        )
        self.addCleanup(context.close)
        page = context.new_page()
        self.log_in(page, self.trainer)
        page.goto(
            reverse(
                "cohorts:session_attendance", args=[self.cohort.pk, self.session.pk]
            )
        )

        expect(page.get_by_role("group", name="Bertil Berg")).to_be_visible()
        expect(page.get_by_role("button", name=text(MARK_ALL, "fi"))).to_have_count(0)
