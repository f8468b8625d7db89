"""A published story follows its reflection: the author may still change
the text until the next session. Changed, it waits for a trainer's approval
again, as it did at first: the library reaches everyone signed in, beyond
the cohort, and shows only what a trainer approved. So does a story whose
reflection its author takes back from the cohort: sharing it again is a
choice about the cohort, not the library. Its search entry follows the
text."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from wagtail.search import index

from assignments.models import Reflection

from .models import Story


@receiver(pre_save, sender=Reflection)
def remember_story_before(sender, instance, update_fields=None, **kwargs):
    """What a trainer's decision on the story rests on, before the save:
    the answers, who reads them and whether the story is approved; only of
    a reflection with a story whose answers or sharing may change."""
    instance.story_before = None
    if (
        instance.pk is None
        or instance.status != Reflection.Status.SUBMITTED
        or (
            update_fields is not None
            and not {"answers", "visibility"} & set(update_fields)
        )
    ):
        return
    instance.story_before = (
        Reflection.objects.filter(pk=instance.pk, story__isnull=False)
        .values("answers", "visibility", "story__approved_at")
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
    """Whether the last save of ``reflection`` withdrew a trainer's approval
    of its story: it changed the words the trainer approved, or left the
    reflection unshared with the cohort."""
    before = getattr(reflection, "story_before", None)
    if before is None or before["story__approved_at"] is None:
        return False
    return not shared(reflection) or written(before["answers"]) != written(
        reflection.answers
    )


def shared_again(reflection):
    """Whether the last save of ``reflection`` shared it with the cohort
    again while its story waits for a trainer's approval."""
    before = getattr(reflection, "story_before", None)
    return (
        before is not None
        and before["story__approved_at"] is None
        and before["visibility"] != Reflection.Visibility.COHORT
        and shared(reflection)
    )


def shared(reflection):
    return reflection.visibility == Reflection.Visibility.COHORT


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
