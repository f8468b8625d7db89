from .base import *  # noqa: F403

SECRET_KEY = "virtu-tests-only"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WAGTAILADMIN_BASE_URL = "http://testserver"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Tests ask for 404s, 410s and 429s on purpose, and check each answer; the
# warning Django logs for every one of them would bury the report. Errors
# (500s) are still printed.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405
LOGGING["loggers"]["django.server"] = {"level": "ERROR"}  # noqa: F405
# Each test run its own cache and database sessions, whatever CACHE_URL or
# REDIS_URL the environment has (the scale-out test starts servers of its own
# on Redis).
CACHES = {  # noqa: F405
    "default": cache_from_url("locmem://"),  # noqa: F405
    "template_fragments": cache_from_url("locmem://fragments"),  # noqa: F405
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Tests make meeting services fail on purpose; they read these with assertLogs.
LOGGING["loggers"]["cohorts.meetings"] = {"level": "ERROR"}  # noqa: F405
# On SQLite the test database is a file, as the demo's is, not Django's
# default of one in memory: the browser tests' live server answers several
# requests at once in threads, and in memory those threads would share the
# one connection (a page's two assets at once once broke a query). The name
# is chosen once per run and passed on to the processes of --parallel.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.setdefault(
            "VIRTU_TEST_DATABASE",
            os.path.join(tempfile.gettempdir(), f"virtu-test-{os.getpid()}.sqlite3"),
        )
    }
