from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import format_lazy, slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Page

from courses.forms import limit_attrs, limit_help
from courses.permissions import COORDINATORS
from outbox.conf import site_url
from outbox.rendering import preferred_languages, render_email
from outbox.sending import queue_email
from signin import throttling

from . import conf
from .registry import registered


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
    archive = models.BinaryField(_("archive"), null=True, blank=True, editable=False)

    wagtail_reference_index_ignore = True

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
        """'henkilotiedot-12-20261207.zip': in the reader's language, in
        letters any system takes, and by the day the page names it by (local
        time, not UTC's)."""
        day = timezone.localtime(self.requested_at)
        name = slugify(gettext("Personal data"))
        return f"{name}-{self.subject_id}-{day:%Y%m%d}.zip"


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
    subject_user_id = models.PositiveBigIntegerField(_("account ID"), editable=False)
    subject_email = models.EmailField(
        _("their email address"), blank=True, editable=False
    )
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
    attempts = models.PositiveIntegerField(_("attempts"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    objects = ErasureRequestQuerySet.as_manager()

    wagtail_reference_index_ignore = True

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

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-timestamp", "-pk"]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.actor_name}: {self.action}"


# The statements: the privacy notice and the accessibility statement, each
# with the sections the law asks for as fixed headings (in the reader's
# language); what an organisation writes in them, in Finnish, Swedish and
# English.

LANGUAGE_CODES = ("fi", "sv", "en")
#: The law on digital services: feedback is answered within 14 days.
ANSWER_WITHIN = timedelta(days=14)


class EmailKind(models.TextChoices):
    """The emails this app sends (``register_email_kinds``)."""

    ACCESSIBILITY_FEEDBACK = "accessibility_feedback", _("Accessibility feedback")


def in_reader_language(obj, name):
    """Field ``<name>_<language>`` of ``obj`` in the current language, or
    in the site's own language where that one is empty; either may be a
    variant ("en-us" reads ``<name>_en``)."""
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    site = settings.LANGUAGE_CODE.split("-")[0]
    return getattr(obj, f"{name}_{current}", "") or getattr(obj, f"{name}_{site}", "")


def text_in_languages(label, help_text=""):
    return {
        code: models.TextField(
            format_lazy("{} ({})", label, code),
            blank=True,
            help_text=help_text if code == "fi" else "",
        )
        for code in LANGUAGE_CODES
    }


class PrivacyNoticePage(Page):
    """The privacy notice (GDPR articles 13 and 14). What is kept, why and
    for how long is listed from the registry, so it never drifts from the
    code."""

    class LegalBasis(models.TextChoices):
        PUBLIC_TASK = "public_task", _("Performing a task in the public interest")
        CONTRACT = "contract", _("A contract with the person")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONSENT = "consent", _("The person's consent")

    controller = models.TextField(
        _("controller"),
        help_text=_("Name and contact details of the organisation responsible."),
    )
    protection_officer = models.TextField(
        _("data protection officer"), help_text=_("Their contact details.")
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=30,
        choices=LegalBasis.choices,
        default=LegalBasis.PUBLIC_TASK,
    )
    recipients_fi, recipients_sv, recipients_en = text_in_languages(
        _("recipients and transfers"),
        _("Who else receives the data, and whether it leaves the EU/EEA."),
    ).values()

    content_panels = Page.content_panels + [
        FieldPanel("controller"),
        FieldPanel("protection_officer"),
        FieldPanel("legal_basis"),
        FieldPanel("recipients_fi"),
        FieldPanel("recipients_sv"),
        FieldPanel("recipients_en"),
    ]
    max_count = 1
    subpage_types = []

    class Meta:
        verbose_name = _("privacy notice")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["entries"] = [
            (entry.display_name, entry.purpose, entry.retention)
            for entry in registered()
            if entry.fields
        ]
        context["recipients"] = in_reader_language(self, "recipients")
        return context


class AccessibilityStatementPage(Page):
    """The accessibility statement (Act on the Provision of Digital
    Services 306/2019), with the feedback form whose messages reach the
    coordinators with the date by which they are to be answered."""

    class Compliance(models.TextChoices):
        FULL = "full", _("The service meets the critical requirements of WCAG 2.1.")
        PARTIAL = (
            "partial",
            _("The service partially meets the critical requirements of WCAG 2.1."),
        )
        NONE = (
            "none",
            _("The service does not meet the critical requirements of WCAG 2.1."),
        )

    class Method(models.TextChoices):
        SELF = "self", _("a self-assessment by the organisation")
        THIRD_PARTY = "third_party", _("an assessment by an outside expert")

    compliance = models.CharField(
        _("compliance"), max_length=20, choices=Compliance.choices
    )
    inaccessible_fi, inaccessible_sv, inaccessible_en = text_in_languages(
        _("content that is not accessible"),
        _(
            "What is not accessible, and why (not compliant, disproportionate burden, "
            "outside the law's scope)."
        ),
    ).values()
    assessed_on = models.DateField(_("assessed on"))
    method = models.CharField(
        _("assessment method"), max_length=20, choices=Method.choices
    )
    updated_on = models.DateField(_("statement updated on"))
    feedback_email = models.EmailField(_("feedback address"))

    content_panels = Page.content_panels + [
        FieldPanel("compliance"),
        FieldPanel("inaccessible_fi"),
        FieldPanel("inaccessible_sv"),
        FieldPanel("inaccessible_en"),
        FieldRowPanel([FieldPanel("assessed_on"), FieldPanel("method")]),
        FieldRowPanel([FieldPanel("updated_on"), FieldPanel("feedback_email")]),
    ]
    max_count = 1
    subpage_types = []

    class Meta:
        verbose_name = _("accessibility statement")

    def get_context(self, request, *args, form=None, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["inaccessible"] = in_reader_language(self, "inaccessible")
        context["form"] = form or FeedbackForm()
        return context

    def serve(self, request, *args, **kwargs):
        if request.method == "POST":
            form = FeedbackForm(request.POST)
            status = 400
            if form.is_valid():
                if not feedback_throttled(request):
                    AccessibilityFeedback.receive(self, **form.cleaned_data)
                    messages.success(request, _("Thank you. We answer within 14 days."))
                    # To the start of the content, where the thanks is shown:
                    # at the form, far below it on a phone, nothing would say
                    # that the message went. (Without a fragment of its own
                    # the browser would keep the form's "#feedback".)
                    return redirect(self.url + "#main")
                form.add_error("message", feedback_limit_message(request))
                status = 429
            return TemplateResponse(
                request,
                self.get_template(request),
                self.get_context(request, form=form),
                status=status,
            )
        return super().serve(request, *args, **kwargs)


def feedback_throttled(request):
    """Count a feedback message against its sender; True when they have
    sent too many in the last hour. Anyone may send one, and each is emailed
    to every coordinator. A signed-in person counts on their own: a whole
    organisation may reach the site from one address, and one person's
    messages must not use up their colleagues'. Anyone else counts by their
    client's address."""
    if request.user.is_authenticated:
        key = throttling.key("accessibility-feedback:user", str(request.user.pk))
    else:
        key = throttling.key("accessibility-feedback:ip", throttling.client_ip(request))
    return throttling.count(key) > conf.feedback_per_ip()


def feedback_limit_message(request):
    """Why ``feedback_throttled`` refused a message, and what to do now."""
    if request.user.is_authenticated:
        return _(
            "You have sent several messages in the last hour. Please try "
            "again in an hour, or send your feedback by email."
        )
    return _(
        "Too many messages have been sent from here. Please try again in an "
        "hour, or send your feedback by email."
    )


#: The longest feedback message, in characters.
FEEDBACK_LIMIT = 5000


class FeedbackForm(forms.Form):
    # Checked here, not with ``max_length``: its ``maxlength`` attribute has
    # browsers cut pasted text without a word. The box says its limit, and
    # counts down to it near it.
    message = forms.CharField(
        label=_("Your feedback"),
        widget=forms.Textarea(attrs=limit_attrs(FEEDBACK_LIMIT)),
        validators=[MaxLengthValidator(FEEDBACK_LIMIT)],
        help_text=limit_help(FEEDBACK_LIMIT),
    )
    name = forms.CharField(
        label=_("Your name (optional)"), required=False, max_length=255
    )
    email = forms.EmailField(
        label=_("Your email address, for the answer (optional)"), required=False
    )


class AccessibilityFeedback(models.Model):
    """A message sent with the accessibility statement's form, to be
    answered within 14 days."""

    page = models.ForeignKey(
        AccessibilityStatementPage,
        verbose_name=_("accessibility statement"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    message = models.TextField(_("feedback"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    answer_by = models.DateField(_("answer by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("accessibility feedback")
        verbose_name_plural = _("accessibility feedback")
        ordering = ["answered_at", "answer_by", "pk"]

    def __str__(self):
        return f"{self.received_at:%Y-%m-%d} {self.name or self.email}"

    @classmethod
    def receive(cls, page, message, name="", email="", now=None):
        """Keep the message and email it to the coordinators, each in their
        language, with the date by which it is to be answered."""
        now = now or timezone.now()
        feedback = cls.objects.create(
            page=page,
            name=name,
            email=email,
            message=message,
            received_at=now,
            answer_by=timezone.localdate(now) + ANSWER_WITHIN,
        )
        coordinators = list(
            get_user_model()
            .objects.filter(groups__name=COORDINATORS, is_active=True)
            .exclude(email="")
        )
        languages = preferred_languages(coordinators)
        for coordinator in coordinators:
            with translation.override(languages[coordinator.pk]):
                subject, text, html = render_email(
                    "privacy/email/accessibility_feedback",
                    _("Accessibility feedback: answer by %(date)s")
                    % {"date": date_format(feedback.answer_by)},
                    feedback=feedback,
                    admin_url=site_url()
                    + reverse("accessibility_feedback:edit", args=[feedback.pk]),
                )
            queue_email(
                f"accessibility-feedback-{feedback.pk}-{coordinator.pk}",
                EmailKind.ACCESSIBILITY_FEEDBACK,
                coordinator.email,
                subject,
                text,
                html,
                user=coordinator,
            )
        return feedback
