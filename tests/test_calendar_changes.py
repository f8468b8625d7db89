"""Every change a coordinator makes in the admin reaches people's calendars
as exactly the messages it calls for: a real SMTP server receives them, and
each test names who got which method, UID and SEQUENCE."""

from collections import Counter
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import icalendar
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from assignments.models import Experiment, Reflection
from cohorts import conf
from cohorts.calendar import ical
from cohorts.emails import local_times
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Session
from courses.permissions import COORDINATORS
from outbox.models import OutgoingEmail
from outbox.scheduling import registered, run_due_jobs
from outbox.sending import send_pending

from .factories import (
    cohort_edit_data,
    make_cohort,
    make_coordinator,
    make_course,
    make_trainer,
    make_user,
)
from .test_outbox import SMTPServerMixin
from .test_progress import reflect

ANNA, BERTIL = "anna@example.fi", "bertil@example.fi"
#: The form of a session added after the three, which nothing depends on.
FOURTH_SESSION = {
    "title": "Session 4",
    "start": "2038-04-26 09:00",
    "end": "2038-04-26 12:30",
    "meeting_url": "",
    "meeting_provider": "",
    "agenda": "",
}


def calendar_messages(messages):
    """{(to, METHOD, UID, SEQUENCE)} of the messages that carry a calendar,
    checking that the MIME part and the file name the same method."""
    found = []
    for message in messages:
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        if not parts:
            continue
        [part] = parts
        cal = icalendar.Calendar.from_ical(part.get_content())
        assert part.get_param("method") == cal["METHOD"], message["Subject"]
        [event] = cal.events
        found.append(
            (message["To"], str(cal["METHOD"]), str(event["UID"]), event["SEQUENCE"])
        )
    return found


def uid(session):
    return f"session-{session.uid}@{conf.calendar_domain()}"


class CalendarChangeTestCase(SMTPServerMixin, WagtailTestUtils, TestCase):
    """A published cohort of three sessions with Anna and Bertil in it, whose
    invites have arrived; a coordinator signed in to the admin."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.coordinator = make_coordinator()

    def setUp(self):
        super().setUp()
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, ANNA, "Anna", "Aalto")
            enrol(self.cohort, BERTIL, "Bertil", "Berg")
        self.assertEqual(len(self.received()), 6)
        self.client.force_login(self.coordinator)

    def received(self):
        """The calendar messages that arrived since the last call."""
        send_pending()  # what the worker would do next
        seen = getattr(self, "seen", 0)
        self.seen = len(self.mailbox.messages)
        return calendar_messages(self.mailbox.messages[seen:])

    def sessions(self):
        return list(Session.objects.filter(page=self.cohort).order_by("sort_order"))

    def page(self):
        return CohortPage.objects.get(pk=self.cohort.pk)

    def edit(self, session_changes=None, **fields):
        """Post the cohort's edit form and publish it, as a coordinator does."""
        page = self.page().get_latest_revision_as_object()
        data = cohort_edit_data(page, session_changes, **fields)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
            )
        self.assertEqual(response.status_code, 302, response.content[-3000:])
        return response

    def unpublish(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:unpublish", args=[self.cohort.pk])
            )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.page().live)

    def everyone(self, method, sessions, sequence, people=(ANNA, BERTIL)):
        return sorted(
            (person, method, uid(session), sequence)
            for person in people
            for session in sessions
        )

    def assertReceived(self, expected):
        self.assertEqual(sorted(self.received()), sorted(expected))


