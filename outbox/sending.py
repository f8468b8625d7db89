"""Queueing and sending email: every message is first a row, written in the
same transaction as the change that causes it (``queue_email``), and then
sent by a task (``tasks.py``, queued when the row is committed) or by the
workers' periodic "outbox.send_due" job (``scheduling.py``).

The rows, not the tasks, are what counts. Measured on this stack: the
immediate task backend only logs a failing send, and django-tasks-db neither
retries a failed task nor takes back one a killed worker left running. So
``send_pending`` retries each row with backoff up to a limit and takes over
rows whose sender stopped renewing its lease; a task only makes it happen
sooner (and, with a backend that can defer, brings the retries too).
"""

import hashlib
import logging
import os
import smtplib
import socket
import threading
import uuid
from collections import Counter
from contextlib import suppress
from datetime import timedelta
from email.utils import formataddr
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Min, Q
from django.dispatch import Signal
from django.utils import timezone, translation

from . import conf, kinds
from .delivery import Superseded, deliver
from .models import OutgoingEmail
from .rendering import preferred_languages, single_line

logger = logging.getLogger(__name__)
State = OutgoingEmail.State

#: Attempts before a message is given up as failed: with the delays below,
#: about six hours of a mail server being down.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
#: Most messages one run claims.
BATCH = 500

#: Held by the thread of this process that is sending. A worker runs its
#: tasks and its scheduler in two threads; were both sending, a worker killed
#: while one waits on the mail server could cut the other off in the moment
#: between recording its message sent and handing it over (``delivery.py``),
#: and that message would never arrive. Re-entrant: a message's renderer may
#: queue another, which the immediate task backend sends in the same thread.
_sending = threading.RLock()

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
    how many ended in each state; one thread of a process at a time
    (``_sending``), the others waiting their turn.

    Each row is claimed with a conditional UPDATE before it is sent, so two
    workers never send the same row; the claim is a lease the sender renews
    as it goes, and a row whose lease has lapsed (its worker died) is taken
    over by the next run. Only the holder of the current claim may mark a
    row sent, at the last moment before the mail server accepts it
    (``delivery.py``), so a message is never sent twice. A mail server that
    refuses the connection or does not answer ends the run, and every
    waiting message waits for the same retry instead of spending a timeout
    of its own. ``now`` fixes the clock (tests).
    """
    with _sending:
        return _send_pending(now, limit, ids)


def send_due():
    """The workers' periodic job: send what is due, unless another thread of
    this process is sending already. That one goes on with what was due
    when it started; the job's next round, a few seconds on, takes the rest."""
    if not _sending.acquire(blocking=False):
        return {}
    try:
        return _send_pending(None, BATCH, None)
    finally:
        _sending.release()


def _send_pending(now, limit, ids):
    clock = (lambda: now) if now else timezone.now
    start = clock()
    rows = OutgoingEmail.objects.filter(due(start))
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
            claimed_at, token = clock(), claim_token()
            claimed = OutgoingEmail.objects.filter(due(claimed_at), pk=pk).update(
                state=State.SENDING,
                claimed_at=claimed_at,
                claimed_by=token,
                lease_until=claimed_at + conf.outbox_lease(),
                attempts=F("attempts") + 1,
            )
            if not claimed:
                continue  # another worker has it
            email = OutgoingEmail.objects.select_related("user").get(pk=pk)
            try:
                rendered = render(email)
                if rendered is None:
                    claim(pk, token).update(
                        state=State.DROPPED, last_error="", lease_until=None
                    )
                    counts[State.DROPPED] += 1
                    continue
                if not renew(pk, token, clock()):
                    raise Superseded
                connection.open()
                if not renew(pk, token, clock()):
                    raise Superseded
                deliver(
                    connection,
                    build_message(email),
                    confirm=partial(mark_sent, email, token, rendered),
                )
            except Superseded:
                with suppress(Exception):
                    connection.close()
                logger.warning(
                    "Email %s was taken over by another worker before it was "
                    "sent here; it is theirs to send.",
                    email.key,
                )
            except Exception as error:
                with suppress(Exception):  # QUIT to a server that hangs times out
                    connection.close()
                state, retry_at = record_failure(email, error, clock(), token)
                if state:
                    counts[state] += 1
                if not server_unavailable(error):
                    continue
                # The others wait for the same retry.
                OutgoingEmail.objects.filter(
                    state=State.PENDING, next_attempt_at__lt=retry_at
                ).update(next_attempt_at=retry_at)
                break
            else:
                counts[State.SENT] += 1
    finally:
        with suppress(Exception):
            connection.close()
    return dict(counts)


def due(now):
    """Rows to send at ``now``: waiting ones whose time has come, and those
    whose sender's lease has lapsed."""
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, lease_until__lt=now
    )


def claim_token():
    """Who claims a row: this host and process (for whoever reads the
    table), and a token of this one claim."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex}"


def claim(pk, token):
    """The row, while ``token`` is its claim."""
    return OutgoingEmail.objects.filter(pk=pk, claimed_by=token)


def renew(pk, token, now):
    """Extend the lease of a claimed row; False when it is no longer ours."""
    return bool(
        claim(pk, token)
        .filter(state=State.SENDING)
        .update(lease_until=now + conf.outbox_lease())
    )


def mark_sent(email, token, rendered):
    """Record a claimed row as sent; False when another worker has taken it
    over, so that this one must not send it."""
    return bool(
        claim(email.pk, token)
        .filter(state=State.SENDING)
        .update(
            state=State.SENT,
            sent_at=timezone.now(),
            lease_until=None,
            last_error="",
            **stored_content(email, rendered),
        )
    )


def render(email):
    """Make the message of a row that its kind's renderer builds when it is
    sent (in the recipient's language), into ``email``'s fields. Returns
    the ``Rendered`` message, True for a row that holds its message already,
    or None when its renderer says it is not needed any more."""
    if (
        email.user is not None
        and not email.user.is_active
        and kinds.for_open_accounts(email.kind)
    ):
        return None  # closed since it was queued
    renderer = kinds.renderers().get(email.kind)
    if renderer is None or not email.params:
        return True
    # The language of the page the email was asked for on, for someone who
    # has chosen none (``params["language"]``).
    default = email.params.get("language")
    language = (
        preferred_languages([email.user], default)[email.user.pk]
        if email.user
        else None
    )
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


def record_failure(email, error, now, token):
    """Schedule the next attempt with exponential backoff, or give up, if
    the row is still claimed with ``token`` (also when it had been recorded
    as sent and the server then refused it). Returns the new state and the
    time of the next attempt; the state is None when the row is no longer
    ours."""
    message = f"{type(error).__name__}: {error}"[:2000]
    if email.attempts >= MAX_ATTEMPTS or is_permanent(error):
        state, next_attempt_at = State.FAILED, now
        logger.error("Giving up on email %s to %s: %s", email.key, email.to, message)
    else:
        state = State.PENDING
        delay = min(FIRST_RETRY * 2 ** (email.attempts - 1), LONGEST_RETRY)
        next_attempt_at = now + delay
        logger.warning("Email %s to %s failed: %s", email.key, email.to, message)
    recorded = claim(email.pk, token).update(
        state=state,
        next_attempt_at=next_attempt_at,
        last_error=message,
        lease_until=None,
        sent_at=None,
    )
    # A row another worker has taken over is theirs to record.
    return (state if recorded else None), next_attempt_at


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
        # A line break in a header would make every try fail.
        subject=single_line(email.subject),
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
