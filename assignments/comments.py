"""Comments on reflections: posting one, once, and telling the reflection's
author, who would otherwise learn of it only on their next visit."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cohorts import conf
from cohorts.invites import preferred_languages, render_email
from cohorts.models import Enrollment
from cohorts.outbox import Kind, queue_email

from .models import Comment, Reflection
from .templatetags.public_names import public_name

#: A comment identical to the author's previous one within this time is a
#: double-clicked button, not a new comment.
REPEAT_WINDOW = timedelta(minutes=1)


def post_comment(reflection, user, text, now=None):
    """Add ``user``'s comment to ``reflection`` and email its author (unless
    they wrote it). Returns the comment, or None for a repeat."""
    now = now or timezone.now()
    with transaction.atomic():
        # Two clicks queue on the reflection's row, so the second sees the first.
        Reflection.objects.select_for_update().filter(pk=reflection.pk).first()
        repeated = Comment.objects.filter(
            reflection=reflection,
            author=user,
            text=text,
            created_at__gte=now - REPEAT_WINDOW,
        ).exists()
        if repeated:
            return None
        comment = Comment.objects.create(reflection=reflection, author=user, text=text)
        if reflection.author.user_id != user.pk:
            queue_comment_email(comment)
        return comment


def queue_comment_email(comment):
    """Tell the reflection's author, in their language, who commented and
    what; returns the outbox row, or None without an email address."""
    reflection = comment.reflection
    person = reflection.author.user
    if not person.email:
        return None
    experiment = reflection.experiment
    cohort = experiment.cohort
    is_trainer = cohort.enrollments.filter(
        user=comment.author, role=Enrollment.Role.TRAINER
    ).exists()
    with translation.override(preferred_languages([person])[person.pk]):
        subject, text, html = render_email(
            "comment",
            subject=_("A comment on your reflection: %(title)s")
            % {"title": experiment.title},
            person=person,
            experiment=experiment,
            cohort=cohort,
            commenter=public_name(
                comment.author, "trainer" if is_trainer else "participant"
            ),
            comment=comment.text,
            url=conf.site_url()
            + reverse("participant:shared_reflection", args=[reflection.pk])
            + "#comments",
        )
    return queue_email(
        f"comment:{comment.pk}", Kind.COMMENT, person.email, subject, text, html
    )
