"""The privacy settings, each read from ``VIRTU_<NAME>`` with a default."""

from datetime import timedelta

from django.conf import settings


def setting(name, default):
    return getattr(settings, f"VIRTU_{name}", default)


def export_lifetime():
    """How long a person's data export can be downloaded
    (``VIRTU_EXPORT_DAYS``, 7); then it is deleted."""
    return timedelta(days=float(setting("EXPORT_DAYS", 7)))


def erasure_cool_off():
    """How long after its approval an erasure waits, during which it can be
    withdrawn (``VIRTU_ERASURE_COOL_OFF_DAYS``, 14)."""
    return timedelta(days=float(setting("ERASURE_COOL_OFF_DAYS", 14)))


def access_log_lifetime():
    """How long the access log keeps an entry (``VIRTU_ACCESS_LOG_DAYS``,
    730: two years)."""
    return timedelta(days=float(setting("ACCESS_LOG_DAYS", 730)))


def feedback_per_ip():
    """Accessibility feedback messages one client address, or one
    signed-in person, may send in an hour (``VIRTU_FEEDBACK_PER_IP``, 5):
    each is emailed to every coordinator, and anyone may send them."""
    return int(setting("FEEDBACK_PER_IP", 5))
