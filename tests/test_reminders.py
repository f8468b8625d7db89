"""Reminders the day before a session, before a reflection is due and before
a wave of the impact survey closes. The job records who is due which
reminder; the worker renders each one as it sends it, or drops it when it
is no longer due."""

import sqlite3
import zoneinfo
from datetime import datetime, timedelta
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail.users.models import UserProfile

from assignments.emails import Kind as ReflectionKind
from assignments.models import Reflection
from cohorts.emails import Kind
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from cohorts.reminders import already_queued, queue_reminders
from impact.emails import Kind as SurveyKind
from impact.models import Wave
from outbox.models import OutgoingEmail
from outbox.rendering import preferred_languages
from outbox.sending import send_pending

from .factories import make_cohort, make_course, make_participants
from .test_impact import answer, make_impact_course
from .test_outbox import SMTPServerMixin

User = get_user_model()

HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")
State = OutgoingEmail.State


def helsinki(*args):
    return datetime(*args, tzinfo=HELSINKI)


def reminders(kind):
    return OutgoingEmail.objects.filter(kind=kind).order_by("to")


class ReminderTestCase(SMTPServerMixin, TestCase):
    def received(self, kind):
        """{address: (subject, text)} of the reminders of ``kind`` that the
        worker sends now."""
        send_pending()
        # Compared without the folding of long headers, which differs
        # between Python versions.
        subjects = {
            " ".join(subject.split())
            for subject in reminders(kind).values_list("subject", flat=True)
        }
        return {
            message["To"]: (" ".join(message["Subject"].split()), body(message))
            for message in self.mailbox.messages
            if " ".join(message["Subject"].split()) in subjects
        }

    def states(self, kind):
        return {email.to: email.state for email in reminders(kind)}

    def prefer(self, enrollment, language):
        UserProfile.get_for_user(enrollment.user)
        UserProfile.objects.filter(user=enrollment.user).update(
            preferred_language=language
        )


