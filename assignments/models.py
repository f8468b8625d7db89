from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from cohorts.fields import ZonedDateTimeField
from cohorts.models import CohortPage, Enrollment
from courses.models import ExperimentTemplate, split_prompts
from outbox.rendering import single_line

#: Longest answer a participant can give to one prompt.
MAX_ANSWER_LENGTH = 20_000
#: The top of the usefulness scale (1 = not useful at all).
USEFULNESS_MAX = 5


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
    own = models.BooleanField(
        _("participant's own experiment"),
        default=False,
        help_text=_(
            "Participants describe what they will try, when, and how they "
            "will know it worked."
        ),
    )
    #: The course's option this was planned from, for the course's figures.
    template = models.ForeignKey(
        ExperimentTemplate,
        verbose_name=_("course option"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="experiments",
    )

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("after_session")]),
        FieldPanel("instructions"),
        FieldPanel("prompts"),
        FieldRowPanel([FieldPanel("due_at"), FieldPanel("own")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")

    @classmethod
    def removal_problems(cls, experiments):
        """(id, why) for each of ``experiments`` that cannot be removed from
        its cohort: the reflections written and the choices made on it would
        go with it (``CohortPageForm``)."""
        for experiment in experiments.annotate(
            reflection_count=models.Count("reflections", distinct=True),
            choice_count=models.Count("choices", distinct=True),
        ).filter(models.Q(reflection_count__gt=0) | models.Q(choice_count__gt=0)):
            yield (
                experiment.pk,
                _(
                    "The experiment “%(title)s” cannot be removed: participants "
                    "have already chosen it or written about it, and their work "
                    "would go with it. Keep it, and change its text if it needs "
                    "changing."
                )
                % {"title": experiment.title},
            )

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        self.title = single_line(self.title)

    @property
    def prompt_list(self):
        return split_prompts(self.prompts)

    def next_session_start(self, sessions=None):
        """When the session after this experiment starts, or None."""
        if sessions is None:
            sessions = list(self.cohort.sessions.all())
        if self.after_session < len(sessions):
            return sessions[self.after_session].start
        return None

    def due(self, sessions=None):
        """When reflections are due: the date set, or the start of the next
        session. ``sessions`` (the cohort's, in order) saves a query in lists."""
        if self.due_at:
            return self.due_at
        return self.next_session_start(sessions)

    @classmethod
    def plan(cls, cohort, course):
        """Give a new cohort the experiments of its course's templates (the
        options not retired), where it has none of its own yet (the
        ``plan_cohort`` hook)."""
        if cohort.experiments.all():
            return
        templates = [t for t in course.experiment_templates.all() if not t.retired_at]
        cohort.experiments = [
            cls(
                title=template.title,
                instructions=template.instructions,
                prompts=template.prompts,
                after_session=template.after_session,
                own=template.own,
                # A course not saved yet has templates without ids.
                template=template if template.pk else None,
                # Numbered, as the editor numbers them.
                sort_order=number,
            )
            for number, template in enumerate(templates)
        ]

    @classmethod
    def follow_course(cls, cohorts):
        """Point the experiments of each of ``cohorts`` at the options of the
        course the cohort is in now, or at none where it has no such option:
        a cohort copied (alone or with its course) or moved keeps pointing at
        the options it was planned from, and the course's figures would
        count it in neither course."""
        for cohort in cohorts:
            course = cohort.get_parent()
            strays = list(
                cls.objects.filter(cohort=cohort, template__isnull=False)
                .exclude(template__course=course.pk)
                .select_related("template")
            )
            if not strays:
                continue
            options = list(ExperimentTemplate.objects.filter(course=course.pk))
            for experiment in strays:
                experiment.template = experiment.template.counterpart(options)
            cls.objects.bulk_update(strays, ["template"])


class DueEntry(models.Model):
    """What calendars were last told about when an experiment's reflections
    are due, kept outside the page revisions like the sessions' calendar
    entries: its SEQUENCE grows each time the event changes (the due time
    moves with a session, say), and its DTSTAMP is when it last did."""

    experiment = models.OneToOneField(
        Experiment, on_delete=models.CASCADE, related_name="due_entry"
    )
    sequence = models.PositiveIntegerField(default=0)
    #: Digest of the due time, title and instructions last announced.
    fingerprint = models.CharField(max_length=64, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("due time in calendars")
        verbose_name_plural = _("due times in calendars")

    def __str__(self):
        return f"{self.experiment} #{self.sequence}"


def followed_cohorts(user):
    """The cohorts whose reflections ``user`` follows on the public site as
    a trainer or coordinator: those they follow whose reflections they may
    read in the admin."""
    if not user.has_perm("assignments.view_reflection"):
        return CohortPage.objects.none()
    return CohortPage.objects.followed_by(user)


class ReflectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The reflections ``user`` may read: their own, drafts included, in
        a live cohort; the submitted ones shared with a live cohort they are
        enrolled in; and every submitted one of the cohorts they follow as a
        trainer or coordinator (and may read reflections in the admin)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        live = models.Q(experiment__cohort__live=True)
        # A person withdrawn from a cohort reads nothing of it, their own
        # reflections included, until they are enrolled again.
        own = live & models.Q(author__user=user, author__withdrawn_at__isnull=True)
        submitted = models.Q(status=Reflection.Status.SUBMITTED)
        # Shared by someone still in the cohort (or since erased: their
        # place stays without them); a withdrawn author's come back with them.
        shared = live & models.Q(
            visibility=Reflection.Visibility.COHORT,
            author__withdrawn_at__isnull=True,
            experiment__cohort__in=Enrollment.objects.active()
            .filter(user=user)
            .values("cohort"),
        )
        followed = models.Q(experiment__cohort__in=followed_cohorts(user))
        # Filtering on the enrolments join could repeat a row; an id
        # subquery keeps the queryset plain for ordering and pagination.
        return self.filter(
            pk__in=Reflection.objects.filter(
                own | (submitted & (shared | followed))
            ).values("pk")
        )

    def visible_in(self, cohort, user, enrollments=None):
        """``visible_to(user)`` within one cohort, decided once for the
        person instead of for every reflection: the cohort space reads its
        reflections page by page, and so does the database. ``enrollments``:
        the user's active enrolments in ``cohort``, where the caller has read
        them already."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        # Their own reflections, and the shared ones, only in a live cohort.
        if enrollments is None:
            enrolments = list(
                Enrollment.objects.active()
                .filter(user=user, cohort=cohort, cohort__live=True)
                .order_by()
                .values_list("pk", flat=True)
            )
        else:
            enrolments = [e.pk for e in enrollments] if cohort.live else []
        submitted = models.Q(status=Reflection.Status.SUBMITTED)
        if followed_cohorts(user).filter(pk=cohort.pk).exists():
            readable = submitted
        elif enrolments:
            readable = submitted & models.Q(
                visibility=Reflection.Visibility.COHORT,
                author__withdrawn_at__isnull=True,
            )
        else:
            readable = models.Q(pk__in=[])
        return self.filter(readable | models.Q(author__in=enrolments)).filter(
            experiment__cohort=cohort
        )


class Reflection(models.Model):
    """A participant's written answer to an experiment."""

    class Progress(models.TextChoices):
        """Where a participant is with an experiment, as trainers follow it."""

        NOT_STARTED = "not_started", _("Not started")
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        LATE = "late", _("Submitted late")
        FEEDBACK = "feedback", _("Feedback given")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Visibility(models.TextChoices):
        TRAINERS = "trainers", _("Trainers only")
        COHORT = "cohort", _("Shared with the cohort")

    class Decision(models.TextChoices):
        """What the participant does with the experiment after trying it."""

        ADOPT = "adopt", _("Adopt: I keep doing it as it is")
        ADAPT = "adapt", _("Adapt: I keep doing it, changed")
        DROP = "drop", _("Drop: I stop doing it")

    experiment = models.ForeignKey(
        Experiment,
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    #: Empty once its author is erased (``personal_data.py``): a reflection
    #: shared with the cohort keeps its place there, without its text.
    author = models.ForeignKey(
        Enrollment,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        null=True,
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
    #: The outcome, asked when the reflection is submitted.
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, blank=True
    )
    usefulness = models.PositiveSmallIntegerField(
        _("usefulness"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(USEFULNESS_MAX)],
        help_text=_("How useful the experiment was, from 1 (not at all) to 5 (very)."),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    feedback = models.TextField(_("feedback"), blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("feedback by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    feedback_at = models.DateTimeField(_("feedback given"), null=True, blank=True)
    #: When the author last saw the feedback; newer feedback is "new".
    feedback_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReflectionQuerySet.as_manager()

    #: Not a page or snippet: saving one (each autosave) queues no update
    #: of Wagtail's reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-updated_at"]
        indexes = [
            # The cohort space reads each experiment's newest submitted
            # reflections, a page at a time, from here.
            models.Index(
                fields=["experiment", "-submitted_at", "-id"],
                condition=models.Q(status="submitted"),
                name="reflection_newest_submitted",
            ),
            # Trainers open the reflections awaiting feedback (``feedback.py``)
            # the longest waiting first, one or a few at a time, from here.
            models.Index(
                fields=["submitted_at", "id"],
                condition=models.Q(
                    status="submitted", feedback_at__isnull=True, author__isnull=False
                ),
                name="reflection_awaiting_feedback",
            ),
            # The admin's listing of reflections, newest change first, takes
            # its page from here instead of sorting every reflection.
            models.Index(
                fields=["-updated_at"],
                condition=models.Q(status="submitted", author__isnull=False),
                name="reflection_listing",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "author"], name="one_reflection_per_experiment"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(submitted_at__isnull=False),
                name="submitted_reflection_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(usefulness__isnull=True)
                | models.Q(usefulness__gte=1, usefulness__lte=USEFULNESS_MAX),
                name="usefulness_from_1_to_5",
            ),
        ]

    def __str__(self):
        if self.author is None:
            return self.experiment.title
        return f"{self.experiment.title}: {self.author.name}"

    @property
    def log_cohort_id(self):
        """The cohort whose trainers and coordinators read its log entries."""
        return self.experiment.cohort_id

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

    @property
    def progress(self):
        """The trainers' view of this reflection (a ``Progress`` value)."""
        if self.status == self.Status.DRAFT:
            return self.Progress.DRAFT
        if self.feedback_at:
            return self.Progress.FEEDBACK
        return self.Progress.LATE if self.is_late else self.Progress.SUBMITTED

    @property
    def has_new_feedback(self):
        return bool(
            self.feedback_at
            and (
                self.feedback_seen_at is None
                or self.feedback_seen_at < self.feedback_at
            )
        )

    def editable_until(self, sessions=None):
        """A participant may change their submitted reflection until the next
        session starts (for ever, if there is none)."""
        return self.experiment.next_session_start(sessions)

    def is_editable(self, now=None, sessions=None):
        """A draft stays open: after the due time it is still accepted, and
        marked late. A submitted reflection is fixed once the next session
        has started, where the cohort talked about it."""
        if self.status == self.Status.DRAFT:
            return True
        until = self.editable_until(sessions)
        return until is None or (now or timezone.now()) < until

    def submit(self, now=None):
        """Send the reflection to the trainers; late if after the due time."""
        now = now or timezone.now()
        due = self.experiment.due()
        self.status = self.Status.SUBMITTED
        if self.submitted_at is None:
            self.submitted_at = now
            self.is_late = bool(due and now > due)


def question_of(answer, prompt=""):
    """The question an item of ``Reflection.answers`` reads under: its own
    (``prompt`` where it has none), marked when it has been removed from
    the experiment since."""
    question = answer.get("prompt") or prompt
    if answer.get("removed"):
        return _("Answer to a question that was removed: %(question)s") % {
            "question": question
        }
    return question


#: Longest comment.
MAX_COMMENT_LENGTH = 5_000


class Comment(models.Model):
    """A word from a peer or a trainer on a reflection. Whoever may read the
    reflection may read and write its comments."""

    reflection = models.ForeignKey(
        Reflection,
        verbose_name=_("reflection"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    #: Empty once its author is erased; the comment keeps its place.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.CASCADE,
        null=True,
        related_name="reflection_comments",
    )
    text = models.TextField(_("comment"), max_length=MAX_COMMENT_LENGTH)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    #: Not a page or snippet: saving one queues no update of Wagtail's
    #: reference index.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.author}: {self.text[:40]}"


#: Longest answer to each question of an own experiment's plan.
MAX_PLAN_LENGTH = 2_000


class Choice(models.Model):
    """The experiment a participant does between two sessions, where that
    gap offers several options or their own experiment. One per person and
    gap; an own experiment keeps the participant's plan."""

    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="choices",
    )
    experiment = models.ForeignKey(
        Experiment,
        verbose_name=_("experiment"),
        on_delete=models.CASCADE,
        related_name="choices",
    )
    #: The gap (the experiment's ``after_session``), kept to hold one choice
    #: per gap in the database.
    after_session = models.PositiveSmallIntegerField(_("after session"))
    plan_what = models.TextField(
        _("what I'll try"), blank=True, max_length=MAX_PLAN_LENGTH
    )
    plan_when = models.TextField(_("when"), blank=True, max_length=MAX_PLAN_LENGTH)
    plan_measure = models.TextField(
        _("how I'll know it worked"), blank=True, max_length=MAX_PLAN_LENGTH
    )
    chosen_at = models.DateTimeField(_("chosen"), default=timezone.now)

    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("choice of experiment")
        verbose_name_plural = _("choices of experiment")
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "after_session"], name="one_choice_per_gap"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def title(self):
        """What the participant does: their own plan's first line, or the
        option's title."""
        if self.experiment.own and self.plan_what.strip():
            return single_line(self.plan_what.strip().splitlines()[0])[:120]
        return self.experiment.title
