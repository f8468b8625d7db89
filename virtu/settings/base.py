"""Settings shared by every environment; each value an operator may change
comes from an environment variable."""

import os
from pathlib import Path

import dj_database_url
import django
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name, default=""):
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


INSTALLED_APPS = [
    # The demo site, then Virtu's plugin apps (before Wagtail's, so that
    # their templates and translations come first).
    "home",
    "impact",
    "library",
    "assignments",
    "cohorts",
    "privacy",
    "courses",
    "signin",
    "outbox",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Tasks waiting in the database for `manage.py worker` (production's
    # TASKS backend); installed everywhere, so every database has its table.
    "django_tasks_db",
]

MIDDLEWARE = [
    # /health/live/ and /health/ready/ for load balancers, before anything
    # that would redirect them, check their Host header or open a session.
    "outbox.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A page without a language prefix in the language chosen with the
    # language switch (after LocaleMiddleware, which makes it Finnish).
    "signin.middleware.PreferredLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Wagtail's page chooser confirms no page by id that it does not show.
    "courses.middleware.PageChooserMiddleware",
    # A session opened by a sign-in link never reaches the admin.
    "signin.middleware.LinkSessionMiddleware",
    # A signed-in session given a new key stays recorded (closing the
    # account ends it).
    "signin.middleware.SessionKeyMiddleware",
    # The admin's own messages and error pages in its user's language.
    "signin.middleware.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Wagtail's redirects under the language prefixes too (after Wagtail's
    # own lookup of the prefixed path).
    "home.middleware.PrefixedRedirectMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# A content security policy on the public site (virtu/csp.py); Django has
# one built in from 6.0 on.
if django.VERSION >= (6, 0):
    from virtu.csp import POLICY

    MIDDLEWARE.append("virtu.csp.PublicSiteCSPMiddleware")
    SECURE_CSP = POLICY
    VIRTU_CSP_EXEMPT_PATHS = ("/admin/", "/documents/")

ROOT_URLCONF = "virtu.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "virtu.wsgi.application"

# SQLite is the embedded default. Under concurrent writes it needs WAL, an
# immediate write lock and a busy timeout, or it loses writes to
# "database is locked" (measured: 82% lost with defaults, 0 with these).
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Wagtail's search index then uses PostgreSQL full-text fields, which
    # Django's system checks refuse without this app (postgres.E005).
    INSTALLED_APPS.append("django.contrib.postgres")
    # A database host that does not answer fails a request (and the
    # readiness check) in seconds instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_from_url(url):
    """A cache every process of the site shares (rate limits, cached pages):
    ``redis://host:6379/0`` (or ``rediss://``) for Redis, ``db://table`` for
    a table in the database (``manage.py createcachetable`` makes it), or
    ``locmem://`` for one process alone (development and tests)."""
    scheme, __, rest = url.partition("://")
    if scheme in ("redis", "rediss"):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A Redis that has gone away fails in seconds, not never.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    if scheme == "db":
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": rest or "virtu_cache",
        }
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": rest,
        }
    raise ValueError(f"CACHE_URL: unknown cache {url!r}")


#: Sessions live in the database, which every process shares: one indexed
#: read a request, and no other service a signed-in person depends on.
#: ``SESSION_ENGINE`` chooses another, e.g. reading through a Redis cache
#: (``django.contrib.sessions.backends.cached_db``).
SESSION_ENGINE = os.environ.get("SESSION_ENGINE", "django.contrib.sessions.backends.db")


