"""Background work of signing in (the tasks API, as ``outbox.tasks``)."""

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task

from .links import send_link


@task()
def request_link(email, next_path="", language=""):
    """Look the address up and queue a link for it, away from the request:
    the sign-in page then does the same work for every address, so its
    answer time does not tell who is enrolled. The link leads to
    ``next_path`` (a path on this site) once used; the email is in
    ``language``, the page's, for someone who has chosen none."""
    send_link(email, next_path=next_path, language=language)
