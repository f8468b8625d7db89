"""A coordinator cannot remove an experiment from a cohort once participants
have chosen it or written about it: their reflections, with their comments
and feedback, would be deleted with it."""

from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from assignments.models import Choice, Experiment, Reflection
from cohorts.models import CohortPage

from .factories import (
    cohort_edit_data,
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
)
from .test_progress import in_english, reflect


class ExperimentRemovalTest(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.person = make_participants(cls.cohort, 1)[0]
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def setUp(self):
        self.client.force_login(self.coordinator)
        self.experiments = list(self.cohort.experiments.order_by("sort_order"))

    def post(self, data):
        return self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
        )

    def removing(self, experiment):
        """The edit form with ``experiment``'s delete button pressed."""
        page = CohortPage.objects.get(pk=self.cohort.pk)
        data = cohort_edit_data(page)
        index = self.experiments.index(experiment)
        data[f"experiments-{index}-DELETE"] = "1"
        return data

    def test_an_experiment_written_about_stays_with_its_reflections(self):
        experiment = self.experiments[0]
        reflection = reflect(self.person, experiment)
        response = self.post(self.removing(experiment))
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            f"The experiment “{experiment.title}” cannot be removed: participants "
            "have already chosen it or written about it",
        )
        self.assertTrue(Experiment.objects.filter(pk=experiment.pk).exists())
        self.assertTrue(Reflection.objects.filter(pk=reflection.pk).exists())
        # The form shows it again, no longer marked to be deleted: publishing
        # again works without reloading and losing other changes.
        soup = self.get_soup(response.content)
        index = self.experiments.index(experiment)
        delete = soup.select_one(f'input[name="experiments-{index}-DELETE"]')
        self.assertFalse(delete.get("value"))

    def test_the_coordinator_is_told_in_finnish(self):
        experiment = self.experiments[0]
        reflect(self.person, experiment)
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "fi"
        profile.save()
        response = self.post(self.removing(experiment))
        self.assertContains(response, f"Kokeilua ”{experiment.title}” ei voi poistaa")
        # Nor is the editor's footer English (Wagtail's catalogue lacks it).
        for english in ("There are validation errors", "Autosave is"):
            self.assertNotContains(response, english)

    def test_a_chosen_experiment_stays_too(self):
        experiment = self.experiments[0]
        Choice.objects.create(
            enrollment=self.person,
            experiment=experiment,
            after_session=experiment.after_session,
        )
        response = self.post(self.removing(experiment))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(Experiment.objects.filter(pk=experiment.pk).exists())

    def test_a_form_without_it_cannot_remove_it_either(self):
        # As when an older revision, from before the experiment was added,
        # is published.
        experiment = self.experiments[-1]
        reflect(self.person, experiment, Reflection.Status.DRAFT)
        page = CohortPage.objects.get(pk=self.cohort.pk)
        data = cohort_edit_data(page)
        last = len(self.experiments) - 1
        data = {
            key: value
            for key, value in data.items()
            if not key.startswith(f"experiments-{last}-")
        }
        data["experiments-TOTAL_FORMS"] = str(last)
        data["experiments-INITIAL_FORMS"] = str(last)
        response = self.post(data)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(Experiment.objects.filter(pk=experiment.pk).exists())

    def test_a_revision_published_later_keeps_one_written_about_since(self):
        # Removed in a revision scheduled (or sent for approval) while nobody
        # had written about it; a reflection comes before it goes live.
        experiment = self.experiments[-1]
        go_live = timezone.localtime(timezone.now() + timedelta(hours=1))
        data = self.removing(experiment)
        data["go_live_at"] = go_live.strftime("%Y-%m-%d %H:%M")
        self.assertEqual(self.post(data).status_code, 302)
        reflection = reflect(self.person, experiment)

        later = timezone.now() + timedelta(hours=2)
        with mock.patch("django.utils.timezone.now", return_value=later):
            call_command("publish_scheduled", verbosity=0)

        page = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertIsNone(page.live_revision.approved_go_live_at)  # published
        self.assertTrue(Reflection.objects.filter(pk=reflection.pk).exists())
        self.assertIn(experiment, page.experiments.all())

    def test_an_experiment_nobody_has_started_is_removed(self):
        written = self.experiments[0]
        reflect(self.person, written)
        unused = self.experiments[1]
        response = self.post(self.removing(unused))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Experiment.objects.filter(pk=unused.pk).exists())
        self.assertTrue(Experiment.objects.filter(pk=written.pk).exists())
