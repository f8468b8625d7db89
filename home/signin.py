"""Signing in by a personal link sent by email.

Participants have no password. Enrolment in a live cohort sends a welcome
email with a link, and the sign-in page sends a fresh one to an enrolled
address. A link works once and only until it expires; only a sha256 hash of
its token is stored, so the link itself exists in the email alone. Emails are
rendered when queued, in the person's language, through the outbox.
"""

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cohorts import conf as site
from cohorts.invites import preferred_languages
from cohorts.models import Enrollment, OutgoingEmail
from cohorts.outbox import Kind, queue_email

from . import conf
from .models import SignInLink

#: The window of the rate limits.
HOUR = timedelta(hours=1)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(user, now=None):
    """A new link for ``user``: returns the row and the token, which is
    stored nowhere."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + conf.link_lifetime(),
    )
    return link, token


def link_url(token):
    """The link's absolute URL in the active language."""
    return site.site_url() + reverse("signin:link", args=[token])


def find_link(token):
    """The link with this token, usable or not, or None."""
    digest = token_hash(token)
    link = SignInLink.objects.filter(token_hash=digest).select_related("user").first()
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return None
    return link


def use_link(link, now=None):
    """Mark ``link`` used; False if it no longer works. One conditional
    UPDATE, so two requests racing with the same link sign in only once."""
    now = now or timezone.now()
    return bool(
        SignInLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=now, user__is_active=True
        ).update(used_at=now)
    )


def destination(user):
    """Where a person goes after signing in: participants to their training,
    other staff with admin access to the admin."""
    is_participant = Enrollment.objects.filter(
        user=user, role=Enrollment.Role.PARTICIPANT
    ).exists()
    if not is_participant and user.has_perm("wagtailadmin.access_admin"):
        return reverse("wagtailadmin_home")
    return reverse("participant:my_training")


# Welcome emails


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
                "welcome",
                _("Welcome to %(title)s") % {"title": cohort.title},
                person=user,
                cohort=cohort,
                trainer=enrollment.role == Enrollment.Role.TRAINER,
                url=link_url(token),
                expires=local_time(link.expires_at, cohort.zone),
                sign_in_url=site.site_url() + reverse("login"),
            )
        queue_email(
            welcome_key(enrollment), Kind.WELCOME, user.email, subject, text, html
        )


# Links asked for on the sign-in page


def send_link(email, now=None):
    """Email a new link to the enrolled, active person with this address.

    Says nothing about whether there is one: the caller answers the same
    either way. The link and its email are written in one transaction, and
    sent by a task after it commits, so the request does the same little
    work for any address. At most ``conf.links_per_address()`` links an hour
    go to one person, counted in the outbox, so the limit holds across
    processes and restarts.
    """
    now = now or timezone.now()
    user = (
        get_user_model()
        .objects.filter(
            email__iexact=email.strip(), is_active=True, enrollments__isnull=False
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        return None
    with transaction.atomic():
        recent = OutgoingEmail.objects.filter(
            kind=Kind.SIGN_IN, to=user.email, created_at__gt=now - HOUR
        )
        if recent.count() >= conf.links_per_address():
            return None
        link, token = new_link(user, now)
        with translation.override(preferred_languages([user])[user.pk]):
            subject, text, html = render_email(
                "sign_in",
                _("Your sign-in link to Virtu"),
                person=user,
                url=link_url(token),
                expires=local_time(link.expires_at),
                sign_in_url=site.site_url() + reverse("login"),
            )
        return queue_email(
            f"sign_in:{link.pk}", Kind.SIGN_IN, user.email, subject, text, html
        )


def throttled(email, ip):
    """Count a link request against its address and its client's address;
    True when either has made too many in the last hour.

    Counted in Django's cache, for every request alike: a limit on an address
    that counted only enrolled people would tell who is enrolled. The cache
    is per process unless CACHES names a shared one; ``send_link`` keeps its
    own exact limit per person in the database.
    """
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    over = [
        count(f"virtu:sign-in:ip:{ip}") > conf.requests_per_ip(),
        count(f"virtu:sign-in:address:{address}") > conf.links_per_address(),
    ]
    return any(over)


def count(key):
    """Add one to an hourly counter and return it."""
    seconds = int(HOUR.total_seconds())
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, seconds)
        return 1


def client_ip(request):
    """The client's address. In a list (X-Forwarded-For) the last entry is
    the one the proxy in front wrote; the first is whatever the client sent."""
    value = request.META.get(conf.client_ip_header(), "")
    return value.split(",")[-1].strip() or "unknown"


# Emails


def render_email(template, subject, **context):
    """(subject, text, html) from home/email/<template>.txt and .html."""
    context["subject"] = subject
    text = render_to_string(f"home/email/{template}.txt", context)
    html = render_to_string(f"home/email/{template}.html", context)
    return subject, re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", html


def local_time(moment, zone=None):
    """A date and time in the active language, in ``zone`` or the site's."""
    return date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")
