"""The email outbox, sending through a real SMTP server on this machine."""

import asyncio
import email
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy
from io import StringIO
from pathlib import Path
from unittest import mock, skipIf, skipUnless

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from cohorts import conf
from cohorts.emails import Kind
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from cohorts.welcome import welcome_cohort
from outbox import scheduling, tasks
from outbox.models import OutgoingEmail
from outbox.sending import MAX_ATTEMPTS, message_id, queue_email, send_pending

from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
)
from .test_enrolment import save_form

State = OutgoingEmail.State
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Test//EN\r\n"
    "METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:test@example.fi\r\n"
    "SUMMARY:Etätyön valmennus\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """What a local SMTP server received. Addresses in ``refuse`` are
    refused for good (550), as a server does for an unknown mailbox."""

    def __init__(self, refuse=()):
        self.messages = []
        self.refuse = set(refuse)
        #: Set ``hold`` to an Event to keep the first sender waiting at its
        #: recipient (``held`` is set then) until ``hold`` is set.
        self.hold = self.held = None

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.hold is not None and not self.held.is_set():
            self.held.set()
            while not self.hold.is_set():
                await asyncio.sleep(0.02)
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 OK"

    def by_id(self):
        """{Message-ID: how many times it arrived}."""
        counts = {}
        for message in self.messages:
            counts[message["Message-ID"]] = counts.get(message["Message-ID"], 0) + 1
        return counts


class SMTPServerMixin:
    """A real SMTP server on a free local port for each test, and Django's
    SMTP backend pointed at it with a short timeout."""

    def setUp(self):
        super().setUp()
        self.mailbox = self.make_mailbox()
        self.smtp_port = free_port()
        self.smtp = None
        self.start_smtp()
        self.addCleanup(self.stop_smtp)
        mail_settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.smtp_port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_TIMEOUT=2,
        )
        mail_settings.enable()
        self.addCleanup(mail_settings.disable)

    def make_mailbox(self):
        return Mailbox()

    def start_smtp(self):
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    def stop_smtp(self):
        if self.smtp is not None:
            self.smtp.stop()
            self.smtp = None


class BatchTests(TestCase):
    """A change that concerns many people records one row each and queues
    one task for them all; the worker renders each row when it sends it."""

    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())

    def test_publishing_a_cohort_of_forty_queues_one_task_for_their_welcomes(self):
        self.cohort.unpublish()
        make_participants(self.cohort, 40)
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.WELCOME).exists())
        CohortPage.objects.filter(pk=self.cohort.pk).update(live=True)

        with mock.patch(
            "outbox.signals.enqueue_sending", wraps=tasks.enqueue_sending
        ) as enqueue:
            with self.captureOnCommitCallbacks(execute=True):
                welcome_cohort(self.cohort.pk)

        enqueue.assert_called_once_with()
        rows = OutgoingEmail.objects.filter(kind=Kind.WELCOME)
        self.assertEqual(rows.count(), 40)
        self.assertEqual(set(rows.values_list("state", flat=True)), {"sent"})

    def test_a_kind_without_a_renderer_is_sent_as_it_was_queued(self):
        with self.captureOnCommitCallbacks(execute=True):
            queue("test:plain", subject="Hei", text="Sama teksti.")

        [message] = mail.outbox
        self.assertEqual((message.subject, message.body), ("Hei", "Sama teksti."))


class SilentServer:
    """Accepts connections and never says a word."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(5)
        self.port = self.socket.getsockname()[1]

    def close(self):
        self.socket.close()


def queue(key="test:1", to="anna@example.fi", **fields):
    return queue_email(
        key,
        fields.pop("kind", Kind.INVITE),
        to,
        fields.pop("subject", "Kutsu: Etätyön valmennus"),
        fields.pop("text", "Hei Anna,\n\ntervetuloa."),
        **fields,
    )


def tree(part):
    """A message's MIME structure as nested (content type, [children])."""
    if part.is_multipart():
        return (part.get_content_type(), [tree(child) for child in part.iter_parts()])
    return part.get_content_type()


