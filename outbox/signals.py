from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import OutgoingEmail
from .tasks import enqueue_sending


@receiver(post_save, sender=OutgoingEmail)
def send_once_committed(sender, instance, created, raw=False, **kwargs):
    # Robust: a queue that cannot be reached must not undo the change that
    # wrote the email; the row waits for the next run of the command.
    if created and not raw:
        transaction.on_commit(partial(enqueue_sending, instance.pk), robust=True)
