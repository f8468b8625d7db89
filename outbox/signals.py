from functools import partial

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import OutgoingEmail
from .sending import emails_queued
from .tasks import enqueue_sending

# Robust: a queue that cannot be reached must not undo the change that wrote
# the email; the row waits for the next run of the ``send_outbox`` command.


@receiver(post_save, sender=OutgoingEmail)
def send_once_committed(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        transaction.on_commit(partial(enqueue_sending, instance.pk), robust=True)


@receiver(emails_queued)
def send_batch_once_committed(sender, **kwargs):
    transaction.on_commit(enqueue_sending, robust=True)
