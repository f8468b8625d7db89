from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from cohorts.models import CohortPage, Enrollment
from courses.models import CoursePage

#: The top of the scale statements are rated on (0 = not at all).
SCALE_MAX = 10
#: Longest answer to an open question.
MAX_OPEN_ANSWER_LENGTH = 5_000


class Level(models.TextChoices):
    """What a statement measures, in Kirkpatrick's levels."""

    REACTION = "reaction", _("Reaction")
    LEARNING = "learning", _("Learning")
    BEHAVIOUR = "behaviour", _("Behaviour")
    RESULTS = "results", _("Results")


class Wave(models.TextChoices):
    """The three times a cohort is asked the same statements."""

    BASELINE = "baseline", _("Before the training")
    END = "end", _("At the end")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Translated(models.Model):
    """A text in Finnish, Swedish and English; shown in the reader's
    language, or else in the first one written."""

    text_fi = models.CharField(_("in Finnish"), max_length=500, blank=True)
    text_sv = models.CharField(_("in Swedish"), max_length=500, blank=True)
    text_en = models.CharField(_("in English"), max_length=500, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.text

    @property
    def text(self):
        language = (get_language() or "fi")[:2]
        return (
            getattr(self, f"text_{language}", "")
            or self.text_fi
            or self.text_sv
            or self.text_en
        )

    @property
    def wording(self):
        """The texts in every language: the same statement across cohorts."""
        return (self.text_fi, self.text_sv, self.text_en)

    def clean(self):
        super().clean()
        if not any(text.strip() for text in self.wording):
            raise ValidationError(_("Write the text in at least one language."))


class Statement(Translated):
    """A statement participants rate from 0 to 10 in each wave, such as "I
    run remote meetings in which everyone takes part"."""

    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEHAVIOUR
    )
    target = models.PositiveSmallIntegerField(
        _("target"),
        default=7,
        validators=[MaxValueValidator(SCALE_MAX)],
        help_text=_("The average rating hoped for after the training, 0 to 10."),
    )

    panels = [
        FieldPanel("text_fi"),
        FieldPanel("text_sv"),
        FieldPanel("text_en"),
        FieldRowPanel([FieldPanel("level"), FieldPanel("target")]),
    ]

    class Meta:
        abstract = True

    def copy_fields(self):
        return {
            "text_fi": self.text_fi,
            "text_sv": self.text_sv,
            "text_en": self.text_en,
            "level": self.level,
            "target": self.target,
        }


class Question(Translated):
    """An open question asked in each wave ("one concrete change you made")."""

    panels = [FieldPanel("text_fi"), FieldPanel("text_sv"), FieldPanel("text_en")]

    class Meta:
        abstract = True

    def copy_fields(self):
        return {
            "text_fi": self.text_fi,
            "text_sv": self.text_sv,
            "text_en": self.text_en,
        }


class CourseStatement(Orderable, Statement):
    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="impact_statements"
    )

    class Meta(Orderable.Meta):
        verbose_name = _("impact statement")
        verbose_name_plural = _("impact statements")


class CourseQuestion(Orderable, Question):
    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="impact_questions"
    )

    class Meta(Orderable.Meta):
        verbose_name = _("open question")
        verbose_name_plural = _("open questions")


class CohortStatement(Orderable, Statement):
    cohort = ParentalKey(
        CohortPage, on_delete=models.CASCADE, related_name="impact_statements"
    )

    class Meta(Orderable.Meta):
        verbose_name = _("impact statement")
        verbose_name_plural = _("impact statements")


class CohortQuestion(Orderable, Question):
    cohort = ParentalKey(
        CohortPage, on_delete=models.CASCADE, related_name="impact_questions"
    )

    class Meta(Orderable.Meta):
        verbose_name = _("open question")
        verbose_name_plural = _("open questions")


def plan_impact(cohort, course):
    """Give a new cohort the course's impact plan, where it has none of its
    own yet (the ``plan_cohort`` hook)."""
    if not cohort.impact_statements.all():
        # Numbered, as the editor numbers them, so every database returns
        # them in the course's order.
        cohort.impact_statements = [
            CohortStatement(**statement.copy_fields(), sort_order=number)
            for number, statement in enumerate(course.impact_statements.all())
        ]
    if not cohort.impact_questions.all():
        cohort.impact_questions = [
            CohortQuestion(**question.copy_fields(), sort_order=number)
            for number, question in enumerate(course.impact_questions.all())
        ]


class Response(models.Model):
    """A participant's answers in one wave: a draft until they send it; the
    report counts only those sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Sent")

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="impact_responses",
    )
    wave = models.CharField(_("wave"), max_length=20, choices=Wave.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    #: [{"question": text, "answer": text}] for the cohort's open questions.
    open_answers = models.JSONField(_("open answers"), default=list, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("impact survey answer")
        verbose_name_plural = _("impact survey answers")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "wave"], name="one_impact_response_per_wave"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(submitted_at__isnull=False),
                name="sent_impact_response_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.enrollment.name}: {self.get_wave_display()}"

    @property
    def log_cohort_id(self):
        return self.enrollment.cohort_id


class Rating(models.Model):
    """One statement rated in a response; at the end also as the person
    now thinks they would have rated it before the training."""

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="ratings"
    )
    #: A statement with ratings stays in its cohort's plan (the editor
    #: refuses to remove it). Where one goes all the same (publishing an
    #: older revision, deleting the cohort of an enrolment moved elsewhere),
    #: its ratings stay with their answers, about no statement.
    statement = models.ForeignKey(
        CohortStatement,
        on_delete=models.SET_NULL,
        null=True,
        related_name="ratings",
    )
    value = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MaxValueValidator(SCALE_MAX)]
    )
    #: The retrospective "before the training, I would have said" rating.
    before = models.PositiveSmallIntegerField(
        _("before the training, in retrospect"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(SCALE_MAX)],
    )

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "statement"], name="one_rating_per_statement"
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__lte=10),
                name="rating_from_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(before__isnull=True) | models.Q(before__lte=10),
                name="retrospective_rating_from_0_to_10",
            ),
        ]

    def __str__(self):
        return f"{self.statement}: {self.value}"
