"""Every translatable string in the plugin apps' sources is in that app's
catalogue: ``makemessages`` run on a copy of the sources finds nothing the
committed catalogues lack, so a string added without its translation fails
here (the other translation tests only read the catalogues)."""

import os
import shutil
import tempfile
from contextlib import chdir
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import SimpleTestCase

from .test_translations import catalogue, parse_po

PLUGIN_APPS = [
    "outbox",
    "signin",
    "courses",
    "privacy",
    "cohorts",
    "assignments",
    "library",
    "impact",
]
SOURCE_SUFFIXES = {".py", ".html", ".txt"}


def keys(path):
    return {
        (entry.get("msgctxt"), entry["msgid"], entry.get("msgid_plural"))
        for entry in parse_po(path)[1:]
    }


class CatalogueCompletenessTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if shutil.which("xgettext") is None:
            message = "gettext's xgettext is needed to extract the strings."
            if os.environ.get("CI"):
                raise AssertionError(message)
            cls.skip_reason = message
            return
        cls.skip_reason = None
        cls.extracted = Path(tempfile.mkdtemp(prefix="virtu-makemessages-"))
        cls.addClassCleanup(shutil.rmtree, cls.extracted)
        for app in PLUGIN_APPS:
            source = Path(settings.BASE_DIR, app)
            for path in source.rglob("*"):
                if path.is_file() and path.suffix in SOURCE_SUFFIXES:
                    target = cls.extracted / app / path.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, target)
            # makemessages writes only into an app's existing locale folder.
            (cls.extracted / app / "locale").mkdir(exist_ok=True)
        with chdir(cls.extracted):
            call_command("makemessages", locale=["fi"], verbosity=0)

    def test_every_string_in_the_sources_is_in_its_apps_catalogue(self):
        if self.skip_reason:
            self.skipTest(self.skip_reason)
        for app in PLUGIN_APPS:
            found = keys(self.extracted / app / "locale/fi/LC_MESSAGES/django.po")
            self.assertTrue(found, app)
            for language in ["fi", "sv"]:
                with self.subTest(app=app, language=language):
                    missing = found - keys(catalogue(app, language))
                    self.assertEqual(
                        missing,
                        set(),
                        f"run makemessages and translate these in {app}",
                    )
