"""Signing in by a personal link sent by email, and the language switch."""

import re
import zoneinfo
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from cohorts.emails import Kind
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from cohorts.reminders import queue_reminders
from outbox.models import OutgoingEmail
from outbox.rendering import preferred_languages
from outbox.sending import message_id, render, send_pending
from signin import links as signin
from signin.links import Kind as SignInKind
from signin.models import SignInLink

from .factories import (
    COORDINATORS,
    make_cohort,
    make_coordinator,
    make_course,
    make_trainer,
    make_user,
)
from .test_outbox import SMTPServerMixin

#: The sign-in page's address in Finnish: reverse() after a request to an
#: English page would give the English one.
LOGIN = "/accounts/login/"
MY_TRAINING = "/my/"
LINK = re.compile(r"https?://\S+/accounts/link/\S+/")
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


User = get_user_model()


def link_in(message):
    """The sign-in link, on a line of its own in the text part."""
    text = message.get_body(("plain",)).get_content()
    [url] = [line for line in text.splitlines() if LINK.fullmatch(line)]
    return url


def set_language(user, language):
    UserProfile.get_for_user(user)
    UserProfile.objects.filter(user=user).update(preferred_language=language)


def path_of(url):
    return urlsplit(url).path


def english(path):
    """The English address of a Finnish (unprefixed) one: tests read the
    English text, which stays as it is when the translations change."""
    return f"/en{path}"


