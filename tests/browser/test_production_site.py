"""The site as deployed, in chromium: gunicorn with the production settings
(DEBUG off, static files from WhiteNoise, the cache and sessions in the
database) serves every page with its CSS and JavaScript, and a participant's
reflection is saved as they type."""

import os
import re
from unittest import SkipTest, skipUnless

from django.db import connection
from django.test import SimpleTestCase, tag
from playwright.sync_api import expect, sync_playwright

from tests.deployment import WebServer, manage, production_env, released_sqlite_database
from tests.test_outbox import free_port

from .base import CHROMIUM, TIMEOUT, artifacts_dir, text

#: Static files by the names collectstatic gives them: a hash of the content.
HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.\w+$")
#: A cohort whose first experiment is the one to do now, a participant in it
#: and a sign-in link for them, made on the production server's database.
A_RUNNING_COHORT = """
from datetime import timedelta
from django.utils import timezone
from cohorts.enrolment import enrol
from signin.links import link_url, new_link
from tests.factories import make_cohort, make_course
cohort = make_cohort(make_course(), start_date=timezone.localdate() - timedelta(days=7))
anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto").user
print(link_url(new_link(anna)[1]))
"""


@tag("browser")
@skipUnless(
    connection.vendor == "sqlite", "runs on its own SQLite file: once per run is enough"
)
class ProductionSiteTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.access(CHROMIUM, os.X_OK):
            if os.environ.get("VIRTU_SKIP_BROWSER_TESTS") == "1":
                raise SkipTest(f"No chromium at {CHROMIUM}")
            raise AssertionError(f"No chromium at {CHROMIUM}")
        port = free_port()
        cls.url = f"http://localhost:{port}"
        env = production_env(
            released_sqlite_database(),
            ALLOWED_HOSTS="localhost",
            # No proxy in front here to speak HTTPS; the browser treats
            # localhost as secure, so the secure cookies work as they would.
            SECURE_SSL_REDIRECT="false",
            WAGTAILADMIN_BASE_URL=cls.url,
        )
        made = manage("shell", "-c", A_RUNNING_COHORT, env=env)
        cls.sign_in_link = re.search(r"http://\S+/accounts/link/\S+/", made)[0]
        cls.server = WebServer("web", env, bind=f"127.0.0.1:{port}", url=cls.url)
        cls.addClassCleanup(cls.server.stop)
        cls.server.wait_until_ready()
        cls.playwright = sync_playwright().start()
        cls.addClassCleanup(cls.playwright.stop)
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM)
        cls.addClassCleanup(cls.browser.close)

    def setUp(self):
        context = self.browser.new_context(
            base_url=self.url,
            locale="fi-FI",
            timezone_id="Europe/Helsinki",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT)
        self.addCleanup(context.close)
        self.page = context.new_page()
        self.static = {}
        self.problems = []
        self.page.on("response", self.note_response)
        self.page.on("requestfailed", self.note_failure)
        self.page.on("pageerror", lambda error: self.problems.append(str(error)))
        self.page.on(
            "console",
            lambda m: (
                m.type == "error"
                and self.problems.append(f"{m.location.get('url')}: {m.text}")
            ),
        )

    def note_failure(self, request):
        # A load the browser cancels because the test moved on to the next
        # page (a deferred script still on its way) is not the server's
        # failure; what the server answered is checked in note_response.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"{request.url}: {request.failure}")

    def note_response(self, response):
        if "/static/" in response.url:
            self.static[response.url] = response.status
        elif response.status >= 400:
            self.problems.append(f"{response.url}: {response.status}")

    def tearDown(self):
        if not self._outcome.success:
            path = artifacts_dir() / f"{self.id().rsplit('.', 1)[-1]}.png"
            self.page.screenshot(path=path, full_page=True)
            print(f"\nScreenshot: {path}\nServer output:\n{self.server.output()}")

    def test_a_participant_writes_and_the_draft_is_saved_on_a_production_server(self):
        page = self.page
        page.goto(self.sign_in_link)
        page.get_by_role("button", name=text("Sign in", "fi"), exact=True).click()
        expect(page).to_have_url(re.compile("/my/$"))
        # The site's stylesheet is applied: the page is a narrow column.
        self.assertEqual(
            page.evaluate("getComputedStyle(document.body).maxWidth"), "736px"
        )

        page.get_by_role(
            "link", name=re.compile(re.escape(text("Write your reflection", "fi")))
        ).click()
        answer = page.locator("textarea").first
        expect(answer).to_be_editable()
        answer.fill("Kokeilin etäpalaveria tuotantopalvelimella.")
        expect(page.locator("#autosave-status")).to_have_text(
            re.compile("^" + re.escape(text("Saved %(time)s", "fi").split("%")[0]))
        )
        page.reload()
        expect(answer).to_have_value("Kokeilin etäpalaveria tuotantopalvelimella.")

        self.assertStaticFilesServed(["css", "js"])

    def test_the_sign_in_page_and_the_admin_get_all_their_files(self):
        self.page.goto("/accounts/login/")
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()
        self.assertStylesheetsApplied()
        self.page.goto("/admin/login/")
        expect(self.page.locator("input[name=username]")).to_be_visible()
        self.assertStylesheetsApplied()

        self.assertStaticFilesServed(["css", "js"])

    def assertStylesheetsApplied(self):
        """Every stylesheet the page links to was loaded and has rules."""
        sheets = self.page.evaluate(
            """() => [...document.querySelectorAll("link[rel=stylesheet]")]
                .map(link => [link.href, link.sheet?.cssRules.length || 0])"""
        )
        self.assertTrue(sheets)
        for href, rules in sheets:
            self.assertGreater(rules, 0, href)

    def assertStaticFilesServed(self, kinds):
        self.assertEqual(self.problems, [])
        for url, status in self.static.items():
            self.assertEqual(status, 200, url)
            self.assertRegex(url, HASHED)
        for kind in kinds:
            self.assertTrue(
                any(url.endswith(f".{kind}") for url in self.static),
                f"no .{kind} file was loaded: {sorted(self.static)}",
            )
