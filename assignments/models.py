from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from cohorts.fields import ZonedDateTimeField
from cohorts.models import CohortPage, Enrollment
from courses.models import split_prompts

#: Longest answer a participant can give to one prompt.
MAX_ANSWER_LENGTH = 20_000


class Experiment(Orderable):
    """What a cohort's participants try in their own work between two sessions."""

    cohort = ParentalKey(
        CohortPage, on_delete=models.CASCADE, related_name="experiments"
    )
    title = models.CharField(_("title"), max_length=255)
    instructions = models.TextField(_("instructions"))
    prompts = models.TextField(
        _("reflection prompts"), blank=True, help_text=_("One question per line.")
    )
    after_session = models.PositiveSmallIntegerField(
        _("after session"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("1 = between the first and the second session."),
    )
    due_at = ZonedDateTimeField(
        _("due"),
        null=True,
        blank=True,
        help_text=_("Leave empty: due when the next session starts."),
    )

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("after_session")]),
        FieldPanel("instructions"),
        FieldPanel("prompts"),
        FieldPanel("due_at"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")

    def __str__(self):
        return self.title

    @property
    def prompt_list(self):
        return split_prompts(self.prompts)

    def due(self, sessions=None):
        """When reflections are due: the date set, or the start of the next
        session. ``sessions`` (the cohort's, in order) saves a query in lists."""
        if self.due_at:
            return self.due_at
        if sessions is None:
            sessions = list(self.cohort.sessions.all())
        if self.after_session < len(sessions):
            return sessions[self.after_session].start
        return None


class Reflection(models.Model):
    """A participant's written answer to an experiment."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Visibility(models.TextChoices):
        TRAINERS = "trainers", _("Trainers only")
        COHORT = "cohort", _("Shared with my cohort")

    experiment = models.ForeignKey(
        Experiment,
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    author = models.ForeignKey(
        Enrollment,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    answers = models.JSONField(
        _("answers"),
        default=list,
        blank=True,
        help_text=_("The participant's answer to each prompt, in order."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("visible to"),
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.TRAINERS,
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "author"], name="one_reflection_per_experiment"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(submitted_at__isnull=False),
                name="submitted_reflection_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.experiment.title}: {self.author.name}"

    @property
    @admin.display(description=_("answers"))
    def text(self):
        """All answers as one text, for listings and exports."""
        return "\n\n".join(
            f"{item.get('prompt', '')}\n{item.get('answer', '')}".strip()
            for item in self.answers
            if isinstance(item, dict)
        )

    def clean(self):
        super().clean()
        if self.author_id and self.experiment_id:
            if self.author.cohort_id != self.experiment.cohort_id:
                raise ValidationError(
                    _("The participant is not in the cohort of this experiment.")
                )
            if self.author.role != Enrollment.Role.PARTICIPANT:
                raise ValidationError(_("Only participants write reflections."))
        for item in self.answers or []:
            if len(str(item.get("answer", ""))) > MAX_ANSWER_LENGTH:
                raise ValidationError(
                    _("An answer can be at most %(limit)s characters long.")
                    % {"limit": f"{MAX_ANSWER_LENGTH:,}".replace(",", " ")}
                )
        if self.status == self.Status.SUBMITTED and not any(
            str(item.get("answer", "")).strip() for item in self.answers or []
        ):
            raise ValidationError(_("Write something before you submit."))

    def submit(self, now=None):
        """Send the reflection to the trainers; late if after the due time."""
        now = now or timezone.now()
        due = self.experiment.due()
        self.status = self.Status.SUBMITTED
        if self.submitted_at is None:
            self.submitted_at = now
            self.is_late = bool(due and now > due)
