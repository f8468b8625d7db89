"""Calendar invites by email: enrolling, publishing, moving and deleting
sessions, and removing people send the REQUESTs and CANCELs calendars need."""

from datetime import UTC, date, datetime, timedelta

import icalendar
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import timezone, translation

from cohorts import conf
from cohorts.calendar.invites import preparation_in
from cohorts.emails import Kind
from cohorts.enrolment import enrol
from cohorts.models import CalendarEntry, CohortPage, Enrollment, Meeting
from outbox.models import OutgoingEmail
from outbox.sending import send_pending

from .factories import make_cohort, make_course, make_participants, make_user
from .test_outbox import SMTPServerMixin


def calendar_part(message):
    """The text/calendar part of a received message, parsed."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, icalendar.Calendar.from_ical(part.get_content())


def event_of(email):
    """The one event in a queued email's calendar, and the calendar."""
    calendar = icalendar.Calendar.from_ical(email.ics)
    [event] = calendar.events
    return calendar, event


def uid_of(session):
    return f"session-{session.uid}@{conf.calendar_domain()}"


def publish(cohort, change):
    """Publish the cohort's latest revision after ``change(page, sessions)``,
    as the admin does; ``sessions`` is the list the revision will hold."""
    page = CohortPage.objects.get(pk=cohort.pk).get_latest_revision_as_object()
    sessions = list(page.sessions.all())
    change(page, sessions)
    page.sessions = sessions
    page.save_revision().publish()
    return CohortPage.objects.get(pk=cohort.pk)


def emails(**filters):
    """Calendar emails, once the worker has made them; the welcome with a
    sign-in link that each enrolment also sends is tested in test_signin."""
    send_pending()
    return list(
        OutgoingEmail.objects.exclude(kind=Kind.WELCOME)
        .filter(**filters)
        .order_by("pk")
    )


def with_calendar(messages):
    return [m for m in messages if m.get_content_type() == "multipart/mixed"]


class EndToEndTests(SMTPServerMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())

    def sent(self, since):
        """Messages the SMTP server received after the first ``since``."""
        return with_calendar(self.mailbox.messages[since:])

    def test_enrol_reschedule_and_delete_reach_the_calendar_as_one_event(self):
        first = self.cohort.sessions.first()

        # Enrolling: an invite per session.
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")
        invites = [calendar_part(message) for message in self.sent(0)]
        self.assertEqual(len(invites), 3)
        part, calendar = next(
            (part, cal)
            for part, cal in invites
            if cal.events[0]["UID"] == uid_of(first)
        )
        [event] = calendar.events
        self.assertEqual(part.get_param("method"), "REQUEST")
        self.assertEqual(calendar["METHOD"], "REQUEST")
        self.assertEqual(event["SEQUENCE"], 0)
        self.assertEqual(event["ATTENDEE"], "mailto:anna@example.fi")
        self.assertEqual(event["ATTENDEE"].params["RSVP"], "TRUE")
        organizer = f"mailto:{conf.organizer_email()}"
        self.assertEqual(event["ORGANIZER"], organizer)
        self.assertNotEqual(event["ORGANIZER"], event["ATTENDEE"])
        self.assertEqual(
            event.start.astimezone(UTC), datetime(2038, 3, 15, 7, 0, tzinfo=UTC)
        )

        # Rescheduling: an update of the same event.
        def move_first_session(page, sessions):
            session = sessions[0]
            session.start += timedelta(days=1)
            session.end += timedelta(days=1)

        seen = len(self.mailbox.messages)
        with self.captureOnCommitCallbacks(execute=True):
            publish(self.cohort, move_first_session)
        [update] = self.sent(seen)
        part, calendar = calendar_part(update)
        [event] = calendar.events
        self.assertEqual(part.get_param("method"), "REQUEST")
        self.assertEqual(event["UID"], uid_of(first))
        self.assertEqual(event["SEQUENCE"], 1)
        self.assertEqual(
            event.start.astimezone(UTC), datetime(2038, 3, 16, 7, 0, tzinfo=UTC)
        )

        # Deleting: a cancellation of the same event.
        def delete_first_session(page, sessions):
            del sessions[0]

        seen = len(self.mailbox.messages)
        with self.captureOnCommitCallbacks(execute=True):
            publish(self.cohort, delete_first_session)
        # The other two now follow other experiments: what each says to
        # bring has changed, so each gets an update.
        cancel, *updates = sorted(
            self.sent(seen), key=lambda m: calendar_part(m)[0].get_param("method")
        )
        self.assertEqual(
            [calendar_part(update)[1]["METHOD"] for update in updates],
            ["REQUEST", "REQUEST"],
        )
        part, calendar = calendar_part(cancel)
        [event] = calendar.events
        self.assertEqual(part.get_param("method"), "CANCEL")
        self.assertEqual(calendar["METHOD"], "CANCEL")
        self.assertEqual(event["UID"], uid_of(first))
        self.assertEqual(event["SEQUENCE"], 2)
        self.assertEqual(event["STATUS"], "CANCELLED")
        self.assertEqual(event["ATTENDEE"], "mailto:anna@example.fi")
        self.assertEqual(cancel["To"], "anna@example.fi")

        # Each message arrived once.
        self.assertEqual(set(self.mailbox.by_id().values()), {1})
        self.assertEqual(len(self.sent(0)), 7)

    def test_invites_wait_while_the_mail_server_is_down_and_arrive_once(self):
        self.stop_smtp()
        with (
            self.assertLogs("outbox.sending", "WARNING"),
            self.captureOnCommitCallbacks(execute=True),
        ):
            enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")
        self.assertEqual(len(emails(state="pending")), 3)

        self.start_smtp()
        a_minute_later = timezone.now() + timedelta(minutes=1)
        send_pending(now=a_minute_later)  # e.g. from the timer
        send_pending(now=a_minute_later)

        self.assertEqual(len(self.sent(0)), 3)
        self.assertEqual(set(self.mailbox.by_id().values()), {1})


class InviteTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)

    def test_each_person_enrolled_gets_an_invite_per_session(self):
        anna, bertil = make_participants(self.cohort, 2)
        trainer = enrol(self.cohort, "tero@example.fi", role=Enrollment.Role.TRAINER)

        for person in (anna, bertil, trainer):
            invites = emails(to=person.email)
            self.assertEqual(len(invites), 3)
            self.assertEqual({email.kind for email in invites}, {Kind.INVITE})
            self.assertEqual(
                {event_of(email)[1]["UID"] for email in invites},
                {uid_of(session) for session in self.cohort.sessions.all()},
            )

    def test_saving_an_enrolment_again_sends_nothing_more(self):
        [anna] = make_participants(self.cohort, 1)

        anna.organisation = "Another office"
        anna.save()
        enrol(self.cohort, anna.email, role=Enrollment.Role.TRAINER)

        self.assertEqual(len(emails()), 3)

    def test_publishing_a_draft_cohort_invites_the_people_already_enrolled(self):
        draft = CohortPage(title="Draft", start_date=date(2038, 9, 6), live=False)
        draft.plan_from_course(self.course)
        self.course.add_child(instance=draft)
        make_participants(draft, 2)
        enrol(draft, "tero@example.fi", role=Enrollment.Role.TRAINER)
        self.assertEqual(OutgoingEmail.objects.count(), 0)

        draft.save_revision().publish()

        self.assertEqual(OutgoingEmail.objects.filter(kind=Kind.INVITE).count(), 9)
        self.assertEqual(
            set(CalendarEntry.objects.filter(cohort=draft).values_list("sequence")),
            {(0,)},
        )

    def test_publishing_without_changes_sends_nothing(self):
        make_participants(self.cohort, 2)

        publish(self.cohort, lambda page, sessions: None)
        publish(
            self.cohort,
            lambda page, sessions: setattr(page, "organisations", "Office"),
        )

        self.assertEqual(len(emails()), 6)

    def test_a_changed_agenda_sends_an_update_to_everyone(self):
        make_participants(self.cohort, 2)

        def change_agenda(page, sessions):
            sessions[1].agenda = "A new agenda"

        publish(self.cohort, change_agenda)

        updates = emails(kind=Kind.UPDATE)
        self.assertEqual(len(updates), 2)
        self.assertEqual({event_of(email)[1]["SEQUENCE"] for email in updates}, {1})
        self.assertIn("A new agenda", updates[0].text)

    def test_removing_a_person_cancels_their_sessions_and_nobody_elses(self):
        anna, bertil = make_participants(self.cohort, 2)

        anna.delete()

        cancels = emails(ics_method="CANCEL")
        self.assertEqual(len(cancels), 3)
        self.assertEqual({email.to for email in cancels}, {anna.email})
        self.assertEqual({email.kind for email in cancels}, {Kind.REMOVED})
        for email in cancels:
            calendar, event = event_of(email)
            self.assertEqual(calendar["METHOD"], "CANCEL")
            self.assertEqual(event["SEQUENCE"], 1)
            self.assertEqual(event["STATUS"], "CANCELLED")

    def test_a_person_enrolled_again_gets_a_higher_sequence_than_the_cancel(self):
        [anna] = make_participants(self.cohort, 1)
        anna.delete()

        enrol(self.cohort, anna.email)

        [session_invite, removal, again] = emails(
            key__startswith=f"invite:{self.cohort.sessions.first().uid}:"
        )
        sequences = [event_of(email)[1]["SEQUENCE"] for email in (removal, again)]
        self.assertEqual((removal.ics_method, again.ics_method), ("CANCEL", "REQUEST"))
        self.assertEqual(sequences, [1, 2])

    def test_moving_a_person_to_another_cohort_moves_their_invites(self):
        other = make_cohort(self.course, title="Cohort B", start_date=date(2038, 9, 6))
        [anna] = make_participants(self.cohort, 1)

        anna.cohort = other
        anna.save()

        removed = emails(ics_method="CANCEL")
        self.assertEqual(len(removed), 3)
        self.assertEqual(
            {event_of(email)[1]["UID"] for email in removed},
            {uid_of(session) for session in self.cohort.sessions.all()},
        )
        self.assertEqual(
            {event_of(email)[1]["UID"] for email in emails()[-3:]},
            {uid_of(session) for session in other.sessions.all()},
        )

    def test_deleting_the_cohort_cancels_its_sessions_for_everyone(self):
        make_participants(self.cohort, 2)

        self.cohort.delete()

        cancels = emails(ics_method="CANCEL")
        self.assertEqual(len(cancels), 6)
        self.assertEqual({email.kind for email in cancels}, {Kind.CANCEL})

    def test_sessions_that_have_ended_are_not_sent(self):
        today = datetime.now(UTC).date()
        running = make_cohort(
            self.course, title="Running", start_date=today - timedelta(days=20)
        )

        make_participants(running, 1)

        [upcoming] = [s for s in running.sessions.all() if s.start.date() > today]
        [invite] = emails()
        self.assertEqual(event_of(invite)[1]["UID"], uid_of(upcoming))

    def test_a_join_link_created_by_a_provider_reaches_the_invites(self):
        [anna] = make_participants(self.cohort, 1)

        def use_jitsi(page, sessions):
            sessions[0].meeting_provider = "jitsi"

        with override_settings(VIRTU_MEETINGS={"jitsi": {}}):
            self.cohort = publish(self.cohort, use_jitsi)
        session = self.cohort.sessions.first()
        link = Meeting.objects.get(session_uid=session.uid).join_url

        [update] = emails(kind=Kind.UPDATE)
        calendar, event = event_of(update)
        self.assertEqual(event["SEQUENCE"], 1)
        self.assertEqual(event["LOCATION"], link)
        self.assertIn(link, update.text)


class InviteTextTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course(), title="Itä-Suomi")

        def add_link(page, sessions):
            sessions[1].meeting_url = "https://meet.example.fi/virtu-2"

        cls.cohort = publish(cls.cohort, add_link)

    def invite(self, person, number):
        session = self.cohort.sessions.all()[number]
        send_pending()  # the worker makes the emails
        return OutgoingEmail.objects.get(
            key__startswith=f"invite:{session.uid}:{person.user_id}:"
        )

    def test_the_text_gives_local_time_link_and_agenda_in_finnish_by_default(self):
        finn = enrol(self.cohort, "aino@example.fi", "Aino")

        email = self.invite(finn, 1)

        # 29 March 2038 is the day after summer time starts: still 9.00 there.
        self.assertIn("29. maaliskuuta 2038", email.text)
        self.assertIn("9.00–12.30 (Europe/Helsinki)", email.text)
        self.assertIn("https://meet.example.fi/virtu-2", email.text)
        self.assertIn("Agenda 2", email.text)
        self.assertIn("Itä-Suomi – Session 2", email.subject)
        self.assertIn('href="https://meet.example.fi/virtu-2"', email.html)

    def test_the_text_is_in_the_language_the_person_chose(self):
        user = make_user("emma@example.fi", language="en", first_name="Emma")
        english = enrol(self.cohort, user.email)

        email = self.invite(english, 1)

        self.assertIn("Hello Emma,", email.text)
        self.assertIn("March 29, 2038, 9 a.m.–12:30 p.m. (Europe/Helsinki)", email.text)
        self.assertTrue(email.subject.startswith("Invitation: Itä-Suomi – Session 2"))

    def test_html_escapes_what_coordinators_typed(self):
        def risky_agenda(page, sessions):
            sessions[0].agenda = "<script>alert(1)</script>"

        cohort = publish(self.cohort, risky_agenda)
        person = enrol(cohort, "aino@example.fi")

        email = self.invite(person, 0)

        self.assertNotIn("<script>", email.html)
        self.assertIn("&lt;script&gt;", email.html)
        self.assertIn("<script>alert(1)</script>", email.text)


class PreparationLanguageTests(SimpleTestCase):
    @override_settings(LANGUAGE_CODE="en-us")
    def test_the_preparation_is_read_in_a_variant_of_an_offered_language(self):
        """A site whose language is "en-us" (``wagtail start``'s) sends
        people who chose no language the English preparation."""
        event = {
            "preparation": {"fi": "Tuo kokeilusi.", "en": "Bring your experiment."}
        }
        with translation.override("en-us"):
            self.assertEqual(preparation_in(event), "Bring your experiment.")
        self.assertEqual(preparation_in(event, "sv-fi"), "Bring your experiment.")
