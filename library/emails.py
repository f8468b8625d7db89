"""The email a story's author gets when a trainer decides on it: published
in the library, or not."""

from django.db import models
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from assignments.emails import email_author
from assignments.templatetags.public_names import public_name


class Kind(models.TextChoices):
    """What an email about the library is for (registered with the outbox)."""

    STORY_DECIDED = "story_decided", _("A trainer's decision on a story")

    @property
    def for_open_accounts(self):
        """Not sent to an account closed since (``outbox.kinds``)."""
        return True


def email_decision(story, reviewer, published, now):
    """Tell the author of ``story`` what ``reviewer`` decided, once per
    decision. The story of a declined request is deleted after this."""
    reflection = story.reflection
    if published:
        subject = _("Your story is in the experiment library: %(title)s")
        link = reverse_lazy("library:story", args=[story.pk])
    else:
        subject = _("Your story was not published in the library: %(title)s")
        link = reverse_lazy("participant:shared_reflection", args=[reflection.pk])
    return email_author(
        reflection,
        key=f"story:{reflection.pk}:{'published' if published else 'declined'}:"
        f"{now.isoformat()}",
        kind=Kind.STORY_DECIDED,
        template="library/email/story_decided",
        subject=subject,
        link=link,
        trainer=public_name(reviewer, "trainer"),
        published=published,
        anonymous=story.anonymous,
    )
