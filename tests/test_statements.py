"""The privacy notice and the accessibility statement: their required
sections in Finnish, Swedish and English, a link to each in every page's
footer, and the feedback form whose messages reach the coordinators with
the date by which to answer."""

from datetime import date, timedelta

from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Site
from wagtail.test.utils import WagtailTestUtils

from outbox.models import OutgoingEmail
from privacy.models import (
    AccessibilityFeedback,
    AccessibilityStatementPage,
    PrivacyNoticePage,
    in_reader_language,
)

from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_user,
)
from .test_outbox import SMTPServerMixin


def make_statements():
    root = Site.objects.get(is_default_site=True).root_page
    notice = PrivacyNoticePage(
        title="Privacy",
        controller="Agency for Shared Services, Box 1, 00100 Helsinki",
        protection_officer="dpo@example.fi",
        recipients_fi="Vastaanottajat: ryhmän valmentajat.",
        recipients_sv="Mottagare: gruppens tränare.",
        recipients_en="Recipients: the cohort's trainers.",
    )
    root.add_child(instance=notice)
    notice.save_revision().publish()
    statement = AccessibilityStatementPage(
        title="Accessibility",
        compliance=AccessibilityStatementPage.Compliance.PARTIAL,
        inaccessible_fi="PDF-liitteet eivät ole saavutettavia.",
        inaccessible_sv="PDF-bilagor är inte tillgängliga.",
        inaccessible_en="PDF attachments are not accessible.",
        assessed_on=date(2026, 11, 1),
        method=AccessibilityStatementPage.Method.SELF,
        updated_on=date(2026, 11, 2),
        feedback_email="saavutettavuus@example.fi",
    )
    root.add_child(instance=statement)
    statement.save_revision().publish()
    return notice, statement


SECTIONS = {
    "notice": {
        "en": [
            "Controller",
            "Data protection officer",
            "Legal basis",
            "Your rights",
            "Right to complain",
            "Recipients: the cohort",
        ],
        "fi": [
            "Rekisterinpitäjä",
            "Tietosuojavastaava",
            "Käsittelyn peruste",
            "Oikeutesi",
            "Oikeus tehdä valitus",
            "Vastaanottajat: ryhmän",
        ],
        "sv": [
            "Personuppgiftsansvarig",
            "Dataskyddsombud",
            "Rättslig grund",
            "Dina rättigheter",
            "Rätt att klaga",
            "Mottagare: gruppens",
        ],
    },
    "accessibility": {
        "en": [
            "Compliance status",
            "Content that is not accessible",
            "Preparation of this statement",
            "Feedback and contact",
            "Enforcement procedure",
            "Traficom",
            "PDF attachments",
        ],
        "fi": [
            "Vaatimustenmukaisuus",
            "Sisältö, joka ei ole saavutettavaa",
            "Tämän selosteen laatiminen",
            "Palaute ja yhteystiedot",
            "Valvontamenettely",
            "Traficom",
            "PDF-liitteet",
        ],
        "sv": [
            "Överensstämmelse",
            "Innehåll som inte är tillgängligt",
            "Hur utlåtandet har utarbetats",
            "Respons och kontaktuppgifter",
            "Tillsynsförfarande",
            "Traficom",
            "PDF-bilagor",
        ],
    },
}