class SignInTestCase(TestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # the rate limits count in the cache
        self.addCleanup(cache.clear)
        self.addCleanup(translation.activate, settings.LANGUAGE_CODE)

    def signed_in_user_id(self):
        return self.client.session.get(SESSION_KEY)


class WelcomeEmailTests(SMTPServerMixin, SignInTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())

    def enrol(self, email="anna@example.fi", first_name="Anna", **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return enrol(self.cohort, email, first_name, "Virtanen", **kwargs)

    def welcome(self, enrollment):
        [message] = [
            message
            for message in self.mailbox.messages
            if message["Message-ID"] == message_id(f"welcome:{enrollment.pk}")
        ]
        return message

    def test_the_welcome_email_arrives_over_smtp_with_a_link_in_finnish(self):
        enrollment = self.enrol()

        message = self.welcome(enrollment)
        url = link_in(message)

        self.assertEqual(message["To"], "anna@example.fi")
        self.assertIn("Cohort A", message["Subject"])
        self.assertTrue(url.startswith("http://testserver/accounts/link/"))
        html = message.get_body(("html",)).get_content()
        self.assertIn('<html lang="fi">', html)
        self.assertIn(f'href="{url}"', html)
        self.assertEqual(
            OutgoingEmail.objects.get(key=f"welcome:{enrollment.pk}").kind,
            Kind.WELCOME,
        )

    def test_the_welcome_names_the_training_and_the_cohort(self):
        # A cohort's name ("Cohort A", or an office's) is not the training's.
        course = self.cohort.get_parent().title
        make_user("bertil@example.fi", language="sv")

        anna = self.welcome(self.enrol()).get_body(("plain",)).get_content()
        bertil = self.welcome(self.enrol("bertil@example.fi", "Bertil"))
        bertil = bertil.get_body(("plain",)).get_content()

        self.assertIn(
            f"Sinut on lisätty osallistujaksi valmennukseen ”{course}”, ryhmään "
            "”Cohort A”.",
            " ".join(anna.split()),
        )
        self.assertIn(
            f"Du har anmälts till utbildningen ”{course}”, i gruppen ”Cohort A”.",
            " ".join(bertil.split()),
        )

    def test_no_usable_link_is_stored_before_or_after_the_email_is_sent(self):
        enrollment = self.enrol()
        url = link_in(self.welcome(enrollment))
        token = url.rstrip("/").rsplit("/", 1)[1]

        for row in OutgoingEmail.objects.all():
            with self.subTest(kind=row.kind):
                stored = " ".join(
                    [row.subject, row.text, row.html, row.ics, str(row.params)]
                )
                self.assertNotIn(token, stored)
                self.assertNotIn("/accounts/link/", stored)
        self.assertEqual(SignInLink.objects.get().token_hash, signin.token_hash(token))

    def test_a_welcome_for_someone_removed_before_it_was_sent_is_not_sent(self):
        self.stop_smtp()
        with self.assertLogs("outbox.sending", "WARNING"):
            enrollment = self.enrol()
        row = OutgoingEmail.objects.get(key=f"welcome:{enrollment.pk}")
        self.assertEqual(row.state, OutgoingEmail.State.PENDING)
        enrollment.delete()
        self.start_smtp()

        send_pending(now=timezone.now() + timedelta(hours=2))

        row.refresh_from_db()
        self.assertEqual(row.state, OutgoingEmail.State.DROPPED)
        self.assertFalse(SignInLink.objects.exists())
        self.assertNotIn(message_id(row.key), self.mailbox.by_id())

    def test_the_welcome_email_is_in_the_language_the_person_chose(self):
        user = make_user("bertil@example.fi", language="sv")

        enrollment = self.enrol("bertil@example.fi", "Bertil")

        message = self.welcome(enrollment)
        self.assertTrue(link_in(message).startswith("http://testserver/sv/accounts/"))
        self.assertIn('<html lang="sv">', message.get_body(("html",)).get_content())
        self.assertEqual(enrollment.user, user)

    def test_the_link_signs_in_once_and_a_second_use_gets_a_page_to_ask_again(self):
        enrollment = self.enrol()
        path = path_of(link_in(self.welcome(enrollment)))

        # Opening the link (as mail scanners do) only shows the button.
        for __ in range(2):
            page = self.client.get(path)
            self.assertContains(page, '<button type="submit">Kirjaudu sisään</button>')
        self.assertIsNone(self.signed_in_user_id())
        response = self.client.post(path)

        self.assertRedirects(response, MY_TRAINING, fetch_redirect_response=False)
        self.assertEqual(self.signed_in_user_id(), str(enrollment.user_id))
        self.client.logout()
        again = self.client.post(english(path))
        self.assertContains(again, "already been used or has expired", status_code=410)
        self.assertContains(again, 'name="link-email"', status_code=410)
        self.assertIsNone(self.signed_in_user_id())

    def test_a_swedish_link_signs_in_to_the_swedish_pages(self):
        make_user("bertil@example.fi", language="sv")
        enrollment = self.enrol("bertil@example.fi", "Bertil")

        response = self.client.post(path_of(link_in(self.welcome(enrollment))))

        self.assertRedirects(response, "/sv/my/", fetch_redirect_response=False)

    def test_only_a_hash_of_the_token_is_stored(self):
        enrollment = self.enrol()
        token = path_of(link_in(self.welcome(enrollment))).rstrip("/").split("/")[-1]

        link = SignInLink.objects.get(user=enrollment.user)

        self.assertEqual(link.token_hash, signin.token_hash(token))
        self.assertNotIn(token, str(SignInLink.objects.values().get()))

    def test_the_link_expires_after_the_configured_days(self):
        with override_settings(VIRTU_SIGN_IN_LINK_DAYS=3):
            enrollment = self.enrol()

        link = SignInLink.objects.get(user=enrollment.user)
        self.assertEqual(link.expires_at - link.created_at, timedelta(days=3))

    def test_saving_an_enrolment_again_sends_no_second_welcome(self):
        enrollment = self.enrol()
        self.enrol(organisation="Another office")

        self.assertEqual(
            OutgoingEmail.objects.filter(kind=Kind.WELCOME).count(),
            1,
        )
        self.assertEqual(self.welcome(enrollment)["To"], "anna@example.fi")

    def test_a_draft_cohort_welcomes_its_people_when_it_is_published(self):
        draft = CohortPage.objects.get(pk=self.cohort.pk)
        draft.unpublish()
        enrollment = self.enrol()
        self.assertFalse(OutgoingEmail.objects.filter(kind=Kind.WELCOME).exists())

        with self.captureOnCommitCallbacks(execute=True):
            draft.get_latest_revision().publish()
            draft.get_latest_revision().publish()

        self.assertEqual(
            list(
                OutgoingEmail.objects.filter(kind=Kind.WELCOME).values_list(
                    "key", flat=True
                )
            ),
            [f"welcome:{enrollment.pk}"],
        )
        self.assertTrue(link_in(self.welcome(enrollment)))

    def test_a_corrected_address_gets_the_welcome_and_the_old_one_no_link(self):
        """A typo corrected in the enrolment before the welcome went out (the
        mail server down): the link is for the corrected account, so it goes
        to the corrected address only, in a welcome of its own."""
        enrollment = enrol(self.cohort, "anna@typo.example", "Anna", "Virtanen")
        self.assertEqual(
            OutgoingEmail.objects.get(key=f"welcome:{enrollment.pk}").state,
            OutgoingEmail.State.PENDING,
        )
        self.client.force_login(make_coordinator())
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("enrollments:edit", args=[enrollment.pk]),
                {
                    "cohort": self.cohort.pk,
                    "role": Enrollment.Role.PARTICIPANT,
                    "organisation": "",
                    "email": "anna@right.example",
                    "first_name": "Anna",
                    "last_name": "Virtanen",
                },
            )
        self.assertEqual(response.status_code, 302)
        self.client.logout()
        send_pending(now=timezone.now() + timedelta(minutes=10))

        self.assertEqual(
            [
                message["To"]
                for message in self.mailbox.messages
                if LINK.search(message.get_body(("plain",)).get_content())
            ],
            ["anna@right.example"],
        )
        enrollment.refresh_from_db()
        [welcome] = [
            m
            for m in self.mailbox.messages
            if m["Message-ID"]
            == message_id(f"welcome:{enrollment.pk}:to:{enrollment.user_id}")
        ]
        self.assertEqual(welcome["To"], "anna@right.example")
        self.client.post(path_of(link_in(welcome)))
        self.assertEqual(self.signed_in_user_id(), str(enrollment.user_id))
        self.assertEqual(
            OutgoingEmail.objects.get(key=f"welcome:{enrollment.pk}").state,
            OutgoingEmail.State.DROPPED,
        )

    def test_a_link_asked_for_goes_nowhere_once_the_address_changed(self):
        user = self.enrol("bert@example.fi", "Bert").user
        welcomed = len(self.mailbox.messages)
        signin.send_link("bert@example.fi")  # queued; the worker is behind
        user.email = "bert@new.example"
        user.save()
        send_pending(now=timezone.now() + timedelta(minutes=10))

        self.assertEqual(
            OutgoingEmail.objects.get(kind=SignInKind.SIGN_IN).state,
            OutgoingEmail.State.DROPPED,
        )
        self.assertFalse(
            [
                m
                for m in self.mailbox.messages[welcomed:]
                if m["To"] == "bert@example.fi"
                and LINK.search(m.get_body(("plain",)).get_content())
            ]
        )

    def test_a_trainer_is_welcomed_with_a_link_to_set_a_password_not_to_sign_in(self):
        enrollment = self.enrol("tero@example.fi", "Tero", role=Enrollment.Role.TRAINER)

        message = self.welcome(enrollment)
        text = message.get_body(("plain",)).get_content()

        self.assertNotRegex(text, LINK)
        self.assertIn("/accounts/password_reset/confirm/", text)
        self.assertFalse(enrollment.user.sign_in_links.exists())
        # In the HTML part the addresses are links, each in a paragraph.
        soup = BeautifulSoup(message.get_body(("html",)).get_content(), "html.parser")
        hrefs = [a["href"] for a in soup.find_all("a")]
        self.assertTrue(any("/accounts/password_reset/confirm/" in h for h in hrefs))
        self.assertTrue(any(h.endswith("/accounts/login/") for h in hrefs))


class SignInLinkTests(WagtailTestUtils, SignInTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())
        cls.participant = enrol(cls.cohort, "anna@example.fi", "Anna").user

    def new_link(self, language="fi", **changes):
        link, token = signin.new_link(self.participant)
        if changes:
            SignInLink.objects.filter(pk=link.pk).update(**changes)
        with translation.override(language):
            return reverse("signin:link", args=[token])

    def test_an_expired_link_gets_a_page_to_ask_for_a_new_one(self):
        path = self.new_link("en", expires_at=timezone.now() - timedelta(seconds=1))

        for response in [self.client.get(path), self.client.post(path)]:
            self.assertEqual(response.status_code, 410)
            soup = self.get_soup(response.content)
            self.assertEqual(
                soup.h1.get_text(strip=True), "This sign-in link no longer works"
            )
            form = soup.find("form", action="/en/accounts/login/")
            field = form.find("input", attrs={"name": "link-email"})
            self.assertEqual(
                form.find("label", attrs={"for": field["id"]})
                .get_text(strip=True)
                .rstrip(":"),
                "Email address",
            )
        self.assertIsNone(self.signed_in_user_id())

    def test_an_unknown_link_is_not_found_with_the_same_way_to_a_new_one(self):
        response = self.client.get("/en/accounts/link/not-a-token/")

        self.assertContains(response, "not one we know", status_code=404)
        self.assertContains(response, 'name="link-email"', status_code=404)

    def test_two_requests_racing_with_one_link_sign_in_only_once(self):
        __, token = signin.new_link(self.participant)
        first, second = signin.find_link(token), signin.find_link(token)

        self.assertTrue(first.is_usable() and second.is_usable())
        self.assertEqual(
            [signin.use_link(first), signin.use_link(second)], [True, False]
        )

    def test_a_link_of_a_deactivated_person_does_not_sign_in(self):
        path = self.new_link()
        type(self.participant).objects.filter(pk=self.participant.pk).update(
            is_active=False
        )

        response = self.client.post(path)

        self.assertEqual(response.status_code, 410)
        self.assertIsNone(self.signed_in_user_id())

    def test_a_safe_next_is_followed(self):
        path = self.new_link()
        target = reverse("calendar:subscription")

        page = self.client.get(f"{path}?next={target}")
        response = self.client.post(path, {"next": target})

        self.assertContains(page, f'name="next" value="{target}"')
        self.assertRedirects(response, target, fetch_redirect_response=False)

    def test_a_next_to_another_site_is_refused(self):
        for target in ["https://evil.example/", "//evil.example/", "/\\evil.example"]:
            with self.subTest(target=target):
                self.client.logout()
                path = self.new_link()

                page = self.client.get(path, {"next": target})
                response = self.client.post(path, {"next": target})

                form = self.get_soup(page.content).main.form
                self.assertIsNone(form.find(attrs={"name": "next"}))
                self.assertRedirects(
                    response,
                    MY_TRAINING,
                    fetch_redirect_response=False,
                )

    def test_a_used_link_opened_again_by_its_signed_in_owner_leads_on(self):
        """An Outlook user clicks the same email's link a second time: they
        are signed in already, and go where it leads, not to "this link no
        longer works"."""
        path = self.new_link()
        target = reverse("calendar:subscription")
        self.client.post(path)

        response = self.client.get(f"{path}?next={target}")
        self.assertRedirects(response, target, fetch_redirect_response=False)
        response = self.client.get(path)
        self.assertRedirects(response, MY_TRAINING, fetch_redirect_response=False)
        # Someone else signed in on the browser gets the page, as anyone.
        other = enrol(self.cohort, "olli@example.fi", "Olli").user
        self.client.force_login(other)
        self.assertEqual(self.client.get(path).status_code, 410)
        self.assertEqual(self.signed_in_user_id(), str(other.pk))

    def test_a_participant_signed_in_by_link_gets_no_admin(self):
        self.client.post(self.new_link())

        for path in [
            reverse("wagtailadmin_home"),
            reverse("wagtailadmin_explore_root"),
        ]:
            with self.subTest(path=path):
                response = self.client.get(path)
                self.assertRedirects(
                    response,
                    f"{reverse('wagtailadmin_login')}?next={path}",
                    fetch_redirect_response=False,
                )
        self.assertEqual(self.signed_in_user_id(), str(self.participant.pk))

    def test_a_participant_who_opens_the_admin_is_shown_the_way_to_their_training(
        self,
    ):
        """Kept out of the admin, a participant signed in by link lands on
        Wagtail's sign-in page: it tells them, in their language, that
        their training is on the site, and links to My training."""
        for language, note, label in [
            (
                "fi",
                "Osallistutko valmennukseen? Valmennuksesi on sivustolla:",
                "Oma valmennukseni",
            ),
            (
                "sv",
                "Deltar du i en utbildning? Din utbildning finns på webbplatsen:",
                "Min utbildning",
            ),
        ]:
            with self.subTest(language=language):
                self.client.post(self.new_link(language))
                self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

                response = self.client.get(reverse("wagtailadmin_home"), follow=True)

                self.assertEqual(
                    response.redirect_chain[-1][0],
                    f"{reverse('wagtailadmin_login')}?next=/admin/",
                )
                soup = self.get_soup(response.content)
                self.assertEqual(soup.html["lang"], language)
                link = soup.select_one("main a[href$='/my/']")
                self.assertIsNotNone(link, soup.select_one("main"))
                self.assertEqual(link.get_text(strip=True), label)
                self.assertEqual(
                    link.parent.get_text(" ", strip=True), f"{note} {label}"
                )
                with translation.override(language):
                    self.assertEqual(link["href"], reverse("participant:my_training"))

    def test_the_admin_sign_in_page_shows_everyone_the_way_to_my_training(self):
        """Not only a link session: a participant not signed in who finds
        the admin is shown the way too (My training asks them to sign in on
        the site's own page)."""
        response = self.client.get("/sv" + MY_TRAINING)
        self.assertRedirects(
            response, f"/sv{LOGIN}?next=/sv{MY_TRAINING}", fetch_redirect_response=False
        )
        soup = self.get_soup(self.client.get(reverse("wagtailadmin_login")).content)
        self.assertEqual(
            soup.select_one(f"main a[href='{MY_TRAINING}']").get_text(strip=True),
            "Oma valmennukseni",
        )

    @override_settings(ROOT_URLCONF="tests.urls_admin_only")
    def test_a_site_without_my_training_has_no_note_on_the_admin_sign_in(self):
        response = self.client.get(reverse("wagtailadmin_login"))

        self.assertEqual(response.status_code, 200)
        soup = self.get_soup(response.content)
        self.assertIsNotNone(soup.select_one("form.login-form"))
        self.assertNotIn("Osallistutko valmennukseen?", soup.get_text())

    def test_signing_out_goes_back_to_the_sign_in_page_with_a_message(self):
        self.client.post(self.new_link())

        response = self.client.post("/en/accounts/logout/", follow=True)

        self.assertRedirects(response, "/en/accounts/login/")
        self.assertContains(response, "You have signed out.")
        self.assertIsNone(self.signed_in_user_id())
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)


