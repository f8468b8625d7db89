"""Closing an account ends its sessions in the session store
(``signals.end_sessions``): a store that keeps each session only in the
browser's cookie can end none, and its keys do not fit the record of a
session (``SignedInSession``), so that signing in would fail."""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.signed_cookies import SessionStore as InCookie
from django.core import checks


@checks.register(checks.Tags.security)
def sessions_can_be_ended(app_configs, **kwargs):
    if issubclass(import_module(settings.SESSION_ENGINE).SessionStore, InCookie):
        return [
            checks.Error(
                "SESSION_ENGINE keeps sessions in the browser's cookie, where "
                "closing an account cannot end them.",
                hint="Keep them in the database or in a cache every process "
                "shares (django.contrib.sessions.backends.db or cached_db).",
                id="signin.E001",
            )
        ]
    return []