class PublishingTest(CalendarChangeTestCase):
    def test_publishing_unchanged_sends_nothing_even_with_browser_line_endings(self):
        self.edit(lambda s: {"agenda": f"{s.title}\nOn Teams\n"})
        self.assertReceived(self.everyone("REQUEST", self.sessions(), 1))
        self.assertEqual(self.sessions()[0].agenda, "Session 1\nOn Teams")

        # Browsers send CRLF where the stored agendas have LF.
        self.edit(lambda s: {"agenda": s.agenda.replace("\n", "\r\n") + "\r\n"})
        self.edit(organisations="Aluehallintovirasto")

        self.assertReceived([])

    def test_moving_a_session_sends_one_update_of_the_same_event_to_each(self):
        first = self.sessions()[0]

        self.edit(
            lambda s: (
                {"start": "2038-03-16 10:00", "end": "2038-03-16 13:30"}
                if s.pk == first.pk
                else {}
            )
        )

        self.assertReceived(self.everyone("REQUEST", [first], 1))

    def texts_since(self, count):
        """The plain text of each message that arrived after the first
        ``count``, with its recipient."""
        return [
            (message["To"], message.get_body(("plain",)).get_content())
            for message in self.mailbox.messages[count:]
        ]

    def test_an_update_says_what_changed(self):
        first = self.sessions()[0]
        count = len(self.mailbox.messages)
        self.edit(
            lambda s: (
                {
                    "start": "2038-03-16 10:00",
                    "end": "2038-03-16 13:30",
                    "meeting_url": "https://meet.example.fi/new-room",
                }
                if s.pk == first.pk
                else {}
            ),
            title="Cohort A, spring",
        )
        self.received()
        with translation.override("fi"):  # the recipients' language
            expected = [
                gettext("The time was %(when)s.") % {"when": local_times(first)},
                gettext("It was called %(title)s.")
                % {"title": f"Cohort A – {first.title}"},
                gettext("The meeting link has changed."),
            ]
        updates = [
            text for __, text in self.texts_since(count) if f"– {first.title}" in text
        ]
        self.assertEqual(len(updates), 2, self.texts_since(count))  # Anna and Bertil
        for text in updates:
            for line in expected:
                self.assertIn(f"- {line}", text)

    def test_an_update_of_the_name_alone_does_not_speak_of_the_time(self):
        count = len(self.mailbox.messages)
        self.edit(title="Cohort A, spring")
        self.received()
        with translation.override("fi"):
            moved = gettext("The time was %(when)s.").split("%")[0]
            renamed = gettext("It was called %(title)s.").split("%")[0]
        texts = [text for __, text in self.texts_since(count)]
        self.assertEqual(len(texts), 6)
        for text in texts:
            self.assertIn(renamed, text)
            self.assertNotIn(moved, text)

    def test_renaming_the_cohort_updates_every_session_and_the_downloads(self):
        self.edit(title="Cohort A, spring")

        self.assertReceived(self.everyone("REQUEST", self.sessions(), 1))
        download = icalendar.Calendar.from_ical(ical.cohort_file(self.page()))
        self.assertEqual(
            [(str(e["SUMMARY"]), e["SEQUENCE"]) for e in download.events],
            [(f"Cohort A, spring – Session {n}", 1) for n in (1, 2, 3)],
        )

    def test_changing_the_time_zone_updates_every_session(self):
        self.edit(time_zone="Europe/Stockholm")

        self.assertReceived(self.everyone("REQUEST", self.sessions(), 1))

    def test_a_new_time_zone_gives_each_session_in_finnish_time_too(self):
        profile = UserProfile.get_for_user(get_user_model().objects.get(email=BERTIL))
        profile.preferred_language = "sv"
        profile.save()
        count = len(self.mailbox.messages)

        self.edit(time_zone="Europe/Stockholm")
        self.received()

        # 9.00 in Stockholm is 10.00 in Finland, in each person's language.
        texts = {
            to: text.splitlines()
            for to, text in self.texts_since(count)
            if "Session 1" in text
        }
        when = texts[ANNA].index(
            "maanantai 15. maaliskuuta 2038 klo 9.00–12.30 (Europe/Stockholm)"
        )
        self.assertEqual(
            texts[ANNA][when + 1],
            "Suomen aikaa: maanantai 15. maaliskuuta 2038 klo 10.00–13.30 "
            "(Europe/Helsinki)",
        )
        when = texts[BERTIL].index(
            "måndag 15 mars 2038 kl. 9.00–12.30 (Europe/Stockholm)"
        )
        self.assertEqual(
            texts[BERTIL][when + 1],
            "Finländsk tid: måndag 15 mars 2038 kl. 10.00–13.30 (Europe/Helsinki)",
        )
        [html, *__] = [
            message.get_body(("html",)).get_content()
            for message in self.mailbox.messages[count:]
            if message["To"] == ANNA
        ]
        self.assertIn("<br>Suomen aikaa: ", html)
        # Invites of a cohort in Finnish time say it once.
        for message in self.mailbox.messages[:count]:
            self.assertNotIn("Suomen aikaa", message.get_body(("plain",)).get_content())

    def test_deleting_a_session_cancels_it_for_everyone(self):
        last = self.sessions()[2]

        self.edit(
            lambda s: {"DELETE": "1"} if s.pk == last.pk else {},
            # With the experiment it preceded: one after the last session
            # would have no due date (the form refuses that).
            experiment_changes=lambda e: (
                {"DELETE": "1"} if e.after_session == 2 else {}
            ),
        )

        self.assertReceived(self.everyone("CANCEL", [last], 1))
        self.edit()
        self.assertReceived([])

    def test_a_session_moved_to_a_past_date_leaves_the_weeks_to_come(self):
        # Held earlier than planned, and its date corrected afterwards: the
        # calendars that have it still to come are told when it was.
        first = self.sessions()[0]
        held = timezone.localtime(timezone.now() - timedelta(days=3))
        self.edit(
            lambda s: (
                {
                    "start": held.strftime("%Y-%m-%d %H:%M"),
                    "end": (held + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
                }
                if s.pk == first.pk
                else {}
            )
        )
        self.assertReceived(self.everyone("REQUEST", [first], 1))

        # Past, it is history: nothing more about it, not to newcomers either.
        self.edit(title="Cohort A, spring")
        self.received()
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "cecilia@example.fi", "Cecilia", "Corte")
        self.assertReceived(
            self.everyone("REQUEST", self.sessions()[1:], 1, ["cecilia@example.fi"])
        )

    def test_unpublishing_cancels_and_publishing_again_invites_back(self):
        self.unpublish()
        self.assertReceived(self.everyone("CANCEL", self.sessions(), 1))

        self.edit()
        self.assertReceived(self.everyone("REQUEST", self.sessions(), 2))

    def test_someone_enrolled_while_unpublished_is_invited_on_publishing(self):
        self.unpublish()
        self.received()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("enrollments:add"),
                {
                    "cohort": self.cohort.pk,
                    "email": "cecilia@example.fi",
                    "first_name": "Cecilia",
                    "last_name": "Corte",
                    "role": "participant",
                    "organisation": "",
                },
            )
        self.assertReceived([])

        self.edit()

        self.assertReceived(
            self.everyone("REQUEST", self.sessions(), 2)
            + self.everyone("REQUEST", self.sessions(), 2, ["cecilia@example.fi"])
        )

    def test_deleting_the_cohort_cancels_everything(self):
        sessions = self.sessions()
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:delete", args=[self.cohort.pk])
            )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(CohortPage.objects.filter(pk=self.cohort.pk).exists())

        self.assertReceived(self.everyone("CANCEL", sessions, 1))


