"""The outbox's settings, each read from ``VIRTU_<NAME>`` with a default."""

from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings


def setting(name, default=None):
    return getattr(settings, f"VIRTU_{name}", default)


def site_url():
    """Absolute base URL for links in emails and calendar files."""
    return setting(
        "SITE_URL", getattr(settings, "WAGTAILADMIN_BASE_URL", "http://localhost:8000")
    ).rstrip("/")


def site_name():
    """What the site is called where its people read it: the page frame,
    email subjects, the calendar's name; the admin's name for it
    (``WAGTAIL_SITE_NAME``)."""
    return getattr(settings, "WAGTAIL_SITE_NAME", "") or "Virtu"


def site_domain():
    """The site's host name, for Message-IDs and calendar UIDs."""
    return urlsplit(site_url()).hostname or "localhost"


def sender_email():
    """The mailbox every email comes from. Invites come from the organiser
    of their events, so this is also the organiser: never a recipient, or
    Outlook would offer the recipient no RSVP."""
    return setting("ORGANIZER_EMAIL") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def sender_name():
    """The name every email comes from, and the organiser's in invites
    (``VIRTU_ORGANIZER_NAME``, else the site's name)."""
    return setting("ORGANIZER_NAME") or site_name()


def outbox_lease():
    """How long a worker's claim on a message lasts unless it renews it
    (``VIRTU_OUTBOX_LEASE_SECONDS``, 30): a message whose worker died is
    taken over once this has passed, by the next "outbox.send_due" run."""
    return timedelta(seconds=float(setting("OUTBOX_LEASE_SECONDS", 30)))


def outbox_poll():
    """How often the workers look for messages that are due: retries, and
    those a dead worker left (``VIRTU_OUTBOX_POLL_SECONDS``, 10)."""
    return timedelta(seconds=float(setting("OUTBOX_POLL_SECONDS", 10)))
