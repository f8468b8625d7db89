from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import kinds


class OutgoingEmail(models.Model):
    """One email to send, stored in the same transaction as the change that
    causes it, so that nothing is lost when the mail server is down. ``key``
    makes each message unique: it is sent at most once.

    The row holds either the message itself or, for a kind that has a
    renderer (``register_email_renderers``), the ``params`` from which the
    worker renders it when sending, in its recipient's language: the request
    that causes it only records the intent, and a message with a secret
    (a sign-in link) is made at the last moment and never stored."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DROPPED = "dropped", _("Not needed any more")

    key = models.CharField(_("key"), max_length=255, unique=True)
    #: What the message is for: one of the kinds the apps register
    #: (``register_email_kinds``), shown and filtered on in the outbox.
    kind = models.CharField(_("kind"), max_length=40, choices=kinds.choices)
    to = models.EmailField(_("to"))
    #: The recipient's account, whose language a rendered message speaks.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: What the kind's renderer makes the message from (primary keys, and
    #: what the message must say as it was when it was queued).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    #: iCalendar text; sent as a text/calendar part and an .ics attachment.
    ics = models.TextField(_("calendar file"), blank=True)
    ics_method = models.CharField(_("calendar method"), max_length=20, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    #: The claim of the process sending the message: who (host, process and
    #: a token of that one claim) and until when. The sender renews the lease
    #: while it works; once it lapses another worker takes the message over,
    #: and only the holder of the current claim may mark it sent.
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    lease_until = models.DateTimeField(_("claim expires"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx"),
            # The outbox in the admin lists the newest first, a page at a time.
            models.Index(fields=["-created_at"], name="outbox_newest_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class JobSchedule(models.Model):
    """When a periodic job (``scheduling.py``) runs next, and how its last
    run went: one row per job, which every worker's scheduler moves on with
    one conditional UPDATE, so that each period only one of them runs it."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    #: The worker that ran it last (``Worker.worker_id``).
    last_run_by = models.CharField(max_length=100, blank=True)
    last_result = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class Worker(models.Model):
    """A running ``manage.py worker`` process, which says every few seconds
    that it is alive. A task left running by a worker that stopped saying so
    was cut off (killed, or its host lost) and is marked failed."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.worker_id} ({self.hostname}, {self.pid})"
