"""The pages of the experiment choice and the library at 320, 390 and
1280 px, and the usage report at 1280 px: nothing sideways, and axe finds
no WCAG 2.1 A/AA violation; and a participant picks their own experiment
from the library in the browser."""

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from assignments.models import Choice, Experiment
from library.models import Pattern, Provenance, Story, Theme
from tests.factories import make_coordinator

from .test_layout import WIDTHS, LayoutTestCase


class LibraryPagesTests(LayoutTestCase):
    def setUp(self):
        super().setUp()
        # The first gap offers a second option and the participant's own.
        Experiment.objects.create(
            cohort=self.cohort,
            title="Kamerat päälle",
            instructions="Pidä kamera päällä tiimin palavereissa.",
            prompts="Mitä kokeilit?\nMitä opit?",
            after_session=1,
        )
        self.own_option = Experiment.objects.create(
            cohort=self.cohort,
            title="Oma kokeilu",
            instructions="Suunnittele oma kokeilusi.",
            prompts="Mitä kokeilit?\nMitä opit?",
            after_session=1,
            own=True,
        )
        theme = Theme.objects.create(name="Palaverit")
        self.pattern = Pattern.objects.create(
            title="Kävelypalaveri",
            description="Kahdenkeskinen palaveri puhelimessa kävellen. " * 5,
            instructions="Sovi palaveri puhelimeen ja lähde ulos.",
        )
        self.pattern.themes.add(theme)
        self.story = Story.objects.create(
            reflection=self.shared,
            pattern=self.pattern,
            approved_at=timezone.now(),
        )
        self.coordinator = make_coordinator()

    def test_library_pages_fit_every_width_and_meet_wcag(self):
        page = self.new_page("fi")
        self.log_in(page, self.anna.user)
        pages = [
            ("my-training-choose", reverse("participant:my_training")),
            ("choose", reverse("participant:choose", args=[self.cohort.pk, 1])),
            ("library", reverse("library:index")),
            ("library-search", reverse("library:index") + "?q=palaveri&decision=adopt"),
            ("pattern", reverse("library:pattern", args=[self.pattern.pk])),
            ("story", reverse("library:story", args=[self.story.pk])),
            ("share", reverse("library:share", args=[self.own.pk])),
        ]
        for width in WIDTHS:
            for name, path in pages:
                self.open(page, path, width)
                self.check_layout(page, name, width)

    def test_a_trainer_approves_a_story_on_a_page_that_fits(self):
        pending = Story.objects.create(reflection=self.own)
        page = self.new_page("fi")
        self.log_in(page, self.trainer)
        for width in WIDTHS:
            self.open(page, reverse("library:story", args=[pending.pk]), width)
            self.check_layout(page, "story-awaiting", width)
        page.get_by_role("button", name="Hyväksy kirjastoon").click()
        expect(page.locator(".messages")).to_contain_text("julkaistu")
        pending.refresh_from_db()
        self.assertIsNotNone(pending.approved_at)

    def test_the_usage_report_fits_at_1280_and_meets_wcag(self):
        page = self.new_page("fi")
        self.log_in(page, self.coordinator)
        self.open(page, reverse("courses:usage", args=[self.course.pk]), 1280)
        self.check_layout(page, "usage-report", 1280, within="main")

    def test_a_participant_tries_a_pattern_as_their_own_experiment(self):
        page = self.new_page("en")
        self.log_in(page, self.anna.user)
        self.open(page, "/en" + reverse("library:story", args=[self.story.pk]), 390)
        page.get_by_role("button", name="Thank the author").click()
        expect(page.get_by_text("You have thanked the author.")).to_be_visible()
        page.get_by_role("link", name="Kävelypalaveri").click()
        page.get_by_label("When will you try it?").fill("Next Tuesday")
        page.get_by_label("How will you know it worked?").fill("Fewer notes")
        page.get_by_role("button", name="Try this").click()
        expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
        expect(page.get_by_text("Next Tuesday")).to_be_visible()
        choice = Choice.objects.get(enrollment=self.anna)
        self.assertEqual(choice.experiment, self.own_option)
        provenance = Provenance.objects.get(choice=choice)
        self.assertEqual(
            (provenance.pattern, provenance.story), (self.pattern, self.story)
        )
