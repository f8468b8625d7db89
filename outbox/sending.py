"""Queueing and sending email: every message is first a row, written in the
same transaction as the change that causes it (``queue_email``), and then
sent by a task (``tasks.py``, queued when the row is committed), the
``send_outbox`` command or its ``--loop`` worker.

The rows, not the tasks, are what counts. Measured on this stack: the
immediate task backend only logs a failing send, and django-tasks-db neither
retries a failed task nor takes back one a killed worker left running. So
``send_pending`` retries each row with backoff up to a limit and takes back
rows that have been "sending" for too long; a task only makes it happen sooner
(and, with a backend that can defer, brings the retries too).
"""

import hashlib
import logging
import smtplib
from collections import Counter
from contextlib import suppress
from datetime import timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Min, Q
from django.dispatch import Signal
from django.utils import timezone, translation

from . import conf, kinds
from .models import OutgoingEmail
from .rendering import preferred_languages

logger = logging.getLogger(__name__)
State = OutgoingEmail.State

#: Attempts before a message is given up as failed: with the delays below,
#: about six hours of a mail server being down.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
#: A row "sending" for longer than this belongs to a worker that died. Far
#: above EMAIL_TIMEOUT, so that a slow send that still runs is not repeated.
STALE_AFTER = timedelta(minutes=10)
#: Most messages one run claims.
BATCH = 500

#: Sent by ``queue_emails`` when it has stored a batch of rows (``signals``
#: then queues one task to send them).
emails_queued = Signal()


def queue_email(
    key,
    kind,
    to,
    subject="",
    text="",
    html="",
    ics=b"",
    ics_method="",
    *,
    user=None,
    params=None,
):
    """Record an email, to be sent after the current transaction commits
    (``signals.py`` queues the task then): either the message itself, or,
    for a kind with a renderer, the ``params`` it is rendered from when it
    is sent (to ``user``, in their language).

    Call it inside the transaction of the change that causes the email. A
    ``key`` that is already queued is left as it is, so each message is sent
    at most once however often the change is replayed. Returns the row.
    """
    if isinstance(ics, bytes):
        ics = ics.decode()
    email, __ = OutgoingEmail.objects.get_or_create(
        key=key,
        defaults={
            "kind": kind,
            "to": to,
            "user": user,
            "params": params or {},
            "subject": subject[:255],
            "text": text,
            "html": html,
            "ics": ics,
            "ics_method": ics_method,
        },
    )
    return email


def queue_emails(emails):
    """Record many unsaved ``OutgoingEmail`` rows at once (each with its
    ``params`` for its kind's renderer, typically) and send them with one
    task after the transaction commits; keys already queued are left alone.
    This is what a request that concerns many people does: it records the
    intent and leaves the rendering to the worker."""
    emails = list(emails)
    if emails:
        OutgoingEmail.objects.bulk_create(emails, ignore_conflicts=True)
        emails_queued.send(sender=OutgoingEmail, count=len(emails))


