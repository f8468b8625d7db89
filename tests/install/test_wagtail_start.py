"""The plugin set installs into a new Wagtail site, as the README says:
``wagtail start``, ``pip install`` the package into a clean virtualenv, add
the apps, the middleware and the URLs, ``migrate``, and the site runs a
training round with its own ``home`` app in place."""

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

#: What is not copied to build the package from: virtualenvs, caches, data.
ANYWHERE = shutil.ignore_patterns(
    ".git", ".venv*", "node_modules", "build", "*.egg-info", "__pycache__"
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
    *INSTALLED_APPS,
]
MIDDLEWARE.insert(0, "outbox.health.HealthCheckMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "django.middleware.locale.LocaleMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
    "signin.middleware.PreferredLanguageMiddleware",
)
LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]
LANGUAGE_CODE = "en"
LOGIN_URL = "login"
WAGTAILADMIN_BASE_URL = "http://localhost:8000"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
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
            with open(site / "mysite" / "settings" / "dev.py", "a") as file:
                file.write(SETTINGS)
            urls = site / "mysite" / "urls.py"
            text = urls.read_text()
            head, tail = text.split("urlpatterns = urlpatterns + [")
            urls.write_text(
                head + textwrap.dedent(URLS) + "urlpatterns = urlpatterns + [" + tail
            )

            self.run_in(site, python, "manage.py", "migrate", "--noinput")
            self.run_in(site, python, "manage.py", "check")
            output = self.run_in(
                site,
                python, "manage.py", "shell",
                input=(Path(__file__).parent / "site_round.py").read_text(),
            )  # fmt: skip

        self.assertTrue(output.strip().endswith("ok"), output)
        self.assertIn("cohort Cohort A 3 sessions", output)