class StatementTest(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.notice, cls.statement = make_statements()

    def test_the_statements_render_their_sections_in_three_languages(self):
        for name, url_name in [
            ("notice", "privacy:privacy_notice"),
            ("accessibility", "privacy:accessibility"),
        ]:
            for language, texts in SECTIONS[name].items():
                with self.subTest(name, language=language):
                    with translation.override(language):
                        url = reverse(url_name)
                    response = self.client.get(url, follow=True)
                    self.assertEqual(response.status_code, 200)
                    for text in texts:
                        self.assertContains(response, text)

    def test_the_heading_and_title_are_in_the_readers_language(self):
        """The page's title is in the language it was entered in (here
        Finnish); its heading is the reader's."""
        headings = {
            "privacy:privacy_notice": {
                "fi": "Tietosuojaseloste",
                "sv": "Dataskyddsbeskrivning",
                "en": "Privacy notice",
            },
            "privacy:accessibility": {
                "fi": "Saavutettavuusseloste",
                "sv": "Tillgänglighetsutlåtande",
                "en": "Accessibility statement",
            },
        }
        for url_name, languages in headings.items():
            for language, heading in languages.items():
                with self.subTest(url_name, language=language):
                    with translation.override(language):
                        response = self.client.get(reverse(url_name), follow=True)
                    self.assertContains(response, f"<h1>{heading}</h1>", html=True)
                    self.assertContains(response, f"<title>{heading} – Virtu</title>")

    def test_the_privacy_notice_lists_what_the_registry_holds(self):
        response = self.client.get(reverse("privacy:privacy_notice"), follow=True)
        self.assertContains(response, "Henkilön reflektiot kokeiluistaan.")

    def test_the_privacy_notice_names_every_kind_of_data_in_the_readers_language(
        self,
    ):
        # Each kind as it reads in English, where Finnish and Swedish must
        # read otherwise (the names of Wagtail's models and of the tables
        # between two models have no Finnish or Swedish of their own).
        from privacy.registry import registered

        with translation.override("en"):
            english = {str(entry.display_name) for entry in registered()}
        for language in ["fi", "sv"]:
            with translation.override(language):
                url = reverse("privacy:privacy_notice")
                names = [
                    str(entry.display_name) for entry in registered() if entry.fields
                ]
            response = self.client.get(url, follow=True)
            for name in names:
                with self.subTest(language=language, name=name):
                    self.assertContains(response, name[:1].upper() + name[1:])
                    self.assertNotIn(name, english)
                    self.assertNotIn("relationship", name)
                    self.assertNotIn("suhteet", name if language == "sv" else "")

    def test_every_page_links_to_both_statements_in_its_footer(self):
        user = make_user("pat@example.fi")
        self.client.force_login(user)
        for url in [
            "/",
            reverse("participant:my_training"),
            reverse("privacy:my_data"),
        ]:
            with self.subTest(url):
                response = self.client.get(url)
                self.assertContains(
                    response, f'href="{reverse("privacy:privacy_notice")}"'
                )
                self.assertContains(
                    response, f'href="{reverse("privacy:accessibility")}"'
                )

    @override_settings(WAGTAIL_SITE_NAME="Valtiokonttori")
    def test_the_pages_are_framed_with_the_sites_own_name(self):
        """Another organisation's site calls itself by its own name, as its
        admin does, not by the apps' name."""
        response = self.client.get(reverse("privacy:privacy_notice"), follow=True)
        soup = self.get_soup(response.content)
        self.assertTrue(soup.title.get_text().endswith(" – Valtiokonttori"))
        self.assertEqual(soup.select_one(".site-name").get_text(), "Valtiokonttori")

    @override_settings(LANGUAGE_CODE="en-us")
    def test_an_empty_section_is_read_in_the_sites_language_given_as_a_variant(
        self,
    ):
        """A site whose language is "en-us" (``wagtail start``'s) shows a
        Finnish reader the English text of a section left empty in Finnish."""
        notice = PrivacyNoticePage(recipients_en="Recipients: the cohort's trainers.")
        with translation.override("fi"):
            recipients = in_reader_language(notice, "recipients")
        self.assertEqual(recipients, "Recipients: the cohort's trainers.")

    def test_an_address_without_a_statement_is_not_found(self):
        PrivacyNoticePage.objects.all().delete()
        self.assertEqual(
            self.client.get(reverse("privacy:privacy_notice")).status_code, 404
        )


def parse(response):
    return BeautifulSoup(response.content, "html.parser")


class FeedbackTest(SMTPServerMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.notice, cls.statement = make_statements()
        cls.coordinator = make_coordinator()
        cls.finnish = make_user(
            "toinen@example.fi", groups=["Coordinators"], language="fi"
        )

    def test_feedback_reaches_the_coordinators_with_its_answer_date(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                self.statement.url,
                {
                    "message": "The grid is hard to use with a screen reader.",
                    "email": "reader@example.fi",
                },
            )

        self.assertEqual(response.status_code, 302)
        feedback = AccessibilityFeedback.objects.get()
        self.assertEqual(feedback.answer_by, timezone.localdate() + timedelta(days=14))
        messages = {message["To"]: message for message in self.mailbox.messages}
        self.assertEqual(set(messages), {self.coordinator.email, self.finnish.email})
        english = messages[self.coordinator.email].get_body(("plain",)).get_content()
        self.assertIn("screen reader", english)
        with translation.override("en"):
            from django.utils.formats import date_format

            self.assertIn(date_format(feedback.answer_by), english)
        self.assertIn("Saavutettavuuspalaute", messages[self.finnish.email]["Subject"])
        self.assertEqual(
            OutgoingEmail.objects.filter(state=OutgoingEmail.State.SENT).count(), 2
        )

    def test_feedback_without_a_message_is_refused_and_sends_nothing(self):
        response = self.client.post(self.statement.url, {"message": ""})

        self.assertEqual(response.status_code, 400)
        self.assertFalse(AccessibilityFeedback.objects.exists())
        self.assertFalse(OutgoingEmail.objects.exists())

    def test_a_long_message_is_never_cut_and_the_limit_is_said_first(self):
        # A browser cuts pasted text at a box's maxlength without a word:
        # the limit is said beside the box, and a longer message comes back
        # whole, with why.
        # A Finnish reader's page (the address says the language: an earlier
        # test may have left another one active in this thread).
        with translation.override("fi"):
            address = self.statement.url
        page = self.client.get(address)
        [box] = parse(page).select("textarea[name=message]")
        self.assertIsNone(box.get("maxlength"))
        [help_text] = parse(page).select(f"#{box['aria-describedby']}")
        self.assertEqual(
            help_text.get_text(strip=True).replace("\xa0", " "),
            "Enintään 5 000 merkkiä.",
        )
        # Near it, the page counts down to it, in the reader's words.
        self.assertTrue(parse(page).select_one('script[src$="virtu/limit.js"]'))
        self.assertEqual(box["data-limit"], "5000")
        self.assertEqual(box["data-characters-left"], "Merkkejä jäljellä: %(count)s")
        self.assertEqual(box["data-characters-over"], "Merkkejä yli rajan: %(count)s")

        long = "Valikko ei toimi ruudunlukijalla. " * 160
        response = self.client.post(address, {"message": long})

        self.assertEqual(response.status_code, 400)
        [box] = parse(response).select("textarea[name=message]")
        self.assertEqual(box.get_text().strip(), long.strip())
        self.assertEqual(box.get("aria-invalid"), "true")
        [error] = parse(response).select(".error-summary li")
        self.assertIn("enintään 5000 merkkiä", error.get_text())
        # Said at the box too, where a screen reader reads it with the box.
        [at_box] = parse(response).select(f"#{box['id']}_error")
        self.assertIn("enintään 5000 merkkiä", at_box.get_text())
        self.assertFalse(AccessibilityFeedback.objects.exists())

    def test_one_visitor_cannot_flood_the_coordinators_with_feedback(self):
        # Anyone may post the form, and each message is emailed to every
        # coordinator: a script posting it in a loop would fill their
        # mailboxes with the site's own trusted emails.
        cache.clear()  # the limit counts in the cache
        self.addCleanup(cache.clear)
        with override_settings(VIRTU_FEEDBACK_PER_IP=3):
            answers = [
                self.client.post(self.statement.url, {"message": f"Spam {n}"})
                for n in range(5)
            ]
            elsewhere = self.client.post(
                self.statement.url,
                {"message": "The menu is hard to use."},
                REMOTE_ADDR="10.0.0.2",
            )

        self.assertEqual(
            [answer.status_code for answer in answers], [302, 302, 302, 429, 429]
        )
        self.assertContains(answers[-1], "liian monta viestiä", status_code=429)
        self.assertEqual(elsewhere.status_code, 302)
        self.assertEqual(AccessibilityFeedback.objects.count(), 4)
        self.assertEqual(OutgoingEmail.objects.count(), 4 * 2)

    def test_signed_in_colleagues_behind_one_address_each_send_their_own(self):
        # A whole organisation may reach the site from one address: one
        # person's messages do not use up their colleagues'.
        cache.clear()
        self.addCleanup(cache.clear)
        first, second = make_participants(make_cohort(make_course()), 2, "colleague")
        answers = {}
        with override_settings(VIRTU_FEEDBACK_PER_IP=2):
            for enrollment in (first, second):
                self.client.force_login(enrollment.user)
                answers[enrollment.user.email] = [
                    self.client.post(self.statement.url, {"message": f"Note {n}"})
                    for n in range(3)
                ]
            self.client.logout()
            anonymous = self.client.post(self.statement.url, {"message": "Hi"})

        for address, sent in answers.items():
            with self.subTest(address=address):
                self.assertEqual(
                    [answer.status_code for answer in sent], [302, 302, 429]
                )
        self.assertContains(sent[-1], "lähettänyt useita viestejä", status_code=429)
        self.assertEqual(anonymous.status_code, 302)
        self.assertEqual(AccessibilityFeedback.objects.count(), 5)

    def test_coordinators_mark_feedback_answered_in_the_admin(self):
        feedback = AccessibilityFeedback.receive(self.statement, "Too small text")
        self.client.force_login(self.coordinator)

        listing = self.client.get(reverse("accessibility_feedback:index"))
        self.assertContains(listing, feedback.answer_by.strftime("%Y"))
        self.client.post(
            reverse("accessibility_feedback:edit", args=[feedback.pk]),
            {"answered": "on"},
        )
        feedback.refresh_from_db()
        self.assertIsNotNone(feedback.answered_at)