def body(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


class SessionReminderTests(ReminderTestCase):
    @classmethod
    def setUpTestData(cls):
        # Sessions on 15 and 29 March and 12 April 2038, 9.00 in Helsinki.
        cls.cohort = make_cohort(make_course())
        cls.people = make_participants(cls.cohort, 3)
        enrol(cls.cohort, "tero@example.fi", role=Enrollment.Role.TRAINER)
        OutgoingEmail.objects.all().delete()  # the invites

    def change_first_session(self, change):
        page = self.cohort.get_latest_revision_as_object()
        sessions = list(page.sessions.all())
        change(sessions)
        page.sessions = sessions
        page.save_revision().publish()

    def test_participants_get_a_reminder_with_the_join_link_the_day_before(self):
        def add_link(sessions):
            sessions[0].meeting_url = "https://meet.example.fi/virtu-1"

        self.change_first_session(add_link)
        OutgoingEmail.objects.all().delete()

        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))

        queued = reminders(Kind.SESSION_REMINDER)
        self.assertEqual(
            [email.to for email in queued], [person.email for person in self.people]
        )
        self.assertEqual(OutgoingEmail.objects.count(), 3)  # trainers get none
        # The outbox lists a waiting reminder by its subject.
        self.assertIn("Session 1", queued[0].subject)
        received = self.received(Kind.SESSION_REMINDER)
        self.assertEqual(sorted(received), [person.email for person in self.people])
        subject, text = received[self.people[0].email]
        self.assertIn("Session 1", subject)
        self.assertIn("https://meet.example.fi/virtu-1", text)
        self.assertIn("15. maaliskuuta 2038", text)

    def test_a_closed_account_gets_no_reminder_with_the_join_link(self):
        """An account deactivated in the admin (someone who left) is not
        reminded, nor sent one queued before it was closed."""
        first, second = (person.user for person in self.people[:2])
        User.objects.filter(pk=first.pk).update(is_active=False)

        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))
        self.assertNotIn(first.email, self.states(Kind.SESSION_REMINDER))

        User.objects.filter(pk=second.pk).update(is_active=False)
        received = self.received(Kind.SESSION_REMINDER)
        self.assertEqual(sorted(received), [self.people[2].user.email])

    def test_each_reader_gets_the_reminder_in_their_language(self):
        self.prefer(self.people[0], "en")

        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))

        received = self.received(Kind.SESSION_REMINDER)
        english, finnish = (received[p.email][1] for p in self.people[:2])
        self.assertIn("Your training session is tomorrow.", english)
        self.assertIn("March 15, 2038", english)
        self.assertNotIn("Your training session is tomorrow.", finnish)
        self.assertIn("15. maaliskuuta 2038", finnish)

    def test_tomorrow_is_the_next_day_in_the_cohorts_zone(self):
        # 37 hours before, but two days ahead on the calendar in Helsinki.
        queue_reminders(now=helsinki(2038, 3, 13, 20, 0))
        self.assertEqual(OutgoingEmail.objects.count(), 0)
        # On the day itself it is too late for "tomorrow".
        queue_reminders(now=helsinki(2038, 3, 15, 7, 0))
        self.assertEqual(OutgoingEmail.objects.count(), 0)
        # Half an hour before midnight, nine and a half hours before.
        queue_reminders(now=helsinki(2038, 3, 14, 23, 30))
        self.assertEqual(reminders(Kind.SESSION_REMINDER).count(), 3)

    def test_running_again_sends_nothing_twice(self):
        first = queue_reminders(now=helsinki(2038, 3, 14, 8, 0))
        again = queue_reminders(now=helsinki(2038, 3, 14, 18, 0))

        self.assertEqual(first[Kind.SESSION_REMINDER], 3)
        self.assertEqual(again[Kind.SESSION_REMINDER], 0)
        self.assertEqual(OutgoingEmail.objects.count(), 3)

    def test_a_moved_session_gets_a_reminder_for_its_new_day_alone(self):
        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))

        def move(sessions):
            sessions[0].start += timedelta(days=1)
            sessions[0].end += timedelta(days=1)

        self.change_first_session(move)
        queue_reminders(now=helsinki(2038, 3, 15, 8, 0))

        self.assertEqual(reminders(Kind.SESSION_REMINDER).count(), 6)
        received = self.received(Kind.SESSION_REMINDER)
        self.assertEqual(len(received), 3)
        self.assertIn("16. maaliskuuta 2038", received[self.people[0].email][1])
        self.assertEqual(
            sorted(reminders(Kind.SESSION_REMINDER).values_list("state", flat=True)),
            [State.DROPPED] * 3 + [State.SENT] * 3,
        )

    def test_a_session_removed_after_queueing_is_not_reminded(self):
        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))

        def remove(sessions):
            del sessions[0]

        self.change_first_session(remove)

        self.assertEqual(self.received(Kind.SESSION_REMINDER), {})
        self.assertEqual(set(self.states(Kind.SESSION_REMINDER).values()), {"dropped"})

    def test_a_participant_withdrawn_after_queueing_is_not_reminded(self):
        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))
        self.people[0].withdraw()

        received = self.received(Kind.SESSION_REMINDER)

        self.assertEqual(sorted(received), [p.email for p in self.people[1:]])
        self.assertEqual(
            self.states(Kind.SESSION_REMINDER)[self.people[0].email], State.DROPPED
        )

    def test_an_address_corrected_after_queueing_is_not_sent_the_old_one(self):
        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))
        user = self.people[0].user
        user.email = "corrected@example.fi"
        user.save()

        received = self.received(Kind.SESSION_REMINDER)

        self.assertEqual(sorted(received), [p.email for p in self.people[1:]])

    def test_an_unpublished_cohort_sends_no_reminders(self):
        CohortPage.objects.filter(pk=self.cohort.pk).update(live=False)

        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))

        self.assertEqual(OutgoingEmail.objects.count(), 0)

    def test_a_cohort_unpublished_after_queueing_sends_no_reminders(self):
        queue_reminders(now=helsinki(2038, 3, 14, 8, 0))
        CohortPage.objects.filter(pk=self.cohort.pk).update(live=False)

        self.assertEqual(self.received(Kind.SESSION_REMINDER), {})
        self.assertEqual(set(self.states(Kind.SESSION_REMINDER).values()), {"dropped"})


