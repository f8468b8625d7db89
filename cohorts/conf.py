"""The cohorts app's settings, each read from ``VIRTU_<NAME>`` with a default.
Links in emails and calendar files start with the outbox's ``site_url``."""

from django.conf import settings

from outbox.conf import sender_email, sender_name, site_domain, site_name, site_url

__all__ = [
    "calendar_domain",
    "organizer_email",
    "organizer_name",
    "site_name",
    "site_url",
]


def setting(name, default=None):
    return getattr(settings, f"VIRTU_{name}", default)


def calendar_domain():
    """The domain in calendar UIDs (session-<uuid>@<domain>)."""
    return setting("CALENDAR_DOMAIN") or site_domain()


def organizer_email():
    """The mailbox that organises every event: the one every email is sent
    from, never a recipient, or Outlook would offer the recipient no RSVP."""
    return sender_email()


def organizer_name():
    return sender_name()


def retention_months():
    """Months after a cohort's last session until its people's content is
    listed for erasure (``VIRTU_RETENTION_MONTHS``, 12)."""
    return int(setting("RETENTION_MONTHS", 12))


def smallest_group():
    """Figures of fewer people than this are hidden from those who read a
    course's figures without its people's names (``VIRTU_SMALLEST_GROUP``,
    5; ``VIRTU_IMPACT_SMALLEST_GROUP`` is its former name)."""
    return int(setting("SMALLEST_GROUP", setting("IMPACT_SMALLEST_GROUP", 5)))
