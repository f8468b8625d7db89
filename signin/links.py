"""Signing in by a personal link sent by email.

Participants have no password. The apps that enrol people send them a link
(``new_link``, ``link_url``) with their welcome, and the sign-in page sends a
fresh one to anyone the ``construct_sign_in_link_users`` hook lets in. A link
works once and only until it expires; only a sha256 hash of its token is
stored, so the link itself exists in the email alone: the outbox makes
the link and the email when it sends it, in the person's language, and
keeps no copy of its text.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from outbox.conf import site_url
from outbox.kinds import Rendered
from outbox.models import OutgoingEmail
from outbox.rendering import render_email
from outbox.sending import queue_email

from . import conf
from .models import SignInLink

#: The window of the rate limits.
HOUR = timedelta(hours=1)


class Kind(models.TextChoices):
    SIGN_IN = "sign_in", gettext_lazy("Sign-in link")

    @property
    def holds_sign_in_link(self):
        return True


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
    return site_url() + reverse("signin:link", args=[token])


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
    """Where a person goes after signing in: the first page the
    ``register_sign_in_destination`` hook gives (such as their training), else
    the admin for staff who may use it, else the site's front page."""
    for get_destination in hooks.get_hooks("register_sign_in_destination"):
        if url := get_destination(user):
            return url
    if user.has_perm("wagtailadmin.access_admin"):
        return reverse("wagtailadmin_home")
    return "/"


def users_who_may_sign_in_by_link():
    """The people a link may be sent to on request: active ones, narrowed by
    every ``construct_sign_in_link_users`` hook (e.g. to those enrolled)."""
    users = get_user_model().objects.filter(is_active=True)
    for construct in hooks.get_hooks("construct_sign_in_link_users"):
        users = construct(users)
    return users


# Links asked for on the sign-in page


def send_link(email, now=None):
    """Email a new link to the person with this address, if they may sign
    in by link (``users_who_may_sign_in_by_link``).

    Says nothing about whether there is one: the caller answers the same
    either way. Only the intent is written here; the worker makes the link
    and the email when it sends it (``render_sign_in``), so the request does
    the same little work for any address and no usable link is ever stored.
    At most ``conf.links_per_address()`` links an hour go to one person,
    counted in the outbox, so the limit holds across processes and restarts.
    """
    now = now or timezone.now()
    user = (
        users_who_may_sign_in_by_link()
        .filter(email__iexact=email.strip())
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
        return queue_email(
            f"sign_in:{user.pk}:{secrets.token_hex(16)}",
            Kind.SIGN_IN,
            user.email,
            user=user,
            params={"asked": now.isoformat()},
        )


def render_sign_in(email):
    """The sign-in email, made when it is sent, with a new link in it."""
    user = email.user
    if user is None or not user.is_active:
        return None
    link, token = new_link(user)
    subject, text, html = render_email(
        "signin/email/sign_in",
        _("Your sign-in link to Virtu"),
        person=user,
        url=link_url(token),
        expires=local_time(link.expires_at),
        sign_in_url=sign_in_url(),
    )
    return Rendered(subject, text, html, private=True)


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


def sign_in_url():
    """The sign-in page's absolute URL in the active language."""
    return site_url() + reverse("login")


def local_time(moment, zone=None):
    """A date and time in the active language, in ``zone`` or the site's."""
    return date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")