class SignInPageTests(WagtailTestUtils, SMTPServerMixin, SignInTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())
        cls.participant = enrol(cls.cohort, "anna@example.fi", "Anna").user
        cls.coordinator = make_coordinator()
        OutgoingEmail.objects.all().delete()  # the welcome emails

    def ask(self, email, ip="192.0.2.1", **extra):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                english(LOGIN),
                {"link-email": email},
                REMOTE_ADDR=ip,
                **extra,
            )

    def test_the_page_offers_a_link_by_email_and_a_password_form(self):
        response = self.client.get(english(LOGIN))

        soup = self.get_soup(response.content)
        self.assertEqual(soup.h1.get_text(strip=True), "Sign in")
        labels = {
            label.get_text(strip=True).rstrip(":"): label["for"]
            for label in soup.find_all("label")
        }
        self.assertEqual(labels["Email address"], "id_link-email")
        self.assertIn("id_password", labels.values())
        self.assertEqual(soup.html["lang"], "en")

    def test_the_pages_messages_are_a_list_inside_a_live_region(self):
        # A list given a role is no longer a list to a screen reader (axe's
        # "listitem" rule): the live region holds the list instead.
        response = self.ask("anna@example.fi")
        soup = self.get_soup(self.client.get(response.url).content)
        status = soup.find(role="status")
        self.assertEqual(len(status.select("ul.messages > li.message")), 1)
        self.assertEqual(soup.select("ul[role], ol[role]"), [])

    def test_an_enrolled_address_gets_a_link_and_the_same_answer_as_any_other(self):
        answers = []
        # Anna is enrolled; nobody is not; the coordinator has a password.
        for email in ["Anna@Example.fi", "nobody@example.fi", "coordinator@example.fi"]:
            response = self.ask(email)
            self.assertRedirects(
                response, english(LOGIN), fetch_redirect_response=False
            )
            page = self.get_soup(self.client.get(response.url).content)
            answers.append(page.find(role="status").get_text(strip=True))

        self.assertIn("If the address is enrolled, a sign-in link", answers[0])
        self.assertEqual(len(set(answers)), 1)
        [message] = self.mailbox.messages
        self.assertEqual(message["To"], "anna@example.fi")
        self.assertEqual(OutgoingEmail.objects.get().kind, SignInKind.SIGN_IN)

        response = self.client.post(path_of(link_in(message)))

        self.assertEqual(self.signed_in_user_id(), str(self.participant.pk))
        # Asked for on the English page, it opens the site in English.
        self.assertRedirects(
            response, english(MY_TRAINING), fetch_redirect_response=False
        )

    def test_a_link_asked_for_on_the_way_to_a_page_leads_there(self):
        """A reminder links to the reflection form; someone signed out asks
        for a link there, and the link brings them back to it."""
        form = reverse("participant:reflection", args=[1])
        for next_path, lands in [
            (form, form),
            ("//elsewhere.example/", MY_TRAINING),
            ("https://elsewhere.example/", MY_TRAINING),
        ]:
            with self.subTest(next_path):
                self.client.logout()
                self.mailbox.messages.clear()
                cache.clear()
                with self.captureOnCommitCallbacks(execute=True):
                    self.client.post(
                        f"{LOGIN}?{urlencode({'next': next_path})}",
                        {"link-email": "anna@example.fi"},
                    )
                [message] = self.mailbox.messages
                text = message.get_body(("plain",)).get_content()
                [url] = re.findall(r"https?://\S+/accounts/link/\S+", text)
                self.assertNotIn("elsewhere", url)
                page = self.get_soup(self.client.get(url).content)
                # The page's own form (the language switch has a next too).
                button_form = page.find("main").find("form", method="post")
                hidden = button_form.find("input", attrs={"name": "next"})
                response = self.client.post(
                    path_of(url), {"next": hidden["value"]} if hidden else {}
                )
                self.assertRedirects(response, lands, fetch_redirect_response=False)

    def test_a_new_link_asked_for_on_a_used_links_page_leads_on_there(self):
        """A reminder's link, used once already, opened again: the new link
        asked for on "this link no longer works" leads to the page the old
        one did, as one asked for on the sign-in page does; never to an
        address elsewhere."""
        form = reverse("participant:reflection", args=[1])
        for next_path, lands in [
            (form, form),
            ("//elsewhere.example/", MY_TRAINING),
            ("https://elsewhere.example/", MY_TRAINING),
        ]:
            with self.subTest(next_path):
                self.client.logout()
                self.mailbox.messages.clear()
                cache.clear()
                link, token = signin.new_link(self.participant)
                signin.use_link(link)
                used = reverse("signin:link", args=[token])
                page = self.client.get(f"{used}?{urlencode({'next': next_path})}")
                self.assertEqual(page.status_code, 410)
                request_form = (
                    self.get_soup(page.content)
                    .find("input", attrs={"name": "link-email"})
                    .find_parent("form")
                )
                self.assertNotIn("elsewhere", request_form["action"])
                with self.captureOnCommitCallbacks(execute=True):
                    self.client.post(
                        request_form["action"], {"link-email": "anna@example.fi"}
                    )
                [message] = self.mailbox.messages
                text = message.get_body(("plain",)).get_content()
                [url] = re.findall(r"https?://\S+/accounts/link/\S+", text)
                page = self.get_soup(self.client.get(url).content)
                button_form = page.find("main").find("form", method="post")
                hidden = button_form.find("input", attrs={"name": "next"})
                response = self.client.post(
                    path_of(url), {"next": hidden["value"]} if hidden else {}
                )
                self.assertRedirects(response, lands, fetch_redirect_response=False)

    def test_a_requested_link_is_in_the_persons_language(self):
        set_language(self.participant, "en")

        self.ask("anna@example.fi")

        [message] = self.mailbox.messages
        self.assertTrue(link_in(message).startswith("http://testserver/en/accounts/"))
        self.assertEqual(message["Subject"], "Your sign-in link to Virtu")

    def test_a_link_asked_for_on_the_swedish_page_is_in_swedish(self):
        """Someone who has not chosen a language asks on /sv/: the email and
        the site its link opens are in Swedish, not in the site's Finnish."""
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/sv{LOGIN}", {"link-email": "anna@example.fi"})

        [message] = self.mailbox.messages
        url = link_in(message)
        self.assertTrue(url.startswith("http://testserver/sv/accounts/link/"), url)
        with translation.override("sv"):
            self.assertEqual(
                message["Subject"],
                gettext("Your sign-in link to %(site)s") % {"site": "Virtu"},
            )
        response = self.client.post(path_of(url))
        self.assertRedirects(
            response, f"/sv{MY_TRAINING}", fetch_redirect_response=False
        )
        # A language the person chose wins over the page's.
        set_language(self.participant, "en")
        self.mailbox.messages.clear()
        cache.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/sv{LOGIN}", {"link-email": "anna@example.fi"})
        [message] = self.mailbox.messages
        self.assertEqual(message["Subject"], "Your sign-in link to Virtu")

    def test_a_swedish_link_to_an_unprefixed_page_opens_it_in_swedish(self):
        """Asked for on the Swedish sign-in page on the way to /my/ (an
        address with no language), and opened on another device, such as
        Outlook on a phone: the link leads to the Swedish page, and the
        pages after it stay Swedish."""
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(
                f"/sv{LOGIN}?{urlencode({'next': MY_TRAINING})}",
                {"link-email": "anna@example.fi"},
            )
        [message] = self.mailbox.messages
        [url] = re.findall(
            r"https?://\S+/accounts/link/\S+",
            message.get_body(("plain",)).get_content(),
        )
        url = urlsplit(url)
        phone = Client()

        response = phone.post(f"{url.path}?{url.query}", follow=True)

        self.assertEqual(response.request["PATH_INFO"], f"/sv{MY_TRAINING}")
        self.assertEqual(response.wsgi_request.LANGUAGE_CODE, "sv")
        self.assertEqual(phone.get(MY_TRAINING).url, f"/sv{MY_TRAINING}")

    def test_signing_in_by_a_swedish_link_makes_the_emails_after_it_swedish(self):
        """Anna, with no language of her own, asks for a link on /sv/ and
        opens it on her phone: the reminder of her next session, sent when
        she is not signed in anywhere, is in Swedish too, not in Finnish."""
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/sv{LOGIN}", {"link-email": "anna@example.fi"})
        [message] = self.mailbox.messages
        Client().post(path_of(link_in(message)))
        self.mailbox.messages.clear()

        # The day before the first session, 15 March 2038 at 9.00.
        queue_reminders(now=datetime(2038, 3, 14, 8, 0, tzinfo=HELSINKI))
        send_pending()

        [reminder] = self.mailbox.messages
        self.assertEqual(reminder["To"], "anna@example.fi")
        self.assertIn('<html lang="sv">', reminder.get_body(("html",)).get_content())
        self.assertEqual(
            UserProfile.get_for_user(self.participant).preferred_language, "sv"
        )

    @override_settings(WAGTAIL_SITE_NAME="Oma Akatemia")
    def test_the_sign_in_emails_call_the_site_by_its_name(self):
        """A site that installs the apps is not called Virtu in its emails;
        the name stands as it is, for Finnish would inflect it."""
        trainer = make_trainer(self.cohort)
        subjects = {}
        for language in ["fi", "sv", "en"]:
            set_language(self.participant, language)
            set_language(trainer, language)
            self.mailbox.messages.clear()
            cache.clear()
            self.ask(self.participant.email)
            self.ask(trainer.email)
            subjects[language] = sorted(m["Subject"] for m in self.mailbox.messages)

        self.assertEqual(
            subjects,
            {
                "fi": [
                    "Kirjaudu palveluun Oma Akatemia salasanallasi",
                    "Kirjautumislinkkisi palveluun Oma Akatemia",
                ],
                "sv": [
                    "Din inloggningslänk till Oma Akatemia",
                    "Logga in i Oma Akatemia med ditt lösenord",
                ],
                "en": [
                    "Sign in to Oma Akatemia with your password",
                    "Your sign-in link to Oma Akatemia",
                ],
            },
        )
        for message in self.mailbox.messages:
            self.assertEqual(message["From"].addresses[0].display_name, "Oma Akatemia")

    def test_an_address_gets_at_most_five_links_an_hour(self):
        for __ in range(5):
            self.assertEqual(self.ask("anna@example.fi").status_code, 302)

        limited = self.ask("anna@example.fi", ip="192.0.2.2")
        unknown = [self.ask("nobody@example.fi", ip="192.0.2.3") for __ in range(6)]

        self.assertEqual(len(self.mailbox.messages), 5)
        # An unknown address is limited alike: the limit tells nothing.
        for response in [limited, unknown[-1]]:
            self.assertContains(
                response,
                "Too many sign-in links have been asked for this address in the "
                "last hour. If it is enrolled, use a link in your email that you "
                "have not used yet",
                status_code=429,
            )
            field = self.get_soup(response.content).find(id="id_link-email")
            self.assertEqual(field["aria-describedby"], "id_link-email_error")
            self.assertEqual(field["aria-invalid"], "true")
            self.assertEqual(field["value"], response.wsgi_request.POST["link-email"])

    def test_people_who_share_their_organisations_address_all_get_links(self):
        # Three cohorts of one organisation, asking as their sessions begin:
        # its whole staff reaches the site from one address.
        answers = [self.ask(f"person{number}@example.fi") for number in range(75)]

        self.assertEqual({answer.status_code for answer in answers}, {302})

    @override_settings(VIRTU_SIGN_IN_REQUESTS_PER_IP=2)
    def test_a_client_past_its_limit_does_not_use_up_an_addresss_links(self):
        for __ in range(2):
            self.assertEqual(self.ask("anna@example.fi").status_code, 302)
        for __ in range(10):
            self.assertEqual(self.ask("anna@example.fi").status_code, 429)

        # From elsewhere, Anna still has three of her five links an hour.
        answers = [self.ask("anna@example.fi", ip=f"192.0.2.{n}") for n in (7, 8, 9)]

        self.assertEqual([answer.status_code for answer in answers], [302] * 3)
        self.assertEqual(len(self.mailbox.messages), 5)

    @override_settings(VIRTU_SIGN_IN_REQUESTS_PER_IP=20)
    def test_a_client_may_ask_as_many_times_an_hour_as_set(self):
        for number in range(20):
            self.assertEqual(self.ask(f"person{number}@example.fi").status_code, 302)

        response = self.ask("anna@example.fi")

        self.assertContains(
            response,
            "Too many sign-in links have been asked for from your network in the "
            "last hour. A link in your email that you have not used yet still "
            "works",
            status_code=429,
        )
        self.assertEqual(self.mailbox.messages, [])
        self.assertEqual(self.ask("anna@example.fi", ip="192.0.2.9").status_code, 302)

    @override_settings(
        VIRTU_CLIENT_IP_HEADER="HTTP_X_REAL_IP", VIRTU_SIGN_IN_REQUESTS_PER_IP=20
    )
    def test_behind_a_proxy_the_client_address_comes_from_the_configured_header(self):
        for number in range(20):
            self.ask(f"person{number}@example.fi", HTTP_X_REAL_IP="198.51.100.1")

        limited = self.ask("anna@example.fi", HTTP_X_REAL_IP="198.51.100.1")
        other = self.ask("anna@example.fi", HTTP_X_REAL_IP="198.51.100.2")

        self.assertEqual((limited.status_code, other.status_code), (429, 302))

    @override_settings(
        VIRTU_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR", VIRTU_SIGN_IN_REQUESTS_PER_IP=20
    )
    def test_a_forwarded_for_list_counts_the_address_the_proxy_wrote(self):
        # The client writes the start of the list; the proxy adds the last.
        for number in range(20):
            self.ask(
                f"person{number}@example.fi",
                HTTP_X_FORWARDED_FOR=f"10.0.0.{number}, 198.51.100.1",
            )

        limited = self.ask(
            "anna@example.fi", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1"
        )

        self.assertEqual(limited.status_code, 429)

    def test_the_database_limits_links_per_person_when_the_cache_forgets(self):
        for __ in range(5):
            self.ask("anna@example.fi")
            cache.clear()  # another process, or a restart

        self.ask("anna@example.fi")

        self.assertEqual(len(self.mailbox.messages), 5)

    def test_a_bad_address_is_an_error_tied_to_the_field(self):
        response = self.client.post(english(LOGIN), {"link-email": "anna@"})

        self.assertEqual(response.status_code, 400)
        field = self.get_soup(response.content).find(id="id_link-email")
        self.assertEqual(field["aria-describedby"], "id_link-email_error")
        self.assertEqual(field["value"], "anna@")
        self.assertContains(response, 'role="alert"', status_code=400)
        self.assertEqual(self.mailbox.messages, [])

    def test_staff_sign_in_with_a_password_and_go_to_the_admin(self):
        response = self.client.post(
            LOGIN,
            {
                "username": self.coordinator.username,
                "password": "correct horse battery",
            },
        )

        self.assertRedirects(
            response, reverse("wagtailadmin_home"), fetch_redirect_response=False
        )

    def test_the_password_form_refuses_a_next_to_another_site(self):
        response = self.client.post(
            LOGIN + "?next=https://evil.example/",
            {
                "username": self.coordinator.username,
                "password": "correct horse battery",
                "next": "https://evil.example/",
            },
        )

        self.assertRedirects(
            response, reverse("wagtailadmin_home"), fetch_redirect_response=False
        )

    def test_a_wrong_password_is_refused_with_a_message(self):
        response = self.client.post(
            LOGIN, {"username": self.coordinator.username, "password": "x"}
        )

        self.assertContains(response, 'role="alert"')
        self.assertIsNone(self.signed_in_user_id())

    def test_staff_still_sign_in_to_the_admin_with_its_own_form(self):
        response = self.client.post(
            reverse("wagtailadmin_login"),
            {
                "username": self.coordinator.username,
                "password": "correct horse battery",
            },
        )

        self.assertRedirects(
            response, reverse("wagtailadmin_home"), fetch_redirect_response=False
        )

    def test_the_admin_sign_in_form_labels_the_password_in_the_readers_language(
        self,
    ):
        for language, label in [("fi", "Salasana"), ("sv", "Lösenord")]:
            with self.subTest(language=language):
                self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                soup = self.get_soup(
                    self.client.get(reverse("wagtailadmin_login")).content
                )
                self.assertEqual(
                    soup.select_one("label[for=id_password]").get_text(" ", strip=True),
                    f"{label} *",
                )