class RenamingTest(CalendarChangeTestCase):
    """A cohort's name is in the SUMMARY of each of its events, and Outlook
    takes a new SUMMARY only from an update of that event (its UID, a higher
    SEQUENCE). A REQUEST of several UIDs is read as its first event alone, so
    each coming session is updated by its own email, one VEVENT each; those
    emails say that only the name changed."""

    def rename(self, session_changes=None, **fields):
        """The outbox rows that publishing the cohort under a new name
        makes, once the worker has sent them."""
        before = list(OutgoingEmail.objects.values_list("pk", flat=True))
        self.edit(session_changes, **{"title": "Cohort A, spring", **fields})
        send_pending()
        return list(OutgoingEmail.objects.exclude(pk__in=before).order_by("pk"))

    def test_each_person_gets_one_update_per_coming_session_with_the_new_name(self):
        emails = self.rename()

        self.assertEqual(Counter(email.to for email in emails), {ANNA: 3, BERTIL: 3})
        expected = sorted(
            (uid(s), 1, f"Cohort A, spring – {s.title}") for s in self.sessions()
        )
        for person in (ANNA, BERTIL):
            events = []
            for email in emails:
                if email.to != person:
                    continue
                cal = icalendar.Calendar.from_ical(email.ics)
                self.assertEqual(cal["METHOD"], "REQUEST")
                [event] = cal.events
                events.append(
                    (str(event["UID"]), event["SEQUENCE"], str(event["SUMMARY"]))
                )
            self.assertEqual(sorted(events), expected)

    def test_the_updates_of_a_renamed_cohort_say_its_time_is_the_same(self):
        emails = self.rename()

        with translation.override("fi"):  # the recipients' language
            subject = gettext("New name, same time: %(title)s, %(when)s")
            renamed = gettext(
                "This session has a new name. Its time and how to join it are "
                "the same. Accept the update, and your calendar shows the new "
                "name."
            )
            each = gettext(
                "The cohort has a new name, so you get an update for each of "
                "its coming sessions."
            )
            moved = gettext("The time was %(when)s.").split("%")[0]
            changed = gettext(
                "This session has changed. Accept the update, and your "
                "calendar shows the new details."
            )
        for email in emails:
            self.assertTrue(
                email.subject.startswith(subject.split("%")[0]), email.subject
            )
            self.assertIn("Cohort A, spring – Session", email.subject)
            for text in (email.text, email.html):
                self.assertIn(renamed, text)
                self.assertIn(each, text)
                self.assertNotIn(moved, text)
                self.assertNotIn(changed, text)

    def test_a_session_moved_as_the_cohort_is_renamed_is_not_said_to_keep_its_time(
        self,
    ):
        first = self.sessions()[0]

        emails = self.rename(
            lambda s: (
                {"start": "2038-03-16 10:00", "end": "2038-03-16 13:30"}
                if s.pk == first.pk
                else {}
            )
        )

        with translation.override("fi"):
            same_time = gettext("New name, same time: %(title)s, %(when)s")
            updated = gettext("Updated: %(title)s, %(when)s")
            moved = gettext("The time was %(when)s.").split("%")[0]
        self.assertEqual(len(emails), 6)
        for email in emails:
            if email.params["uid"] == str(first.uid):
                self.assertTrue(email.subject.startswith(updated.split("%")[0]))
                self.assertIn(moved, email.text)
            else:
                self.assertTrue(email.subject.startswith(same_time.split("%")[0]))
                self.assertNotIn(moved, email.text)

    def test_renaming_one_session_does_not_speak_of_the_others(self):
        first = self.sessions()[0]

        emails = self.rename(
            lambda s: {"title": "Opening"} if s.pk == first.pk else {},
            title=self.cohort.title,
        )

        with translation.override("fi"):
            same_time = gettext("New name, same time: %(title)s, %(when)s")
            each = gettext(
                "The cohort has a new name, so you get an update for each of "
                "its coming sessions."
            )
        self.assertEqual(Counter(email.to for email in emails), {ANNA: 1, BERTIL: 1})
        for email in emails:
            self.assertTrue(email.subject.startswith(same_time.split("%")[0]))
            self.assertNotIn(each, email.text)


