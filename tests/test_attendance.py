"""Marking a session's attendance for the whole cohort in one form."""

from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from cohorts import audit
from cohorts.attendance import PER_PAGE
from cohorts.models import Attendance, CohortPage, Session, TrainingLogEntry
from home.management.demo import add_generated_participants

from .factories import make_cohort, make_course, place_sessions
from .test_progress import TrainingDataMixin, move


class AttendanceFormTest(TrainingDataMixin, TestCase):
    def url(self, session=None, cohort=None):
        return reverse(
            "cohorts:session_attendance",
            args=[(cohort or self.cohort).pk, (session or self.sessions[0]).pk],
        )

    def form_data(self, response):
        """What the browser would post back unchanged."""
        soup = self.get_soup(response.content)
        data = {
            field["name"]: field.get("value", "")
            for field in soup.select('form input[type="hidden"]')
        }
        for radio in soup.select('form input[type="radio"][checked]'):
            data[radio["name"]] = radio["value"]
        return data

    def field(self, person):
        return f"person-{person.pk}"

    def test_form_has_a_row_per_participant_with_the_marks_so_far(self):
        self.client.force_login(self.trainer)
        response = self.client.get(self.url())
        soup = self.get_soup(response.content)
        groups = soup.select("fieldset")
        self.assertEqual(len(groups), len(self.people))
        data = self.form_data(response)
        self.assertEqual(data[self.field(self.people[0])], "present")
        self.assertEqual(data[self.field(self.people[1])], "absent")
        self.assertEqual(data[self.field(self.people[2])], "")  # not marked
        labels = [label.get_text(strip=True) for label in groups[0].select("label")]
        self.assertEqual(labels, ["Not marked", "Present", "Absent", "Excused"])
        button = soup.select_one('form button[type="submit"]')
        self.assertEqual(button.get_text(strip=True), "Save attendance")

    def test_marking_everyone_present_is_offered_only_with_javascript(self):
        """The button works in the browser (tests/browser/test_attendance):
        without JavaScript it stays hidden, and it never sends the form."""
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.url()).content)
        button = soup.find(
            "button",
            string=lambda label: (
                "Mark everyone not yet marked as present" in (label or "")
            ),
        )
        self.assertEqual(button["type"], "button")
        self.assertIsNotNone(button.find_parent(hidden=True))

    def test_each_row_is_a_group_named_by_the_participant(self):
        self.client.force_login(self.trainer)
        soup = self.get_soup(self.client.get(self.url()).content)
        group = soup.select_one("fieldset")
        name = soup.find(id=group["aria-labelledby"]).get_text(strip=True)
        self.assertIn(name, [person.name for person in self.people])

    def test_saving_marks_changes_and_clears_and_re_renders(self):
        self.client.force_login(self.trainer)
        data = self.form_data(self.client.get(self.url()))
        data[self.field(self.people[0])] = ""  # present -> not marked
        data[self.field(self.people[2])] = "excused"
        data[self.field(self.people[3])] = "present"
        response = self.client.post(self.url(), data)
        self.assertRedirects(response, self.url(), fetch_redirect_response=False)
        marks = dict(
            Attendance.objects.filter(session=self.sessions[0]).values_list(
                "enrollment", "status"
            )
        )
        self.assertEqual(
            marks,
            {
                self.people[1].pk: "absent",
                self.people[2].pk: "excused",
                self.people[3].pk: "present",
            },
        )
        self.assertEqual(
            Attendance.objects.get(enrollment=self.people[2]).marked_by, self.trainer
        )
        response = self.client.get(self.url())
        self.assertContains(response, "Attendance saved")
        self.assertEqual(
            self.form_data(response)[self.field(self.people[2])], "excused"
        )

    def test_saving_keeps_marks_another_trainer_made_meanwhile(self):
        self.client.force_login(self.trainer)
        data = self.form_data(self.client.get(self.url()))
        # Meanwhile a coordinator marks people[2] present.
        Attendance.objects.create(
            session=self.sessions[0], enrollment=self.people[2], status="present"
        )
        data[self.field(self.people[3])] = "absent"
        self.client.post(self.url(), data)
        self.assertEqual(
            Attendance.objects.get(enrollment=self.people[2]).status, "present"
        )
        self.assertEqual(
            Attendance.objects.get(enrollment=self.people[3]).status, "absent"
        )

    def test_a_mark_another_trainer_changed_meanwhile_is_kept_and_said(self):
        # This trainer's page shows people[2] not marked; another trainer
        # marks them absent and saves; this one then marks them present
        # (as "mark everyone not yet marked" does) and saves.
        self.client.force_login(self.trainer)
        data = self.form_data(self.client.get(self.url()))
        Attendance.objects.create(
            session=self.sessions[0], enrollment=self.people[2], status="absent"
        )
        data[self.field(self.people[2])] = "present"
        data[self.field(self.people[3])] = "present"

        response = self.client.post(self.url(), data, follow=True)

        self.assertEqual(
            Attendance.objects.get(enrollment=self.people[2]).status, "absent"
        )
        self.assertEqual(
            Attendance.objects.get(enrollment=self.people[3]).status, "present"
        )
        self.assertContains(response, "Attendance saved for")
        self.assertContains(
            response,
            f"Someone else changed the mark of {self.people[2].name} while you "
            "were marking. Their mark was kept",
        )

    def test_a_bad_value_is_refused_with_a_message_and_nothing_is_lost(self):
        self.client.force_login(self.trainer)
        data = self.form_data(self.client.get(self.url()))
        data[self.field(self.people[2])] = "excused"
        data[self.field(self.people[3])] = "asleep"
        response = self.client.post(self.url(), data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The attendance could not be saved.")
        soup = self.get_soup(response.content)
        radio = soup.select_one(f'input[name="{self.field(self.people[3])}"]')
        error = soup.find(id=f"id_{self.field(self.people[3])}-error")
        self.assertIsNotNone(error)
        self.assertEqual(radio["aria-invalid"], "true")
        # The other choice made stays chosen in the form shown again.
        self.assertEqual(
            self.form_data(response)[self.field(self.people[2])], "excused"
        )
        self.assertFalse(Attendance.objects.filter(enrollment=self.people[2]).exists())

    def test_trainer_cannot_mark_another_cohort(self):
        self.client.force_login(self.trainer)
        other_session = self.other.sessions.first()
        url = self.url(other_session, self.other)
        self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(url, {f"person-{self.others[0].pk}": "present"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Attendance.objects.filter(session=other_session).exists())
        # Another cohort's session under one's own cohort is not found either.
        self.assertEqual(
            self.client.get(self.url(other_session, self.cohort)).status_code, 404
        )
        current = reverse("cohorts:attendance", args=[self.other.pk])
        self.assertEqual(self.client.get(current).status_code, 404)

    def test_posting_someone_of_another_cohort_marks_nobody(self):
        self.client.force_login(self.trainer)
        data = self.form_data(self.client.get(self.url()))
        data[f"person-{self.others[0].pk}"] = "present"
        self.client.post(self.url(), data)
        self.assertFalse(Attendance.objects.filter(enrollment=self.others[0]).exists())

    def test_coordinator_marks_any_cohort(self):
        self.client.force_login(self.coordinator)
        other_session = self.other.sessions.first()
        url = self.url(other_session, self.other)
        data = self.form_data(self.client.get(url))
        data[f"person-{self.others[0].pk}"] = "present"
        self.assertRedirects(self.client.post(url, data), url)
        self.assertEqual(
            Attendance.objects.get(session=other_session).status, "present"
        )

    def test_participant_cannot_mark_attendance(self):
        self.client.force_login(self.participant_user)
        response = self.client.post(self.url(), {self.field(self.people[1]): "present"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            Attendance.objects.get(enrollment=self.people[1]).status, "absent"
        )

    def test_attendance_link_opens_the_session_started_last(self):
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("cohorts:attendance", args=[self.cohort.pk]))
        # The test cohort's first session is under way, the others ahead.
        self.assertRedirects(response, self.url(self.sessions[0]))

    def test_attendance_link_of_a_copy_opens_its_own_next_session(self):
        """Copied today: sessions 1 and 2 have the original's dates, and
        this cohort has held neither."""
        place_sessions(self.cohort, timezone.now() - timedelta(days=8))
        CohortPage.objects.filter(pk=self.cohort.pk).update(copied_at=timezone.now())
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("cohorts:attendance", args=[self.cohort.pk]))
        self.assertRedirects(response, self.url(self.sessions[2]))

    # Before the session has been held

    def test_a_session_ahead_says_from_when_it_can_be_marked_and_has_no_form(self):
        self.client.force_login(self.trainer)
        response = self.client.get(self.url(self.sessions[1]))
        self.assertEqual(response.status_code, 200)
        soup = self.get_soup(response.content)
        self.assertEqual(soup.select("fieldset"), [])
        self.assertIsNone(soup.select_one("[data-virtu-attendance-target=tools]"))
        self.assertNotContains(response, "Save attendance")
        self.assertContains(
            response,
            "Attendance can be marked once the session has started, from Monday "
            "March 29, 2038, 9 a.m. (Europe/Helsinki).",
        )
        # Nothing to clear: no marks were made.
        self.assertNotContains(response, "Clear the marks")

        # Moved earlier, it is marked at once.
        move(self.sessions[1], timezone.now() - timedelta(minutes=5))
        url = self.url(self.sessions[1])
        data = self.form_data(self.client.get(url))
        data[self.field(self.people[2])] = "present"
        self.assertRedirects(self.client.post(url, data), url)
        self.assertEqual(
            Attendance.objects.get(session=self.sessions[1]).status, "present"
        )

    def test_marking_a_session_ahead_is_refused_and_saves_nothing(self):
        """What "Mark everyone not yet marked as present" and "Save" send,
        for a session eight days ahead, by its trainer or a coordinator."""
        move(self.sessions[1], timezone.now() + timedelta(days=8))
        everyone = {}
        for person in self.people:
            everyone[self.field(person)] = "present"
            everyone[f"initial-{self.field(person)}"] = ""
        for user in (self.trainer, self.coordinator):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                response = self.client.post(
                    self.url(self.sessions[1]), everyone, follow=True
                )
                self.assertRedirects(response, self.url(self.sessions[1]))
                self.assertContains(response, "The attendance was not saved.")
                self.assertContains(
                    response, "Attendance can be marked once the session has started"
                )
                self.assertNotContains(response, "Attendance saved")
        self.assertFalse(Attendance.objects.filter(session=self.sessions[1]).exists())
        self.assertFalse(
            TrainingLogEntry.objects.filter(action=audit.ATTENDANCE).exists()
        )

    def test_the_form_loaded_before_the_session_was_moved_later_saves_nothing(self):
        self.client.force_login(self.trainer)
        data = self.form_data(self.client.get(self.url()))
        data[self.field(self.people[2])] = "present"
        move(self.sessions[0], timezone.now() + timedelta(days=8))
        response = self.client.post(self.url(), data, follow=True)
        self.assertContains(response, "The attendance was not saved.")
        self.assertFalse(Attendance.objects.filter(enrollment=self.people[2]).exists())

    def test_marks_of_a_session_moved_later_are_kept_and_can_be_cleared(self):
        move(self.sessions[0], timezone.now() + timedelta(days=8))
        # Not by the trainer of another cohort.
        self.client.force_login(self.other_trainer)
        self.assertEqual(self.client.post(self.url(), {"clear": "1"}).status_code, 404)
        self.client.force_login(self.trainer)
        response = self.client.get(self.url())
        self.assertContains(
            response, "2 marks have already been made for this session."
        )
        self.assertEqual(Attendance.objects.filter(session=self.sessions[0]).count(), 2)
        # Kept, they keep the session from being removed: clearing them
        # lets it go.
        sessions = Session.objects.filter(pk=self.sessions[0].pk)
        self.assertEqual(len(list(Session.removal_problems(sessions))), 1)

        response = self.client.post(self.url(), {"clear": "1"}, follow=True)

        self.assertRedirects(response, self.url())
        self.assertContains(response, "2 marks cleared from Session 1.")
        self.assertNotContains(response, "Clear the marks")
        self.assertFalse(Attendance.objects.filter(session=self.sessions[0]).exists())
        self.assertEqual(list(Session.removal_problems(sessions)), [])
        entry = TrainingLogEntry.objects.get(action=audit.ATTENDANCE)
        self.assertEqual(entry.user, self.trainer)
        self.assertEqual(
            {(c["person"], c["from"], c["to"]) for c in entry.data["changes"]},
            {(self.people[0].name, "present", ""), (self.people[1].name, "absent", "")},
        )

    def test_marks_of_a_session_held_are_not_cleared(self):
        self.client.force_login(self.trainer)
        response = self.client.post(self.url(), {"clear": "1"}, follow=True)
        self.assertContains(response, "The marks were not cleared")
        self.assertEqual(Attendance.objects.filter(session=self.sessions[0]).count(), 2)

    def test_a_session_dated_before_its_cohort_was_copied_is_not_marked(self):
        """A copy's session with the original's date, under way when the
        copy was made: this cohort has not held it (``has_held``)."""
        CohortPage.objects.filter(pk=self.cohort.pk).update(copied_at=timezone.now())
        self.client.force_login(self.trainer)
        response = self.client.get(self.url())
        self.assertEqual(self.get_soup(response.content).select("fieldset"), [])
        self.assertContains(
            response, "This session is dated before the cohort was copied"
        )
        data = {self.field(self.people[2]): "present"}
        self.client.post(self.url(), data)
        self.assertFalse(Attendance.objects.filter(enrollment=self.people[2]).exists())

    def test_from_when_is_said_in_the_trainers_language(self):
        for language, text in (
            ("fi", "Läsnäolot voi merkitä, kun tuokio on alkanut. Se alkaa "),
            ("sv", "Närvaron kan registreras när träffen har börjat. Den börjar "),
        ):
            with self.subTest(language=language):
                profile = UserProfile.get_for_user(self.trainer)
                profile.preferred_language = language
                profile.save()
                self.client.force_login(self.trainer)
                self.assertContains(self.client.get(self.url(self.sessions[1])), text)

    # A large cohort, a page at a time

    def test_a_large_cohort_is_marked_a_page_at_a_time(self):
        add_generated_participants([self.cohort], 250 - len(self.people))
        self.client.force_login(self.trainer)
        response = self.client.get(self.url())
        soup = self.get_soup(response.content)
        self.assertEqual(len(soup.select("form fieldset")), PER_PAGE)
        self.assertIn("250 participants", soup.select_one("nav.pagination").text)
        # The button marks only the rows shown, and says so.
        self.assertIn(
            "Mark everyone on this page not yet marked as present",
            soup.select_one("[data-virtu-attendance-target=tools] button").text,
        )

        last = self.url() + "?p=3"
        response = self.client.get(last)
        rows = response.context["form"].people
        self.assertEqual(len(rows), 50)
        data = self.form_data(response)
        data[self.field(rows[0])] = "excused"
        response = self.client.post(last, data)
        self.assertRedirects(response, last, fetch_redirect_response=False)
        marks = dict(
            Attendance.objects.filter(session=self.sessions[0]).values_list(
                "enrollment", "status"
            )
        )
        # The marks made on other pages stay as they were.
        self.assertEqual(
            marks,
            {
                self.people[0].pk: "present",
                self.people[1].pk: "absent",
                rows[0].pk: "excused",
            },
        )

    def test_attendance_queries_are_the_same_at_150_and_2000_participants(self):
        self.client.force_login(self.trainer)
        add_generated_participants([self.cohort], 150)
        self.client.get(self.url())  # fills the caches a running site has filled
        with CaptureQueriesContext(connection) as small:
            response = self.client.get(self.url())
        add_generated_participants([self.cohort], 2000)
        with self.assertNumQueries(len(small)):
            response = self.client.get(self.url() + "?p=10")
        self.assertEqual(len(response.context["form"].people), PER_PAGE)


class HeldRuleTest(TestCase):
    """Figures count in the database what the cohort has held, by the rule
    the attendance form and session removal read in Python."""

    def test_the_database_reads_held_as_the_cohort_does(self):
        cohort = make_cohort(make_course())
        now = timezone.now()
        session = Session.objects.filter(page=cohort).first()
        for start, copied_at in [
            (now + timedelta(days=8), None),
            (now - timedelta(hours=1), None),
            (now, None),
            (now - timedelta(days=1), now - timedelta(hours=1)),
            (now - timedelta(hours=1), now - timedelta(days=1)),
            (now + timedelta(days=1), now - timedelta(days=1)),
        ]:
            with self.subTest(start=start, copied_at=copied_at):
                move(session, start)
                CohortPage.objects.filter(pk=cohort.pk).update(copied_at=copied_at)
                cohort.refresh_from_db()
                self.assertEqual(
                    Session.objects.filter(
                        CohortPage.held_condition(now), pk=session.pk
                    ).exists(),
                    cohort.has_held(start, now),
                )
