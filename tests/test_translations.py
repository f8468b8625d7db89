"""The Finnish and Swedish translations are complete and reach the admin.

Each app keeps its catalogue in ``<app>/locale``, the site templates and
settings in ``locale/``. The build compiles them (``compilemessages``); the
admin speaks the language in the user's Wagtail profile.
"""

import ast
import gettext
import re
from pathlib import Path

import wagtail
from django.conf import settings
from django.test import TestCase
from wagtail.test.utils import WagtailTestUtils

from courses.permissions import COORDINATORS

from .factories import make_cohort, make_course, make_user

LANGUAGES = ["fi", "sv"]
CATALOGUE_DIRS = [
    "outbox",
    "signin",
    "courses",
    "privacy",
    "cohorts",
    "assignments",
    "impact",
    "library",
    "home",
    ".",
]
#: Words we translate differently from Wagtail on purpose, and why.
WAGTAIL_DIFFERENCES = {"subject": "an email's subject: Outlook says “aihe”"}
#: %(name)s and %d in gettext strings, {name} in format strings.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]|\{[^{}]*\}")


def catalogue(directory, language):
    return Path(settings.BASE_DIR, directory, "locale", language) / (
        "LC_MESSAGES/django.po"
    )


def parse_po(path):
    """The entries of a .po file as dicts: keyword -> text, plus "flags".

    Enough of the format for what makemessages writes: comments, and
    keywords followed by one or more quoted strings.
    """
    entries, entry, keyword = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if line.startswith('"'):
            entry[keyword] += ast.literal_eval(line)
            continue
        if entry is not None and "msgid" in entry and not line.startswith("msg"):
            entries.append(entry)
            entry = None
        if not line or line.startswith("#~"):
            continue
        entry = entry or {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif not line.startswith("#"):
            keyword, text = line.split(" ", 1)
            entry[keyword] = ast.literal_eval(text)
    return entries


def wagtail_catalogues(language):
    """Wagtail's own compiled translations, one per app that has them."""
    for locale_dir in sorted(Path(wagtail.__file__).parent.glob("**/locale")):
        if (locale_dir / language / "LC_MESSAGES/django.mo").is_file():
            yield gettext.translation("django", locale_dir, [language])


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


class CatalogueTest(TestCase):
    def test_every_app_and_the_site_have_a_catalogue_per_language(self):
        for directory in CATALOGUE_DIRS:
            for language in LANGUAGES:
                with self.subTest(directory=directory, language=language):
                    self.assertTrue(catalogue(directory, language).is_file())

    def test_headers_name_the_language_and_its_plural_forms(self):
        for directory in CATALOGUE_DIRS:
            for language in LANGUAGES:
                path = catalogue(directory, language)
                header = parse_po(path)[0]
                with self.subTest(path=str(path)):
                    self.assertEqual(header["msgid"], "")
                    self.assertNotIn("fuzzy", header["flags"])
                    self.assertIn(f"Language: {language}\n", header["msgstr"])
                    self.assertIn("charset=UTF-8", header["msgstr"])
                    self.assertIn(
                        "Plural-Forms: nplurals=2; plural=(n != 1);", header["msgstr"]
                    )

    def test_every_string_is_translated_and_none_is_fuzzy(self):
        for directory in CATALOGUE_DIRS:
            for language in LANGUAGES:
                path = catalogue(directory, language)
                entries = parse_po(path)[1:]
                self.assertTrue(entries, f"{path} has no strings")
                for entry in entries:
                    with self.subTest(path=str(path), msgid=entry["msgid"]):
                        self.assertNotIn("fuzzy", entry["flags"])
                        if "msgid_plural" in entry:
                            self.assertTrue(entry["msgstr[0]"])
                            self.assertTrue(entry["msgstr[1]"])
                        else:
                            self.assertTrue(entry["msgstr"].strip())

    def test_translations_keep_the_placeholders(self):
        for directory in CATALOGUE_DIRS:
            for language in LANGUAGES:
                path = catalogue(directory, language)
                for entry in parse_po(path)[1:]:
                    with self.subTest(path=str(path), msgid=entry["msgid"]):
                        if "msgid_plural" in entry:
                            # The singular may leave the number out ("a problem").
                            self.assertLessEqual(
                                set(placeholders(entry["msgstr[0]"])),
                                set(placeholders(entry["msgid_plural"])),
                            )
                            self.assertEqual(
                                placeholders(entry["msgstr[1]"]),
                                placeholders(entry["msgid_plural"]),
                            )
                        else:
                            self.assertEqual(
                                placeholders(entry["msgstr"]),
                                placeholders(entry["msgid"]),
                            )

    def test_no_two_catalogues_translate_one_text_differently(self):
        # Django merges the catalogues and the first app's translation wins:
        # a text two apps translate differently shows one app's wording in
        # the other's pages (the survey's "you sent them" on a reflection).
        # Where the meaning differs, one of them needs a context.
        for language in LANGUAGES:
            found = {}
            for directory in CATALOGUE_DIRS:
                for entry in parse_po(catalogue(directory, language))[1:]:
                    key = (entry.get("msgctxt"), entry["msgid"])
                    text = tuple(
                        entry[name]
                        for name in sorted(entry)
                        if name.startswith("msgstr")
                    )
                    found.setdefault(key, {})[directory] = text
            for (context, msgid), texts in found.items():
                with self.subTest(language=language, msgid=msgid, context=context):
                    self.assertEqual(len(set(texts.values())), 1, texts)

    def test_words_wagtail_also_uses_keep_wagtails_translation(self):
        # Our apps come first in INSTALLED_APPS, so our translation of a bare
        # word ("Update", "To") replaces Wagtail's everywhere in the admin.
        for language in LANGUAGES:
            ours = {
                entry["msgid"]: entry["msgstr"]
                for directory in CATALOGUE_DIRS
                for entry in parse_po(catalogue(directory, language))[1:]
                if "msgctxt" not in entry and "msgid_plural" not in entry
            }
            for theirs in wagtail_catalogues(language):
                for msgid, msgstr in ours.items():
                    translated = theirs.gettext(msgid)
                    if translated == msgid or msgid in WAGTAIL_DIFFERENCES:
                        continue
                    with self.subTest(language=language, msgid=msgid):
                        self.assertEqual(msgstr, translated)


class AdminLanguageTest(WagtailTestUtils, TestCase):
    """The admin speaks each coordinator's preferred language.

    Needs the compiled catalogues: scripts/test.sh runs compilemessages.
    """

    @classmethod
    def setUpTestData(cls):
        make_cohort(make_course())
        cls.coordinators = {
            language: make_user(
                f"coordinator-{language}@example.fi",
                groups=[COORDINATORS],
                language=language,
            )
            for language in ["fi", "sv", "en"]
        }

    def get_as(self, language, url):
        self.client.force_login(self.coordinators[language])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response

    def test_cohort_listing_is_in_finnish(self):
        response = self.get_as("fi", "/admin/cohorts/")
        self.assertContains(response, "Osallistujat")
        self.assertContains(response, "Ensimmäinen tuokio")
        self.assertContains(response, "Valmennus")
        self.assertNotContains(response, "Participants")

    def test_cohort_listing_is_in_swedish(self):
        response = self.get_as("sv", "/admin/cohorts/")
        self.assertContains(response, "Deltagare")
        self.assertContains(response, "Första träffen")
        self.assertContains(response, "Utbildning")
        self.assertNotContains(response, "Participants")

    def test_cohort_listing_is_in_english_for_english_speakers(self):
        response = self.get_as("en", "/admin/cohorts/")
        self.assertContains(response, "Participants")
        self.assertNotContains(response, "Osallistujat")

    def test_import_form_explains_the_file_in_each_language(self):
        url = "/admin/training/enrolments/import/"
        self.assertContains(self.get_as("fi", url), "Tuo tiedostosta")
        self.assertContains(self.get_as("sv", url), "Importera från fil")
