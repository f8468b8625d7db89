"""The plugin set installs into a new Wagtail site, as the README says:
``wagtail start``, ``pip install`` the package (built from a tree without
compiled translations, as a checkout is) into a clean virtualenv, add the
apps, the middleware and the URLs, ``migrate``, and the site, with its own
``home`` app and user model and wagtail start's ``LANGUAGE_CODE``, runs a
training round."""

import os
import shutil
import subprocess
import tempfile
import textwrap
import venv
from pathlib import Path
from unittest import skipUnless

from django.conf import settings
from django.db import connection
from django.test import SimpleTestCase

ROOT = Path(settings.BASE_DIR)

#: What is not copied to build the package from: virtualenvs, caches, data,
#: and compiled translations, which a checkout has not either.
ANYWHERE = shutil.ignore_patterns(
    ".git", ".venv*", "node_modules", "build", "*.egg-info", "__pycache__", "*.mo"
)
AT_THE_TOP = {"static", "media", ".ci", "db.sqlite3"}


def not_the_package(directory, names):
    ignored = set(ANYWHERE(directory, names))
    if Path(directory) == ROOT:
        ignored |= AT_THE_TOP & set(names)
    return ignored


#: What the README tells a site to add to its settings.
SETTINGS = """
INSTALLED_APPS = [
    "impact",
    "library",
    "assignments",
    "cohorts",
    "privacy",
    "courses",
    "signin",
    "outbox",
    "accounts",
    *INSTALLED_APPS,
]
AUTH_USER_MODEL = "accounts.User"
MIDDLEWARE.insert(0, "outbox.health.HealthCheckMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "django.middleware.locale.LocaleMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
    "signin.middleware.PreferredLanguageMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "courses.middleware.PageChooserMiddleware",
)
# LANGUAGE_CODE stays wagtail start's "en-us".
LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]
LOGIN_URL = "login"
CSRF_FAILURE_VIEW = "signin.views.csrf_failure"
WAGTAILADMIN_BASE_URL = "http://localhost:8000"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Hashed static files: a page naming a file that is not there fails.
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
}
"""

#: A user model of the site's own, as many sites have: people sign in by
#: their address and have no user name.
USER_MODEL = """
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_superuser(self, email, password, **extra_fields):
        user = self.model(email=email, is_staff=True, is_superuser=True)
        user.set_password(password)
        user.save()
        return user


class User(AbstractUser):
    username = None
    email = models.EmailField(unique=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
"""

#: And to its URLs, before Wagtail's.
URLS = """
from signin import views as signin_views

urlpatterns = [
    path("calendar/", include("cohorts.urls")),
    path("i18n/setlang/", signin_views.set_language, name="set_language"),
    path("accounts/login/", signin_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", signin_views.SignOutView.as_view(), name="logout"),
    path("accounts/", include("signin.urls")),
    path("", include("privacy.urls")),
    path("my/impact/", include("impact.urls")),
    path("my/", include("assignments.urls")),
    path("library/", include("library.urls")),
] + urlpatterns
"""


@skipUnless(
    connection.vendor == "sqlite",
    "the site it builds uses SQLite; the run on PostgreSQL would repeat it",
)
class WagtailStartSiteTest(SimpleTestCase):
    def run_in(self, directory, *command, **kwargs):
        result = subprocess.run(
            command,
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=900,
            env={
                key: value
                for key, value in os.environ.items()
                if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "PYTHONPATH")
            },
            **kwargs,
        )
        self.assertEqual(
            result.returncode,
            0,
            f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}",
        )
        return result.stdout

    def test_a_new_wagtail_site_runs_a_training_round(self):
        if shutil.which("msgfmt") is None:
            message = "gettext's msgfmt is needed to build the package."
            if os.environ.get("CI"):
                raise AssertionError(message)
            self.skipTest(message)
        lock = os.environ.get("LOCK", "requirements/lock.txt")
        with tempfile.TemporaryDirectory() as directory:
            directory = Path(directory)
            environment = directory / "venv"
            venv.create(environment, with_pip=True)
            python = str(environment / "bin" / "python")
            # A copy of the working tree, so that building the package leaves
            # nothing in it; the lock file as constraints: the versions CI tests.
            source = directory / "virtu"
            shutil.copytree(ROOT, source, ignore=not_the_package)
            self.run_in(
                directory,
                python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                "-c", str(ROOT / lock), str(source),
            )  # fmt: skip
            self.run_in(
                directory, str(environment / "bin" / "wagtail"), "start", "mysite"
            )
            site = directory / "mysite"
            accounts = site / "accounts"
            (accounts / "migrations").mkdir(parents=True)
            (accounts / "__init__.py").touch()
            (accounts / "migrations" / "__init__.py").touch()
            (accounts / "models.py").write_text(USER_MODEL)
            with open(site / "mysite" / "settings" / "dev.py", "a") as file:
                file.write(SETTINGS)
            urls = site / "mysite" / "urls.py"
            text = urls.read_text()
            head, tail = text.split("urlpatterns = urlpatterns + [")
            urls.write_text(
                head + textwrap.dedent(URLS) + "urlpatterns = urlpatterns + [" + tail
            )

            self.run_in(site, python, "manage.py", "makemigrations", "accounts")
            self.run_in(site, python, "manage.py", "migrate", "--noinput")
            self.run_in(site, python, "manage.py", "check")
            # The plugin asks the site for no migrations of its own.
            self.run_in(
                site, python, "manage.py", "makemigrations", "--check", "--dry-run"
            )
            self.run_in(site, python, "manage.py", "collectstatic", "--noinput")
            output = self.run_in(
                site,
                python, "manage.py", "shell",
                input=(Path(__file__).parent / "site_round.py").read_text(),
            )  # fmt: skip

        self.assertTrue(output.strip().endswith("ok"), output)
        self.assertIn("cohort Cohort A 3 sessions", output)
