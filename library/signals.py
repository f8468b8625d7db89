"""A published story's search entry follows its reflection: the author may
still change the text until the next session."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.search import index

from assignments.models import Reflection

from .models import Story


@receiver(post_save, sender=Reflection)
def reindex_story(sender, instance, **kwargs):
    if instance.status != Reflection.Status.SUBMITTED:
        return
    story = Story.objects.filter(reflection=instance).first()
    if story is not None:
        index.insert_or_update_object(story)
