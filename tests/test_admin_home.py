"""The admin dashboard's panels: reflections awaiting the user's feedback
and the user's next sessions."""

from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortPage, Session

from .test_progress import TrainingDataMixin, in_english


class AdminHomeTest(TrainingDataMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        in_english(cls.coordinator)
        session = cls.sessions[0]
        session.meeting_url = "https://meet.example.org/virtu-a-1"
        session.save()

    def panel(self, user, panel_id):
        self.client.force_login(user)
        response = self.client.get(reverse("wagtailadmin_home"))
        self.assertEqual(response.status_code, 200)
        return self.get_soup(response.content).find(id=panel_id)

    def test_awaiting_feedback_panel_links_to_the_trainers_waiting_reflections(self):
        panel = self.panel(self.trainer, "awaiting-feedback-section")
        self.assertIn("Reflections awaiting feedback", panel.get_text())
        self.assertIn(
            "2 reflections are awaiting feedback.", " ".join(panel.get_text().split())
        )
        links = {a["href"]: a.get_text(strip=True) for a in panel.select("a")}
        url = reverse("reflections:review", args=[self.submitted.pk])
        self.assertEqual(
            links[url],
            f"{self.submitted.author.name}: {self.submitted.experiment.title}",
        )
        self.assertIn(reverse("reflections:review", args=[self.late.pk]), links)
        self.assertNotIn(
            reverse("reflections:review", args=[self.other_reflection.pk]), links
        )
        self.assertNotIn(reverse("reflections:review", args=[self.answered.pk]), links)

    def test_coordinator_sees_every_cohorts_waiting_reflections(self):
        panel = self.panel(self.coordinator, "awaiting-feedback-section")
        self.assertIn(
            "3 reflections are awaiting feedback.", " ".join(panel.get_text().split())
        )

    def test_no_panel_when_nothing_awaits(self):
        self.other_reflection.feedback_at = timezone.now()
        self.other_reflection.save()
        self.assertIsNone(self.panel(self.other_trainer, "awaiting-feedback-section"))

    def test_next_sessions_panel_shows_the_trainers_sessions_in_local_time(self):
        panel = self.panel(self.trainer, "next-sessions-section")
        text = " ".join(panel.get_text().split())
        self.assertIn("Your next sessions", text)
        self.assertIn(self.cohort.title, text)
        self.assertNotIn(self.other.title, text)
        # Session 2 at 9.00 in Helsinki, as the cohort was planned (7.00 UTC).
        self.assertIn("March 29, 2038, 9 a.m.–12:30 p.m. (Europe/Helsinki)", text)
        join = panel.find("a", href="https://meet.example.org/virtu-a-1")
        self.assertEqual(join.get_text(strip=True), "Join the meeting")

    def test_attendance_is_offered_once_a_session_has_started(self):
        """Session 1 is under way: its attendance can be marked. Session 2
        is ahead: none until it starts (``CohortPage.has_held``)."""
        panel = self.panel(self.trainer, "next-sessions-section")
        under_way, ahead = (
            reverse("cohorts:session_attendance", args=[self.cohort.pk, session.pk])
            for session in self.sessions[:2]
        )
        self.assertIsNotNone(panel.find("a", href=under_way))
        self.assertIsNone(panel.find("a", href=ahead))
        rows = panel.select("tbody tr")
        self.assertEqual(len(rows), len(self.sessions))
        offered = [
            row.find("a", string=lambda text: text and "Mark attendance" in text)
            for row in rows
        ]
        self.assertEqual(
            [link is not None for link in offered],
            [True, *[False] * (len(self.sessions) - 1)],
        )

    def test_a_cohort_taken_off_the_site_lists_no_sessions(self):
        """Its sessions were cancelled in everyone's calendar: no join link."""
        CohortPage.objects.get(pk=self.cohort.pk).unpublish()
        self.assertIsNone(self.panel(self.trainer, "next-sessions-section"))

    def test_past_sessions_are_not_listed(self):
        Session.objects.filter(page=self.cohort).update(
            start=timezone.now() - timedelta(days=2),
            end=timezone.now() - timedelta(days=2) + timedelta(hours=3),
        )
        self.assertIsNone(self.panel(self.trainer, "next-sessions-section"))

    def test_flow_from_panel_to_feedback_to_attendance(self):
        """The trainer's round: a waiting reflection from the dashboard,
        feedback saved, then a session's attendance marked."""
        panel = self.panel(self.trainer, "awaiting-feedback-section")
        review = panel.select_one("tbody a")["href"]
        response = self.client.post(
            review, {"action": "feedback", "feedback": "Thank you!"}, follow=True
        )
        self.assertContains(response, "Feedback saved.")
        home = self.get_soup(self.client.get(reverse("wagtailadmin_home")).content)
        attendance = home.find(id="next-sessions-section").find(
            "a", string=lambda text: text and "Mark attendance" in text
        )["href"]
        person = self.people[2]
        response = self.client.post(
            attendance,
            {f"person-{person.pk}": "present", f"initial-person-{person.pk}": ""},
            follow=True,
        )
        self.assertContains(response, "Attendance saved")
