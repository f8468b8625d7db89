"""Health checks for load balancers and process supervisors.

- ``/health/live/`` (liveness): the process answers. It touches nothing
  else, so a database outage does not get every web process restarted.
- ``/health/ready/`` (readiness): the database answers and has every
  migration this code knows applied, and the cache answers; 200, else 503.
  One query to the database and one call to the cache.

``HealthCheckMiddleware`` answers them first in MIDDLEWARE, before sessions,
languages, the redirect to HTTPS and the check of the Host header: a load
balancer asks a server by its own address, over plain HTTP, every few
seconds. The answers are JSON, never cached, and name no host or error.
"""

import json
import logging
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

LIVE_PATH = "/health/live/"
READY_PATH = "/health/ready/"


def paths():
    """(liveness path, readiness path): ``VIRTU_HEALTH_LIVE_PATH`` and
    ``VIRTU_HEALTH_READY_PATH`` for a site that has other pages there."""
    return (
        getattr(settings, "VIRTU_HEALTH_LIVE_PATH", LIVE_PATH),
        getattr(settings, "VIRTU_HEALTH_READY_PATH", READY_PATH),
    )


class HealthCheckMiddleware:
    """Answers the two health URLs; put it first in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response
        live, ready = paths()
        self.views = {live: liveness, ready: readiness}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request)


def liveness(request):
    return answer({"status": "ok"})


def readiness(request):
    checks = {"database": "ok", "migrations": "ok", "cache": "ok"}
    try:
        pending = unapplied_migrations()
    except Exception:
        logger.exception("Readiness: the database does not answer")
        checks["database"] = checks["migrations"] = "unavailable"
        # A broken connection is not kept for the next request.
        connections[DEFAULT_DB_ALIAS].close()
    else:
        if pending:
            checks["migrations"] = f"{len(pending)} not applied"
    try:
        caches["default"].get("virtu:health")
    except Exception:
        logger.exception("Readiness: the cache does not answer")
        checks["cache"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return answer(
        {"status": "ok" if ready else "unavailable", **checks},
        status=200 if ready else 503,
    )


@cache
def known_migrations():
    """Every migration of this code: read from disk once per process (the
    code does not change under a running process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def unapplied_migrations():
    """The migrations of this code that the database has not applied."""
    applied = set(
        MigrationRecorder.Migration.objects.using(DEFAULT_DB_ALIAS).values_list(
            "app", "name"
        )
    )
    return known_migrations() - applied


def answer(data, status=200):
    response = HttpResponse(
        json.dumps(data), content_type="application/json", status=status
    )
    add_never_cache_headers(response)
    return response
