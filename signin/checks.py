"""Closing an account ends its sessions in the session store
(``signals.end_sessions``): a store that keeps each session only in the
browser's cookie can end none, and its keys do not fit the record of a
session (``SignedInSession``), so that signing in would fail."""

from django.contrib.sessions.backends.signed_cookies import SessionStore as InCookie
from django.core import checks

from .signals import session_store


@checks.register(checks.Tags.security)
def sessions_can_be_ended(app_configs, **kwargs):
    if issubclass(session_store(), InCookie):
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
