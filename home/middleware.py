from urllib.parse import urlsplit

from django import http
from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.encoding import escape_uri_path
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect


class PrefixedRedirectMiddleware:
    """Wagtail's redirects for the pages' addresses in the other languages.

    Wagtail keeps a redirect under the address without a language prefix
    (a renamed cohort's old ``/valmennukset/…/old/``), and its middleware
    looks only that up: ``/sv/…/old/`` answered 404. On a 404 for a path
    with a language prefix, this looks up the path without it and sends the
    reader to the target in the same language. Placed before Wagtail's
    ``RedirectMiddleware``, so a redirect made for the prefixed path itself
    wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404:
            return response
        language = prefix_language(request)
        if language is None:
            return response
        # The full path as Wagtail's middleware reads it, less the prefix.
        full_path = request.get_full_path()
        script_name = request.path[: len(request.path) - len(request.path_info)]
        start = len(escape_uri_path(script_name))
        path = Redirect.normalise_path(
            full_path[:start] + full_path[start + len(language) + 1 :],
            decode_unicode=False,
        )
        if path.startswith(reverse("wagtailadmin_home")):
            return response
        redirect = get_redirect(request, path)
        if redirect is None:
            path_without_query = urlsplit(path).path
            if path_without_query != path:
                redirect = get_redirect(request, path_without_query)
        if redirect is None:
            return response
        link = target_in(redirect, language)
        if link is None:
            return response
        if redirect.is_permanent:
            return http.HttpResponsePermanentRedirect(link)
        return http.HttpResponseRedirect(link)


def prefix_language(request):
    """The language of the path's prefix, where the site's i18n patterns
    put one there (none for the default language)."""
    urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
    used, prefix_default = is_language_prefix_patterns_used(urlconf)
    if not used:
        return None
    language = translation.get_language_from_path(request.path_info)
    if language is None or (language == settings.LANGUAGE_CODE and not prefix_default):
        return None
    if not request.path_info.startswith(f"/{language}/"):
        return None
    return language


def target_in(redirect, language):
    """The redirect's target in ``language``: a page's address in it, or a
    link on this site translated where it is one of the i18n patterns."""
    if redirect.redirect_page_id:
        with translation.override(language):
            return redirect.link
    link = redirect.link
    if link is None or urlsplit(link).scheme or urlsplit(link).netloc:
        return link
    with translation.override(settings.LANGUAGE_CODE):
        return translate_url(link, language)