def send_pending(now=None, limit=BATCH, ids=None):
    """Send the messages that are due (of ``ids`` only, if given) and return
    how many ended in each state.

    Each row is claimed with a conditional UPDATE before it is sent, so two
    workers never send the same row. A mail server that refuses the
    connection or does not answer ends the run, and every waiting message
    waits for the same retry instead of spending a timeout of its own.
    """
    now = now or timezone.now()
    due = Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_at__lt=now - STALE_AFTER
    )
    rows = OutgoingEmail.objects.filter(due)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    # The most tried first among equals: while the server is down, one
    # message probes it, with a backoff that keeps growing.
    order = ("next_attempt_at", "-attempts", "pk")
    candidates = list(rows.order_by(*order).values_list("pk", flat=True)[:limit])
    counts = Counter()
    connection = get_connection()
    try:
        for pk in candidates:
            claimed = OutgoingEmail.objects.filter(due, pk=pk).update(
                state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
            if not claimed:
                continue  # another worker has it
            email = OutgoingEmail.objects.select_related("user").get(pk=pk)
            try:
                rendered = render(email)
                if rendered is None:
                    OutgoingEmail.objects.filter(pk=pk, claimed_at=now).update(
                        state=State.DROPPED, last_error=""
                    )
                    counts[State.DROPPED] += 1
                    continue
                connection.open()
                connection.send_messages([build_message(email)])
            except Exception as error:
                with suppress(Exception):  # QUIT to a server that hangs times out
                    connection.close()
                state, retry_at = record_failure(email, error, now)
                counts[state] += 1
                if not server_unavailable(error):
                    continue
                # The others wait for the same retry.
                OutgoingEmail.objects.filter(
                    state=State.PENDING, next_attempt_at__lt=retry_at
                ).update(next_attempt_at=retry_at)
                break
            else:
                OutgoingEmail.objects.filter(pk=pk, claimed_at=now).update(
                    state=State.SENT,
                    sent_at=timezone.now(),
                    last_error="",
                    **stored_content(email, rendered),
                )
                counts[State.SENT] += 1
    finally:
        with suppress(Exception):
            connection.close()
    return dict(counts)


def render(email):
    """Make the message of a row that its kind's renderer builds when it is
    sent (in the recipient's language), into ``email``'s fields. Returns
    the ``Rendered`` message, True for a row that holds its message already,
    or None when its renderer says it is not needed any more."""
    renderer = kinds.renderers().get(email.kind)
    if renderer is None or not email.params:
        return True
    language = preferred_languages([email.user])[email.user.pk] if email.user else None
    with translation.override(language or settings.LANGUAGE_CODE):
        with transaction.atomic():
            rendered = renderer(email)
    if rendered is not None:
        email.subject = rendered.subject[:255]
        email.text, email.html = rendered.text, rendered.html
        email.ics, email.ics_method = rendered.ics, rendered.ics_method
    return rendered


def stored_content(email, rendered):
    """What is kept of a message once sent: all of it, but for the text of
    one with a secret in it."""
    if rendered is True:
        return {}
    if rendered.private:
        return {"subject": email.subject}
    return {
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "ics": email.ics,
        "ics_method": email.ics_method,
    }


def record_failure(email, error, now):
    """Schedule the next attempt with exponential backoff, or give up.
    Returns the new state and the time of the next attempt."""
    message = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= MAX_ATTEMPTS or is_permanent(error):
        state, next_attempt_at = State.FAILED, now
        logger.error("Giving up on email %s to %s: %s", email.key, email.to, message)
    else:
        state = State.PENDING
        delay = min(FIRST_RETRY * 2 ** (email.attempts - 1), LONGEST_RETRY)
        next_attempt_at = now + delay
        logger.warning("Email %s to %s failed: %s", email.key, email.to, message)
    OutgoingEmail.objects.filter(pk=email.pk, claimed_at=now).update(
        state=state, next_attempt_at=next_attempt_at, last_error=message
    )
    return state, next_attempt_at


def next_retry():
    """When the next message that waits for a retry is due, or None."""
    return OutgoingEmail.objects.filter(state=State.PENDING).aggregate(
        at=Min("next_attempt_at")
    )["at"]


def server_unavailable(error):
    """The mail server is down, hangs, or refuses our sender or login, as
    opposed to refusing one message (or a fault in building it)."""
    return isinstance(error, OSError) and not isinstance(
        error, (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
    )


def is_permanent(error):
    """A 5xx refusal of this recipient or this message: retrying cannot help.
    (A refused sender or login is the site's setup and is retried.)"""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, __ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def build_message(email):
    """The message for a row. Invites take the layout Outlook and Gmail
    produce themselves: multipart/mixed[multipart/alternative[text/plain,
    text/html, text/calendar; method=...], invite.ics]."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        # The organiser sends: Outlook offers no RSVP when they differ.
        from_email=formataddr((conf.sender_name(), conf.sender_email())),
        to=[email.to],
        # The same Message-ID on a resend lets mail systems drop the double.
        headers={"Message-ID": message_id(email.key)},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    if email.ics:
        method = email.ics_method or "REQUEST"
        message.attach_alternative(email.ics, f"text/calendar; method={method}")
        message.attach("invite.ics", email.ics.encode(), "application/ics")
    return message


def message_id(key):
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{conf.site_domain()}>"