class PasswordResetTests(SignInTestCase):
    """Anyone may ask the admin for a password reset link for any address,
    and each is an email to that staff member's mailbox: limited as the
    sign-in links are."""

    @classmethod
    def setUpTestData(cls):
        cls.coordinator = make_coordinator()

    def ask(self, email, ip="192.0.2.1"):
        return self.client.post(
            reverse("wagtailadmin_password_reset"), {"email": email}, REMOTE_ADDR=ip
        )

    def test_one_client_cannot_flood_a_staff_mailbox_with_reset_links(self):
        answers = [self.ask(self.coordinator.email) for __ in range(8)]

        self.assertEqual({answer.status_code for answer in answers[:5]}, {302})
        self.assertEqual(len(mail.outbox), 5)
        self.assertEqual(
            {message.to[0] for message in mail.outbox}, {"coordinator@example.fi"}
        )
        # Over the limit the person is told, at the field, rather than left
        # waiting for an email that does not come.
        for answer in answers[5:]:
            self.assertEqual(answer.status_code, 200)
            # In Finnish: the admin's pages, with no language prefix.
            self.assertFormError(
                answer.context["form"],
                "email",
                "Tähän osoitteeseen on pyydetty liian monta linkkiä. Yritä "
                "uudelleen tunnin kuluttua.",
            )

    def test_an_address_nobody_has_is_told_the_same_over_the_limit(self):
        # The counters count every address alike: the message tells nothing
        # about who has an account.
        answers = [self.ask("nobody@example.fi") for __ in range(6)]

        self.assertEqual(mail.outbox, [])
        self.assertEqual(answers[5].status_code, 200)
        self.assertEqual(
            answers[5].context["form"].errors["email"],
            [
                "Tähän osoitteeseen on pyydetty liian monta linkkiä. Yritä "
                "uudelleen tunnin kuluttua."
            ],
        )

    @override_settings(VIRTU_SIGN_IN_REQUESTS_PER_IP=20)
    def test_a_client_may_ask_as_often_as_set_whatever_the_addresses(self):
        for number in range(20):
            self.ask(f"person{number}@example.fi")

        self.ask(self.coordinator.email)
        self.assertEqual(mail.outbox, [])
        self.ask(self.coordinator.email, ip="192.0.2.9")
        self.assertEqual(len(mail.outbox), 1)


