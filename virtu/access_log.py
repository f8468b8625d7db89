"""gunicorn's logs without secrets.

A sign-in link (``/accounts/link/<token>/``), a calendar feed
(``/calendar/feed/<token>.ics``) and a password-setting link
(``…/password_reset/confirm/<id>/<token>/``) carry their secret in the
path, and a query string may carry anything. gunicorn's access log writes
the request line and the Referer as they came, and some of its error
messages quote the request line. ``RedactingLogger`` (``logger_class`` in
``virtu/gunicorn_conf.py``) writes paths without their query string and
with tokens replaced, in both logs, whatever ``access_log_format`` asks
for. Successful health checks (asked every few seconds by a load balancer)
are not logged at all.
"""

import logging
import re

from gunicorn.glogging import Logger

#: Path parts that are secrets, wherever the site mounts them (with or
#: without a language prefix) and whatever follows.
TOKEN_PATHS = [
    (re.compile(r"(/accounts/link/)[^/?#\s\"']+"), r"\1<token>"),
    (
        re.compile(r"(/calendar/feed/)[^/?#\s\"']+?(\.ics)?(?=[/?#\s\"']|$)"),
        r"\1<token>\2",
    ),
    # A password-setting link, the site's and the admin's: the token after
    # the account's id (Django then moves on to ``…/set-password/``).
    (
        re.compile(
            r"(/password_reset/confirm/[^/?#\s\"']+/)(?!set-password/)[^/?#\s\"']+"
        ),
        r"\1<token>",
    ),
]
#: A query string after a path, up to the end of the URL.
QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
#: Atoms that would repeat the request's address unredacted.
RAW_ATOMS = {"{raw_uri}e", "{query_string}e", "{request_uri}e", "{path_info}e"}
HEALTH_PATHS = ("/health/live/", "/health/ready/")


def redact(text):
    """``text`` with every path's query string dropped and tokens replaced."""
    if not text:
        return text
    text = QUERY.sub(r"\1", text)
    for pattern, replacement in TOKEN_PATHS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Redacts the formatted message of every record of gunicorn's error log."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = redact(record.getMessage())
            record.args = ()
        return True


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactingFilter())

    def access(self, resp, req, environ, request_time):
        status = str(getattr(resp, "status", "") or "")
        if environ.get("PATH_INFO") in HEALTH_PATHS and status.startswith("2"):
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact(environ.get("PATH_INFO", ""))
        referer = redact(environ.get("HTTP_REFERER", "-"))
        atoms.update(
            {
                "r": "{} {} {}".format(
                    environ.get("REQUEST_METHOD", "-"),
                    redact(environ.get("RAW_URI", "")).split("?")[0] or path,
                    environ.get("SERVER_PROTOCOL", "-"),
                ),
                "U": path,
                "q": "-",
                "f": referer,
                "{referer}i": referer,
                "{http_referer}e": referer,
            }
        )
        for key in RAW_ATOMS:
            atoms.pop(key, None)
        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