class ReflectionReminderTests(ReminderTestCase):
    @classmethod
    def setUpTestData(cls):
        # Experiment 1 is due when session 2 starts: 29 March 2038, 9.00.
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
            submitted_at=helsinki(2038, 3, 20, 12, 0),
        )
        cls.draft = Reflection.objects.create(
            experiment=cls.experiment, author=cls.drafting, answers=answers
        )
        OutgoingEmail.objects.all().delete()  # the invites

    def test_only_participants_who_have_not_submitted_are_reminded(self):
        queue_reminders(now=helsinki(2038, 3, 27, 12, 0))

        queued = reminders(ReflectionKind.REFLECTION_REMINDER)
        self.assertEqual(
            [email.to for email in queued], [self.drafting.email, self.silent.email]
        )
        received = self.received(ReflectionKind.REFLECTION_REMINDER)
        self.assertEqual(sorted(received), [self.drafting.email, self.silent.email])
        subject, text = received[self.drafting.email]
        self.assertIn("Experiment 1", subject)
        self.assertIn("Experiment 1", text)
        self.assertIn("maanantai 29. maaliskuuta 2038 klo 9.00 (Europe/Helsinki)", text)
        self.assertIn(f"http://testserver/my/experiments/{self.experiment.pk}/\n", text)

    def test_a_cohort_in_another_zone_is_told_the_due_time_in_finnish_time_too(self):
        CohortPage.objects.filter(pk=self.cohort.pk).update(
            time_zone="Europe/Stockholm"
        )
        queue_reminders(now=helsinki(2038, 3, 27, 12, 0))

        __, text = self.received(ReflectionKind.REFLECTION_REMINDER)[self.silent.email]

        self.assertIn(
            "maanantai 29. maaliskuuta 2038 klo 8.00 (Europe/Stockholm; Suomen "
            "aikaa klo 9.00)",
            " ".join(text.split()),
        )

    def test_a_reflection_submitted_after_queueing_is_not_reminded(self):
        queue_reminders(now=helsinki(2038, 3, 27, 12, 0))
        self.draft.status = Reflection.Status.SUBMITTED
        self.draft.submitted_at = timezone.now()
        self.draft.save()

        received = self.received(ReflectionKind.REFLECTION_REMINDER)

        self.assertEqual(sorted(received), [self.silent.email])
        self.assertEqual(
            self.states(ReflectionKind.REFLECTION_REMINDER)[self.drafting.email],
            State.DROPPED,
        )

    def test_a_reflection_due_in_more_than_two_days_is_not_reminded_yet(self):
        queue_reminders(now=helsinki(2038, 3, 27, 8, 0))  # 49 hours before

        self.assertEqual(reminders(ReflectionKind.REFLECTION_REMINDER).count(), 0)

    def test_a_due_time_set_on_the_experiment_counts(self):
        self.experiment.due_at = helsinki(2038, 3, 22, 16, 0)
        self.experiment.save()

        queue_reminders(now=helsinki(2038, 3, 21, 16, 0))

        self.assertEqual(reminders(ReflectionKind.REFLECTION_REMINDER).count(), 2)

    def test_a_due_time_moved_after_queueing_drops_the_reminder(self):
        queue_reminders(now=helsinki(2038, 3, 27, 12, 0))
        self.experiment.due_at = helsinki(2038, 4, 5, 16, 0)
        self.experiment.save()

        self.assertEqual(self.received(ReflectionKind.REFLECTION_REMINDER), {})

    def test_running_again_sends_nothing_twice(self):
        queue_reminders(now=helsinki(2038, 3, 27, 12, 0))
        queue_reminders(now=helsinki(2038, 3, 28, 12, 0))

        self.assertEqual(reminders(ReflectionKind.REFLECTION_REMINDER).count(), 2)


class SurveyReminderTests(ReminderTestCase):
    @classmethod
    def setUpTestData(cls):
        # The baseline closes when the first session starts: 15 March 2038.
        cls.cohort = make_cohort(make_impact_course())
        cls.people = make_participants(cls.cohort, 2)
        OutgoingEmail.objects.all().delete()

    def test_answers_sent_after_queueing_drop_the_reminder(self):
        queue_reminders(now=helsinki(2038, 3, 12, 12, 0))
        answer(self.people[0], Wave.BASELINE, [5, 5, 5])

        received = self.received(SurveyKind.SURVEY_REMINDER)

        self.assertEqual(sorted(received), [self.people[1].email])
        self.assertIn(
            reverse("impact:survey", args=[self.cohort.pk, Wave.BASELINE]),
            received[self.people[1].email][1],
        )
        self.assertEqual(
            self.states(SurveyKind.SURVEY_REMINDER)[self.people[0].email],
            State.DROPPED,
        )


class ReminderQueryTests(TestCase):
    def test_the_job_takes_as_many_queries_for_thirty_people_as_for_three(self):
        # On 14 March: session 1 tomorrow, the baseline closing, and a
        # reflection due early the next morning.
        cohort = make_cohort(make_impact_course())
        make_participants(cohort, 3)
        cohort.experiments.filter(after_session=1).update(
            due_at=helsinki(2038, 3, 15, 8, 0)
        )
        OutgoingEmail.objects.all().delete()
        now = helsinki(2038, 3, 14, 12, 0)
        with CaptureQueriesContext(connection) as few:
            counts = queue_reminders(now=now)
        self.assertEqual(set(counts.values()), {3})

        make_participants(cohort, 27, "more")
        OutgoingEmail.objects.all().delete()
        with self.assertNumQueries(len(few)):
            counts = queue_reminders(now=now)
        self.assertEqual(set(counts.values()), {30})

    def test_more_reminders_at_once_than_a_statement_takes_parameters(self):
        # The hourly job across all cohorts can have tens of thousands of
        # reminders of one kind: more than SQLite takes parameters in one
        # statement where it is built with its default limit (32,766; this
        # machine's build allows more, so the test sets the default).
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32_766)
            self.addCleanup(
                connection.connection.setlimit,
                sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER,
                limit,
            )
        cohort = make_cohort(make_course())
        person = make_participants(cohort, 1)[0].user
        UserProfile.objects.update_or_create(
            user=person, defaults={"preferred_language": "sv"}
        )
        OutgoingEmail.objects.create(
            key="reminder:queued", to="a@example.org", subject="s", text="t"
        )
        keys = [f"reminder:{n}" for n in range(40_000)] + ["reminder:queued"]
        self.assertEqual(already_queued(keys), {"reminder:queued"})

        people = [User(pk=-n) for n in range(1, 40_000)] + [person]
        languages = preferred_languages(people)
        self.assertEqual(len(languages), 40_000)
        self.assertEqual(languages[person.pk], "sv")
        self.assertEqual(languages[-1], "fi")


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