#: Production shares the database by default (settings/production.py).
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL") or "locmem://"
#: The rendered parts of participants' pages (assignments/fragments.py) are
#: kept under a fingerprint of everything they show, so each process may keep
#: its own: no query to read one. FRAGMENT_CACHE_URL shares them instead
#: (such as Redis).
FRAGMENT_CACHE_URL = os.environ.get("FRAGMENT_CACHE_URL") or "locmem://fragments"
#: Names the release (such as its commit): parts kept in a shared cache by an
#: earlier release are not used (assignments/fragments.py).
VIRTU_RELEASE = os.environ.get("VIRTU_RELEASE", "")
CACHES = {
    "default": cache_from_url(CACHE_URL),
    # The name Django's {% cache %} tag looks for.
    "template_fragments": cache_from_url(FRAGMENT_CACHE_URL),
}
if FRAGMENT_CACHE_URL.startswith("locmem:"):
    # A part is some 10 kB: at most about 20 MB a process.
    CACHES["template_fragments"]["OPTIONS"] = {"MAX_ENTRIES": 2000}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
]

# Finnish first: most users work in Finnish, then Swedish and English.
LANGUAGE_CODE = "fi"
LANGUAGES = [
    ("fi", _("Finnish")),
    ("sv", _("Swedish")),
    ("en", _("English")),
]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way of writing each kind of date and time in Finnish and Swedish.
FORMAT_MODULE_PATH = ["virtu.formats"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGIN_URL = "login"
# Participants sign in by a personal link sent by email (signin/links.py): how
# many days a link works, and, behind a proxy, the request header that holds
# the client's address for the sign-in page's rate limit (e.g. HTTP_X_REAL_IP).
VIRTU_SIGN_IN_LINK_DAYS = float(os.environ.get("VIRTU_SIGN_IN_LINK_DAYS", "14"))
VIRTU_CLIENT_IP_HEADER = os.environ.get("VIRTU_CLIENT_IP_HEADER", "REMOTE_ADDR")
# Limits per hour, counted in the cache all processes share (CACHES): links
# one address and requests one client may ask for, and wrong passwords one
# user name and one client may give before password sign-in is paused.
VIRTU_SIGN_IN_LINKS_PER_ADDRESS = int(
    os.environ.get("VIRTU_SIGN_IN_LINKS_PER_ADDRESS", "5")
)
VIRTU_SIGN_IN_REQUESTS_PER_IP = int(
    os.environ.get("VIRTU_SIGN_IN_REQUESTS_PER_IP", "200")
)
VIRTU_PASSWORD_FAILURES_PER_ACCOUNT = int(
    os.environ.get("VIRTU_PASSWORD_FAILURES_PER_ACCOUNT", "10")
)
VIRTU_PASSWORD_FAILURES_PER_IP = int(
    os.environ.get("VIRTU_PASSWORD_FAILURES_PER_IP", "50")
)
# Accessibility feedback messages one client may send in an hour: anyone
# may send one, and each is emailed to every coordinator.
VIRTU_FEEDBACK_PER_IP = int(os.environ.get("VIRTU_FEEDBACK_PER_IP", "5"))
# Personal data: days a person's export can be downloaded, days before an
# approved erasure runs, days the access log keeps an entry, and months after
# a cohort's last session until its people's content is listed for erasure.
VIRTU_EXPORT_DAYS = float(os.environ.get("VIRTU_EXPORT_DAYS", "7"))
VIRTU_ERASURE_COOL_OFF_DAYS = float(os.environ.get("VIRTU_ERASURE_COOL_OFF_DAYS", "14"))
VIRTU_ACCESS_LOG_DAYS = float(os.environ.get("VIRTU_ACCESS_LOG_DAYS", "730"))
VIRTU_RETENTION_MONTHS = int(os.environ.get("VIRTU_RETENTION_MONTHS", "12"))
# Figures of fewer people than this are hidden from those who read a course's
# figures without its people's names (commissioners: cohorts/disclosure.py).
# Set only from the environment: unset, a site's own settings may still give
# it by its former name, VIRTU_IMPACT_SMALLEST_GROUP (cohorts.conf), else 5.
if "VIRTU_SMALLEST_GROUP" in os.environ:
    VIRTU_SMALLEST_GROUP = int(os.environ["VIRTU_SMALLEST_GROUP"])
# The admin's sign-in form counts wrong passwords too.
WAGTAILADMIN_USER_LOGIN_FORM = "signin.forms.AdminLoginForm"
# Asking for a password reset link is limited as asking for a sign-in link.
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "signin.forms.PasswordResetForm"
# A trainer invited by email sets their password with a link that works
# for this long (Django's password reset).
PASSWORD_RESET_TIMEOUT = int(
    float(os.environ.get("VIRTU_PASSWORD_LINK_DAYS", "3")) * 24 * 60 * 60
)
LOGIN_REDIRECT_URL = "/"
# The language choice is sent only to this site (Secure in production).
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOGOUT_REDIRECT_URL = "/"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A form sent from a page out of date (signed in again in another window)
# gets the site's own page. The CSRF cookie stays readable by scripts
# (CSRF_COOKIE_HTTPONLY and CSRF_USE_SESSIONS off, Django's defaults): the
# reflection's autosave and its form send the browser's current token.
CSRF_FAILURE_VIEW = "signin.views.csrf_failure"

# Email. A timeout is always set: a server that accepts the connection and
# never answers would otherwise block a send for good.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Virtu <virtu@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Services that create a session's online meeting. Each is offered to
# coordinators only when its settings are given here; credentials never come
# from the page. Base URLs, timeouts and retries may be set per service too.
VIRTU_MEETINGS = {
    name: config
    for name, config in {
        "jitsi": {"server": os.environ.get("VIRTU_JITSI_SERVER", "")},
        "teams": {
            key: os.environ.get(f"VIRTU_TEAMS_{key.upper()}", "")
            for key in ["tenant_id", "client_id", "client_secret", "organizer_user_id"]
        },
        "zoom": {
            key: os.environ.get(f"VIRTU_ZOOM_{key.upper()}", "")
            for key in ["account_id", "client_id", "client_secret", "user_id"]
        },
    }.items()
    if all(config.values())
}

# Background tasks, Wagtail's and ours (emails). Django 6 ships the tasks
# framework and 5.2 has the django_tasks backport; both read TASKS, and a task
# takes its class from the backend named here, so one backend runs both. Here
# a task runs at once, in the process that enqueues it; production settings
# queue tasks in the database for `manage.py db_worker`.
TASKS_PACKAGE = "django.tasks" if django.VERSION >= (6, 0) else "django_tasks"
TASKS = {"default": {"BACKEND": f"{TASKS_PACKAGE}.backends.immediate.ImmediateBackend"}}

WAGTAIL_SITE_NAME = "Virtu"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Finnish first: PostgreSQL's full text stems words the Finnish way, so
    # that a search for "kokeilu" finds "kokeilusta" and "kokeilua".
    WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = os.environ.get(
        "VIRTU_SEARCH_CONFIG", "finnish"
    )
WAGTAILDOCS_EXTENSIONS = [
    "csv",
    "docx",
    "key",
    "odt",
    "pdf",
    "pptx",
    "rtf",
    "txt",
    "xlsx",
    "zip",
]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Uploads are kept in memory, never in a temporary file, and a request with
# files larger than this is refused before it is read (the largest file
# accepted, an import or a document, is 10 MB; the rest is the form).
FILE_UPLOAD_MAX_MEMORY_SIZE = int(
    os.environ.get("FILE_UPLOAD_MAX_MEMORY_SIZE", str(11 * 1024 * 1024))
)
FILE_UPLOAD_HANDLERS = ["virtu.uploads.LimitedMemoryFileUploadHandler"]
# No avatars from an outside service: the admin would send each user's
# email hash to it on every page.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Sign-in, feed and password links carry a secret in their address, which
    # Django's request lines and 404/410 warnings would print.
    "filters": {"redact_secrets": {"()": "signin.logging.RedactSecretsFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per task run and page action drowns what matters.
        "django_tasks": {"level": "WARNING"},
        "django.tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # Django gives this logger a console handler of its own; without this
        # every line of it would also reach the root handler and print twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