class RevisionTest(CalendarChangeTestCase):
    def revert(self, revision):
        """Open an older revision in the admin and publish it as it is."""
        url = reverse(
            "wagtailadmin_pages:revisions_revert", args=[self.cohort.pk, revision.pk]
        )
        self.assertEqual(self.client.get(url).status_code, 200)
        data = cohort_edit_data(revision.as_object())
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url, data)

    def test_reverting_sends_the_event_back_as_it_was(self):
        original = self.page().live_revision
        first = self.sessions()[0]
        self.edit(
            lambda s: (
                {"start": "2038-03-16 10:00", "end": "2038-03-16 13:30"}
                if s.pk == first.pk
                else {}
            )
        )
        self.received()

        response = self.revert(original)

        self.assertEqual(response.status_code, 302)
        self.assertReceived(self.everyone("REQUEST", [first], 2))

    def test_reverting_to_a_revision_with_a_deleted_session_restores_it(self):
        # A fourth session, which nothing depends on, so it may be removed.
        self.edit(
            extra_sessions=[
                {
                    "title": "Session 4",
                    "start": "2038-04-26 09:00",
                    "end": "2038-04-26 12:30",
                    "meeting_url": "",
                    "meeting_provider": "",
                    "agenda": "",
                }
            ]
        )
        # Published again: a revision holds a new session's id only from the
        # next one on.
        self.edit()
        with_fourth = self.page().live_revision
        fourth = self.sessions()[3]
        self.edit(lambda s: {"DELETE": "1"} if s.pk == fourth.pk else {})
        self.received()

        response = self.revert(with_fourth)

        self.assertEqual(response.status_code, 302, response.content[-3000:])
        restored = Session.objects.get(page=self.cohort, title="Session 4")
        self.assertEqual(restored.uid, fourth.uid)
        self.assertReceived(self.everyone("REQUEST", [fourth], 2))

    def test_reverting_to_the_revision_that_added_a_removed_session_restores_it(
        self,
    ):
        # The revision published as the session was added holds it without
        # an id: its row had none yet.
        self.edit(extra_sessions=[FOURTH_SESSION])
        adding = self.page().live_revision
        fourth = self.sessions()[3]
        self.assertReceived(self.everyone("REQUEST", [fourth], 0))
        self.edit(lambda s: {"DELETE": "1"} if s.pk == fourth.pk else {})
        self.assertReceived(self.everyone("CANCEL", [fourth], 1))
        seen = len(self.mailbox.messages)

        response = self.revert(adding)

        self.assertEqual(response.status_code, 302, response.content[-3000:])
        restored = Session.objects.get(page=self.cohort, title="Session 4")
        self.assertEqual(restored.uid, fourth.uid)
        # The same event is back in each calendar, above its cancellation.
        self.assertReceived(self.everyone("REQUEST", [fourth], 2))
        for message in self.mailbox.messages[seen:]:
            [part] = [
                p for p in message.walk() if p.get_content_type() == "text/calendar"
            ]
            [event] = icalendar.Calendar.from_ical(part.get_content()).events
            self.assertEqual(event["STATUS"], "CONFIRMED")
        self.edit()
        self.assertReceived([])

    def test_reverting_a_moved_session_to_the_revision_that_added_it_updates_it(
        self,
    ):
        self.edit(extra_sessions=[FOURTH_SESSION])
        adding = self.page().live_revision
        fourth = self.sessions()[3]
        self.received()
        self.edit(
            lambda s: (
                {"start": "2038-04-27 09:00", "end": "2038-04-27 12:30"}
                if s.pk == fourth.pk
                else {}
            )
        )
        self.assertReceived(self.everyone("REQUEST", [fourth], 1))

        response = self.revert(adding)

        self.assertEqual(response.status_code, 302, response.content[-3000:])
        self.assertEqual(
            [(s.pk, s.uid) for s in self.sessions()][3], (fourth.pk, fourth.uid)
        )
        # An update of the event they have, not a new one and a cancel.
        self.assertReceived(self.everyone("REQUEST", [fourth], 2))

    def test_reverting_to_a_revision_with_a_removed_experiment_restores_it(self):
        # Published once from the admin: a revision holds the experiments'
        # ids from then on.
        self.edit()
        with_all = self.page().live_revision
        removed = self.cohort.experiments.order_by("sort_order").last()
        self.edit(
            experiment_changes=lambda e: {"DELETE": "1"} if e.pk == removed.pk else {}
        )
        self.assertFalse(Experiment.objects.filter(pk=removed.pk).exists())

        response = self.revert(with_all)

        self.assertEqual(response.status_code, 302, response.content[-3000:])
        restored = self.cohort.experiments.get(title=removed.title)
        self.assertEqual(
            (restored.after_session, restored.prompts),
            (removed.after_session, removed.prompts),
        )


