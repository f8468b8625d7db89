"""The plugin set's settings, each read from ``VIRTU_<NAME>`` with a default."""

from urllib.parse import urlsplit

from django.conf import settings


def setting(name, default=None):
    return getattr(settings, f"VIRTU_{name}", default)


def site_url():
    """Absolute base URL for links in emails and calendar files."""
    return setting(
        "SITE_URL", getattr(settings, "WAGTAILADMIN_BASE_URL", "http://localhost:8000")
    ).rstrip("/")


def calendar_domain():
    """The domain in calendar UIDs (session-<uuid>@<domain>)."""
    return setting("CALENDAR_DOMAIN") or urlsplit(site_url()).hostname or "localhost"


def organizer_email():
    """The mailbox that organises every event and sends every invite; never
    a recipient, or Outlook would offer the recipient no RSVP."""
    from email.utils import parseaddr

    return setting("ORGANIZER_EMAIL") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def organizer_name():
    return setting("ORGANIZER_NAME", "Virtu")
