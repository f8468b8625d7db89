"""Signing in by a personal link sent by email.

Participants have no password. The apps that enrol people send them a link
(``new_link``, ``link_url``) with their welcome, and the sign-in page sends a
fresh one to anyone the ``construct_sign_in_link_users`` hook lets in. A link
works once and only until it expires; only a sha256 hash of its token is
stored, so the link itself exists in the email alone: the outbox makes
the link and the email when it sends it, in the person's language, and
keeps no copy of its text.

Email alone never opens the admin: an account that can reach it (staff,
superusers, anyone with Wagtail's admin access, such as coordinators and
trainers) signs in with its password. It gets no link, a link made before
it could reach the admin does not sign it in, and such a person asking for
a link is told by email to use their password (``password_setting_url``
lets a new one set it).
"""

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.log_actions import log

from outbox.conf import site_name, site_url
from outbox.kinds import Rendered
from outbox.models import OutgoingEmail
from outbox.rendering import render_email
from outbox.sending import queue_email

from . import conf, throttling
from .models import SignInLink

#: The window of the rate limits.
HOUR = timedelta(hours=1)
#: In the session of someone who signed in by a link.
LINK_SESSION_KEY = "virtu_signed_in_by_link"


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


def can_reach_admin(user):
    """Whether ``user`` could use the admin, and so must sign in with a
    password rather than by a link sent to their email. A deactivated
    account counts as it would be active again: Django gives it no
    permission, but it keeps its groups."""
    if user.is_staff or user.is_superuser:
        return True
    if user.is_active:
        return user.has_perm("wagtailadmin.access_admin")
    return Permission.objects.filter(
        models.Q(user=user) | models.Q(group__user=user),
        content_type__app_label="wagtailadmin",
        codename="access_admin",
    ).exists()


def addressed_to(email, user):
    """Whether the outbox row ``email`` is still addressed to ``user``'s
    address. A link is made when its email is sent, for the account as it is
    then: an address corrected in between (a typo in the enrolment) must not
    carry a link to the corrected account to the old mailbox."""
    return email.to.strip().lower() == (user.email or "").strip().lower()


def password_setting_url(user):
    """A link that lets ``user`` set their password, in the active language:
    the admin's password reset, which works once and for
    ``PASSWORD_RESET_TIMEOUT`` seconds."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url() + reverse("signin:password_reset_confirm", args=[uid, token])


def password_reset_url():
    """Where someone who has forgotten their password asks for a new one, in
    the active language (the admin's page, in that language)."""
    return site_url() + reverse("signin:password_reset")


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


def send_link(email, now=None, next_path="", language=""):
    """Email a new link to the person with this address, if they may sign
    in by link (``users_who_may_sign_in_by_link``).

    Says nothing about whether there is one: the caller answers the same
    either way. Only the intent is written here; the worker makes the link
    and the email when it sends it (``render_sign_in``), so the request does
    the same little work for any address and no usable link is ever stored.
    At most ``conf.links_per_address()`` links an hour go to one person,
    counted in the outbox, so the limit holds across processes and restarts.
    ``next_path``, a path on this site, is where the link leads once used;
    ``language``, the sign-in page's, is the email's and the link's for
    someone who has not chosen theirs.
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
            params={
                "asked": now.isoformat(),
                **({"next": next_path} if is_local_path(next_path) else {}),
                **({"language": language} if language else {}),
            },
        )


def is_local_path(path):
    """Whether ``path`` is a path on this site (not //elsewhere or a URL)."""
    return (
        bool(path)
        and path.startswith("/")
        and not path.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(path, allowed_hosts=set())
    )


def render_sign_in(email):
    """The sign-in email, made when it is sent, with a new link in it; for
    someone who can reach the admin, a reminder to use their password."""
    user = email.user
    if user is None or not user.is_active or not addressed_to(email, user):
        return None
    if can_reach_admin(user):
        subject, text, html = render_email(
            "signin/email/use_password",
            _("Sign in to %(site)s with your password") % {"site": site_name()},
            person=user,
            sign_in_url=sign_in_url(),
            password_reset_url=password_reset_url(),
        )
        return Rendered(subject, text, html)
    link, token = new_link(user)
    log_link_issued(user, link, "asked")
    url = link_url(token)
    if is_local_path(email.params.get("next", "")):
        url += "?" + urlencode({"next": email.params["next"]})
    subject, text, html = render_email(
        "signin/email/sign_in",
        _("Your sign-in link to %(site)s") % {"site": site_name()},
        person=user,
        url=url,
        expires=local_time(link.expires_at),
        sign_in_url=sign_in_url(),
    )
    return Rendered(subject, text, html, private=True)


def log_link_issued(user, link, reason):
    """Record in Site history that a link was made (never the link)."""
    log(
        user,
        LINK_ISSUED,
        user=None,
        data={"reason": reason, "expires": link.expires_at.isoformat()},
    )


LINK_ISSUED = "virtu.sign_in_link"


client_ip = throttling.client_ip


#: Which limit a link request passed (``throttled``): its client's
#: address, which a whole organisation's staff may share, or the address
#: asked for.
CLIENT, ADDRESS = "client", "address"


def throttled(email, ip):
    """Count a link request against its address and its client's address;
    the limit passed in the last hour (``CLIENT`` or ``ADDRESS``), or None.

    Counted in Django's cache shared by every process (``throttling``), for
    every request alike: a limit on an address that counted only enrolled
    people would tell who is enrolled. ``send_link`` keeps its own exact
    limit per person in the database.
    """
    if throttling.count(throttling.key("sign-in:ip", ip)) > conf.requests_per_ip():
        # Not counted against the address too: a client past its own limit
        # cannot use up the allowance of address after address.
        return CLIENT
    if (
        throttling.count(throttling.key("sign-in:address", email))
        > conf.links_per_address()
    ):
        return ADDRESS
    return None


# Emails


def sign_in_url():
    """The sign-in page's absolute URL in the active language."""
    return site_url() + reverse("login")


def local_time(moment, zone=None):
    """A date and time in the active language, in ``zone`` or the site's."""
    return date_format(timezone.localtime(moment, zone), "DATETIME_FORMAT")
