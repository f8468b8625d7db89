"""The impact app's settings, each read from ``VIRTU_IMPACT_<NAME>`` with a
default."""

from datetime import timedelta

from django.conf import settings

from cohorts import conf as cohorts_conf


def setting(name, default):
    return getattr(settings, f"VIRTU_IMPACT_{name}", default)


def follow_up_days():
    """Days from the last session to the follow-up wave."""
    return setting("FOLLOW_UP_DAYS", 75)


def open_days():
    """How long each wave stays open, in days."""
    return timedelta(days=setting("OPEN_DAYS", 14))


def reminder_notice():
    """Those who have not answered are reminded this long before a wave closes."""
    return timedelta(days=setting("REMINDER_DAYS", 4))


def smallest_group():
    """Figures from fewer people than this are hidden (``cohorts.disclosure``)."""
    return cohorts_conf.smallest_group()
