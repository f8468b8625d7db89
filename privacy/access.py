"""The access log: who used or disclosed whose data (``AccessLogEntry``).
Views that show one person's data to another, exports and the privacy
actions call ``record``; the entry names people and things, never what
anyone wrote."""

from django.utils import timezone

from .conf import access_log_lifetime
from .models import AccessLogEntry

Action = AccessLogEntry.Action


def name_of(user):
    if user is None:
        return ""
    return user.get_full_name().strip() or user.email or user.get_username()


def record(actor, action, subject=None, target=""):
    """Log that ``actor`` did ``action`` (``AccessLogEntry.Action``) to
    ``subject``'s data; ``target`` names what, in a few words."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return AccessLogEntry.objects.create(
        actor=actor,
        actor_name=name_of(actor),
        subject=subject,
        subject_name=name_of(subject),
        action=action,
        target=str(target)[:255],
    )


def forget_old(now=None):
    """Delete the entries older than the log's retention (a periodic job)."""
    cutoff = (now or timezone.now()) - access_log_lifetime()
    deleted, __ = AccessLogEntry.objects.filter(timestamp__lt=cutoff).delete()
    return deleted
