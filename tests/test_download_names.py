"""A downloaded file is named in its reader's language, in letters any
system takes (a-z, digits and hyphens): a participant's copy of their data,
and the admin's exports."""

from datetime import UTC, datetime

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from cohorts.enrolment import enrol
from privacy.models import DataExport

from .factories import make_cohort, make_coordinator, make_course, make_trainer


def speaks(user, language):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()


class PersonalDataCopyNameTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.person = enrol(make_cohort(make_course()), "anna@example.fi", "A", "B").user

    def download(self, language):
        self.client.force_login(self.person)
        # Asked for on 7 December in Helsinki. (Set on the row: its default
        # is the clock's own function, which a patch of
        # django.utils.timezone.now does not reach.)
        asked = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
        with translation.override(language):
            with self.captureOnCommitCallbacks(execute=True):
                self.client.post(reverse("privacy:request_export"))
            export = DataExport.objects.latest("pk")
            DataExport.objects.filter(pk=export.pk).update(requested_at=asked)
            return self.client.get(reverse("privacy:download", args=[export.pk]))

    def test_the_copy_is_named_in_the_readers_language(self):
        pk = self.person.pk
        for language, name in [
            ("fi", f"henkilotiedot-{pk}-20261207.zip"),
            ("sv", f"personuppgifter-{pk}-20261207.zip"),
            ("en", f"personal-data-{pk}-20261207.zip"),
        ]:
            with self.subTest(language=language):
                response = self.download(language)
                self.assertEqual(
                    response["Content-Disposition"], f'attachment; filename="{name}"'
                )


class ExportNameTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course(), "Cohort A")
        cls.trainer = make_trainer(cls.cohort)
        cls.coordinator = make_coordinator()
        enrol(cls.cohort, "anna@example.fi", "Anna", "Aalto")

    def export_name(self, user, language, url):
        speaks(user, language)
        self.client.force_login(user)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return response["Content-Disposition"]

    def test_the_progress_grid_is_named_in_the_trainers_language(self):
        url = reverse("cohorts:progress", args=[self.cohort.pk]) + "?export=xlsx"
        day = f"{timezone.localdate():%Y-%m-%d}"
        for language, stem in [
            ("sv", "framsteg"),
            ("fi", "edistyminen"),
            ("en", "progress"),
        ]:
            with self.subTest(language=language):
                self.assertEqual(
                    self.export_name(self.trainer, language, url),
                    f'attachment; filename="{stem}-cohort-a-{day}.xlsx"',
                )

    def test_the_enrolments_listing_is_named_in_the_coordinators_language(self):
        url = "/admin/training/enrolments/?export=csv"
        day = f"{timezone.localdate():%Y-%m-%d}"
        for language, stem in [
            ("sv", "anmalningar"),
            ("fi", "ilmoittautumiset"),
        ]:
            with self.subTest(language=language):
                self.assertEqual(
                    self.export_name(self.coordinator, language, url),
                    f'attachment; filename="{stem}-{day}.csv"',
                )