class OutboxTests(SMTPServerMixin, TestCase):
    def test_an_invite_has_the_layout_outlook_and_gmail_produce(self):
        queue(html="<p>Hei Anna</p>", ics=ICS.encode(), ics_method="REQUEST")

        self.assertEqual(send_pending(), {State.SENT: 1})

        [message] = self.mailbox.messages
        self.assertEqual(
            tree(message),
            (
                "multipart/mixed",
                [
                    (
                        "multipart/alternative",
                        ["text/plain", "text/html", "text/calendar"],
                    ),
                    "application/ics",
                ],
            ),
        )
        alternative, attachment = message.iter_parts()
        calendar = list(alternative.iter_parts())[2]
        self.assertEqual(calendar.get_param("method"), "REQUEST")
        self.assertEqual(calendar.get_param("charset").lower(), "utf-8")
        self.assertEqual(calendar.get_content(), ICS)
        self.assertEqual(attachment.get_filename(), "invite.ics")
        self.assertEqual(attachment.get_content().decode(), ICS)
        self.assertEqual(message["From"].addresses[0].addr_spec, conf.organizer_email())
        self.assertEqual(message["To"], "anna@example.fi")
        self.assertEqual(message["Subject"], "Kutsu: Etätyön valmennus")
        self.assertEqual(message["Message-ID"], message_id("test:1"))

    def test_a_plain_message_has_no_calendar(self):
        queue(html="<p>Hei</p>")

        send_pending()

        [message] = self.mailbox.messages
        self.assertEqual(
            tree(message), ("multipart/alternative", ["text/plain", "text/html"])
        )

    def test_a_message_is_sent_by_the_task_once_the_change_commits(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            email = queue()
            self.assertEqual(self.mailbox.messages, [])

        self.assertEqual(len(callbacks), 1)
        self.assertEqual(len(self.mailbox.messages), 1)
        email.refresh_from_db()
        self.assertEqual(email.state, State.SENT)
        self.assertEqual(email.attempts, 1)
        self.assertIsNotNone(email.sent_at)

    def test_queueing_a_key_again_changes_nothing_and_sends_nothing_more(self):
        with self.captureOnCommitCallbacks(execute=True):
            first = queue(subject="First")
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            again = queue(subject="Second")

        self.assertEqual(again.pk, first.pk)
        self.assertEqual(again.subject, "First")
        self.assertEqual(callbacks, [])
        self.assertEqual(len(self.mailbox.messages), 1)

    def test_a_server_that_is_down_ends_the_run_after_one_attempt(self):
        emails = [queue(f"test:{n}", f"person{n}@example.fi") for n in range(3)]
        self.stop_smtp()
        now = timezone.now()

        with self.assertLogs("outbox.sending", "WARNING"):
            self.assertEqual(send_pending(now=now), {State.PENDING: 1})

        first = OutgoingEmail.objects.get(pk=emails[0].pk)
        self.assertEqual(first.attempts, 1)
        self.assertIn("ConnectionRefusedError", first.last_error)
        # The others were not tried, and wait for the same retry.
        self.assertEqual(
            set(OutgoingEmail.objects.values_list("state", "next_attempt_at")),
            {(State.PENDING, now + timedelta(minutes=1))},
        )
        self.assertEqual(
            sorted(OutgoingEmail.objects.values_list("attempts", flat=True)), [0, 0, 1]
        )

    def test_an_hour_without_the_mail_server_loses_nothing_and_doubles_nothing(self):
        keys = [f"test:{n}" for n in range(3)]
        for n, key in enumerate(keys):
            queue(key, f"person{n}@example.fi")
        self.stop_smtp()
        start = timezone.now()

        with self.assertLogs("outbox.sending", "WARNING") as logs:
            for minute in range(60):  # a timer runs the sender every minute
                send_pending(now=start + timedelta(minutes=minute))
        attempts = list(OutgoingEmail.objects.values_list("attempts", flat=True))
        self.assertEqual(
            OutgoingEmail.objects.filter(state=State.PENDING).count(), len(keys)
        )
        self.assertTrue(all("Connection refused" in line for line in logs.output))
        # Backing off: one message probed the server at minutes 0, 1, 3, 7,
        # 15 and 31, and the others waited; not 60 attempts for each.
        self.assertEqual(sorted(attempts), [0, 0, 6])
        self.assertEqual(len(logs.output), 6)

        self.start_smtp()
        for minute in range(60, 180):
            send_pending(now=start + timedelta(minutes=minute))

        self.assertEqual(self.mailbox.by_id(), {message_id(key): 1 for key in keys})
        self.assertEqual(
            set(OutgoingEmail.objects.values_list("state", "last_error")),
            {(State.SENT, "")},
        )

    def test_retries_wait_longer_each_time_up_to_an_hour_then_give_up(self):
        email = queue()
        self.stop_smtp()
        now = timezone.now()
        waits = []
        with self.assertLogs("outbox.sending", "WARNING") as logs:
            for __ in range(MAX_ATTEMPTS):
                send_pending(now=now)
                email.refresh_from_db()
                waits.append(email.next_attempt_at - now)
                now = email.next_attempt_at

        self.assertEqual(
            [int(wait.total_seconds() // 60) for wait in waits[:-1]],
            [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60],
        )
        self.assertEqual(email.state, State.FAILED)
        self.assertEqual(email.attempts, MAX_ATTEMPTS)
        self.assertIn("ERROR:outbox.sending:Giving up on email test:1", logs.output[-1])
        self.assertEqual(send_pending(now=now + timedelta(days=1)), {})

    def test_a_server_that_never_answers_does_not_hang_the_sender(self):
        silent = SilentServer()
        self.addCleanup(silent.close)
        email = queue()

        started = time.monotonic()
        with (
            override_settings(EMAIL_PORT=silent.port, EMAIL_TIMEOUT=1),
            self.assertLogs("outbox.sending", "WARNING"),
        ):
            counts = send_pending()
        took = time.monotonic() - started

        self.assertLess(took, 5)
        self.assertEqual(counts, {State.PENDING: 1})
        email.refresh_from_db()
        self.assertIn("timed out", email.last_error)

    def test_a_refused_recipient_fails_at_once_and_the_others_are_sent(self):
        self.mailbox.refuse = {"gone@example.fi"}
        refused = queue("test:gone", "gone@example.fi")
        sent = queue("test:anna", "anna@example.fi")

        with self.assertLogs("outbox.sending", "ERROR"):
            self.assertEqual(send_pending(), {State.FAILED: 1, State.SENT: 1})

        refused.refresh_from_db()
        self.assertEqual(refused.state, State.FAILED)
        self.assertIn("550", refused.last_error)
        self.assertEqual(self.mailbox.by_id(), {message_id(sent.key): 1})

    def test_a_message_that_cannot_be_built_does_not_hold_up_the_others(self):
        broken = queue("test:broken", "anna@example.fi\nBcc: all@example.fi")
        sent = queue("test:bertil", "bertil@example.fi")

        with self.assertLogs("outbox.sending", "WARNING"):
            self.assertEqual(send_pending(), {State.PENDING: 1, State.SENT: 1})

        self.assertEqual(self.mailbox.by_id(), {message_id(sent.key): 1})
        broken.refresh_from_db()
        self.assertEqual(broken.attempts, 1)

    def test_a_message_whose_senders_lease_lapsed_is_taken_over(self):
        now = timezone.now()
        abandoned = queue("test:abandoned")
        busy = queue("test:busy")
        OutgoingEmail.objects.filter(pk=abandoned.pk).update(
            state=State.SENDING,
            attempts=1,
            claimed_by="web-1:4242:dead",
            lease_until=now - timedelta(seconds=1),
        )
        OutgoingEmail.objects.filter(pk=busy.pk).update(
            state=State.SENDING,
            attempts=1,
            claimed_by="web-2:4343:alive",
            lease_until=now + timedelta(seconds=20),
        )

        self.assertEqual(send_pending(now=now), {State.SENT: 1})

        abandoned.refresh_from_db()
        busy.refresh_from_db()
        self.assertEqual((abandoned.state, abandoned.attempts), (State.SENT, 2))
        self.assertNotIn("dead", abandoned.claimed_by)
        self.assertEqual(abandoned.lease_until, None)
        self.assertEqual(
            (busy.state, busy.claimed_by), (State.SENDING, "web-2:4343:alive")
        )
        self.assertEqual(self.mailbox.by_id(), {message_id("test:abandoned"): 1})

    def test_a_claim_is_a_lease_of_thirty_seconds_in_this_process_name(self):
        email = queue("test:lease")
        seen = {}

        def look(row):
            seen.update(
                OutgoingEmail.objects.filter(pk=row.pk).values(
                    "state", "claimed_by", "lease_until"
                )[0]
            )
            return None  # not needed after all: dropped

        now = timezone.now()
        OutgoingEmail.objects.filter(pk=email.pk).update(
            kind="test_lease", params={"a": 1}
        )
        with hooks.register_temporarily(
            "register_email_renderers", lambda: {"test_lease": look}
        ):
            send_pending(now=now)

        self.assertEqual(seen["state"], State.SENDING)
        self.assertEqual(seen["lease_until"], now + timedelta(seconds=30))
        host, pid, token = seen["claimed_by"].split(":")
        self.assertEqual((host, pid), (socket.gethostname()[:40], str(os.getpid())))
        self.assertEqual(len(token), 32)

    def test_the_command_sends_what_is_due(self):
        queue()

        output = StringIO()
        call_command("send_outbox", stdout=output)
        call_command("send_outbox", stdout=output)

        self.assertEqual(output.getvalue(), "sent: 1\n")
        self.assertEqual(len(self.mailbox.messages), 1)


@skipIf(
    connection.vendor == "sqlite",
    "the in-memory test database locks whole tables without waiting; "
    "ProductionProcessTests runs two senders against a SQLite file instead",
)
class TwoWorkersTests(SMTPServerMixin, TransactionTestCase):
    # Its flush at the end then leaves the database empty for the next
    # transaction test case to restore the migrated state into (a plain flush
    # has post_migrate make content types again, which the restore would
    # meet twice).
    serialized_rollback = True

    def test_two_workers_never_send_the_same_message(self):
        # Rows only: queue_email() here, outside a test transaction, would
        # already send them through the immediate task backend.
        OutgoingEmail.objects.bulk_create(
            OutgoingEmail(key=f"test:{n}", to=f"p{n}@example.fi", subject="Hei")
            for n in range(40)
        )
        errors, results = [], []

        def worker():
            try:
                results.append(send_pending())
            except Exception as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for __ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

        self.assertEqual(errors, [])
        self.assertEqual(sum(result.get(State.SENT, 0) for result in results), 40)
        self.assertEqual(
            self.mailbox.by_id(), {message_id(f"test:{n}"): 1 for n in range(40)}
        )
        self.assertEqual(OutgoingEmail.objects.filter(state=State.SENT).count(), 40)

    def test_a_worker_sends_one_message_at_a_time(self):
        # A worker's task thread is in the middle of a message when its
        # scheduler's periodic job comes round: the job sends nothing beside
        # it. Were both sending, killing the worker while the first waits on
        # the mail server could cut the second off between being recorded
        # as sent and being handed over, and it would never arrive.
        OutgoingEmail.objects.bulk_create(
            OutgoingEmail(key=f"test:{n}", to=f"p{n}@example.fi", subject="Hei")
            for n in range(2)
        )
        self.mailbox.hold = threading.Event()
        self.mailbox.held = threading.Event()
        errors = []

        def task():
            try:
                send_pending()
            except Exception as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                connection.close()

        sending = threading.Thread(target=task)
        sending.start()
        self.addCleanup(sending.join, 30)
        self.addCleanup(self.mailbox.hold.set)
        self.assertTrue(self.mailbox.held.wait(10), "the task sent nothing")

        send_due = scheduling.registered()["outbox.send_due"]
        self.assertEqual(send_due.run(), {})
        self.assertEqual(
            Counter(OutgoingEmail.objects.values_list("state", flat=True)),
            {State.SENDING: 1, State.PENDING: 1},
        )
        self.mailbox.hold.set()
        sending.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(
            self.mailbox.by_id(), {message_id(f"test:{n}"): 1 for n in range(2)}
        )


class OutboxAdminTests(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.coordinator = make_coordinator()
        cls.trainer = make_trainer(make_cohort(make_course()))
        cls.waiting = queue("test:waiting", "anna@example.fi", subject="Kutsu")
        cls.failed = queue("test:failed", "bertil@example.fi", subject="Päivitys")
        OutgoingEmail.objects.filter(pk=cls.failed.pk).update(
            state=State.FAILED, kind=Kind.UPDATE, attempts=12, last_error="550 gone"
        )

    def test_coordinators_see_the_outbox_with_state_and_error(self):
        self.client.force_login(self.coordinator)

        response = self.client.get(reverse("outbox:index"))
        menu = self.client.get(reverse("wagtailadmin_home"))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "anna@example.fi")
        self.assertContains(response, "550 gone")
        self.assertContains(response, "Failed")
        self.assertNotContains(response, reverse("outbox:edit", args=[self.failed.pk]))
        self.assertContains(menu, reverse("outbox:index"))

    def test_the_listing_does_not_read_the_messages_themselves(self):
        self.client.force_login(self.coordinator)

        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(reverse("outbox:index"))

        self.assertContains(response, "Kutsu")
        listed = [
            q["sql"] for q in queries if '"outbox_outgoingemail"."to"' in q["sql"]
        ]
        self.assertTrue(listed)
        for column in ("text", "html", "ics"):
            with self.subTest(column=column):
                self.assertFalse(
                    any(f'"outbox_outgoingemail"."{column}"' in sql for sql in listed)
                )

    def test_coordinators_filter_by_state_and_search_by_recipient(self):
        self.client.force_login(self.coordinator)

        failed = self.client.get(reverse("outbox:index"), {"state": State.FAILED})
        updates = self.client.get(reverse("outbox:index"), {"kind": Kind.UPDATE})
        found = self.client.get(reverse("outbox:index"), {"q": "anna"})

        for response in (failed, updates):
            self.assertNotContains(response, "anna@example.fi")
            self.assertContains(response, "bertil@example.fi")
        self.assertContains(found, "anna@example.fi")
        self.assertNotContains(found, "bertil@example.fi")

    def test_coordinators_inspect_a_message_but_cannot_change_it(self):
        self.client.force_login(self.coordinator)

        inspect = self.client.get(reverse("outbox:inspect", args=[self.failed.pk]))
        edit = self.client.get(reverse("outbox:edit", args=[self.failed.pk]))
        delete = self.client.post(reverse("outbox:delete", args=[self.failed.pk]))

        self.assertContains(inspect, "550 gone")
        self.assertRedirects(edit, reverse("wagtailadmin_home"))
        self.assertRedirects(delete, reverse("wagtailadmin_home"))
        self.assertTrue(OutgoingEmail.objects.filter(pk=self.failed.pk).exists())

    def test_an_inspected_message_says_when_it_was_sent_in_local_time(self):
        # 7.00 UTC is 9.00 in Helsinki; Wagtail's page wrote the UTC time.
        sent = datetime(2038, 3, 16, 7, 0, tzinfo=UTC)
        OutgoingEmail.objects.filter(pk=self.waiting.pk).update(sent_at=sent)
        self.client.force_login(self.coordinator)

        inspect = self.client.get(reverse("outbox:inspect", args=[self.waiting.pk]))

        soup = self.get_soup(inspect.content)
        sent_at = soup.find("dt", string="Sent").find_next_sibling("dd")
        self.assertEqual(sent_at.get_text(strip=True), "March 16, 2038, 9 a.m.")

    def test_an_inspected_message_keeps_its_lines_as_the_recipient_reads_them(self):
        self.client.force_login(self.coordinator)

        inspect = self.client.get(reverse("outbox:inspect", args=[self.waiting.pk]))

        text = self.get_soup(inspect.content).find("dt", string="Text")
        paragraphs = text.find_next_sibling("dd").find_all("p")
        self.assertEqual(
            [p.get_text() for p in paragraphs], ["Hei Anna,", "tervetuloa."]
        )

    def test_an_inspected_message_names_its_calendar_file_in_the_readers_language(
        self,
    ):
        # Wagtail made "Ics" of the field's name, in every language.
        profile = UserProfile.get_for_user(self.coordinator)
        for language, label in [
            ("en", "Calendar file"),
            ("fi", "Kalenteritiedosto"),
            ("sv", "Kalenderfil"),
        ]:
            profile.preferred_language = language
            profile.save()
            self.client.force_login(self.coordinator)

            inspect = self.client.get(reverse("outbox:inspect", args=[self.waiting.pk]))

            labels = [
                dt.get_text(strip=True)
                for dt in self.get_soup(inspect.content).find_all("dt")
            ]
            with self.subTest(language=language):
                self.assertIn(label, labels)
                self.assertNotIn("Ics", labels)

    def test_inspecting_a_welcome_does_not_show_its_sign_in_link(self):
        link = "https://virtu.example.fi/accounts/link/secret-token/"
        welcome = queue("test:welcome", kind=Kind.WELCOME, text=f"Sign in:\n{link}\n")
        self.client.force_login(self.coordinator)

        inspect = self.client.get(reverse("outbox:inspect", args=[welcome.pk]))
        invite = self.client.get(reverse("outbox:inspect", args=[self.waiting.pk]))

        self.assertNotContains(inspect, "secret-token")
        self.assertContains(inspect, "Welcome with a sign-in link")
        self.assertContains(invite, "tervetuloa")
        self.assertContains(invite, "Invitation")

    def test_trainers_do_not_see_the_outbox(self):
        self.client.force_login(self.trainer)

        response = self.client.get(reverse("outbox:index"))
        menu = self.client.get(reverse("wagtailadmin_home"))

        self.assertRedirects(response, reverse("wagtailadmin_home"))
        self.assertNotContains(menu, reverse("outbox:index"))

    def test_send_now_sends_what_is_due(self):
        self.client.force_login(self.coordinator)

        response = self.client.post(reverse("outbox:send_now"))

        self.assertRedirects(response, reverse("outbox:index"))
        self.waiting.refresh_from_db()
        self.assertEqual(self.waiting.state, State.SENT)


@skipUnless(
    connection.vendor == "sqlite", "runs on its own SQLite file: once per run is enough"
)
class ProductionProcessTests(SMTPServerMixin, TestCase):
    """Production settings in separate processes against a SQLite file, as
    deployed: tasks wait in the database for ``db_worker`` (django-tasks-db),
    and senders run side by side."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.directory = tempfile.TemporaryDirectory()
        cls.database_url = f"sqlite:///{Path(cls.directory.name) / 'db.sqlite3'}"
        # The release step (scripts/release.sh) as deployed.
        cls.manage("migrate", "-v", "0")
        cls.manage("createcachetable")

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()
        super().tearDownClass()

    @classmethod
    def manage(cls, *args, smtp_port=25, wait=True):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "virtu.settings.production",
            "DATABASE_URL": cls.database_url,
            "SECRET_KEY": "virtu-production-process-test",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "2",
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if not wait:
            return process
        return cls.finish(process)

    @staticmethod
    def finish(process):
        stdout, stderr = process.communicate(timeout=180)
        if process.returncode:
            raise AssertionError(stderr)
        return stdout

    def test_the_database_worker_runs_our_tasks_and_wagtails(self):
        # An email, and a page published (Wagtail then queues an update of
        # its reference index, a task of its own).
        queue = (
            "from django.db import transaction\n"
            "from wagtail.models import Page\n"
            "from outbox.sending import queue_email\n"
            "with transaction.atomic():\n"
            "    queue_email('worker:1', 'invite', 'anna@example.fi', 'Hei', 'Hei')\n"
            "Page.objects.get(depth=2).specific.save_revision().publish()\n"
        )
        tasks = (
            "from django_tasks_db.models import DBTaskResult\n"
            "tasks = DBTaskResult.objects.values_list('task_path', 'status')\n"
            "for path, status in sorted(set(tasks)):\n"
            "    print(path, status)\n"
        )
        self.manage("shell", "-c", queue, smtp_port=self.smtp_port)
        waiting = self.manage("shell", "-c", tasks)
        self.assertEqual(self.mailbox.messages, [])  # queued, not sent yet

        self.manage(
            "db_worker", "--batch", "--no-startup-delay", smtp_port=self.smtp_port
        )

        done = self.manage("shell", "-c", tasks)
        paths = [
            "modelsearch.tasks.insert_or_update_object_task",
            "outbox.tasks.send_outbox",
            "wagtail.tasks.update_reference_index_task",
        ]
        for output, status in [(waiting, "READY"), (done, "SUCCESSFUL")]:
            self.assertEqual(
                [line for line in output.splitlines() if ".tasks." in line],
                [f"{path} {status}" for path in paths],
            )
        [message] = self.mailbox.messages
        self.assertEqual(
            (message["To"], message["Subject"]), ("anna@example.fi", "Hei")
        )

    def test_the_worker_retries_a_failed_send_with_a_deferred_task(self):
        queue = (
            "from django.db import transaction\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "from outbox.models import OutgoingEmail\n"
            "from outbox.sending import queue_email\n"
            "DBTaskResult.objects.all().delete()\n"
            "OutgoingEmail.objects.all().delete()\n"
            "with transaction.atomic():\n"
            "    queue_email('retry:1', 'invite', 'anna@example.fi', 'Hei', 'Hei')\n"
        )
        show = (
            "from django.utils import timezone\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "from outbox.models import OutgoingEmail\n"
            "email = OutgoingEmail.objects.get()\n"
            "print('email', email.state, email.attempts)\n"
            "for task in DBTaskResult.objects.order_by('enqueued_at'):\n"
            "    delay = (task.run_after - timezone.now()).total_seconds()\n"
            "    when = 'deferred' if 0 < delay < 3600 else 'at once'\n"
            "    print('task', task.status, when)\n"
        )
        # A minute passes: the retry is due.
        wait = (
            "from datetime import timedelta\n"
            "from django_tasks_db.models import DBTaskResult\n"
            "from outbox.models import OutgoingEmail\n"
            "minute = timedelta(minutes=1)\n"
            "for row in [*OutgoingEmail.objects.all()]:\n"
            "    row.next_attempt_at -= minute\n"
            "    row.save()\n"
            "for task in DBTaskResult.objects.filter(status='READY'):\n"
            "    task.run_after -= minute\n"
            "    task.save()\n"
        )
        self.manage("shell", "-c", queue)
        self.stop_smtp()
        worker = ["db_worker", "--batch", "--no-startup-delay"]

        self.manage(*worker, smtp_port=self.smtp_port)
        failed = self.manage("shell", "-c", show).splitlines()[-3:]
        self.manage("shell", "-c", wait)
        self.start_smtp()
        self.manage(*worker, smtp_port=self.smtp_port)

        self.assertEqual(
            failed,
            ["email pending 1", "task SUCCESSFUL at once", "task READY deferred"],
        )
        self.assertEqual(
            self.manage("shell", "-c", show).splitlines()[-3:],
            ["email sent 2", "task SUCCESSFUL at once", "task SUCCESSFUL at once"],
        )
        self.assertEqual(len(self.mailbox.messages), 1)

    def test_two_senders_side_by_side_send_each_message_once(self):
        rows = (
            "from outbox.models import OutgoingEmail as E\n"
            "E.objects.all().delete()\n"
            "E.objects.bulk_create(E(key=f'side:{n}', to=f'p{n}@example.fi', "
            "subject='Hei') for n in range(200))\n"
        )
        self.manage("shell", "-c", rows)

        senders = [
            self.manage("send_outbox", smtp_port=self.smtp_port, wait=False)
            for __ in range(2)
        ]
        outputs = [self.finish(sender) for sender in senders]

        received = self.mailbox.by_id()
        self.assertEqual(len(received), 200)
        self.assertEqual(set(received.values()), {1})
        sent = [int(output.split("sent: ")[1]) for output in outputs if output]
        self.assertEqual(sum(sent), 200)


class PlacedAgainRetryTests(SMTPServerMixin, TestCase):
    """The welcome of a person moved to another cohort waits out a mail
    server that is down, as every email does, and arrives once however
    often the move is submitted and the send retried."""

    @classmethod
    def setUpTestData(cls):
        course = make_course()
        cls.cohort_a = make_cohort(course, "Cohort A")
        cls.cohort_b = make_cohort(course, "Cohort B", datetime(2038, 9, 6).date())

    def test_a_moved_persons_welcome_is_retried_and_arrives_once(self):
        anna = enrol(self.cohort_a, "anna@example.fi", "Anna", "Aalto")
        self.stop_smtp()
        # Submitted twice, each from the place as it was read before either.
        for place in [Enrollment.objects.get(pk=anna.pk) for submit in range(2)]:
            save_form(place, self.cohort_b)
        start = timezone.now()
        with self.assertLogs("outbox.sending", "WARNING"):
            send_pending(now=start)

        self.start_smtp()
        for minute in range(1, 10):
            send_pending(now=start + timedelta(minutes=minute))

        welcomes = [
            message
            for message in self.mailbox.messages
            if message["Subject"].startswith("Tervetuloa mukaan: ")
        ]
        self.assertEqual(
            [message["Subject"] for message in welcomes],
            ["Tervetuloa mukaan: Cohort B"],
        )
        self.assertEqual(self.mailbox.by_id()[welcomes[0]["Message-ID"]], 1)
        # Cohort A's, never sent, is not sent now that she is in B.
        self.assertEqual(
            list(
                OutgoingEmail.objects.filter(kind=Kind.WELCOME)
                .order_by("pk")
                .values_list("state", flat=True)
            ),
            [State.DROPPED, State.SENT],
        )
