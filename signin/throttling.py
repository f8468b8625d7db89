"""Counters that limit how often something may be tried, in Django's cache.

The cache must be one that every process of the site shares (``CACHE_URL``:
the database or Redis), or each worker would count on its own and a restart
would forget. Keys hold hashes, never an address or a user name.
"""

import hashlib
from datetime import timedelta

from django.core.cache import cache

from . import conf

#: The window of every limit here.
HOUR = timedelta(hours=1)


def key(kind, value):
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()
    return f"virtu:{kind}:{digest}"


def count(key):
    """Add one to an hourly counter and return it."""
    seconds = int(HOUR.total_seconds())
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, seconds)
        return 1


def reached(key, limit):
    """Whether the counter has reached ``limit``."""
    return (cache.get(key) or 0) >= limit


def client_ip(request):
    """The client's address. In a list (X-Forwarded-For) the last entry is
    the one the proxy in front wrote; the first is whatever the client sent."""
    value = request.META.get(conf.client_ip_header(), "")
    return value.split(",")[-1].strip() or "unknown"
