"""Trainers' feedback on reflections: which await it, saving it, and the
email that tells the participant."""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter, log

from cohorts.models import TrainingLogEntry

from .emails import Kind, email_author
from .models import Reflection
from .permissions import ReflectionPermissionPolicy


def reviewable(user):
    """The reflections ``user`` reads and answers in the admin: the
    submitted ones of the cohorts they train or coordinate."""
    # An erased author's reflection has nothing left to answer.
    return (
        ReflectionPermissionPolicy(Reflection)
        .instances_user_has_permission_for(user, "view")
        .filter(author__isnull=False)
    )


def awaiting_feedback(user):
    """Reviewable reflections without feedback, the longest waiting first."""
    return (
        reviewable(user)
        .filter(feedback_at__isnull=True, author__withdrawn_at__isnull=True)
        .order_by("submitted_at", "pk")
    )


def longest_waiting(user, besides):
    """The reflection that has waited longest for feedback, other than
    ``besides`` (just answered)."""
    return (
        awaiting_feedback(user)
        .exclude(pk=besides.pk)
        .select_related("author__user", "experiment")
        .first()
    )


def next_awaiting(user, after=None):
    """The reflection awaiting feedback that comes after ``after`` in
    ``awaiting_feedback`` order, starting over from the first at the end."""
    waiting = awaiting_feedback(user).select_related("author__user", "experiment")
    if after is None:
        return waiting.first()
    # The first bound is implied by the second, but it lets the database start
    # reading the awaiting reflections at ``after`` instead of at the first.
    later = (
        waiting.filter(submitted_at__gte=after.submitted_at)
        .filter(Q(submitted_at__gt=after.submitted_at) | Q(pk__gt=after.pk))
        .first()
    )
    return later or waiting.exclude(pk=after.pk).first()


def give_feedback(reflection, text, user, now=None):
    """Save ``text`` as the feedback on ``reflection``; empty text removes
    it. New or changed feedback emails the participant (once per version).
    Returns True if an email was queued."""
    text = text.strip()
    if text == reflection.feedback:
        return False
    now = now or timezone.now()
    had_feedback = bool(reflection.feedback)
    with transaction.atomic():
        reflection.feedback = text
        reflection.feedback_by = user if text else None
        reflection.feedback_at = now if text else None
        # Not updated_at: that is when the participant last saved.
        reflection.save(update_fields=["feedback", "feedback_by", "feedback_at"])
        # Who gave or changed feedback, and when; never what it says.
        log(
            reflection,
            FEEDBACK if text else FEEDBACK_REMOVED,
            user=user,
            data={"changed": bool(had_feedback)},
        )
        if not text:
            return False
        return queue_feedback_email(reflection) is not None


FEEDBACK = "virtu.feedback"
FEEDBACK_REMOVED = "virtu.feedback_removed"


class FeedbackFormatter(LogFormatter):
    label = _("Give feedback")

    def format_message(self, log_entry):
        if log_entry.data.get("changed"):
            return _("Changed the feedback on a reflection")
        return _("Gave feedback on a reflection")


def register_feedback_actions(actions):
    """For the ``register_log_actions`` hook: reflections log with the
    cohort they belong to (``cohorts.audit``)."""
    actions.register_model(Reflection, TrainingLogEntry)
    actions.register_action(FEEDBACK)(FeedbackFormatter)
    actions.register_action(
        FEEDBACK_REMOVED,
        _("Remove feedback"),
        _("Removed the feedback on a reflection"),
    )


def feedback_key(reflection):
    return f"feedback:{reflection.pk}:{reflection.feedback_at.isoformat()}"


def queue_feedback_email(reflection):
    """Tell the participant that feedback is waiting on their reflection's
    page, and what it says."""
    trainer = reflection.feedback_by
    return email_author(
        reflection,
        key=feedback_key(reflection),
        kind=Kind.FEEDBACK,
        template="assignments/email/feedback",
        subject=_("Feedback on your reflection: %(title)s"),
        link=reverse_lazy("participant:reflection", args=[reflection.experiment_id]),
        trainer=(trainer.get_full_name() if trainer else "") or _("Your trainer"),
        feedback=reflection.feedback,
    )
