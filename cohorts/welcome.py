"""The welcome email that a person gets when they are placed in a live
cohort (enrolled, moved there from another, or enrolled again after a
withdrawal), or when a cohort they are in is published: what the cohort is
and a personal sign-in link (``signin``). The request only records that a
welcome is due; the worker makes the link and the email when it sends it.

Each placement (``Enrollment.placement``) is welcomed once: its key names
it, so publishing the cohort again, a second submit of the same change or a
worker's retry sends nothing more, while each real move or enrolment again
is welcomed anew."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.kinds import Rendered
from outbox.models import OutgoingEmail
from outbox.rendering import render_email
from outbox.sending import queue_emails
from signin.links import (
    addressed_to,
    can_reach_admin,
    link_url,
    local_time,
    log_link_issued,
    new_link,
    password_reset_url,
    password_setting_url,
    sign_in_url,
)

from .emails import Kind
from .models import Enrollment


def welcome_key(enrollment):
    """The key of the welcome of the enrolment's present placement; the
    first keeps the key that welcomes had before places were counted."""
    key = f"welcome:{enrollment.pk}"
    if enrollment.placement:
        key += f":placement:{enrollment.placement}"
    return key


def welcome_params(enrollment):
    """What the renderer needs: the place, and which placement of it."""
    return {"enrollment": enrollment.pk, "placement": enrollment.placement}


def moved_welcome(enrollment):
    """The welcome of a place moved to another address (a typo corrected),
    for ``queue_emails``: the first went to the old address, or was dropped
    unsent. Keyed by the account as well, so each address is welcomed once."""
    if (
        not Enrollment.objects.active()
        .filter(pk=enrollment.pk, cohort__live=True)
        .exists()
    ):
        return []
    return [
        OutgoingEmail(
            key=f"{welcome_key(enrollment)}:to:{enrollment.user_id}",
            kind=Kind.WELCOME,
            to=enrollment.user.email,
            user=enrollment.user,
            params=welcome_params(enrollment),
        )
    ]


def enrolment_welcomes(enrollment):
    """The welcome of a person just placed in a cohort, if it is live (a
    draft cohort's people are welcomed when it is published), for
    ``queue_emails``."""
    # Read from the database: the cohort object in hand may be stale.
    if Enrollment.objects.active().filter(pk=enrollment.pk, cohort__live=True).exists():
        return welcomes([enrollment])
    return []


def welcome_cohort(cohort_id):
    """Welcome everyone in a cohort just published who has not been."""
    queue_emails(cohort_welcomes(cohort_id))


def cohort_welcomes(cohort_id):
    """The welcomes of everyone in a live cohort, for ``queue_emails`` (a key
    already queued is left alone)."""
    enrollments = (
        Enrollment.objects.active()
        .filter(cohort_id=cohort_id, cohort__live=True)
        .select_related("user")
    )
    return welcomes(list(enrollments))


def queue_welcomes(enrollments):
    """Record a welcome for each enrolment that has not had one, in one
    query and one task however many there are."""
    queue_emails(welcomes(enrollments))


def welcomes(enrollments):
    """Unsaved outbox rows: a welcome for each enrolment with an address
    and an open account (a closed one is welcomed when opened again:
    ``signals.reopened``)."""
    return [
        OutgoingEmail(
            key=welcome_key(enrollment),
            kind=Kind.WELCOME,
            to=enrollment.user.email,
            user=enrollment.user,
            params=welcome_params(enrollment),
        )
        for enrollment in enrollments
        if enrollment.user.email and enrollment.user.is_active
    ]


def render_welcome(email):
    """The welcome, made when it is sent, with a new sign-in link in it;
    not sent to someone no longer in a live cohort, nor for a placement
    since followed by another (which has a welcome of its own)."""
    enrollment = (
        Enrollment.objects.active()
        .filter(pk=email.params["enrollment"], cohort__live=True)
        .select_related("user", "cohort")
        .first()
    )
    if (
        enrollment is None
        or not enrollment.user.is_active
        or not addressed_to(email, enrollment.user)
        or email.params.get("placement", 0) != enrollment.placement
    ):
        # Withdrawn, unpublished, the place moved to a corrected address
        # (which has a welcome of its own: ``moved_welcome``), or moved to
        # another cohort or enrolled again before this was sent.
        return None
    user, cohort = enrollment.user, enrollment.cohort
    context = {}
    if not can_reach_admin(user):
        link, token = new_link(user)
        log_link_issued(user, link, "welcome")
        context.update(
            url=link_url(token), expires=local_time(link.expires_at, cohort.zone)
        )
    elif not user.has_usable_password():
        # Email alone never opens the admin: a trainer sets a password.
        context.update(
            password_url=password_setting_url(user),
            expires=local_time(
                timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
                cohort.zone,
            ),
        )
    else:
        context.update(password_reset_url=password_reset_url())
    subject, text, html = render_email(
        "cohorts/email/welcome",
        _("Welcome to %(title)s") % {"title": cohort.title},
        person=user,
        cohort=cohort,
        course=cohort.get_parent(),
        trainer=enrollment.role == Enrollment.Role.TRAINER,
        sign_in_url=sign_in_url(),
        **context,
    )
    return Rendered(subject, text, html, private=True)
