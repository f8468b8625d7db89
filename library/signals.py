"""A published story follows its reflection: the author may still change
the text until the next session. Changed, it waits for a trainer's approval
again, as it did at first: the library reaches everyone signed in, beyond
the cohort, and shows only what a trainer approved. Its search entry
follows the text."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from wagtail.search import index

from assignments.models import Reflection

from .models import Story


@receiver(pre_save, sender=Reflection)
def remember_approved_answers(sender, instance, update_fields=None, **kwargs):
    """The answers a trainer approved for the library, before the save; only
    of a reflection with an approved story whose answers may change."""
    instance.approved_answers = None
    if (
        instance.pk is None
        or instance.status != Reflection.Status.SUBMITTED
        or (update_fields is not None and "answers" not in update_fields)
    ):
        return
    instance.approved_answers = (
        Reflection.objects.filter(pk=instance.pk, story__approved_at__isnull=False)
        .values_list("answers", flat=True)
        .first()
    )


@receiver(post_save, sender=Reflection)
def follow_reflection(sender, instance, **kwargs):
    if approval_withdrawn(instance):
        Story.objects.filter(reflection=instance).update(
            approved_at=None, approved_by=None
        )
    reindex_story(instance)


def approval_withdrawn(reflection):
    """Whether the last save of ``reflection`` changed the words a trainer
    had approved, so that its story waits for a trainer's approval again."""
    approved = getattr(reflection, "approved_answers", None)
    return approved is not None and written(approved) != written(reflection.answers)


def written(answers):
    """The author's words in ``answers``, in order: what a trainer approved.
    A question reworded by a coordinator since, or an answer left empty, is
    no change of theirs."""
    return [
        str(item.get("answer", "")).strip()
        for item in answers or []
        if isinstance(item, dict) and str(item.get("answer", "")).strip()
    ]


def reindex_story(reflection):
    if reflection.status != Reflection.Status.SUBMITTED:
        return
    story = Story.objects.filter(reflection=reflection).first()
    if story is not None:
        index.insert_or_update_object(story)
