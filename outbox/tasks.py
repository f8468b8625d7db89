"""Background work through the tasks API: ``django.tasks`` on Django 6, the
``django_tasks`` backport on 5.2. Tasks take primary keys, never objects."""

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task

from .models import OutgoingEmail
from .sending import next_retry, send_pending


@task()
def send_outbox(email_id=None):
    """Send one queued email, or every email that is due. A send that failed
    and is to be tried again brings a deferred run of this task with it."""
    counts = send_pending(ids=None if email_id is None else [email_id])
    if counts.get(OutgoingEmail.State.PENDING):
        enqueue_sending(run_after=next_retry())
    return counts


def enqueue_sending(email_id=None, run_after=None):
    """Queue a run of ``send_outbox``, at once or at ``run_after`` where the
    task backend can defer (elsewhere the ``send_outbox`` command's next run
    brings the retry)."""
    task = send_outbox
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=run_after)
    task.enqueue(email_id)
