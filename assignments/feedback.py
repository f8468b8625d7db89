"""Trainers' feedback on reflections: which await it, saving it, and the
email that tells the participant."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cohorts import conf
from cohorts.invites import preferred_languages, render_email
from cohorts.outbox import Kind, queue_email
from cohorts.permissions import ReflectionPermissionPolicy

from .models import Reflection


def reviewable(user):
    """The reflections ``user`` reads and answers in the admin: the
    submitted ones of the cohorts they train or coordinate."""
    return ReflectionPermissionPolicy(Reflection).instances_user_has_permission_for(
        user, "view"
    )


def awaiting_feedback(user):
    """Reviewable reflections without feedback, the longest waiting first."""
    return (
        reviewable(user).filter(feedback_at__isnull=True).order_by("submitted_at", "pk")
    )


def next_awaiting(user, after=None):
    """The reflection awaiting feedback that comes after ``after`` in
    ``awaiting_feedback`` order, starting over from the first at the end."""
    waiting = awaiting_feedback(user).select_related("author__user", "experiment")
    if after is None:
        return waiting.first()
    later = waiting.filter(
        Q(submitted_at__gt=after.submitted_at)
        | Q(submitted_at=after.submitted_at, pk__gt=after.pk)
    ).first()
    return later or waiting.exclude(pk=after.pk).first()


def give_feedback(reflection, text, user, now=None):
    """Save ``text`` as the feedback on ``reflection``; empty text removes
    it. New or changed feedback emails the participant (once per version).
    Returns True if an email was queued."""
    text = text.strip()
    if text == reflection.feedback:
        return False
    now = now or timezone.now()
    with transaction.atomic():
        reflection.feedback = text
        reflection.feedback_by = user if text else None
        reflection.feedback_at = now if text else None
        # Not updated_at: that is when the participant last saved.
        reflection.save(update_fields=["feedback", "feedback_by", "feedback_at"])
        if not text:
            return False
        return queue_feedback_email(reflection) is not None


def feedback_key(reflection):
    return f"feedback:{reflection.pk}:{reflection.feedback_at.isoformat()}"


def queue_feedback_email(reflection):
    """Tell the participant, in their language, that feedback is waiting on
    their reflection's page. Returns the outbox row, or None without an
    email address."""
    person = reflection.author.user
    if not person.email:
        return None
    experiment = reflection.experiment
    trainer = reflection.feedback_by
    with translation.override(preferred_languages([person])[person.pk]):
        subject, text, html = render_email(
            "feedback",
            subject=_("Feedback on your reflection: %(title)s")
            % {"title": experiment.title},
            person=person,
            experiment=experiment,
            cohort=experiment.cohort,
            trainer=(trainer.get_full_name() if trainer else "") or _("Your trainer"),
            feedback=reflection.feedback,
            url=conf.site_url() + reflection_path(experiment.pk),
        )
    return queue_email(
        feedback_key(reflection), Kind.FEEDBACK, person.email, subject, text, html
    )


def reflection_path(experiment_id):
    """The participant's page of their reflection, in the active language."""
    try:
        return reverse("participant:reflection", args=[experiment_id])
    except NoReverseMatch:
        # The participants' pages live under the language prefixes (none
        # for the site's own language).
        language = translation.get_language()
        prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
        return f"{prefix}/my/experiments/{experiment_id}/"
