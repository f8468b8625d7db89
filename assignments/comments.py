"""Comments on reflections: posting one, once, and telling the reflection's
author, who would otherwise learn of it only on their next visit."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cohorts.models import Enrollment

from .emails import Kind, email_author
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
        if reflection.author_id and reflection.author.user_id != user.pk:
            queue_comment_email(comment)
        return comment


def last_comment_at(comments, user):
    """When ``user`` posted the latest of ``comments``, or None. A comment
    kept on their device (reflection.js) from before then was posted, and
    is not put back."""
    return max(
        (comment.created_at for comment in comments if comment.author_id == user.pk),
        default=None,
    )


def queue_comment_email(comment):
    """Tell the reflection's author who commented, and what."""
    reflection = comment.reflection
    is_trainer = (
        reflection.experiment.cohort.enrollments.active()
        .filter(user=comment.author, role=Enrollment.Role.TRAINER)
        .exists()
    )
    return email_author(
        reflection,
        key=f"comment:{comment.pk}",
        kind=Kind.COMMENT,
        template="assignments/email/comment",
        subject=_("A comment on your reflection: %(title)s"),
        link=format_lazy(
            "{}#comments",
            reverse_lazy("participant:shared_reflection", args=[reflection.pk]),
        ),
        commenter=public_name(
            comment.author, "trainer" if is_trainer else "participant"
        ),
        comment=comment.text,
    )
