"""Calendar files on the public site: session and cohort downloads, and each
person's secret subscription feed."""

import hashlib
import hmac
import secrets

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import conf
from ..models import CalendarFeed, CohortPage, Session
from . import ical

CONTENT_TYPE = "text/calendar; charset=utf-8"
#: Session key under which a new feed token waits to be shown once.
NEW_TOKEN = "calendar_feed_token"


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_response(ics, filename=None):
    response = HttpResponse(ics, content_type=CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    # Personal data behind a login or a secret URL: no shared caches.
    patch_cache_control(response, private=True)
    return response


@login_required
def session_download(request, uid):
    session = get_object_or_404(Session.objects.select_related("page"), uid=uid)
    if not session.page.shows_sessions_to(request.user):
        raise Http404  # not 403: do not tell whether the session exists
    return calendar_response(
        ical.session_file(session), slugify(session.title) or "session"
    )


@login_required
def cohort_download(request, pk):
    cohort = get_object_or_404(CohortPage, pk=pk)
    if not cohort.shows_sessions_to(request.user):
        raise Http404
    return calendar_response(
        ical.cohort_file(cohort), slugify(cohort.title) or "cohort"
    )


def feed(request, token):
    digest = token_hash(token)
    subscription = (
        CalendarFeed.objects.filter(token_hash=digest, user__is_active=True)
        .select_related("user")
        .first()
    )
    if subscription is None or not hmac.compare_digest(subscription.token_hash, digest):
        raise Http404
    return calendar_response(ical.feed_file(subscription.user))


def feed_urls(token):
    """The https URL (for Google) and the webcal one (for Outlook and Apple)."""
    url = conf.site_url() + reverse("calendar:feed", args=[token])
    return url, "webcal://" + url.split("://", 1)[1]


@transaction.atomic
def new_token(user):
    """Make a new feed token for ``user``; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": token_hash(token)}
    )
    return token


@never_cache  # the page may show the secret URL
@login_required
@require_http_methods(["GET", "POST"])
def subscription(request):
    """The person's feed links. Only a hash of the token is stored, so the
    URL can be shown once, right after it is made; after that it can only
    be replaced."""
    if request.method == "POST":
        request.session[NEW_TOKEN] = new_token(request.user)
        return redirect("calendar:subscription")
    token = request.session.pop(NEW_TOKEN, None)
    https_url, webcal_url = feed_urls(token) if token else (None, None)
    cohorts = (
        CohortPage.objects.live()
        .filter(enrollments__user=request.user)
        .distinct()
        .order_by("title")
    )
    return render(
        request,
        "cohorts/calendar_subscription.html",
        {
            "feed": CalendarFeed.objects.filter(user=request.user).first(),
            "https_url": https_url,
            "webcal_url": webcal_url,
            "cohorts": cohorts,
        },
    )
