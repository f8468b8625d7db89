"""Reminders the day before a session and before a reflection is due."""

import zoneinfo
from datetime import datetime, timedelta
from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from assignments.emails import Kind as ReflectionKind
from assignments.models import Reflection
from cohorts.emails import Kind
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from cohorts.reminders import queue_reminders
from outbox.models import OutgoingEmail

from .factories import make_cohort, make_course, make_participants
from .test_outbox import SMTPServerMixin

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


def helsinki(*args):
    return datetime(*args, tzinfo=HELSINKI)


def reminders(kind):
    return OutgoingEmail.objects.filter(kind=kind).order_by("to")


class SessionReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Sessions on 15 and 29 March and 12 April 2027, 9.00 in Helsinki.
        cls.cohort = make_cohort(make_course())
        cls.people = make_participants(cls.cohort, 3)
        enrol(cls.cohort, "tero@example.fi", role=Enrollment.Role.TRAINER)
        OutgoingEmail.objects.all().delete()  # the invites

    def test_participants_get_a_reminder_with_the_join_link_the_day_before(self):
        page = self.cohort.get_latest_revision_as_object()
        sessions = list(page.sessions.all())
        sessions[0].meeting_url = "https://meet.example.fi/virtu-1"
        page.sessions = sessions
        page.save_revision().publish()
        OutgoingEmail.objects.all().delete()

        queue_reminders(now=helsinki(2027, 3, 14, 8, 0))

        sent = reminders(Kind.SESSION_REMINDER)
        self.assertEqual(
            [email.to for email in sent], [person.email for person in self.people]
        )
        self.assertIn("https://meet.example.fi/virtu-1", sent[0].text)
        self.assertIn("15. maaliskuuta 2027", sent[0].text)
        self.assertIn("Session 1", sent[0].subject)
        self.assertEqual(OutgoingEmail.objects.count(), 3)  # trainers get none

    def test_tomorrow_is_the_next_day_in_the_cohorts_zone(self):
        # 37 hours before, but two days ahead on the calendar in Helsinki.
        queue_reminders(now=helsinki(2027, 3, 13, 20, 0))
        self.assertEqual(OutgoingEmail.objects.count(), 0)
        # On the day itself it is too late for "tomorrow".
        queue_reminders(now=helsinki(2027, 3, 15, 7, 0))
        self.assertEqual(OutgoingEmail.objects.count(), 0)
        # Half an hour before midnight, nine and a half hours before.
        queue_reminders(now=helsinki(2027, 3, 14, 23, 30))
        self.assertEqual(reminders(Kind.SESSION_REMINDER).count(), 3)

    def test_running_again_sends_nothing_twice(self):
        first = queue_reminders(now=helsinki(2027, 3, 14, 8, 0))
        again = queue_reminders(now=helsinki(2027, 3, 14, 18, 0))

        self.assertEqual(first[Kind.SESSION_REMINDER], 3)
        self.assertEqual(again[Kind.SESSION_REMINDER], 0)
        self.assertEqual(OutgoingEmail.objects.count(), 3)

    def test_a_moved_session_gets_a_reminder_for_its_new_day(self):
        queue_reminders(now=helsinki(2027, 3, 14, 8, 0))
        page = self.cohort.get_latest_revision_as_object()
        sessions = list(page.sessions.all())
        sessions[0].start += timedelta(days=1)
        sessions[0].end += timedelta(days=1)
        page.sessions = sessions
        page.save_revision().publish()

        queue_reminders(now=helsinki(2027, 3, 15, 8, 0))

        self.assertEqual(reminders(Kind.SESSION_REMINDER).count(), 6)

    def test_an_unpublished_cohort_sends_no_reminders(self):
        CohortPage.objects.filter(pk=self.cohort.pk).update(live=False)

        queue_reminders(now=helsinki(2027, 3, 14, 8, 0))

        self.assertEqual(OutgoingEmail.objects.count(), 0)


class ReflectionReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # Experiment 1 is due when session 2 starts: 29 March 2027, 9.00.
        cls.cohort = make_cohort(make_course())
        cls.done, cls.drafting, cls.silent = make_participants(cls.cohort, 3)
        enrol(cls.cohort, "tero@example.fi", role=Enrollment.Role.TRAINER)
        cls.experiment = cls.cohort.experiments.get(after_session=1)
        answers = [{"prompt": "What did you try?", "answer": "A remote meeting."}]
        Reflection.objects.create(
            experiment=cls.experiment,
            author=cls.done,
            answers=answers,
            status=Reflection.Status.SUBMITTED,
            submitted_at=helsinki(2027, 3, 20, 12, 0),
        )
        Reflection.objects.create(
            experiment=cls.experiment, author=cls.drafting, answers=answers
        )
        OutgoingEmail.objects.all().delete()  # the invites

    def test_only_participants_who_have_not_submitted_are_reminded(self):
        queue_reminders(now=helsinki(2027, 3, 27, 12, 0))

        sent = reminders(ReflectionKind.REFLECTION_REMINDER)
        self.assertEqual(
            [email.to for email in sent], [self.drafting.email, self.silent.email]
        )
        self.assertIn("Experiment 1", sent[0].text)
        self.assertIn("29. maaliskuuta 2027", sent[0].text)
        self.assertIn(
            f"http://testserver/my/experiments/{self.experiment.pk}/\n", sent[0].text
        )

    def test_a_reflection_due_in_more_than_two_days_is_not_reminded_yet(self):
        queue_reminders(now=helsinki(2027, 3, 27, 8, 0))  # 49 hours before

        self.assertEqual(reminders(ReflectionKind.REFLECTION_REMINDER).count(), 0)

    def test_a_due_time_set_on_the_experiment_counts(self):
        self.experiment.due_at = helsinki(2027, 3, 22, 16, 0)
        self.experiment.save()

        queue_reminders(now=helsinki(2027, 3, 21, 16, 0))

        self.assertEqual(reminders(ReflectionKind.REFLECTION_REMINDER).count(), 2)

    def test_running_again_sends_nothing_twice(self):
        queue_reminders(now=helsinki(2027, 3, 27, 12, 0))
        queue_reminders(now=helsinki(2027, 3, 28, 12, 0))

        self.assertEqual(reminders(ReflectionKind.REFLECTION_REMINDER).count(), 2)


class ReminderCommandTests(SMTPServerMixin, TestCase):
    def test_the_command_sends_each_reminder_once(self):
        tomorrow = timezone.now().astimezone(HELSINKI).date() + timedelta(days=1)
        cohort = make_cohort(make_course(), start_date=tomorrow)
        make_participants(cohort, 2)
        OutgoingEmail.objects.all().delete()  # the invites
        output = StringIO()

        for __ in range(2):
            with self.captureOnCommitCallbacks(execute=True):
                call_command("send_reminders", stdout=output)

        self.assertEqual(output.getvalue(), "session_reminder: 2\n")
        self.assertEqual(
            sorted(message["To"] for message in self.mailbox.messages),
            ["participant0@example.fi", "participant1@example.fi"],
        )
