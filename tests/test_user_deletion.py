"""Wagtail's Users screens leave an account with training data to an
erasure request: deleting it would take the person's shared reflections and
their comments in others' discussions with it, and leave no record."""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils

from assignments.models import Comment, Reflection
from cohorts.models import Enrollment
from privacy import erasure

from .factories import make_cohort, make_course, make_participants, make_user

User = get_user_model()


def bulk_delete_url(users):
    query = urlencode(
        {"next": reverse("wagtailusers_users:index"), "id": [u.pk for u in users]},
        doseq=True,
    )
    args = (User._meta.app_label, User._meta.model_name, "delete")
    return reverse("wagtail_bulk_action", args=args) + "?" + query


class UserDeletionTest(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cohort = make_cohort(make_course())
        me, other = make_participants(cohort, 2)
        cls.person = me.user
        experiment = cohort.experiments.first()
        shared = dict(
            experiment=experiment,
            status=Reflection.Status.SUBMITTED,
            submitted_at=timezone.now(),
            visibility=Reflection.Visibility.COHORT,
        )
        cls.shared = Reflection.objects.create(author=me, **shared)
        cls.others = Reflection.objects.create(author=other, **shared)
        cls.comment = Comment.objects.create(
            reflection=cls.others, author=cls.person, text="My comment to you"
        )
        cls.bystander = make_user("bystander@example.fi")
        cls.superuser = make_user("admin@example.fi", is_superuser=True)

    def setUp(self):
        self.client.force_login(self.superuser)

    def assertNothingDeleted(self):
        self.assertTrue(User.objects.filter(pk=self.person.pk).exists())
        self.assertTrue(Enrollment.objects.filter(user=self.person).exists())
        self.assertTrue(Reflection.objects.filter(pk=self.shared.pk).exists())
        self.assertTrue(Comment.objects.filter(pk=self.comment.pk).exists())

    def assertRefusal(self, response):
        self.assertContains(response, "cannot be deleted here")
        self.assertContains(response, "Pat Participant0")
        self.assertContains(response, reverse("erasure_requests:add"))

    def test_deleting_a_participant_with_training_data_is_refused(self):
        url = reverse("wagtailusers_users:delete", args=[self.person.pk])
        response = self.client.post(url, follow=True)
        self.assertRedirects(
            response, reverse("wagtailusers_users:edit", args=[self.person.pk])
        )
        self.assertRefusal(response)
        self.assertNothingDeleted()

    def test_the_confirmation_page_is_refused_too(self):
        url = reverse("wagtailusers_users:delete", args=[self.person.pk])
        response = self.client.get(url, follow=True)
        self.assertRefusal(response)

    def test_its_erasure_request_form_names_the_person_already(self):
        url = reverse("wagtailusers_users:delete", args=[self.person.pk])
        response = self.client.post(url, follow=True)
        link = self.get_soup(response.content).find(
            "a",
            href=lambda href: href and href.startswith(reverse("erasure_requests:add")),
        )
        form = self.get_soup(self.client.get(link["href"]).content)
        self.assertEqual(
            form.find("input", attrs={"name": "email"})["value"], self.person.email
        )

    def test_the_refusal_links_to_the_persons_open_erasure_request(self):
        pending = erasure.request(self.person, self.superuser)
        url = reverse("wagtailusers_users:delete", args=[self.person.pk])
        response = self.client.post(url, follow=True)
        self.assertContains(
            response, reverse("erasure_requests:edit", args=[pending.pk])
        )
        self.assertNothingDeleted()

    def test_the_refusal_speaks_finnish_and_swedish(self):
        url = reverse("wagtailusers_users:delete", args=[self.person.pk])
        for language, words in [
            ("fi", ["ei voi poistaa", "poistopyyntö", "valmennuksen"]),
            ("sv", ["kan inte raderas", "begäran om radering", "utbildning"]),
        ]:
            with self.subTest(language):
                self.superuser.wagtail_userprofile.preferred_language = language
                self.superuser.wagtail_userprofile.save()
                response = self.client.post(url, follow=True)
                for word in words:
                    self.assertContains(response, word)
        self.assertNothingDeleted()

    def test_an_account_without_training_data_is_deleted(self):
        url = reverse("wagtailusers_users:delete", args=[self.bystander.pk])
        response = self.client.post(url)
        self.assertRedirects(response, reverse("wagtailusers_users:index"))
        self.assertFalse(User.objects.filter(pk=self.bystander.pk).exists())

    def test_bulk_deleting_a_participant_with_training_data_deletes_nothing(self):
        response = self.client.post(
            bulk_delete_url([self.person, self.bystander]), follow=True
        )
        self.assertContains(response, "Nothing was deleted")
        self.assertContains(response, "Pat Participant0")
        self.assertNothingDeleted()
        self.assertTrue(User.objects.filter(pk=self.bystander.pk).exists())

    def test_bulk_deleting_accounts_without_training_data_deletes_them(self):
        response = self.client.post(bulk_delete_url([self.bystander]))
        self.assertRedirects(response, reverse("wagtailusers_users:index"))
        self.assertFalse(User.objects.filter(pk=self.bystander.pk).exists())