class ScheduledAndWorkflowTest(CalendarChangeTestCase):
    def run_the_workers_jobs(self, hours_later):
        """The periodic jobs every worker runs (no cron), ``hours_later``."""
        later = timezone.now() + timedelta(hours=hours_later)
        with (
            mock.patch("django.utils.timezone.now", return_value=later),
            self.captureOnCommitCallbacks(execute=True),
        ):
            run_due_jobs("worker-1", now=later)

    def test_the_workers_publish_a_scheduled_cohort_within_a_minute(self):
        first = self.sessions()[0]
        go_live = timezone.localtime(timezone.now() + timedelta(hours=1))
        self.edit(
            lambda s: {"title": "Opening"} if s.pk == first.pk else {},
            go_live_at=go_live.strftime("%Y-%m-%d %H:%M"),
        )
        self.assertReceived([])

        self.run_the_workers_jobs(2)

        self.assertEqual(self.sessions()[0].title, "Opening")
        self.assertReceived(self.everyone("REQUEST", [first], 1))
        # Scheduled to the minute in the editor, published within it.
        job = registered()["courses.publish_scheduled"]
        self.assertLessEqual(job.every, timedelta(minutes=1))

    def test_the_workers_unpublish_a_cohort_when_it_expires_and_cancel(self):
        expire = timezone.localtime(timezone.now() + timedelta(hours=1))
        self.edit(expire_at=expire.strftime("%Y-%m-%d %H:%M"))
        self.assertReceived([])

        self.run_the_workers_jobs(2)

        self.assertFalse(self.page().live)
        self.assertTrue(self.page().expired)
        self.assertReceived(self.everyone("CANCEL", self.sessions(), 1))
        # Published again, everyone is invited again above the cancellation.
        self.edit(expire_at="")
        self.assertReceived(self.everyone("REQUEST", self.sessions(), 2))

    def test_a_draft_of_a_live_cohort_says_nobody_is_told_until_it_is_published(
        self,
    ):
        draft = cohort_edit_data(
            self.page().get_latest_revision_as_object(),
            lambda s: {"title": "Opening"},
        )
        del draft["action-publish"]
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                draft,
                follow=True,
            )

        self.assertReceived([])
        self.assertIn(
            "Saved as a draft: participants and trainers still see the published "
            "cohort, and their calendars are not updated, until you publish it.",
            [str(message) for message in response.context["messages"]],
        )

        # Published, it is said no more.
        response = self.edit()
        messages = [str(m) for m in self.client.get(response.url).context["messages"]]
        self.assertFalse([m for m in messages if m.startswith("Saved as a draft")])

    def submit_for_approval(self, data):
        """Cohorts are approved by another coordinator (the course index's
        workflow, "Approval by the coordinators"). ``data`` (the edit form)
        is submitted by one coordinator."""
        del data["action-publish"]
        data["action-submit"] = "submit"
        editor = make_user("editor@example.fi", groups=[COORDINATORS])
        self.client.force_login(editor)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
            )

    def approve(self):
        """Another coordinator approves what was submitted."""
        approver = make_user("approver@example.fi", groups=[COORDINATORS])
        self.client.force_login(approver)
        state = self.page().current_workflow_task_state
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse(
                    "wagtailadmin_pages:workflow_action",
                    args=[self.cohort.pk, "approve", state.pk],
                ),
                {"comment": ""},
            )
        self.assertEqual(response.status_code, 302)

    def test_approving_a_workflow_publishes_and_sends_the_update(self):
        first = self.sessions()[0]
        page = self.page().get_latest_revision_as_object()
        self.submit_for_approval(
            cohort_edit_data(
                page, lambda s: {"title": "Opening"} if s.pk == first.pk else {}
            )
        )
        self.assertReceived([])

        self.approve()

        self.assertEqual(self.sessions()[0].title, "Opening")
        self.assertReceived(self.everyone("REQUEST", [first], 1))

    def test_approving_keeps_an_experiment_written_about_while_it_waited(self):
        second = self.page().experiments.get(after_session=2)
        self.submit_for_approval(
            cohort_edit_data(
                self.page().get_latest_revision_as_object(),
                experiment_changes=lambda e: (
                    {"DELETE": "1"} if e.pk == second.pk else {}
                ),
            )
        )
        anna = self.page().enrollments.get(user__email=ANNA)
        reflection = reflect(anna, second)

        self.approve()

        self.assertFalse(self.page().has_unpublished_changes)  # published
        self.assertTrue(Reflection.objects.filter(pk=reflection.pk).exists())
        self.assertIn(second, self.page().experiments.all())
        self.assertReceived([])


