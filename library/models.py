"""The experiment library: patterns (experiments worth trying, with their
themes) and the stories participants chose to publish from their
reflections, approved by a trainer; thanks from peers; and where a
participant's experiment came from when they took it from the library."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.search import index

from assignments.models import Choice, Reflection
from cohorts.models import CohortPage, course_title
from courses.models import ExperimentTemplate, split_prompts
from outbox.rendering import single_line

#: Below this many tries a pattern's figures are not shown: a few people's
#: answers would be both unreliable and recognisable.
MIN_TRIES_SHOWN = 5


class Theme(models.Model):
    """What a pattern is about, for finding it: meetings, tools, leadership."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Pattern(index.Indexed, models.Model):
    """An experiment worth trying, described for anyone: courses offer it as
    an option, and participants take it as their own experiment."""

    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(
        _("description"), help_text=_("What it is and why it helps.")
    )
    instructions = models.TextField(_("how to try it"))
    prompts = models.TextField(
        _("reflection prompts"), blank=True, help_text=_("One question per line.")
    )
    themes = models.ManyToManyField(
        Theme, verbose_name=_("themes"), blank=True, related_name="patterns"
    )
    #: The course options based on this pattern, for its figures.
    templates = models.ManyToManyField(
        ExperimentTemplate,
        verbose_name=_("offered in courses as"),
        blank=True,
        related_name="patterns",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("instructions"),
        FieldPanel("prompts"),
        FieldPanel("themes"),
    ]
    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("description"),
        index.SearchField("instructions"),
        index.AutocompleteField("title"),
        index.AutocompleteField("description"),
        index.AutocompleteField("instructions"),
        index.RelatedFields("themes", [index.SearchField("name")]),
    ]

    class Meta:
        verbose_name = _("pattern")
        verbose_name_plural = _("patterns")
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        self.title = single_line(self.title)

    @property
    def prompt_list(self):
        return split_prompts(self.prompts)


class StoryQuerySet(models.QuerySet):
    def published(self):
        """The stories everyone signed in reads: approved by a trainer, of a
        submitted reflection its author still shares (with the cohort at
        least), in a live cohort, and still takes part in (the cohort hides a
        withdrawn author's reflections until they are enrolled again). Taking
        the sharing back hides the story and withdraws its approval
        (``library.signals``)."""
        return self.filter(
            approved_at__isnull=False,
            reflection__status=Reflection.Status.SUBMITTED,
            reflection__visibility=Reflection.Visibility.COHORT,
            reflection__experiment__cohort__live=True,
            reflection__author__withdrawn_at__isnull=True,
        )

    def awaiting(self):
        """Stories asked for and not yet approved."""
        return self.filter(
            approved_at__isnull=True,
            reflection__status=Reflection.Status.SUBMITTED,
            reflection__visibility=Reflection.Visibility.COHORT,
        )

    def in_course(self, course):
        """The stories of the cohorts under ``course`` now: a story follows
        its cohort when the cohort is moved to another course."""
        return self.filter(
            reflection__experiment__cohort__in=CohortPage.objects.child_of(course)
        )

    def with_course_title(self):
        """With the title of their course (their cohort's parent page), read
        in the same query."""
        return self.annotate(
            course_title=course_title("reflection__experiment__cohort__")
        )


class Story(index.Indexed, models.Model):
    """A reflection its author asked to publish in the library, beyond their
    cohort; it appears once one of the cohort's trainers approves it. Its
    course is its cohort's, wherever the cohort is now (``in_course``)."""

    reflection = models.OneToOneField(
        Reflection,
        verbose_name=_("reflection"),
        on_delete=models.CASCADE,
        related_name="story",
    )
    pattern = models.ForeignKey(
        Pattern,
        verbose_name=_("pattern"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stories",
    )
    anonymous = models.BooleanField(_("without my name"), default=False)
    requested_at = models.DateTimeField(_("asked"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = StoryQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("text"),
        index.AutocompleteField("title"),
        index.AutocompleteField("text"),
    ]

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            # The library lists published stories, the newest approved first,
            # a page at a time, from here.
            models.Index(
                fields=["-approved_at", "-id"],
                condition=models.Q(approved_at__isnull=False),
                name="story_newest_approved",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self):
        return self.reflection.experiment.title

    @property
    def text(self):
        return self.reflection.text

    @property
    def author_name(self):
        """The author's name, or None when they asked to stay anonymous."""
        return None if self.anonymous else self.reflection.author.name


class Thanks(models.Model):
    """A peer's thanks for a story; one per person."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="thanks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("thanks")
        verbose_name_plural = _("thanks")
        constraints = [
            models.UniqueConstraint(fields=["story", "user"], name="thanks_once")
        ]

    def __str__(self):
        return f"{self.user} → {self.story}"


class Provenance(models.Model):
    """Where a participant's experiment came from when they took it from the
    library ("Try this"): the pattern, and the story that led them to it."""

    choice = models.OneToOneField(
        Choice, on_delete=models.CASCADE, related_name="provenance"
    )
    pattern = models.ForeignKey(
        Pattern,
        verbose_name=_("pattern"),
        on_delete=models.CASCADE,
        related_name="tries",
    )
    story = models.ForeignKey(
        Story,
        verbose_name=_("story"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tries",
    )

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("experiment from the library")
        verbose_name_plural = _("experiments from the library")

    def __str__(self):
        return str(self.pattern)
