"""What every browser test shares: one chromium per test class, a live server
with the static files (the Wagtail admin needs its CSS and JavaScript), a real
SMTP server on this machine, and an accessibility check."""

import logging
import os
import re
import sys
import tempfile
import threading
import time
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from unittest import SkipTest
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.db import connections
from django.test import Client, override_settings, tag
from django.utils import timezone, translation
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_cohort
from tests.test_outbox import Mailbox, free_port

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: axe-core rules for WCAG 2.1 levels A and AA, and no others (axe's "best
#: practice" rules are advice, not the standard we promise).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LOCALES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}
#: How long an action or an expectation waits before it fails, in ms. The
#: live server answers in well under a second on a quiet machine; CI runs
#: two suites beside the browser, where the admin's editor once took over
#: five seconds to load after "Save draft". Only a failing wait lasts this.
TIMEOUT = 15000
expect.set_options(timeout=TIMEOUT)
#: Links in emails, up to the first character that cannot be in one.
LINK = re.compile(r"https?://[^\s<>\"')]+")


def artifacts_dir():
    """Where screenshots and traces of failed tests go: CI keeps .ci/out."""
    if os.environ.get("VIRTU_BROWSER_ARTIFACTS"):
        directory = Path(os.environ["VIRTU_BROWSER_ARTIFACTS"])
    elif (Path(settings.BASE_DIR) / ".ci" / "out").is_dir():
        directory = Path(settings.BASE_DIR) / ".ci" / "out" / "browser"
    else:
        directory = Path(tempfile.gettempdir()) / "virtu-browser"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def text(message, language):
    """``message`` as the site shows it in ``language``: tests find buttons
    and labels by the words a person reads, in either language."""
    with translation.override(language):
        return translation.gettext(message)


def language_of(path):
    """The language of a page on the site, from its address."""
    return translation.get_language_from_path(path) or settings.LANGUAGE_CODE


def running_cohort(course, title="Cohort A"):
    """A live cohort whose first session was a week ago and whose second is
    a week ahead: its first experiment is the one to do now."""
    return make_cohort(
        course, title=title, start_date=timezone.localdate() - timedelta(days=7)
    )


def body(message):
    """The plain-text part of an email."""
    return message.get_body(("plain",)).get_content()


def links(message):
    return LINK.findall(body(message))


def local_path(url):
    """A link from an email as a path on the live server (emails carry the
    site's public address)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def watch_unsaved_changes(page):
    """Wait until Wagtail's unsaved-changes warning on ``page`` has read the
    form (shortly after loading); from then on ``window.edits`` holds
    "add" once it has noticed a change."""
    page.evaluate(
        "() => { window.edits = [];"
        " for (const name of ['watch-edits', 'add'])"
        " document.addEventListener(`w-unsaved:${name}`,"
        " () => window.edits.push(name)); }"
    )
    page.wait_for_function("window.edits.includes('watch-edits')")


def describe_violations(url, violations):
    lines = [f"{len(violations)} WCAG 2.1 A/AA violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary}")
            lines.append(f"      {node.get('html', '')[:200]}")
    return "\n".join(lines)


@tag("browser")
class BrowserTestCase(StaticLiveServerTestCase):
    """Tests that drive chromium through the site as people use it.

    A transaction test case: the browser talks to the live server in another
    thread, so every change is committed, and emails go out through the
    outbox's on-commit task to the local SMTP server. The data migrations
    made (site, course index, groups) are restored before each test.
    """

    serialized_rollback = True
    #: Uncaught JavaScript errors fail the test, unless a test expects some.
    allow_page_errors = False

    @classmethod
    def setUpClass(cls):
        if not os.access(CHROMIUM, os.X_OK):
            reason = (
                f"No chromium at {CHROMIUM}: install Debian's chromium or set "
                "CHROMIUM to the browser's path."
            )
            if os.environ.get("VIRTU_SKIP_BROWSER_TESTS") == "1":
                raise SkipTest(reason + " (VIRTU_SKIP_BROWSER_TESTS=1)")
            raise AssertionError(
                reason + " Set VIRTU_SKIP_BROWSER_TESTS=1 to skip the browser tests."
            )
        # Playwright's sync API runs an asyncio event loop in this thread (in
        # a greenlet) and leaves it marked as running, so Django takes every
        # ORM call the test makes here for one made from async code and
        # refuses it. The calls are in fact synchronous: the loop only runs
        # while a Playwright call waits. Allowed while these classes run, and
        # put back afterwards.
        cls.addClassCleanup(
            cls._restore_environ,
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"),
        )
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        super().setUpClass()

        # The tests check the answers they expect; the server's log lines
        # for each 404 and 410 would only bury the report.
        request_log = logging.getLogger("django.request")
        cls.addClassCleanup(request_log.setLevel, request_log.level)
        request_log.setLevel(logging.ERROR)

        cls.mailbox = Mailbox()
        cls.smtp = cls._start_smtp(cls.mailbox)
        cls.addClassCleanup(cls.smtp.stop)
        mail_settings = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=cls.smtp.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_TIMEOUT=2,
            # Links in emails point at this server.
            WAGTAILADMIN_BASE_URL=cls.live_server_url,
        )
        mail_settings.enable()
        cls.addClassCleanup(mail_settings.disable)

        cls.playwright = cls._start_playwright()
        cls.addClassCleanup(cls.playwright.stop)
        cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM)
        cls.addClassCleanup(cls.browser.close)
        cls.axe = Axe()

    @staticmethod
    def _start_playwright():
        """Start Playwright, and keep this thread's database connections.

        Django keeps connections per thread, and per task in a thread where
        an event loop runs; Playwright leaves its loop marked as running in
        this thread, so without this the test would get new connections,
        without the test runner's state (the data to restore between
        tests) and, on SQLite, beside the one the live server shares.
        """
        wrappers = {alias: connections[alias] for alias in connections}
        playwright = sync_playwright().start()
        for alias, wrapper in wrappers.items():
            connections[alias] = wrapper
        return playwright

    @staticmethod
    def _restore_environ(name, value):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    @staticmethod
    def _start_smtp(mailbox):
        from aiosmtpd.controller import Controller

        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        controller.start()
        return controller

    def setUp(self):
        super().setUp()
        # The test client leaves the language of its last request active in
        # this thread; addresses built here with reverse() must start from
        # the default, as a browser does.
        translation.activate(settings.LANGUAGE_CODE)
        self.addCleanup(translation.deactivate)
        self.mailbox.messages.clear()
        self.contexts = []
        self.traced = True
        self.page_errors = []
        self.outside_requests = []
        self.addCleanup(self._close_contexts)

    # People and their browsers

    def new_page(self, language="fi"):
        """A page in a browser of its own (cookies, storage): one person.

        Helsinki time and a ``language`` locale, as a participant's laptop.
        """
        context = self.browser.new_context(
            base_url=self.live_server_url,
            locale=LOCALES[language],
            timezone_id="Europe/Helsinki",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT)
        # No page may ask another host for anything (the admin once asked
        # Gravatar for avatars): such a request is stopped, and fails the test.
        context.route(
            re.compile(f"^(?!{re.escape(self.live_server_url)}/)"),
            self._refuse_outside_request,
        )
        context.tracing.start(screenshots=True, snapshots=True)
        self.contexts.append(context)
        page = context.new_page()
        page.on(
            "pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}")
        )
        return page

    def _refuse_outside_request(self, route):
        if route.request.url.startswith(("http:", "https:")):
            self.outside_requests.append(route.request.url)
        route.abort()

    def log_in(self, page, user):
        """Sign ``user`` in through a session cookie, where signing in is not
        what the test is about."""
        client = Client()
        client.force_login(user)
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": self.live_server_url,
                }
            ]
        )

    def sign_in_by_link(self, page, address):
        """Sign in as a participant does: with the link in the last email
        to ``address`` (a welcome or a link asked for), and its button."""
        path = self.link_to(address, "/accounts/link/")
        page.goto(path)
        language = language_of(path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        page.get_by_role("button", name=text("Sign in", language), exact=True).click()
        expect(page).not_to_have_url(re.compile("/accounts/link/"))
        return language

    # Email

    def emails_to(self, address, timeout=5):
        """The messages the SMTP server received for ``address``, waiting up
        to ``timeout`` seconds for the first."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.mailbox.messages if address in str(m["To"])]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def last_email_to(self, address):
        found = self.emails_to(address)
        self.assertTrue(
            found,
            f"No email to {address}; the SMTP server received: {self.received()}",
        )
        return found[-1]

    def link_to(self, address, contains):
        """The path of a link containing ``contains`` in the newest email to
        ``address`` that has one."""
        for message in reversed(self.emails_to(address)):
            for url in links(message):
                if contains in url:
                    return local_path(url)
        self.fail(
            f"No email to {address} with a link containing {contains!r}; the "
            f"SMTP server received: {self.received()}"
        )

    def received(self):
        return [(str(m["To"]), str(m["Subject"])) for m in self.mailbox.messages]

    def link_in(self, message, contains):
        """The path of the first link in ``message`` containing ``contains``."""
        for url in links(message):
            if contains in url:
                return local_path(url)
        self.fail(f"No link with {contains!r} in:\n{body(message)}")

    # Accessibility

    def axe_check(self, page):
        """Fail with a readable list if axe finds WCAG 2.1 A/AA violations."""
        results = self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        if violations:
            self.fail(describe_violations(page.url, violations))

    # Failures

    def _callTestMethod(self, method):
        # Here the pages are still open. A failed subTest does not raise,
        # but marks the outcome.
        try:
            super()._callTestMethod(method)
            if self.outside_requests:
                self.fail(
                    "Requests to other hosts: " + ", ".join(self.outside_requests)
                )
        except BaseException:
            self._save_artifacts()
            raise
        if not self._outcome.success:
            self._save_artifacts()

    def _save_artifacts(self):
        """A screenshot of each open page and a trace of each browser, for
        ``playwright show-trace``."""
        directory = artifacts_dir()
        name = ".".join(self.id().rsplit(".", 2)[-2:])
        for number, context in enumerate(self.contexts):
            for index, page in enumerate(context.pages):
                path = directory / f"{name}-{number}-{index}.png"
                with suppress(Exception):  # a crashed page hides no failure
                    page.screenshot(path=path, full_page=True)
                    print(f"\nScreenshot of {page.url}: {path}", file=sys.stderr)
            trace = directory / f"{name}-{number}-trace.zip"
            context.tracing.stop(path=trace)
            print(f"Trace: {trace}", file=sys.stderr)
        self.traced = False

    def _close_contexts(self):
        for context in self.contexts:
            if self.traced:
                context.tracing.stop()
            context.close()
        # A request the page sent last (the editor's autosave or its editing
        # session's ping) may still be running in the live server when the
        # test's database is flushed, which then fails on SQLite ("no such
        # savepoint"). The server's request threads are daemons it does not
        # keep: found by their target's name, and waited for.
        for thread in threading.enumerate():
            if thread.name.endswith("(process_request_thread)"):
                thread.join(timeout=10)
        if self.page_errors and not self.allow_page_errors:
            raise AssertionError(
                "JavaScript errors in the page:\n" + "\n".join(self.page_errors)
            )
