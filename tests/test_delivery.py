"""Handing a message to a real SMTP server so that it is never sent twice: the
row is recorded sent just before the server has the message's end, and a
sender whose claim was taken over leaves the server nothing."""

import asyncio
from datetime import timedelta
from unittest import skipIf

from django.core import mail
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import timezone
from wagtail import hooks

from outbox.delivery import Superseded, deliver
from outbox.kinds import Rendered
from outbox.models import OutgoingEmail
from outbox.sending import message_id, send_pending

from .test_outbox import Mailbox, SMTPServerMixin, queue

State = OutgoingEmail.State


def message(to="anna@example.fi"):
    return EmailMessage("Hei", "Tervetuloa.", "virtu@example.fi", [to])


class CountingMailbox(Mailbox):
    """Also counts the recipients the server was given, so a test can tell a
    conversation that reached DATA from one that never started."""

    def __init__(self, refuse=(), refuse_data=0):
        super().__init__(refuse)
        self.recipients = 0
        self.refuse_data = refuse_data

    async def handle_RCPT(self, server, session, envelope, address, options):
        self.recipients += 1
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            self.refuse_data -= 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


class DeliveryTests(SMTPServerMixin, TestCase):
    def make_mailbox(self):
        return CountingMailbox()

    def test_the_row_is_confirmed_before_the_server_has_the_message(self):
        received_when_confirmed = []

        def confirm():
            received_when_confirmed.append(len(self.mailbox.messages))
            return True

        with get_connection() as smtp:
            deliver(smtp, message(), confirm)

        self.assertEqual(received_when_confirmed, [0])
        self.assertEqual(len(self.mailbox.messages), 1)

    def test_a_sender_told_no_at_the_end_leaves_the_server_nothing(self):
        smtp = get_connection()
        with self.assertRaises(Superseded):
            deliver(smtp, message(), lambda: False)
        smtp.close()
        # The same backend sends the next message on a new connection.
        deliver(smtp, message("bertil@example.fi"), lambda: True)
        smtp.close()

        self.assertEqual(self.mailbox.recipients, 2)  # both reached DATA
        self.assertEqual(
            [m["To"] for m in self.mailbox.messages], ["bertil@example.fi"]
        )

    def test_a_confirmation_that_fails_leaves_the_server_nothing(self):
        def confirm():
            raise DatabaseError("the database went away")

        smtp = get_connection()
        with self.assertRaises(DatabaseError):
            deliver(smtp, message(), confirm)
        smtp.close()

        self.assertEqual(self.mailbox.recipients, 1)
        self.assertEqual(self.mailbox.messages, [])

    def test_a_message_with_lines_starting_with_a_dot_arrives_whole(self):
        text = "First line\n.\n..two dots\n.final"
        with get_connection() as smtp:
            deliver(
                smtp,
                EmailMessage("Hei", text, "virtu@example.fi", ["anna@example.fi"]),
                lambda: True,
            )

        [received] = self.mailbox.messages
        self.assertEqual(received.get_content().replace("\r\n", "\n").rstrip(), text)

    @override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    def test_a_backend_without_smtp_asks_before_it_sends(self):
        with self.assertRaises(Superseded):
            deliver(get_connection(), message(), lambda: False)
        deliver(get_connection(), message("bertil@example.fi"), lambda: True)

        self.assertEqual([m.to for m in mail.outbox], [["bertil@example.fi"]])

    def test_a_message_refused_after_it_was_recorded_sent_waits_for_a_retry(self):
        self.mailbox.refuse_data = 1
        email = queue("test:refused-at-end")
        now = timezone.now()

        with self.assertLogs("outbox.sending", "WARNING"):
            first = send_pending(now=now)
        email.refresh_from_db()
        waiting = (email.state, email.sent_at, email.next_attempt_at - now)
        second = send_pending(now=now + timedelta(minutes=1))

        self.assertEqual(first, {State.PENDING: 1})
        self.assertEqual(waiting, (State.PENDING, None, timedelta(minutes=1)))
        self.assertIn("451", email.last_error)
        self.assertEqual(second, {State.SENT: 1})
        self.assertEqual(self.mailbox.by_id(), {message_id("test:refused-at-end"): 1})

    def test_a_message_taken_over_while_it_was_rendered_is_not_sent_here(self):
        email = queue("test:slow-render")
        OutgoingEmail.objects.filter(pk=email.pk).update(
            kind="test_slow", params={"slow": True}
        )

        def slow_renderer(row):
            # Meanwhile the lease lapsed and another worker claimed the row.
            OutgoingEmail.objects.filter(pk=row.pk).update(
                claimed_by="other-host:1:abc", lease_until=timezone.now()
            )
            return Rendered("Hei", "Tervetuloa.")

        with (
            hooks.register_temporarily(
                "register_email_renderers", lambda: {"test_slow": slow_renderer}
            ),
            self.assertLogs("outbox.sending", "WARNING") as logs,
        ):
            counts = send_pending()

        email.refresh_from_db()
        self.assertEqual(counts, {})
        self.assertEqual(
            (email.state, email.claimed_by), (State.SENDING, "other-host:1:abc")
        )
        self.assertEqual(self.mailbox.recipients, 0)
        self.assertIn("taken over by another worker", logs.output[0])


class TakeoverMailbox(CountingMailbox):
    """While it is given the recipient, another worker takes the message
    over in the database: the sender that was talking to us has stalled."""

    def __init__(self, email_pk):
        super().__init__()
        self.email_pk = email_pk

    async def handle_RCPT(self, server, session, envelope, address, options):
        def take_over():
            OutgoingEmail.objects.filter(pk=self.email_pk).update(
                claimed_by="other-host:2:def",
                lease_until=timezone.now() + timedelta(seconds=30),
            )
            connection.close()

        if self.recipients == 0:
            await asyncio.to_thread(take_over)
        return await super().handle_RCPT(server, session, envelope, address, options)


@skipIf(
    connection.vendor == "sqlite",
    "the SMTP server's thread writes while the test's waits: the in-memory test "
    "database locks whole tables without waiting",
)
class TakeoverTests(SMTPServerMixin, TransactionTestCase):
    # Its flush at the end then leaves the database empty for the next
    # transaction test case to restore the migrated state into (a plain flush
    # has post_migrate make content types again, which the restore would
    # meet twice).
    serialized_rollback = True

    def test_a_sender_whose_claim_was_taken_over_mid_send_sends_nothing(self):
        [email] = OutgoingEmail.objects.bulk_create(
            [OutgoingEmail(key="test:stalled", to="anna@example.fi", subject="Hei")]
        )
        self.mailbox = TakeoverMailbox(email.pk)
        self.stop_smtp()
        self.start_smtp()

        with self.assertLogs("outbox.sending", "WARNING"):
            stalled = send_pending()
        email.refresh_from_db()
        held = (email.state, email.claimed_by, len(self.mailbox.messages))
        # The other worker dies too; once its lease lapses, a run sends it.
        OutgoingEmail.objects.filter(pk=email.pk).update(
            lease_until=timezone.now() - timedelta(seconds=1)
        )
        taken_over = send_pending()

        self.assertEqual(stalled, {})
        self.assertEqual(held, (State.SENDING, "other-host:2:def", 0))
        self.assertEqual(taken_over, {State.SENT: 1})
        self.assertEqual(self.mailbox.by_id(), {message_id("test:stalled"): 1})
