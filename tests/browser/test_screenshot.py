"""The README's pictures of "My training", its programme timeline, the
progress grid and the impact report, from the demo data.

Every run renders them and checks they stay small; with
``VIRTU_UPDATE_SCREENSHOTS=1`` the run also writes them to docs/::

    VIRTU_UPDATE_SCREENSHOTS=1 python manage.py test \\
        tests.browser.test_screenshot --settings=virtu.settings.test
"""

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from cohorts.models import CohortPage
from courses.models import CoursePage
from home.management.demo import (
    COHORTS,
    COORDINATOR,
    PARTICIPANT,
    PARTICIPANT_COHORT,
    TRAINERS,
)

from .base import BrowserTestCase, text

DOCS = Path(settings.BASE_DIR) / "docs"
SCREENSHOT = DOCS / "participant-journey.png"
TIMELINE = DOCS / "programme-timeline.png"
GRID = DOCS / "progress-grid.png"
IMPACT = DOCS / "impact-report.png"
LIBRARY = DOCS / "experiment-library.png"
USAGE = DOCS / "experiment-usage.png"
#: Largest PNG that goes into the repository.
MAX_BYTES = 300_000


class ReadmeScreenshotTests(BrowserTestCase):
    def test_my_training_with_the_demo_data_fits_in_a_small_screenshot(self):
        call_command("load_demo_data", force=True, verbosity=0)
        page = self.new_page("fi")
        # The demo's participant login, in the cohort under way.
        self.log_in(page, get_user_model().objects.get(email=PARTICIPANT[0]))
        page.goto(reverse("participant:my_training"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            text("My training", "fi")
        )
        expect(page.get_by_role("main")).to_contain_text(
            text("Experiment to do now", "fi")
        )

        self.keep(page.screenshot(type="png"), SCREENSHOT)

    def keep(self, png, path):
        self.assertLess(len(png), MAX_BYTES)
        if os.environ.get("VIRTU_UPDATE_SCREENSHOTS") == "1":
            path.write_bytes(png)
            print(f"\nWrote {path} ({len(png) // 1000} kB)")

    def test_the_programme_timeline_with_the_demo_data(self):
        call_command("load_demo_data", force=True, verbosity=0)
        page = self.new_page("fi")
        page.set_viewport_size({"width": 390, "height": 900})
        self.log_in(page, get_user_model().objects.get(email=PARTICIPANT[0]))
        page.goto(reverse("participant:my_training"))
        timeline = page.locator(".timeline").first
        expect(timeline.locator(".step-next")).to_have_count(1)
        self.keep(timeline.screenshot(type="png"), TIMELINE)

    def test_the_progress_grid_with_the_demo_data(self):
        call_command("load_demo_data", force=True, verbosity=0)
        cohort = CohortPage.objects.get(slug=COHORTS[PARTICIPANT_COHORT].slug)
        page = self.new_page("fi")
        self.log_in(page, get_user_model().objects.get(email=TRAINERS[0][0]))
        page.goto(reverse("cohorts:progress", args=[cohort.pk]))
        expect(page.locator(".virtu-legend")).to_be_visible()
        self.keep(page.screenshot(type="png"), GRID)

    def test_the_impact_report_with_the_demo_data(self):
        call_command("load_demo_data", force=True, verbosity=0)
        course = CoursePage.objects.get()
        page = self.new_page("fi")
        page.set_viewport_size({"width": 1100, "height": 900})
        self.log_in(page, get_user_model().objects.get(email=COORDINATOR[0]))
        page.goto(reverse("courses:impact", args=[course.pk]))
        statement = page.locator(".impact-statement").first
        expect(statement.locator("svg.impact-chart")).to_be_visible()
        # The change from the baseline to the end is shown, not hidden.
        expect(statement.locator(".impact-data").nth(1)).to_contain_text("+")
        # As printed: without the admin's header over the top of it.
        page.emulate_media(media="print")
        self.keep(statement.screenshot(type="png"), IMPACT)

    def test_the_experiment_library_with_the_demo_data(self):
        call_command("load_demo_data", force=True, verbosity=0)
        page = self.new_page("fi")
        self.log_in(page, get_user_model().objects.get(email=PARTICIPANT[0]))
        page.goto(reverse("library:index"))
        expect(page.locator(".figures").first).to_be_visible()
        self.keep(page.screenshot(type="png"), LIBRARY)

    def test_the_usage_report_with_the_demo_data(self):
        call_command("load_demo_data", force=True, verbosity=0)
        page = self.new_page("fi")
        self.log_in(page, get_user_model().objects.get(email=COORDINATOR[0]))
        page.goto(reverse("courses:usage", args=[CoursePage.objects.get().pk]))
        expect(page.locator("table").first).to_be_visible()
        self.keep(page.screenshot(type="png"), USAGE)
