"""Wagtail's redirects from a moved or renamed page's old address, made
from the address in the site's own language.

Wagtail makes them in the request that moves or renames the page, from the
old address as the active language writes it: a coordinator using the
admin in English got ``/en/…/old/``, and the participants' Finnish and
Swedish old addresses answered 404. Made from the address without a
language prefix, the redirect serves the Finnish one, and
``PrefixedRedirectMiddleware`` the others."""

import functools

from django.conf import settings
from django.utils import translation
from wagtail.contrib.redirects import signal_handlers


def in_site_language(create_redirects):
    @functools.wraps(create_redirects)
    def create(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return create_redirects(*args, **kwargs)

    create.in_site_language = True
    return create


def make_redirects_in_site_language():
    """Wagtail's two handlers (a move's and a rename's) call this module
    function when they run, whichever app's ``ready`` connects them."""
    if not getattr(signal_handlers.create_redirects, "in_site_language", False):
        signal_handlers.create_redirects = in_site_language(
            signal_handlers.create_redirects
        )
