"""Background work through the tasks API: ``django.tasks`` on Django 6, the
``django_tasks`` backport on 5.2. Tasks take primary keys, never objects."""

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task

from .outbox import send_pending


@task()
def send_outbox(email_id=None):
    """Send one queued email, or every email that is due."""
    return send_pending(ids=None if email_id is None else [email_id])
