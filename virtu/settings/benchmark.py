"""Production settings for the load benchmark (``manage.py benchmark_load``),
which serves plain HTTP on the loopback address: no redirect to HTTPS and
cookies without the Secure flag, static files without a collected manifest,
and a bare signed-in view beside the site's pages (``home/benchmark_urls.py``)
as the reference. Everything else, the database cache and sessions, the
task queue in the database and the connections kept a minute, is production's.
"""

from .production import *  # noqa: F403

ROOT_URLCONF = "home.benchmark_urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
MIDDLEWARE = ["virtu.timing.ServerTimingMiddleware", *MIDDLEWARE]  # noqa: F405
