from datetime import time

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import classproperty
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page

from outbox.rendering import single_line

from .forms import CopyWithoutAliasForm, CoursePageForm
from .permissions import COMMISSIONERS

#: A half-day session: 9:00–12:30.
DEFAULT_SESSION_START = time(9, 0)
DEFAULT_SESSION_MINUTES = 210


def split_prompts(text):
    """Reflection prompts are written one per line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    """People by name and email address, not by username."""

    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.email})" if name else user.email or user.get_username()


class CommissionersField(ParentalManyToManyField):
    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PeopleChoiceField, **kwargs})


class CourseIndexPage(Page):
    """The place in the page tree under which courses live."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["courses.CoursePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("course index")
        verbose_name_plural = _("course indexes")


class CoursePage(Page):
    """A training programme, run for one or more cohorts."""

    base_form_class = CoursePageForm
    copy_form_class = CopyWithoutAliasForm

    description = RichTextField(_("description"), blank=True)
    session_interval_days = models.PositiveSmallIntegerField(
        _("days between sessions"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("New cohorts get their sessions this many days apart."),
    )
    #: Who commissioned the course: they read its figures, never names.
    commissioners = CommissionersField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("commissioned by"),
        related_name="commissioned_courses",
        blank=True,
        limit_choices_to={"groups__name": COMMISSIONERS, "is_active": True},
        help_text=_(
            "Members of the Commissioners group who read this course's overview "
            "and impact report: figures only, never names, answers or reflections."
        ),
    )
    min_session_minutes = models.PositiveSmallIntegerField(
        _("shortest session (minutes)"),
        default=120,
        validators=[MinValueValidator(15)],
    )
    max_session_minutes = models.PositiveSmallIntegerField(
        _("longest session (minutes)"),
        default=300,
        validators=[MaxValueValidator(12 * 60)],
    )

    @classproperty
    def content_panels(cls):
        """The course's fields, session plan and experiments, then the panels
        that the apps built on courses add with the ``register_course_panels``
        hook (a function that returns a list of panels, such as the impact
        plan)."""
        return [
            *Page.content_panels,
            FieldPanel("description"),
            FieldPanel("commissioners", widget=forms.CheckboxSelectMultiple),
            MultiFieldPanel(
                [
                    FieldPanel("session_interval_days"),
                    FieldRowPanel(
                        [
                            FieldPanel("min_session_minutes"),
                            FieldPanel("max_session_minutes"),
                        ]
                    ),
                    InlinePanel(
                        "session_plans",
                        label=_("Session"),
                        heading=_("Sessions"),
                        min_num=1,
                    ),
                ],
                heading=_("Session plan"),
            ),
            InlinePanel(
                "experiment_templates",
                label=_("Experiment"),
                heading=_("Experiments between sessions"),
            ),
            *[
                panel
                for get_panels in hooks.get_hooks("register_course_panels")
                for panel in get_panels()
            ],
        ]

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["cohorts.CohortPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def clean(self):
        super().clean()
        self.title = single_line(self.title)
        if (
            self.min_session_minutes
            and self.max_session_minutes
            and self.min_session_minutes > self.max_session_minutes
        ):
            raise ValidationError(
                {
                    "max_session_minutes": _(
                        "The longest session cannot be shorter than the shortest."
                    )
                }
            )

    @property
    def session_bounds(self):
        """The shortest and longest session length allowed, in minutes."""
        return self.min_session_minutes, self.max_session_minutes


class SessionPlan(Orderable):
    """One session of the course plan; new cohorts copy it."""

    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="session_plans"
    )
    title = models.CharField(_("title"), max_length=255)
    agenda = models.TextField(_("agenda"), blank=True)
    start_time = models.TimeField(
        _("usual start time"),
        default=DEFAULT_SESSION_START,
        help_text=_("Local time in the cohort's time zone."),
    )
    length_minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), default=DEFAULT_SESSION_MINUTES
    )

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("start_time"), FieldPanel("length_minutes")]),
        FieldPanel("agenda"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("planned session")
        verbose_name_plural = _("planned sessions")

    def __str__(self):
        return self.title


class ExperimentTemplateQuerySet(models.QuerySet):
    def offered(self):
        """The options new cohorts get: those not retired."""
        return self.filter(retired_at__isnull=True)


class ExperimentTemplate(Orderable):
    """An experiment the course asks participants to try between two
    sessions. Where a course gives one gap several, each participant picks
    one of them (the options)."""

    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="experiment_templates"
    )
    title = models.CharField(_("title"), max_length=255)
    instructions = models.TextField(_("instructions"))
    prompts = models.TextField(
        _("reflection prompts"),
        blank=True,
        help_text=_("One question per line."),
    )
    after_session = models.PositiveSmallIntegerField(
        _("after session"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("1 = between the first and the second session."),
    )
    own = models.BooleanField(
        _("participant's own experiment"),
        default=False,
        help_text=_(
            "Participants describe what they will try, when, and how they "
            "will know it worked."
        ),
    )
    #: A retired option is no longer given to new cohorts; the cohorts that
    #: have it keep it, with their reflections.
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("after_session"), FieldPanel("own")]),
        FieldPanel("instructions"),
        FieldPanel("prompts"),
    ]

    objects = ExperimentTemplateQuerySet.as_manager()

    class Meta(Orderable.Meta):
        verbose_name = _("experiment template")
        verbose_name_plural = _("experiment templates")

    def __str__(self):
        return self.title

    @property
    def prompt_list(self):
        return split_prompts(self.prompts)

    def counterpart(self, options):
        """The option among ``options`` (another course's) that stands for
        this one: a copy of the course copies its options as new rows, and a
        cohort moved to another course meets that course's own. The one at
        the same gap with the same title (at the same place, where several
        are), or None."""
        same = [
            option
            for option in options
            if (option.after_session, option.title) == (self.after_session, self.title)
        ]
        in_place = [option for option in same if option.sort_order == self.sort_order]
        return next(iter(in_place or same), None)
