"""Calendar files on the public site: session and cohort downloads, and each
person's secret subscription feed."""

import hashlib
import hmac
import secrets
from functools import cache as cache_function

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import conf
from ..former_places import tells_former_place
from ..models import CalendarFeed, CohortPage, Enrollment, Session
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
@tells_former_place(lambda uid: Q(cohort__sessions__uid=uid))
def session_download(request, uid):
    session = get_object_or_404(Session.objects.select_related("page"), uid=uid)
    if not session.page.shows_sessions_to(request.user):
        raise Http404  # not 403: do not tell whether the session exists
    return calendar_response(
        ical.session_file(session), slugify(session.title) or "session"
    )


@login_required
@tells_former_place(lambda pk: Q(cohort=pk))
def cohort_download(request, pk):
    cohort = get_object_or_404(CohortPage, pk=pk)
    if not cohort.shows_sessions_to(request.user):
        raise Http404
    return calendar_response(
        ical.cohort_file(cohort), slugify(cohort.title) or "cohort"
    )


@require_http_methods(["GET", "HEAD"])
def feed(request, token):
    """The person's feed, in their language. It is built once per change
    (``CalendarFeed.changed_at``, moved on by every change that reaches a
    calendar) and kept in the cache under that change; a client that has it
    already is answered 304 Not Modified."""
    digest = token_hash(token)
    # Only what the cache key needs: most requests end with the cache.
    found = list(
        CalendarFeed.objects.filter(
            token_hash=digest, user__is_active=True
        ).values_list(
            "token_hash",
            "user_id",
            "changed_at",
            "user__wagtail_userprofile__preferred_language",
        )[:1]
    )
    if not found or not hmac.compare_digest(found[0][0], digest):
        raise Http404
    __, user_id, changed_at, chosen = found[0]
    language = chosen if chosen in offered_languages() else settings.LANGUAGE_CODE
    version = feed_version(user_id, changed_at, language)
    etag = f'"{version}"'
    last_modified = int(changed_at.timestamp())  # HTTP counts in seconds
    not_modified = get_conditional_response(
        request, etag=etag, last_modified=last_modified
    )
    if not_modified is not None:
        patch_cache_control(not_modified, private=True)
        return not_modified
    key = f"virtu:calendar-feed:{user_id}:{version}"
    ics = cache.get(key)
    if ics is None:
        with translation.override(language):
            ics = ical.feed_file(get_user_model().objects.get(pk=user_id))
        cache.set(key, ics, FEED_CACHE_SECONDS)
    response = calendar_response(ics)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    return response


#: How long a built feed is kept; a change makes a new one at once.
FEED_CACHE_SECONDS = 7 * 24 * 3600


@cache_function
def offered_languages():
    return {code for code, __ in settings.LANGUAGES}


def feed_version(user_id, changed_at, language):
    """What the feed's content depends on, as a short digest: the person,
    their latest change, their language and who organises the events."""
    parts = [
        ical.FEED_FORMAT,
        user_id,
        changed_at.isoformat(),
        language,
        conf.organizer_email(),
        conf.organizer_name(),
        conf.calendar_domain(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


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
        .filter(
            pk__in=Enrollment.objects.active()
            .filter(user=request.user)
            .values("cohort")
        )
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
