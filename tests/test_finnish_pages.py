"""Every page the three roles use speaks Finnish: no English string known
to slip through (Wagtail's own catalogue has gaps, which ours fill) and
listing footers in Finnish plural forms."""

import json
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.utils import pretty_name
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from assignments.models import Reflection
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from outbox.models import OutgoingEmail
from privacy.erasure import request as erasure_request
from privacy.models import AccessibilityFeedback, ErasureRequest
from signin.admin_translations import WAGTAIL_STRINGS

from .factories import (
    cohort_edit_data,
    make_cohort,
    make_coordinator,
    make_course,
    make_trainer,
    make_user,
)
from .test_statements import make_statements

#: English that has shown on Finnish pages: Wagtail's and Django's gaps, and
#: words of our own pages.
KNOWN_ENGLISH = [
    *WAGTAIL_STRINGS,
    # The end of the checkbox under "Unpublish" on a page with subpages.
    "Unpublish this too",
    "Unpublish these too",
    "Progress",
    "Participant",
    "Not marked",
    "Not started",
    "Submitted late",
    "Programme",
    "Add all sessions to my calendar",
    "Subscribe to my calendar",
    "My training",
    "Sign in",
]


def visible_texts(soup):
    """The words a person sees or hears: text, and the labels and titles in
    attributes, not scripts or styles."""
    for tag in soup(["script", "style", "template"]):
        tag.decompose()
    texts = [" ".join(text.split()) for text in soup.stripped_strings]
    for attribute in ("aria-label", "title", "placeholder", "alt"):
        texts += [tag[attribute] for tag in soup.find_all(attrs={attribute: True})]
    return texts


