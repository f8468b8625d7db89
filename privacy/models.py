from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataExport(models.Model):
    """One person's data as a zip (JSON and a readable HTML index), built by
    a task and downloaded by whoever asked for it until it expires; then
    the archive is deleted."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    #: The zip itself, kept in the database: never among public media files.
    archive = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.subject} ({self.requested_at:%Y-%m-%d %H:%M})"

    def is_ready(self, now=None):
        return (
            self.ready_at is not None
            and self.expires_at is not None
            and (now or timezone.now()) < self.expires_at
        )

    @property
    def file_name(self):
        return f"personal-data-{self.subject_id}-{self.requested_at:%Y%m%d}.zip"


class ErasureRequestQuerySet(models.QuerySet):
    def due(self, now=None):
        """Approved erasures whose cool-off has passed, and those begun and
        not finished (cut off, or waiting for their emails to go out)."""
        now = now or timezone.now()
        State = ErasureRequest.State
        return self.filter(
            models.Q(state=State.APPROVED, run_after__lte=now)
            | models.Q(state__in=[State.RUNNING, State.WAITING])
        )


class ErasureRequest(models.Model):
    """A request to erase a person's data: made by the person or entered
    by a privacy officer, approved by a privacy officer, then run after a
    cool-off during which it can be withdrawn (``privacy.erasure``).

    The request is the record that the erasure happened: it keeps the
    account's id, and its address only until the erasure has finished."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        RUNNING = "running", _("Being erased")
        WAITING = "waiting", _("Waiting for emails to go out")
        DONE = "done", _("Erased")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    #: The account's id and address, for a rerun after the account is gone.
    subject_user_id = models.PositiveBigIntegerField(editable=False)
    subject_email = models.EmailField(blank=True, editable=False)
    reason = models.TextField(_("reason"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    run_after = models.DateTimeField(_("erased after"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return _("Erasure request %(number)s") % {"number": self.pk}

    @property
    def can_withdraw(self):
        return self.state in (self.State.REQUESTED, self.State.APPROVED)


class AccessLogEntry(models.Model):
    """One use or disclosure of a person's data: who, whose, what and when,
    never the content (Information Management Act 906/2019, §17). Kept for
    ``VIRTU_ACCESS_LOG_DAYS`` days."""

    class Action(models.TextChoices):
        VIEW_REFLECTION = "view_reflection", _("Read another person's reflection")
        EXPORT_LISTING = "export_listing", _("Exported a listing")
        VIEW_PERSON = "view_person", _("Opened a person's data")
        EXPORT_DATA = "export_data", _("Exported a person's data")
        DOWNLOAD_DATA = "download_data", _("Downloaded a person's data")
        REQUEST_ERASURE = "request_erasure", _("Asked for an erasure")
        APPROVE_ERASURE = "approve_erasure", _("Approved an erasure")
        WITHDRAW_ERASURE = "withdraw_erasure", _("Withdrew an erasure")
        ERASE = "erase", _("Erased a person's data")

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=255, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("whose data"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_name = models.CharField(_("whose data"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    #: What was used, in words: a listing's name, a cohort (never content).
    target = models.CharField(_("what"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-timestamp", "-pk"]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_name}: {self.action}"
