"""Publishing that happens later: Wagtail's scheduled publishing and expiry,
which only its ``publish_scheduled`` command carries out."""

from django.core.management import call_command


def publish_scheduled():
    """Publish what is scheduled to go live and unpublish what has expired:
    a cohort scheduled in the editor goes live (its invites and welcomes
    sent) or expires (its sessions cancelled) when the workers run this, as
    a course does."""
    call_command("publish_scheduled", verbosity=0)
