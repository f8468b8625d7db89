"""A logging filter that keeps secret tokens out of the logs.

Sign-in links, calendar feeds and password-setting links carry their secret
in the address, and Django logs addresses: runserver's request lines and the
"Not Found:"/"Gone:" warnings of ``django.request``. Anyone who reads a log
could otherwise use them. Configured on the log handlers in the settings.
"""

import logging
import re

#: The secret part of each such address, after the part that stays.
SECRETS = re.compile(
    r"(?P<keep>/accounts/link/|/calendar/feed/|/password_reset/confirm/[^/\s\"']+/)"
    r"[^/\s\"'?#.]+"
)
REDACTED = "[redacted]"


def redact(text):
    return SECRETS.sub(lambda match: match["keep"] + REDACTED, text)


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message with every token in it redacted."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