class PeopleTest(CalendarChangeTestCase):
    def enrolment(self, email):
        return self.page().enrollments.get(user__email=email)

    def test_a_new_address_cancels_the_old_one_and_invites_the_new_one(self):
        anna = self.enrolment(ANNA)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("enrollments:edit", args=[anna.pk]),
                {
                    "cohort": self.cohort.pk,
                    "email": "anna.aalto@example.fi",
                    "first_name": "Anna",
                    "last_name": "Aalto",
                    "role": "participant",
                    "organisation": "",
                },
            )
        self.assertEqual(response.status_code, 302)

        sessions = self.sessions()
        self.assertReceived(
            self.everyone("CANCEL", sessions, 1, [ANNA])
            + self.everyone("REQUEST", sessions, 1, ["anna.aalto@example.fi"])
        )

    def test_an_account_whose_address_changes_moves_its_events(self):
        user = self.enrolment(BERTIL).user
        with self.captureOnCommitCallbacks(execute=True):
            user.email = "bertil.berg@example.fi"
            user.save()

        sessions = self.sessions()
        self.assertReceived(
            self.everyone("CANCEL", sessions, 1, [BERTIL])
            + self.everyone("REQUEST", sessions, 1, ["bertil.berg@example.fi"])
        )

    def test_removing_someone_cancels_their_sessions_and_nobody_elses(self):
        bertil = self.enrolment(BERTIL)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("enrollments:delete", args=[bertil.pk]))
        self.assertEqual(response.status_code, 302)

        self.assertReceived(self.everyone("CANCEL", self.sessions(), 1, [BERTIL]))
        self.edit()
        self.assertReceived([])

    def test_someone_enrolled_again_gets_their_events_back_above_the_cancel(self):
        with self.captureOnCommitCallbacks(execute=True):
            self.enrolment(BERTIL).delete()
        self.received()

        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, BERTIL, "Bertil", "Berg")

        self.assertReceived(self.everyone("REQUEST", self.sessions(), 2, [BERTIL]))


