"""Enrolling people on a site whose own user model signs in by address and
keeps a unique user name beside it (``AbstractUser`` with ``USERNAME_FIELD =
"email"``, a common ``wagtail start`` customisation)."""

from unittest import mock

from django.apps.registry import Apps
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import connection, models
from django.test import TestCase

from cohorts import enrolment
from privacy.declarations import account_fields


class EmailUser(AbstractBaseUser):
    username = models.CharField(max_length=150, unique=True)
    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)

    objects = BaseUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    class Meta:
        app_label = "tests"
        # Not one of the site's models: its table exists only in these tests.
        apps = Apps(["tests"])


class EmailUserEnrolmentTest(TestCase):
    @classmethod
    def setUpClass(cls):
        # Outside the class's transaction, where SQLite changes no schema.
        with connection.schema_editor() as editor:
            editor.create_model(EmailUser)
        cls.addClassCleanup(cls.drop_table)
        super().setUpClass()

    @classmethod
    def drop_table(cls):
        with connection.schema_editor() as editor:
            editor.delete_model(EmailUser)

    def setUp(self):
        patcher = mock.patch.object(enrolment, "get_user_model", return_value=EmailUser)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_people_enrolled_one_by_one_each_get_an_account(self):
        aino = enrolment.person_for_email("aino@example.org", "Aino", "Aalto")
        bertil = enrolment.person_for_email("bertil@example.org", "Bertil", "Berg")

        self.assertEqual(
            list(EmailUser.objects.order_by("pk").values_list("email", "username")),
            [
                ("aino@example.org", "aino@example.org"),
                ("bertil@example.org", "bertil@example.org"),
            ],
        )
        self.assertFalse(aino.has_usable_password() or bertil.has_usable_password())

    def test_people_enrolled_from_a_list_each_get_an_account(self):
        found = enrolment.people_for_emails(
            [
                ("aino@example.org", "Aino", "Aalto"),
                ("bertil@example.org", "Bertil", "Berg"),
            ]
        )

        self.assertEqual(
            sorted((user.email, user.username) for user in found.values()),
            [
                ("aino@example.org", "aino@example.org"),
                ("bertil@example.org", "bertil@example.org"),
            ],
        )
        self.assertEqual(EmailUser.objects.count(), 2)

    def test_the_data_export_has_the_user_name_beside_the_address(self):
        self.assertEqual(
            account_fields(EmailUser),
            ("email", "username", "first_name", "last_name", "last_login"),
        )


class UserNameTakenTest(TestCase):
    """A person who changed their address keeps their old one as their user
    name: enrolling the old address makes a new account, which cannot have
    that user name too."""

    def setUp(self):
        from django.contrib.auth import get_user_model

        self.moved = get_user_model().objects.create_user(
            username="old@example.fi", email="new@example.fi"
        )

    def assertNewAccount(self, user):
        self.assertNotEqual(user.pk, self.moved.pk)
        self.assertEqual(user.email, "old@example.fi")
        self.assertTrue(user.username.startswith("old@example.fi"))
        self.moved.refresh_from_db()
        self.assertEqual(
            (self.moved.username, self.moved.email),
            ("old@example.fi", "new@example.fi"),
        )

    def test_one_person(self):
        self.assertNewAccount(enrolment.person_for_email("Old@example.fi", "Olli", "O"))

    def test_people_from_a_file(self):
        found = enrolment.people_for_emails(
            [("old@example.fi", "Olli", "O"), ("other@example.fi", "Outi", "O")]
        )
        self.assertNewAccount(found["old@example.fi"])
        self.assertEqual(found["other@example.fi"].username, "other@example.fi")