class LanguageTests(WagtailTestUtils, SignInTestCase):
    @classmethod
    def setUpTestData(cls):
        cohort = make_cohort(make_course())
        cls.cohort = cohort
        cls.participant = enrol(cohort, "anna@example.fi", "Anna").user
        cls.trainer = make_trainer(cohort)

    def lang(self, path):
        """The language a page is shown in, after any redirect."""
        response = self.client.get(path, follow=True)
        self.assertEqual(response.status_code, 200)
        return self.get_soup(response.content).html["lang"]

    def switch(self, language, next_url="/accounts/login/"):
        return self.client.post(
            reverse("set_language"), {"language": language, "next": next_url}
        )

    def sign_in_by_link(self, user):
        __, token = signin.new_link(user)
        return self.client.post(f"/accounts/link/{token}/")

    def password_link_in_welcome(self, language):
        """The link a new trainer whose profile speaks ``language`` is sent
        to set their password."""
        email = f"tero.{language}@example.fi"
        set_language(User.objects.create_user(username=email, email=email), language)
        with self.captureOnCommitCallbacks(execute=True):
            enrollment = enrol(self.cohort, email, "Tero", "T", Enrollment.Role.TRAINER)
        welcome = OutgoingEmail.objects.get(key=f"welcome:{enrollment.pk}")
        render(welcome)
        [url] = re.findall(r"http://testserver(/\S*password_reset/\S+/)", welcome.text)
        return url

    def test_a_new_trainer_sets_their_password_on_pages_in_their_language(self):
        """The admin's password pages have no language prefix: the link
        opens them in the email's language, not the site's Finnish."""
        for language in ["sv", "en"]:
            with self.subTest(language=language):
                self.client.cookies.clear()
                url = self.password_link_in_welcome(language)

                response = self.client.get(url, follow=True)
                soup = self.get_soup(response.content)
                self.assertEqual(soup.html["lang"], language)
                self.assertTrue(soup.find("input", attrs={"name": "new_password1"}))
                response = self.client.post(
                    response.redirect_chain[-1][0],
                    {
                        "new_password1": "a long new pass 42",
                        "new_password2": "a long new pass 42",
                    },
                    follow=True,
                )
                self.assertEqual(self.get_soup(response.content).html["lang"], language)

    def test_the_reminder_to_use_a_password_opens_the_reset_page_in_english(self):
        set_language(self.trainer, "en")
        self.trainer.set_password("correct horse battery")
        self.trainer.save()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(LOGIN, {"link-email": self.trainer.email})
        row = OutgoingEmail.objects.get(user=self.trainer, kind=SignInKind.SIGN_IN)
        render(row)
        self.assertEqual(row.subject, "Sign in to Virtu with your password")
        [url] = re.findall(r"http://testserver(/\S*password_reset/)", row.text)
        self.client.cookies.clear()

        self.assertEqual(self.lang(url), "en")
        # The email the admin's page sends is in English too.
        mail.outbox.clear()
        self.client.post("/admin/password_reset/", {"email": self.trainer.email})
        [message] = mail.outbox
        self.assertEqual(message.subject, "Password reset")

    def test_finnish_is_the_default(self):
        self.assertEqual(self.lang("/accounts/login/"), "fi")
        self.assertEqual(self.lang("/sv/accounts/login/"), "sv")

    def test_the_chosen_language_keeps_the_query_string(self):
        self.switch("sv")

        response = self.client.get("/accounts/login/?next=/my/")

        self.assertRedirects(
            response, "/sv/accounts/login/?next=/my/", fetch_redirect_response=False
        )

    def test_the_chosen_language_never_redirects_to_another_site(self):
        self.switch("sv")

        for path in ["//evil.example/", "//evil.example/my/"]:
            with self.subTest(path=path):
                response = self.client.get("/", PATH_INFO=path)
                self.assertNotIn("evil.example", response.get("Location", ""))

    def test_the_header_offers_every_language_with_the_current_one_marked(self):
        soup = self.get_soup(self.client.get("/sv/accounts/login/").content)

        form = soup.find("form", action=reverse("set_language"))
        buttons = form.find_all("button", attrs={"name": "language"})
        self.assertEqual(
            [(b["value"], b["lang"], b.get_text(strip=True)) for b in buttons],
            [("fi", "fi", "Suomi"), ("sv", "sv", "Svenska"), ("en", "en", "English")],
        )
        self.assertEqual(form.find(attrs={"aria-current": "true"})["value"], "sv")
        self.assertEqual(form.find("legend").get_text(strip=True), "Språk")

    def test_the_choice_is_remembered_in_a_cookie_and_the_profile(self):
        self.client.force_login(self.participant)

        response = self.switch("sv")

        self.assertRedirects(
            response, "/sv/accounts/login/", fetch_redirect_response=False
        )
        self.assertEqual(response.cookies[settings.LANGUAGE_COOKIE_NAME].value, "sv")
        self.assertEqual(
            UserProfile.get_for_user(self.participant).preferred_language, "sv"
        )
        self.assertEqual(self.lang("/accounts/login/"), "sv")

    def test_signing_in_on_another_browser_brings_the_profile_language(self):
        set_language(self.participant, "en")

        response = self.sign_in_by_link(self.participant)

        self.assertEqual(response.cookies[settings.LANGUAGE_COOKIE_NAME].value, "en")
        self.assertRedirects(response, "/my/", fetch_redirect_response=False)
        self.assertRedirects(
            self.client.get("/my/"), "/en/my/", fetch_redirect_response=False
        )
        self.assertEqual(self.lang("/accounts/login/"), "en")
        self.assertEqual(self.lang(reverse("calendar:subscription")), "en")

    def test_a_language_chosen_on_the_browser_beats_the_profile(self):
        set_language(self.participant, "sv")
        self.switch("fi")

        response = self.sign_in_by_link(self.participant)

        self.assertNotIn(settings.LANGUAGE_COOKIE_NAME, response.cookies)
        self.assertEqual(self.lang("/accounts/login/"), "fi")

    def test_a_person_with_no_language_takes_the_one_chosen_before_signing_in(self):
        # Aino reads the sign-in page in English, then signs in by link: her
        # emails (feedback, reminders) follow her profile, so it says English.
        self.switch("en")

        self.sign_in_by_link(self.participant)

        self.assertEqual(
            UserProfile.get_for_user(self.participant).preferred_language, "en"
        )
        self.assertEqual(
            preferred_languages([self.participant]), {self.participant.pk: "en"}
        )

    def test_a_language_of_ones_own_is_kept_when_the_browser_has_another(self):
        set_language(self.participant, "sv")
        self.switch("en")

        self.sign_in_by_link(self.participant)

        self.assertEqual(
            UserProfile.get_for_user(self.participant).preferred_language, "sv"
        )

    def test_staff_with_no_language_signing_in_to_the_admin_take_the_chosen_one(self):
        # Kaisa reads the site in Swedish and signs in on the admin's own page:
        # the emails the site sends her follow her profile, so it says Swedish.
        coordinator = make_user("kaisa@example.fi", groups=[COORDINATORS], language="")
        self.switch("sv")

        response = self.client.post(
            reverse("wagtailadmin_login"),
            {"username": coordinator.username, "password": "correct horse battery"},
        )

        self.assertEqual(response.status_code, 302)
        self.assertEqual(preferred_languages([coordinator]), {coordinator.pk: "sv"})

    def test_the_admin_refuses_a_page_in_its_users_language(self):
        """Wagtail shows its views in the language of the person's account,
        and its refusal and its "page not found" too, whatever language the
        browser last chose on the site."""
        course = self.cohort.get_parent()
        for language, refused in [
            ("en", "Sorry, you do not have permission to access this area."),
            ("sv", "Ledsen, du saknar rättigheter att tillträda detta område."),
        ]:
            with self.subTest(language=language):
                set_language(self.trainer, language)
                self.client.force_login(self.trainer)
                self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fi"

                response = self.client.get(
                    reverse("wagtailadmin_pages:delete", args=[course.pk]), follow=True
                )
                self.assertContains(response, refused)
                missing = self.client.get(
                    reverse("wagtailadmin_pages:edit", args=[999999])
                )
                self.assertEqual(missing.status_code, 404)
                self.assertEqual(self.get_soup(missing.content).html["lang"], language)

    def test_a_participant_on_the_admins_sign_in_page_is_refused_in_finnish(self):
        user = self.participant
        user.set_password("correct horse battery")
        user.save()

        response = self.client.post(
            reverse("wagtailadmin_login"),
            {"username": user.username, "password": "correct horse battery"},
            follow=True,
        )

        self.assertContains(response, "Sinulla ei ole oikeutta käyttää hallintaa.")

    def test_a_language_the_site_does_not_offer_is_not_taken(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"

        self.sign_in_by_link(self.participant)

        self.assertEqual(
            UserProfile.get_for_user(self.participant).preferred_language, ""
        )

    def test_staff_signing_in_with_a_password_bring_their_language_too(self):
        coordinator = make_coordinator()  # English in their profile

        response = self.client.post(
            "/accounts/login/",
            {"username": coordinator.username, "password": "correct horse battery"},
        )

        self.assertEqual(response.cookies[settings.LANGUAGE_COOKIE_NAME].value, "en")

    def test_a_prefix_beats_the_cookie_and_forms_post_where_they_are(self):
        self.switch("en")

        self.assertEqual(self.lang("/sv/accounts/login/"), "sv")
        response = self.client.post("/accounts/login/", {"link-email": "x@"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.get_soup(response.content).html["lang"], "fi")

    def test_switching_on_a_swedish_page_to_finnish_goes_to_its_finnish_address(self):
        response = self.switch("fi", "/sv/accounts/login/?next=/sv/my/")

        self.assertRedirects(
            response, "/accounts/login/?next=/sv/my/", fetch_redirect_response=False
        )
        self.assertEqual(self.lang("/accounts/login/"), "fi")

    def test_the_switch_refuses_a_next_to_another_site(self):
        response = self.switch("sv", "https://evil.example/")

        self.assertEqual(response.status_code, 302)
        self.assertTrue(response.url.startswith("/"))
        self.assertNotIn("evil", response.url)

    def test_the_admin_follows_the_choice_made_on_the_site(self):
        self.client.force_login(self.trainer)
        self.switch("sv")

        response = self.client.get(reverse("wagtailadmin_home"))

        self.assertEqual(self.get_soup(response.content).html["lang"], "sv")