class ClosedAccountTest(CalendarChangeTestCase):
    """A closed account (someone who left) is sent nothing about its
    cohort's sessions, not even a cancellation; opened again, it gets what
    its calendar missed, once."""

    def bertil(self):
        return self.page().enrollments.get(user__email=BERTIL).user

    def set_open(self, user, is_open, **fields):
        with self.captureOnCommitCallbacks(execute=True):
            user.is_active = is_open
            for name, value in fields.items():
                setattr(user, name, value)
            user.save()

    def set_open_in_bulk(self, user, is_open):
        """Wagtail's "Set active state" on the users' list, which saves no
        account."""
        admin, __ = get_user_model().objects.get_or_create(
            username="root@example.fi", is_superuser=True, is_staff=True
        )
        self.client.force_login(admin)
        query = urlencode({"next": reverse("wagtailusers_users:index"), "id": user.pk})
        url = reverse(
            "wagtail_bulk_action",
            args=[user._meta.app_label, user._meta.model_name, "set_active_state"],
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                f"{url}?{query}", {"mark_as_active": str(is_open)}
            )
        self.assertEqual(response.status_code, 302)
        user.refresh_from_db()
        self.assertEqual(user.is_active, is_open)
        self.client.force_login(self.coordinator)

    def test_an_account_opened_on_the_users_list_catches_up(self):
        bertil = self.bertil()
        self.set_open_in_bulk(bertil, False)
        first = self.sessions()[0]
        self.move(first)
        place = self.page().enrollments.get(user=bertil)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("enrollments:delete", args=[place.pk]))
        self.assertReceived([(ANNA, "REQUEST", uid(first), 1)])

        self.set_open_in_bulk(bertil, True)

        # Withdrawn while closed: his calendar loses the sessions now, the
        # moved one above Anna's update.
        first, *others = self.sessions()
        self.assertReceived(
            [(BERTIL, "CANCEL", uid(first), 2)]
            + self.everyone("CANCEL", others, 1, [BERTIL])
        )

    def move(self, session):
        self.edit(
            lambda s: (
                {"start": "2038-03-16 10:00", "end": "2038-03-16 13:30"}
                if s.pk == session.pk
                else {}
            )
        )

    def test_a_closed_account_gets_a_moved_session_only_once_opened_again(self):
        bertil = self.bertil()
        self.set_open(bertil, False)
        self.assertReceived([])
        first = self.sessions()[0]

        self.move(first)

        self.assertReceived([(ANNA, "REQUEST", uid(first), 1)])
        self.set_open(bertil, True)
        # Above Anna's SEQUENCE, which his calendar never saw.
        self.assertReceived([(BERTIL, "REQUEST", uid(first), 2)])
        self.set_open(bertil, True)
        self.edit()
        self.assertReceived([])

    def test_a_closed_account_keeps_a_deleted_session_until_opened_again(self):
        bertil = self.bertil()
        self.set_open(bertil, False)
        last = self.sessions()[2]

        self.edit(
            lambda s: {"DELETE": "1"} if s.pk == last.pk else {},
            experiment_changes=lambda e: (
                {"DELETE": "1"} if e.after_session == 2 else {}
            ),
        )

        self.assertReceived([(ANNA, "CANCEL", uid(last), 1)])
        self.set_open(bertil, True)
        self.assertReceived([(BERTIL, "CANCEL", uid(last), 2)])
        self.edit()
        self.assertReceived([])

    def test_unpublishing_leaves_a_closed_calendar_as_it_was_until_opened(self):
        bertil = self.bertil()
        self.set_open(bertil, False)
        sessions = self.sessions()

        self.unpublish()

        self.assertReceived(self.everyone("CANCEL", sessions, 1, [ANNA]))
        self.set_open(bertil, True)
        self.assertReceived(self.everyone("CANCEL", sessions, 2, [BERTIL]))
        self.edit()
        self.assertReceived(self.everyone("REQUEST", sessions, 3))

    def test_a_closed_account_withdrawn_gets_the_cancellations_once_opened(self):
        bertil = self.bertil()
        self.set_open(bertil, False)
        place = self.page().enrollments.get(user=bertil)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("enrollments:delete", args=[place.pk]))
        self.assertEqual(response.status_code, 302)

        self.assertReceived([])
        self.set_open(bertil, True)
        self.assertReceived(self.everyone("CANCEL", self.sessions(), 1, [BERTIL]))

    def test_a_closed_account_whose_address_changed_moves_its_events_when_opened(
        self,
    ):
        bertil = self.bertil()
        self.set_open(bertil, False)

        self.set_open(bertil, False, email="bertil.berg@example.fi")

        self.assertReceived([])
        self.set_open(bertil, True)
        sessions = self.sessions()
        self.assertReceived(
            self.everyone("CANCEL", sessions, 1, [BERTIL])
            + self.everyone("REQUEST", sessions, 1, ["bertil.berg@example.fi"])
        )

    def test_a_closed_account_enrolled_is_invited_once_opened(self):
        cecilia = make_user("cecilia@example.fi", is_active=False)
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "cecilia@example.fi", "Cecilia", "Corte")
        self.assertReceived([])

        self.set_open(cecilia, True)

        self.assertReceived(
            self.everyone("REQUEST", self.sessions(), 0, ["cecilia@example.fi"])
        )


