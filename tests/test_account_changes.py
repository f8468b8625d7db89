"""What closing an account, opening it again or changing its address does
to signing in and to the emails the person gets: a link in a mailbox that
is no longer theirs, or a browser signed in before, does not open the
account; a closed account is sent nothing about its training."""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.checks import run_checks
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.test.utils import WagtailTestUtils

from assignments.comments import post_comment
from assignments.feedback import queue_feedback_email
from assignments.models import Reflection
from cohorts.enrolment import enrol
from cohorts.models import Enrollment
from outbox.models import OutgoingEmail
from outbox.sending import send_pending
from signin import links as signin
from signin.models import SignedInSession

from .factories import (
    make_cohort,
    make_course,
    make_trainer,
    make_user,
    place_sessions,
)

User = get_user_model()
NEW_ADDRESS = "anna.aalto@newjob.example.fi"


class AccountChangeTestCase(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())
        cls.place = enrol(cls.cohort, "anna@example.fi", "Anna", "Aalto")
        cls.anna = cls.place.user
        cls.admin = make_user("root@example.fi", is_superuser=True, is_staff=True)

    def edit_user(self, user, *, active=True, **changes):
        """Wagtail's form for one user, as a coordinator saves it."""
        user = User.objects.get(pk=user.pk)
        data = {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "password1": "",
            "password2": "",
            "groups": [group.pk for group in user.groups.all()],
            **({"is_active": "on"} if active else {}),
            **changes,
        }
        client = Client()
        client.force_login(self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(
                reverse("wagtailusers_users:edit", args=[user.pk]), data
            )
        self.assertEqual(response.status_code, 302)

    def set_active_on_the_list(self, user, active):
        """Wagtail's "Set active state" on the users' list, which saves no
        account."""
        client = Client()
        client.force_login(self.admin)
        url = reverse(
            "wagtail_bulk_action",
            args=[User._meta.app_label, User._meta.model_name, "set_active_state"],
        )
        query = urlencode({"next": reverse("wagtailusers_users:index"), "id": user.pk})
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(f"{url}?{query}", {"mark_as_active": str(active)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(pk=user.pk).is_active, active)

    def link_path(self, user):
        __, token = signin.new_link(user)
        with translation.override("en"):
            return reverse("signin:link", args=[token])

    def signed_in_by_link(self, path=None, client=None):
        client = client or Client()
        client.post(path or self.link_path(self.anna))
        return client

    def reads_my_training(self, client):
        return client.get(reverse("participant:my_training")).status_code == 200


class SignInTests(AccountChangeTestCase):
    def test_a_link_mailed_before_the_address_changed_no_longer_signs_in(self):
        """The address was wrong, or is no longer the person's: the link in
        that mailbox does not open the account."""
        path = self.link_path(self.anna)

        self.edit_user(self.anna, email=NEW_ADDRESS)

        client = self.signed_in_by_link(path)
        self.assertNotIn(SESSION_KEY, client.session)
        self.assertFalse(self.reads_my_training(client))
        # A link asked for now goes to the new address and works.
        self.assertTrue(self.reads_my_training(self.signed_in_by_link()))

    def test_a_browser_signed_in_by_link_is_signed_out_by_a_new_address(self):
        client = self.signed_in_by_link()
        self.assertTrue(self.reads_my_training(client))

        self.edit_user(self.anna, email=NEW_ADDRESS)

        self.assertFalse(self.reads_my_training(client))

    def test_a_new_address_signs_out_a_link_session_of_one_with_a_password(self):
        """Whoever opened the link in the old mailbox is signed out, though
        the person's own password still works."""
        self.anna.set_password("correct horse battery")
        self.anna.save()
        client = self.signed_in_by_link()
        self.assertTrue(self.reads_my_training(client))

        self.edit_user(self.anna, email=NEW_ADDRESS)

        self.assertFalse(self.reads_my_training(client))
        self.assertTrue(
            Client().login(
                username=self.anna.username, password="correct horse battery"
            )
        )

    def test_a_closed_account_opened_again_does_not_open_an_old_browser(self):
        """Closed because the wrong person had the link, or a laptop was
        lost: opening the account again does not sign that browser in."""
        client = self.signed_in_by_link()
        path = self.link_path(self.anna)

        self.edit_user(self.anna, active=False)
        self.edit_user(self.anna, active=True)

        self.assertFalse(self.reads_my_training(client))
        self.assertFalse(self.reads_my_training(self.signed_in_by_link(path)))
        self.assertTrue(self.reads_my_training(self.signed_in_by_link()))

    def test_closing_on_the_users_list_signs_out_and_ends_the_links_too(self):
        client = self.signed_in_by_link()
        path = self.link_path(self.anna)

        self.set_active_on_the_list(self.anna, False)
        self.set_active_on_the_list(self.anna, True)

        self.assertFalse(self.reads_my_training(client))
        self.assertFalse(self.reads_my_training(self.signed_in_by_link(path)))

    def test_a_trainer_with_a_password_keeps_it_when_the_address_changes(self):
        trainer = make_user("tero@example.fi", first_name="Tero", last_name="Trainer")
        enrol(self.cohort, "tero@example.fi", role=Enrollment.Role.TRAINER)

        self.edit_user(trainer, email="tero@new.example.fi")

        self.assertTrue(
            Client().login(username=trainer.username, password="correct horse battery")
        )


class PasswordSessionTests(AccountChangeTestCase):
    """Someone who signs in with a password (a trainer) is signed out
    everywhere too: a lost laptop or a shared computer signed in before the
    account was closed is not signed in again when it is opened."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.trainer = make_trainer(cls.cohort, "tero@example.fi")
        cls.trainer.set_password("correct horse battery")
        cls.trainer.save()

    def signed_in_with_password(self):
        client = Client()
        response = client.post(
            reverse("wagtailadmin_login"),
            {"username": self.trainer.username, "password": "correct horse battery"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.reaches_the_admin(client))
        return client

    def reaches_the_admin(self, client):
        return client.get(reverse("wagtailadmin_home")).status_code == 200

    def test_a_closed_account_opened_again_does_not_open_an_old_browser(self):
        client = self.signed_in_with_password()

        self.edit_user(self.trainer, active=False)
        self.edit_user(self.trainer, active=True)

        self.assertFalse(self.reaches_the_admin(client))
        # The password still works.
        self.assertTrue(self.reaches_the_admin(self.signed_in_with_password()))

    def test_closing_on_the_users_list_signs_out_every_browser(self):
        laptop, phone = self.signed_in_with_password(), self.signed_in_with_password()

        self.set_active_on_the_list(self.trainer, False)
        self.set_active_on_the_list(self.trainer, True)

        self.assertFalse(self.reaches_the_admin(laptop))
        self.assertFalse(self.reaches_the_admin(phone))

    def test_a_new_address_signs_out_every_browser(self):
        client = self.signed_in_with_password()

        self.edit_user(self.trainer, email="tero@new.example.fi")

        self.assertFalse(self.reaches_the_admin(client))

    def test_a_browser_whose_password_was_changed_is_signed_out_too(self):
        """Changing the password gives the session a new key."""
        client = self.signed_in_with_password()
        response = client.post(
            reverse("wagtailadmin_account"),
            {
                "name_email-first_name": self.trainer.first_name,
                "name_email-last_name": self.trainer.last_name,
                "name_email-email": self.trainer.email,
                "theme-theme": "system",
                "theme-contrast": "system",
                "theme-density": "default",
                "password-old_password": "correct horse battery",
                "password-new_password1": "a new staple battery",
                "password-new_password2": "a new staple battery",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.reaches_the_admin(client))

        self.edit_user(self.trainer, active=False)
        self.edit_user(self.trainer, active=True)

        self.assertFalse(self.reaches_the_admin(client))

    def test_signing_in_as_another_account_on_the_same_browser(self):
        client = self.signed_in_with_password()
        other = make_trainer(self.cohort, "toinen@example.fi")
        other.set_password("correct horse battery")
        other.save()
        client.post(
            reverse("wagtailadmin_login"),
            {"username": other.username, "password": "correct horse battery"},
        )
        self.assertEqual(int(client.session[SESSION_KEY]), other.pk)

        self.edit_user(self.trainer, active=False)

        self.assertTrue(self.reaches_the_admin(client))
        self.edit_user(other, active=False)
        self.edit_user(other, active=True)
        self.assertFalse(self.reaches_the_admin(client))

    def test_a_coordinator_changing_their_own_address_stays_signed_in_there(self):
        """As on their account page: the browser they change it in stays
        signed in (recorded, so that closing the account ends it), and
        every other one is signed out."""
        here, elsewhere = Client(), Client()
        here.force_login(self.admin)
        elsewhere.force_login(self.admin)

        response = here.post(
            reverse("wagtailusers_users:edit", args=[self.admin.pk]),
            {
                "username": self.admin.username,
                "email": "root@new.example.fi",
                "first_name": "Root",
                "last_name": "Admin",
                "password1": "",
                "password2": "",
            },
        )

        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            User.objects.get(pk=self.admin.pk).email, "root@new.example.fi"
        )
        self.assertTrue(self.reaches_the_admin(here))
        self.assertFalse(self.reaches_the_admin(elsewhere))
        self.assertEqual(
            list(
                SignedInSession.objects.filter(user=self.admin).values_list(
                    "session_key", flat=True
                )
            ),
            [here.cookies[settings.SESSION_COOKIE_NAME].value],
        )

    def test_the_record_of_an_expired_session_goes_at_the_next_sign_in(self):
        """As the privacy statement says: the database keeps an expired
        session until it is cleared, but it signs no one in."""
        old = self.signed_in_with_password()
        old_key = old.cookies[settings.SESSION_COOKIE_NAME].value
        Session.objects.filter(session_key=old_key).update(
            expire_date=timezone.now() - timedelta(seconds=1)
        )

        new = self.signed_in_with_password()

        self.assertEqual(
            list(
                SignedInSession.objects.filter(user=self.trainer).values_list(
                    "session_key", flat=True
                )
            ),
            [new.cookies[settings.SESSION_COOKIE_NAME].value],
        )

    def test_other_accounts_stay_signed_in(self):
        other = make_trainer(self.cohort, "toinen@example.fi")
        client = Client()
        client.force_login(other)

        self.edit_user(self.trainer, active=False)

        self.assertTrue(self.reaches_the_admin(client))


class SessionStoreTests(SimpleTestCase):
    def test_the_default_store_can_end_sessions(self):
        self.assertNotIn(
            "signin.E001", [message.id for message in run_checks(tags=["security"])]
        )

    @override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies")
    def test_sessions_kept_in_the_cookie_are_refused(self):
        """Closing an account could not end them, and signing in would fail
        on recording one."""
        self.assertIn(
            "signin.E001", [message.id for message in run_checks(tags=["security"])]
        )


class EmailTests(AccountChangeTestCase):
    def test_a_closed_account_is_not_sent_feedback_or_comments(self):
        reflection = Reflection(
            author=self.place, experiment=self.cohort.experiments.first()
        )
        reflection.submit()
        reflection.save()
        peer = enrol(self.cohort, "pia@example.fi", "Pia", "Peer").user
        trainer = make_trainer(self.cohort)
        self.edit_user(self.anna, active=False)
        send_pending()
        mail.outbox.clear()

        reflection = Reflection.objects.get(pk=reflection.pk)
        reflection.feedback, reflection.feedback_by = "Well tried.", trainer
        reflection.feedback_at = timezone.now()
        reflection.save()
        with self.captureOnCommitCallbacks(execute=True):
            queue_feedback_email(reflection)
            post_comment(reflection, peer, "I will try it too.")
        send_pending()

        self.assertEqual([m for m in mail.outbox if "anna@example.fi" in m.to], [])

    def test_feedback_queued_before_the_account_was_closed_is_not_sent(self):
        reflection = Reflection(
            author=self.place, experiment=self.cohort.experiments.first()
        )
        reflection.submit()
        reflection.feedback, reflection.feedback_by = "Well tried.", self.admin
        reflection.feedback_at = timezone.now()
        reflection.save()
        send_pending()
        mail.outbox.clear()
        # Queued, not yet sent (the worker is busy, or the server down).
        queued = queue_feedback_email(reflection)

        self.edit_user(self.anna, active=False)
        send_pending()

        self.assertEqual(mail.outbox, [])
        queued.refresh_from_db()
        self.assertEqual(queued.state, OutgoingEmail.State.DROPPED)

    def welcomes(self, user):
        send_pending()
        return list(
            OutgoingEmail.objects.filter(user=user, kind="welcome").values_list(
                "state", flat=True
            )
        )

    def test_a_place_given_while_closed_is_welcomed_once_opened(self):
        cecilia = make_user("cecilia@example.fi", is_active=False)
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "cecilia@example.fi", "Cecilia", "Corte")
        self.assertEqual(self.welcomes(cecilia), [])

        self.edit_user(cecilia, first_name="Cecilia", last_name="Corte")

        self.assertEqual(self.welcomes(cecilia), ["sent"])
        # Closed and opened again: not welcomed twice.
        self.set_active_on_the_list(cecilia, False)
        self.set_active_on_the_list(cecilia, True)
        self.assertEqual(self.welcomes(cecilia), ["sent"])

    def test_no_welcome_to_a_cohort_over_before_the_account_was_opened(self):
        place_sessions(self.cohort, timezone.now() - timedelta(days=400))
        cecilia = make_user("cecilia@example.fi", is_active=False)
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "cecilia@example.fi", "Cecilia", "Corte")

        self.set_active_on_the_list(cecilia, True)

        self.assertEqual(self.welcomes(cecilia), [])

    def test_opened_on_the_users_list_the_welcome_comes_too(self):
        cecilia = make_user("cecilia@example.fi", is_active=False)
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "cecilia@example.fi", "Cecilia", "Corte")

        self.set_active_on_the_list(cecilia, True)

        self.assertEqual(self.welcomes(cecilia), ["sent"])
