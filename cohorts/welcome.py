"""The welcome email that a person gets when they are enrolled in a live
cohort, or when a cohort they are in is published: what the cohort is and
a personal sign-in link (``signin``)."""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from outbox.models import OutgoingEmail
from outbox.rendering import preferred_languages, render_email
from outbox.sending import queue_email
from signin.links import link_url, local_time, new_link, sign_in_url

from .emails import Kind
from .models import Enrollment


def welcome_key(enrollment):
    return f"welcome:{enrollment.pk}"


def welcome_enrolled(enrollment, now=None):
    """Welcome a person just enrolled, if the cohort is live (a draft
    cohort's people are welcomed when it is published)."""
    # Read from the database: the cohort object in hand may be stale.
    if Enrollment.objects.filter(pk=enrollment.pk, cohort__live=True).exists():
        queue_welcomes([enrollment], now)


def welcome_cohort(cohort_id, now=None):
    """Welcome everyone in a cohort just published who has not been."""
    enrollments = Enrollment.objects.filter(
        cohort_id=cohort_id, cohort__live=True
    ).select_related("user", "cohort")
    queue_welcomes(list(enrollments), now)


@transaction.atomic
def queue_welcomes(enrollments, now=None):
    """Queue each enrolment's welcome email with a new sign-in link, in the
    person's language; an enrolment already welcomed is left alone."""
    enrollments = [e for e in enrollments if e.user.email]
    queued = set(
        OutgoingEmail.objects.filter(
            key__in=[welcome_key(e) for e in enrollments]
        ).values_list("key", flat=True)
    )
    enrollments = [e for e in enrollments if welcome_key(e) not in queued]
    languages = preferred_languages([e.user for e in enrollments])
    for enrollment in enrollments:
        user, cohort = enrollment.user, enrollment.cohort
        link, token = new_link(user, now)
        with translation.override(languages[user.pk]):
            subject, text, html = render_email(
                "cohorts/email/welcome",
                _("Welcome to %(title)s") % {"title": cohort.title},
                person=user,
                cohort=cohort,
                trainer=enrollment.role == Enrollment.Role.TRAINER,
                url=link_url(token),
                expires=local_time(link.expires_at, cohort.zone),
                sign_in_url=sign_in_url(),
            )
        queue_email(
            welcome_key(enrollment), Kind.WELCOME, user.email, subject, text, html
        )