class PageOperationTest(CalendarChangeTestCase):
    """Wagtail's page operations beyond editing: an older revision, a copy
    and its revisions. What is not content (the trainers' group, a session's
    UID) stays the cohort's own."""

    def copy(self, slug, **options):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:copy", args=[self.cohort.pk]),
                {
                    "new_title": slug,
                    "new_slug": slug,
                    "new_parent_page": self.course.pk,
                    **options,
                },
            )
        self.assertEqual(response.status_code, 302)
        return CohortPage.objects.get(slug=slug)

    def publish(self, page, data):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[page.pk]), data
            )
        self.assertEqual(response.status_code, 302, response.content[-3000:])

    def test_publishing_a_revision_from_before_the_first_trainer_keeps_their_group(
        self,
    ):
        draft = cohort_edit_data(self.page().get_latest_revision_as_object())
        del draft["action-publish"]
        self.publish(self.page(), draft)
        with self.captureOnCommitCallbacks(execute=True):
            trainer = make_trainer(self.cohort)
        group = self.page().trainer_group
        self.assertIsNotNone(group)
        self.edit()  # publishes the draft saved before the trainer came
        self.assertEqual(self.page().trainer_group, group)
        # Their access still follows their enrolment.
        enrolment = self.page().enrollments.get(user=trainer)
        response = self.client.post(reverse("enrollments:delete", args=[enrolment.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(group.user_set.exists())

    def test_the_copy_form_offers_no_alias_of_a_cohort_or_a_course(self):
        for page in (self.cohort, self.course):
            with self.subTest(page=page.title):
                response = self.client.get(
                    reverse("wagtailadmin_pages:copy", args=[page.pk])
                )
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("alias", response.context["form"].fields)
        with self.captureOnCommitCallbacks(execute=True):
            make_trainer(self.cohort)
        # Asked for anyway, the copy is a cohort of its own.
        copy = self.copy("own-copy", alias="on")
        self.assertIsNone(copy.alias_of_id)
        self.assertIsNone(copy.trainer_group_id)

    def test_an_alias_made_in_code_has_no_trainers_of_its_own(self):
        with self.captureOnCommitCallbacks(execute=True):
            make_trainer(self.cohort)
        alias = self.page().create_alias(update_slug="mirror")
        self.assertIsNone(CohortPage.objects.get(pk=alias.pk).trainer_group_id)
        # A trainer of the alias's own gets a group of its own, which it keeps.
        with self.captureOnCommitCallbacks(execute=True):
            make_trainer(alias, "alias.trainer@example.fi")
        own = CohortPage.objects.get(pk=alias.pk).trainer_group_id
        self.assertNotIn(own, (None, self.page().trainer_group_id))
        self.edit()  # publishing the original updates the alias too
        self.assertIsNotNone(self.page().trainer_group_id)
        self.assertEqual(CohortPage.objects.get(pk=alias.pk).trainer_group_id, own)
        with self.captureOnCommitCallbacks(execute=True):
            make_trainer(alias, "second.trainer@example.fi")

    def test_an_unpublished_copy_published_later_has_sessions_of_its_own(self):
        copy = self.copy("later")
        last = self.sessions()[2]
        self.edit(
            lambda s: {"DELETE": "1"} if s.pk == last.pk else {},
            # With the experiment it preceded: one after the last session
            # would have no due date (the form refuses that).
            experiment_changes=lambda e: (
                {"DELETE": "1"} if e.after_session == 2 else {}
            ),
        )
        self.received()
        copy = CohortPage.objects.get(pk=copy.pk)
        self.publish(copy, cohort_edit_data(copy.get_latest_revision_as_object()))
        theirs = {s.uid for s in Session.objects.filter(page=copy)}
        ours = set(
            CohortPage.objects.get(pk=self.cohort.pk).calendar_entries.values_list(
                "uid", flat=True
            )
        )
        self.assertEqual(len(theirs), 3)
        self.assertFalse(theirs & ours)
        self.assertReceived([])  # nobody is in the copy yet

    def test_people_in_a_copy_are_not_invited_to_the_originals_meetings(self):
        self.edit(lambda s: {"meeting_url": f"https://meet.example.fi/a-{s.pk}"})
        self.received()
        copy = self.copy("cohort-b", publish_copies="on")

        with self.captureOnCommitCallbacks(execute=True):
            enrol(copy, "carl@example.fi", "Carl", "Carlsson")

        send_pending()
        invites = OutgoingEmail.objects.filter(to="carl@example.fi").exclude(ics="")
        self.assertEqual(invites.count(), 3)
        for invite in invites:
            self.assertNotIn("meet.example.fi", invite.ics + invite.text + invite.html)

    def test_reverting_a_copy_to_a_revision_copied_with_it_sends_nothing(self):
        copy = self.copy("reverted", publish_copies="on")
        with self.captureOnCommitCallbacks(execute=True):
            enrol(copy, "carl@example.fi", "Carl", "Carlsson")
        self.received()
        uids = {s.pk: s.uid for s in Session.objects.filter(page=copy)}
        copied = copy.revisions.order_by("pk").first()
        self.assertNotEqual(copied.pk, copy.latest_revision_id)
        form = cohort_edit_data(copied.as_object(), slug="reverted", title="reverted")
        # The editor shows the copy's sessions, not the original's.
        self.assertEqual({s.pk: s.uid for s in copied.as_object().sessions.all()}, uids)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                reverse(
                    "wagtailadmin_pages:revisions_revert", args=[copy.pk, copied.pk]
                ),
                form,
            )
        self.assertEqual({s.pk: s.uid for s in Session.objects.filter(page=copy)}, uids)
        self.assertReceived([])
