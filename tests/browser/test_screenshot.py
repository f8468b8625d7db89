"""The README's picture of "My training", from the demo data.

Every run renders it and checks it stays small; with
``VIRTU_UPDATE_SCREENSHOTS=1`` the run also writes it to docs/::

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

from home.management.demo import PARTICIPANT

from .base import BrowserTestCase, text

SCREENSHOT = Path(settings.BASE_DIR) / "docs" / "participant-journey.png"
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

        png = page.screenshot(type="png")

        self.assertLess(len(png), MAX_BYTES)
        if os.environ.get("VIRTU_UPDATE_SCREENSHOTS") == "1":
            SCREENSHOT.write_bytes(png)
            print(f"\nWrote {SCREENSHOT} ({len(png) // 1000} kB)")
