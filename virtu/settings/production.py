from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("Set the SECRET_KEY environment variable.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# The application serves its own static files (WhiteNoise), with hashed names
# that browsers may keep for a year and compressed copies: any number of web
# processes serve the same files with no proxy configuration.
MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "whitenoise.storage.CompressedManifestStaticFilesStorage"
)

# What every process must share lives in the database or Redis, never in a
# process: the cache (rate limits, Wagtail's caches) is the database's unless
# CACHE_URL or REDIS_URL names Redis (`manage.py createcachetable` makes the
# table), and sessions are in the database.
CACHE_URL = (
    os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "db://virtu_cache"  # noqa: F405
)
CACHES["default"] = cache_from_url(CACHE_URL)  # noqa: F405

# Each web thread and worker keeps its connection a minute, checked before
# reuse, instead of connecting for every request.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Tasks (sending email, Wagtail's reference index) wait in the database for
# `manage.py worker`, so a slow mail server never holds up a request. The
# workers also run the periodic jobs (outbox retries, reminders) and take over
# what a killed worker held (outbox/workers.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
