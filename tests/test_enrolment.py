"""Enrolling people: on a site whose own user model signs in by address and
keeps a unique user name beside it (``AbstractUser`` with ``USERNAME_FIELD =
"email"``, a common ``wagtail start`` customisation), and moving a person to
another cohort or enrolling them again, each of which welcomes them anew."""

from datetime import date, timedelta
from unittest import mock

from django.apps.registry import Apps
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.core import mail
from django.db import connection, models
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils

from cohorts import audit, enrolment
from cohorts.emails import Kind
from cohorts.enrolment import EnrollmentForm, enrol, withdraw
from cohorts.models import Enrollment, TrainingLogEntry
from outbox.models import OutgoingEmail
from outbox.sending import send_pending
from privacy.declarations import account_fields

from .factories import make_cohort, make_coordinator, make_course, make_trainer


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


#: A welcome's subject begins so, in Finnish (the site's language).
WELCOME = "Tervetuloa mukaan: "


class PlacedAgainTest(WagtailTestUtils, TestCase):
    """A person moved to another cohort, or enrolled again after being
    withdrawn, is placed in a cohort anew: they get its welcome (what the
    cohort is, and a sign-in link) with its invites, once for each time."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort_a = make_cohort(cls.course, "Cohort A")
        cls.cohort_b = make_cohort(cls.course, "Cohort B", date(2038, 9, 6))
        cls.coordinator = make_coordinator()

    def setUp(self):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            self.anna = enrol(self.cohort_a, "anna@example.fi", "Anna", "Aalto")

    def welcomes(self):
        """The subjects of the welcomes Anna has been sent, in order."""
        send_pending(now=timezone.now() + timedelta(minutes=10))
        return [
            message.subject
            for message in mail.outbox
            if message.to == ["anna@example.fi"] and message.subject.startswith(WELCOME)
        ]

    def move(self, cohort, **changes):
        """Anna's place saved in the admin, in ``cohort``."""
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("enrollments:edit", args=[self.anna.pk]),
                {
                    "cohort": cohort.pk,
                    "role": Enrollment.Role.PARTICIPANT,
                    "organisation": "",
                    "email": "anna@example.fi",
                    "first_name": "Anna",
                    "last_name": "Aalto",
                    **changes,
                },
            )
        self.assertEqual(response.status_code, 302)

    def enrol_again_in_the_admin(self):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                reverse("enrollments:add"),
                {
                    "cohort": self.cohort_a.pk,
                    "role": Enrollment.Role.PARTICIPANT,
                    "email": "anna@example.fi",
                    "organisation": "",
                },
            )

    def test_a_person_moved_to_another_cohort_gets_its_welcome(self):
        self.move(self.cohort_b)

        self.assertEqual(self.welcomes(), [WELCOME + "Cohort A", WELCOME + "Cohort B"])
        # ... in the same batch as the invites to its sessions.
        invites = OutgoingEmail.objects.filter(to="anna@example.fi", kind=Kind.INVITE)
        self.assertEqual(invites.count(), 6)

    def test_the_form_says_what_a_move_sends(self):
        response = self.client.get(reverse("enrollments:edit", args=[self.anna.pk]))

        help_text = self.get_soup(response.content).select_one("#id_cohort-helptext")
        self.assertIn(
            "Moved to another cohort, they are emailed its welcome",
            " ".join(help_text.get_text(" ").split()),
        )

    def test_saving_the_moved_place_again_welcomes_nobody(self):
        self.move(self.cohort_b)
        self.move(self.cohort_b)
        self.move(self.cohort_b, organisation="Lapin AVI")

        self.assertEqual(self.welcomes(), [WELCOME + "Cohort A", WELCOME + "Cohort B"])

    def test_each_move_back_and_forth_is_welcomed_once(self):
        self.move(self.cohort_b)
        self.move(self.cohort_a)
        self.move(self.cohort_a)
        self.move(self.cohort_b)

        self.assertEqual(
            self.welcomes(),
            [
                WELCOME + "Cohort A",
                WELCOME + "Cohort B",
                WELCOME + "Cohort A",
                WELCOME + "Cohort B",
            ],
        )
        self.assertEqual(
            OutgoingEmail.objects.filter(
                to="anna@example.fi", kind=Kind.WELCOME
            ).count(),
            4,
        )

    def test_a_welcome_still_waiting_when_the_person_moves_is_not_sent(self):
        # Enrolled while the mail server is down: the welcome waits.
        bertil = enrol(self.cohort_a, "bertil@example.fi", "Bertil", "Berg")
        waiting = OutgoingEmail.objects.get(to=bertil.email, kind=Kind.WELCOME)

        save_form(bertil, self.cohort_b)
        send_pending(now=timezone.now() + timedelta(minutes=10))

        self.assertEqual(
            [
                m.subject
                for m in mail.outbox
                if m.to == [bertil.email] and m.subject.startswith(WELCOME)
            ],
            [WELCOME + "Cohort B"],
        )
        waiting.refresh_from_db()
        self.assertEqual(waiting.state, OutgoingEmail.State.DROPPED)

    def test_a_move_submitted_twice_welcomes_and_logs_once(self):
        """Two submits of one form (a double click, a resent request) each
        read the place before either saved it."""
        read = [Enrollment.objects.get(pk=self.anna.pk) for submit in range(2)]
        for place in read:
            with self.captureOnCommitCallbacks(execute=True):
                save_form(place, self.cohort_b)

        self.assertEqual(self.welcomes(), [WELCOME + "Cohort A", WELCOME + "Cohort B"])
        self.assertEqual(TrainingLogEntry.objects.filter(action=audit.MOVE).count(), 2)

    def test_a_move_is_in_the_history_of_both_cohorts(self):
        trainer_a = make_trainer(self.cohort_a, "tea@example.fi")
        trainer_b = make_trainer(self.cohort_b, "tom@example.fi")

        self.move(self.cohort_b)

        for trainer in (trainer_a, trainer_b):
            with self.subTest(trainer.email):
                self.client.force_login(trainer)
                response = self.client.get(reverse("wagtailadmin_reports:site_history"))
                text = " ".join(self.get_soup(response.content).get_text(" ").split())
                self.assertIn("Anna Aalto", text)
                self.assertIn("Siirretty ryhmästä Cohort A ryhmään Cohort B", text)
        # The move says it all: no bare "Edited" beside it.
        self.assertFalse(
            TrainingLogEntry.objects.filter(
                action="wagtail.edit", object_id=str(self.anna.pk)
            ).exists()
        )

    def test_a_move_and_another_change_are_both_in_the_history(self):
        self.move(self.cohort_b, organisation="Lapin AVI")

        self.assertEqual(
            sorted(
                TrainingLogEntry.objects.filter(
                    object_id=str(self.anna.pk)
                ).values_list("action", "cohort_id")
            ),
            sorted(
                [
                    (audit.MOVE, self.cohort_a.pk),
                    (audit.MOVE, self.cohort_b.pk),
                    ("wagtail.edit", self.cohort_b.pk),
                ]
            ),
        )

    def test_a_person_enrolled_again_in_the_admin_is_welcomed_again(self):
        withdraw(self.anna, by=self.coordinator)

        response = self.enrol_again_in_the_admin()
        self.assertEqual(response.status_code, 302)
        # A double submit finds them in the cohort, and sends nothing.
        self.assertEqual(self.enrol_again_in_the_admin().status_code, 200)

        self.assertEqual(self.welcomes(), [WELCOME + "Cohort A", WELCOME + "Cohort A"])
        # Withdrawn and enrolled again once more: welcomed once more.
        withdraw(Enrollment.objects.get(pk=self.anna.pk), by=self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort_a, "anna@example.fi")
        self.assertEqual(len(self.welcomes()), 3)

    def test_a_welcome_waiting_when_the_person_is_enrolled_again_goes_once(self):
        bertil = enrol(self.cohort_a, "bertil@example.fi", "Bertil", "Berg")
        waiting = OutgoingEmail.objects.get(to=bertil.email, kind=Kind.WELCOME)
        withdraw(bertil, by=self.coordinator)
        enrol(self.cohort_a, "bertil@example.fi")

        send_pending(now=timezone.now() + timedelta(minutes=10))

        self.assertEqual(
            [
                m.subject
                for m in mail.outbox
                if m.to == [bertil.email] and m.subject.startswith(WELCOME)
            ],
            [WELCOME + "Cohort A"],
        )
        # The one sent is that of the place given again.
        waiting.refresh_from_db()
        self.assertEqual(waiting.state, OutgoingEmail.State.DROPPED)


def save_form(place, cohort):
    """``place`` (as read from the database) saved in ``cohort`` through the
    admin's form."""
    form = EnrollmentForm(
        {
            "cohort": cohort.pk,
            "role": place.role,
            "organisation": place.organisation,
            "email": place.user.email,
            "first_name": place.user.first_name,
            "last_name": place.user.last_name,
        },
        instance=place,
    )
    assert form.is_valid(), form.errors
    return form.save()