class FinnishPagesTest(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(
            cls.course, start_date=timezone.localdate() - timedelta(days=7)
        )
        make_cohort(cls.course, title="Cohort B")
        cls.anna = enrol(cls.cohort, "anna@example.fi", "Anna", "Aalto")
        enrol(cls.cohort, "bertil@example.fi", "Bertil", "Berg")
        experiment = cls.cohort.experiments.first()
        cls.reflection = Reflection(
            experiment=experiment,
            author=cls.anna,
            answers=[{"prompt": experiment.prompt_list[0], "answer": "Teams."}],
            visibility=Reflection.Visibility.COHORT,
        )
        cls.reflection.submit()
        cls.reflection.save()
        cls.coordinator = make_coordinator()
        cls.trainer = make_trainer(cls.cohort)
        UserProfile.objects.filter(user__in=[cls.coordinator, cls.trainer]).update(
            preferred_language="fi"
        )

    def setUp(self):
        translation.activate("fi")
        self.addCleanup(translation.deactivate)

    def english_on(self, user, url):
        self.client.force_login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        texts = visible_texts(self.get_soup(response.content))
        return sorted(
            {english for english in KNOWN_ENGLISH for text in texts if english == text}
            | {
                english
                for english in KNOWN_ENGLISH
                for text in texts
                if len(english) > 20 and english in text
            }
        )

    def assert_finnish(self, user, urls):
        for url in urls:
            with self.subTest(url=url):
                self.assertEqual(self.english_on(user, url), [])

    def test_the_coordinators_admin_pages_are_in_finnish(self):
        session = self.cohort.sessions.first()
        urls = [
            reverse("wagtailadmin_home"),
            "/admin/courses/",
            "/admin/cohorts/",
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
            reverse(
                "wagtailadmin_pages:add",
                args=("cohorts", "cohortpage", self.course.pk),
            )
            + "?start_date=2038-03-15",
            reverse("wagtailadmin_pages:edit", args=[self.course.pk]),
            reverse("wagtailadmin_explore", args=[self.course.pk]),
            "/admin/training/enrolments/",
            "/admin/training/enrolments/new/",
            "/admin/training/enrolments/import/",
            "/admin/training/reflections/",
            reverse("reflections:review", args=[self.reflection.pk]),
            reverse("cohorts:progress", args=[self.cohort.pk]),
            reverse("cohorts:session_attendance", args=[self.cohort.pk, session.pk]),
            reverse("courses:overview", args=[self.course.pk]),
            "/admin/training/outbox/",
        ]
        email = OutgoingEmail.objects.first()
        urls.append(f"/admin/training/outbox/inspect/{email.pk}/")
        self.assert_finnish(self.coordinator, urls)

    def test_inspect_pages_name_every_field_in_finnish(self):
        """No label made of a field's name ("Ics"), which a field without a
        translated verbose name gets in every language."""
        self.client.force_login(self.coordinator)
        email = OutgoingEmail.objects.first()
        for model, url in [
            (OutgoingEmail, reverse("outbox:inspect", args=[email.pk])),
            (Enrollment, reverse("enrollments:inspect", args=[self.anna.pk])),
            (Reflection, reverse("reflections:inspect", args=[self.reflection.pk])),
        ]:
            with self.subTest(url=url):
                self.assert_no_label_from_a_name(url, model)

    def assert_no_label_from_a_name(self, url, model):
        from_names = {
            capfirst(pretty_name(field.name)) for field in model._meta.get_fields()
        }
        soup = self.get_soup(self.client.get(url).content)
        labels = [dt.get_text(strip=True) for dt in soup.find_all("dt")]
        self.assertTrue(labels)
        self.assertEqual([label for label in labels if label in from_names], [])

    def test_the_privacy_inspect_pages_name_every_field_in_finnish(self):
        officer = make_user("tietosuoja@example.fi", language="fi", is_superuser=True)
        self.client.force_login(officer)
        erasure = erasure_request(self.anna.user, officer, "Pyysi poistoa.")
        __, statement = make_statements()
        feedback = AccessibilityFeedback.objects.create(
            page=statement,
            message="Painike ei toimi näppäimistöllä.",
            answer_by=timezone.localdate() + timedelta(days=14),
        )
        for model, url in [
            (ErasureRequest, reverse("erasure_requests:inspect", args=[erasure.pk])),
            (
                AccessibilityFeedback,
                reverse("accessibility_feedback:inspect", args=[feedback.pk]),
            ),
        ]:
            with self.subTest(url=url):
                self.assert_no_label_from_a_name(url, model)

    def test_the_import_preview_is_in_finnish(self):
        self.client.force_login(self.coordinator)
        file = SimpleUploadedFile(
            "people.csv",
            "etunimi,sukunimi,sähköposti,organisaatio\n"
            "Anna,Aalto,anna@example.fi,Kela\n"
            "Bertil,Berg,bertil@example.fi,\n"
            "Cecilia,Carlsson,cecilia@example.fi,\n".encode(),
        )
        response = self.client.post(
            "/admin/training/enrolments/import/",
            {"cohort": self.cohort.pk, "file": file},
        )
        self.assertEqual(response.status_code, 302)

        self.assert_finnish(self.coordinator, [response["Location"]])

    def test_the_trainers_admin_pages_are_in_finnish(self):
        self.assert_finnish(
            self.trainer,
            [
                reverse("wagtailadmin_home"),
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                reverse("cohorts:progress", args=[self.cohort.pk]),
                reverse("reflections:review", args=[self.reflection.pk]),
                "/admin/training/reflections/",
            ],
        )

    def test_the_participants_pages_are_in_finnish(self):
        self.assert_finnish(
            self.anna.user,
            [
                "/",
                reverse("participant:my_training"),
                reverse("participant:cohort", args=[self.cohort.pk]),
                reverse("participant:reflection", args=[self.reflection.experiment_id]),
                reverse("participant:shared_reflection", args=[self.reflection.pk]),
                reverse("calendar:subscription"),
                self.cohort.url,
            ],
        )

    def test_a_page_that_has_english_is_caught(self):
        self.client.force_login(self.anna.user)
        with translation.override("en"):
            url = reverse("participant:my_training")
        self.assertIn("Programme", self.english_on(self.anna.user, url))

    def test_listing_footers_count_in_finnish_plurals(self):
        self.client.force_login(self.coordinator)
        self.assertContains(self.client.get("/admin/cohorts/"), "2 ryhmää")
        self.assertContains(
            self.client.get("/admin/training/enrolments/"), "3 ilmoittautumista"
        )
        self.assertContains(
            self.client.get(reverse("cohorts:progress", args=[self.cohort.pk])),
            "2 osallistujaa",
        )

    def test_each_filter_of_a_listing_is_named_with_a_capital_as_wagtails(self):
        # Wagtail's own filters ("Näkyvyys") sit in the same menu as ours.
        self.client.force_login(self.coordinator)
        for url in [
            "/admin/training/reflections/",
            "/admin/training/enrolments/",
            reverse("cohorts:progress", args=[self.cohort.pk]),
            "/admin/training/outbox/",
        ]:
            with self.subTest(url=url):
                menu = self.get_soup(self.client.get(url).content).select_one(
                    "#filters-drilldown"
                )
                names = [
                    button.get_text(" ", strip=True)
                    for button in menu.select("[aria-controls^=drilldown-]")
                ]
                self.assertTrue(names)
                self.assertEqual([n for n in names if not n[0].isupper()], [])

    def test_an_empty_listing_says_so_in_finnish(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("retention:index"))
        self.assertContains(response, "Ei näytettävää:")
        self.assertNotContains(response, "There are no")

    def test_enrolling_and_saving_an_enrolment_say_who_and_where_in_finnish(self):
        self.client.force_login(self.coordinator)
        response = self.client.post(
            "/admin/training/enrolments/new/",
            {
                "cohort": self.cohort.pk,
                "email": "cecilia@example.fi",
                "first_name": "Cecilia",
                "last_name": "Cederberg",
                "role": "participant",
                "organisation": "",
            },
            follow=True,
        )
        self.assertContains(response, "Cecilia Cederberg lisätty ryhmään Cohort A.")
        enrolment = self.cohort.enrollments.get(user__email="cecilia@example.fi")
        response = self.client.post(
            f"/admin/training/enrolments/edit/{enrolment.pk}/",
            {
                "cohort": self.cohort.pk,
                "email": "cecilia@example.fi",
                "first_name": "Cecilia",
                "last_name": "Cederberg",
                "role": "participant",
                "organisation": "Kela",
            },
            follow=True,
        )
        self.assertContains(
            response,
            "Henkilön Cecilia Cederberg ilmoittautuminen ryhmään Cohort A tallennettu.",
        )
        self.assertNotContains(response, "Mallin")

    def test_unpublishing_a_cohort_counts_its_references_in_good_finnish(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(
            reverse("wagtailadmin_pages:unpublish", args=[self.cohort.pk])
        )
        self.assertContains(response, "Ryhmä: 0 viittausta.")
        self.assertNotContains(response, "on viitattu")

    def test_the_page_explorer_counts_its_pages_in_finnish(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(
            reverse("wagtailadmin_explore", args=[self.course.pk])
        )
        text = " ".join(self.get_soup(response.content).get_text().split())
        self.assertNotRegex(text, r"\d+-\d+ of \d+")
        self.assertRegex(text, r"\d+-\d+ / \d+")

    def test_unpublishing_a_page_with_subpages_offers_them_in_finnish(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(
            reverse("wagtailadmin_pages:unpublish", args=[self.course.pk])
        )
        self.assertContains(
            response, "Tällä sivulla on 2 alasivua. Piilota myös ne", html=False
        )
        self.assertNotContains(response, "Unpublish these too")
        self.assertNotContains(response, "subpages")

    def test_a_cohort_address_taken_in_its_course_is_refused_in_finnish(self):
        # Two cohorts of a course named alike get the same slug from their
        # titles; Wagtail's catalogue lacks the error that says so.
        self.client.force_login(self.coordinator)
        other = CohortPage.objects.get(title="Cohort B")
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=[other.pk]),
            cohort_edit_data(other, slug=self.cohort.slug),
        )
        self.assertContains(
            response,
            f"Lyhytnimi &#x27;{self.cohort.slug}&#x27; on jo käytössä yläsivun "
            "alla. Anna sivulle yksilöllinen lyhytnimi.",
        )
        self.assertNotContains(response, "is already in use")

    def test_moving_a_page_asks_for_its_new_parent_in_finnish(self):
        # Its error (a slug taken there) and the message of publishing an
        # older version are filled in the same catalogue (signin's
        # admin_translations, checked complete by test_catalogue_complete).
        self.client.force_login(self.coordinator)
        response = self.client.get(
            reverse("wagtailadmin_pages:move", args=[self.cohort.pk])
        )
        self.assertContains(response, "Valitse sivulle uusi yläsivu.")
        self.assertNotContains(response, "Select a new parent")

    def test_the_admin_scripts_say_autosave_and_errors_in_finnish_and_swedish(self):
        # Wagtail's script catalogue lacks them (Swedish showed Finnish for
        # some, and swapped "Collapse all" and "Expand all"); the site's own
        # fills them.
        self.client.force_login(self.coordinator)
        profile = UserProfile.get_for_user(self.coordinator)
        for language, texts in (
            (
                "fi",
                {
                    "Changes have been autosaved.": "Muutokset on tallennettu "
                    "automaattisesti.",
                    "A network error occurred.": "Tapahtui verkkovirhe.",
                },
            ),
            (
                "sv",
                {
                    "Changes have been autosaved.": "Ändringarna har sparats "
                    "automatiskt.",
                    "Good": "Bra",
                    "Collapse all": "Fäll ihop alla",
                },
            ),
        ):
            with self.subTest(language):
                profile.preferred_language = language
                profile.save()
                catalogue = self.client.get(
                    reverse("wagtailadmin_javascript_catalog")
                ).content.decode()
                for english, translated in texts.items():
                    self.assertIn(
                        f"{json.dumps(english)}: {json.dumps(translated)}", catalogue
                    )

    def test_the_explorer_and_the_editor_speak_finnish_in_their_panels(self):
        explorer = reverse("wagtailadmin_explore", args=[self.course.pk])
        edit = reverse("wagtailadmin_pages:edit", args=[self.course.pk])
        self.client.force_login(self.coordinator)
        responses = {url: self.client.get(url) for url in (explorer, edit)}
        texts = {
            url: visible_texts(self.get_soup(response.content))
            for url, response in responses.items()
        }
        # The explorer's filters and the bulk actions' screen-reader label.
        for finnish in ["Muokkaaja", "On alasivuja", "Piilota valitut sivut"]:
            self.assertIn(finnish, texts[explorer])
        # The editor's status, checks and side panels, and its sections.
        for finnish in [
            "Julkaistuna kaikkien nähtävissä",
            "Mitä luvut kertovat",
            "Tilapaneeli päälle/pois",
            "Esikatselu päälle/pois",
            "Tarkistukset päälle/pois",
            "Avaa tai sulje osio",
        ]:
            self.assertIn(finnish, texts[edit])
        # Dialogs kept in <template> until opened: the keyboard shortcuts, the
        # checks' explanation, and saving when the connection is lost.
        for finnish in [
            "Pienoiskartta päälle/pois",
            "Sulje ikkunat (kuten tämä)",
            "Poimimme sivun esikatselusta pääsisällön",
            "Näytä uusin versio",
            "Tapahtui verkkovirhe",
        ]:
            self.assertContains(responses[edit], finnish)
        for english in [
            "Toggle minimap",
            "Close modal dialogs",
            "We extract the main content",
            "View latest version",
            "A network error occurred",
        ]:
            self.assertNotContains(responses[edit], english)
        self.assertEqual(self.english_on(self.coordinator, explorer), [])
        self.assertEqual(self.english_on(self.coordinator, edit), [])
