"""The production web server as deployed: gunicorn with virtu/gunicorn_conf.py,
the production settings (DEBUG off), static files from WhiteNoise, health
checks for a load balancer, and logs without secrets."""

import re
import socket
import time
from unittest import skipUnless

from django.db import connection
from django.test import SimpleTestCase

from tests.deployment import (
    WebServer,
    get,
    get_without_redirect,
    manage,
    production_env,
    released_sqlite_database,
    temporary_directory,
)
from tests.test_outbox import free_port

#: What a proxy in front says about the request it passes on.
BEHIND_PROXY = {"Host": "localhost", "X-Forwarded-Proto": "https"}


def start_server(name, database_url, **env):
    port = free_port()
    return WebServer(
        name,
        production_env(database_url, **env),
        bind=f"127.0.0.1:{port}",
        url=f"http://127.0.0.1:{port}",
    )


@skipUnless(
    connection.vendor == "sqlite", "runs on its own SQLite file: once per run is enough"
)
class ProductionServerTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        logs = temporary_directory("virtu-gunicorn-logs-")
        cls.access_log, cls.error_log = logs / "access.log", logs / "error.log"
        cls.database_url = released_sqlite_database()
        cls.server = start_server(
            "web",
            cls.database_url,
            GUNICORN_ACCESS_LOG=cls.access_log,
            GUNICORN_ERROR_LOG=cls.error_log,
        )
        cls.addClassCleanup(cls.server.stop)
        cls.server.wait_until_ready()

    def test_pages_link_their_css_and_js_by_hashed_names_cached_for_a_year(self):
        status, __, page = get(self.server.url + "/accounts/login/", BEHIND_PROXY)
        self.assertEqual(status, 200)
        assets = re.findall(
            r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', page.decode()
        )
        self.assertIn("/static/virtu/", " ".join(assets))

        for path in assets:
            with self.subTest(path):
                self.assertRegex(path, r"\.[0-9a-f]{12}\.(css|js)$")
                status, headers, body = get(
                    self.server.url + path, {**BEHIND_PROXY, "Accept-Encoding": "gzip"}
                )
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Encoding"], "gzip")
                self.assertEqual(
                    headers["Cache-Control"], "max-age=315360000, public, immutable"
                )

    def test_a_static_file_by_its_plain_name_is_cached_only_briefly(self):
        status, headers, __ = get(
            self.server.url + "/static/virtu/site.css", BEHIND_PROXY
        )

        self.assertEqual(status, 200)
        self.assertEqual(headers["Cache-Control"], "max-age=60, public")

    def test_the_reflection_script_is_served_with_debug_off(self):
        status, __, script = get(
            self.server.url + "/static/assignments/reflection.js", BEHIND_PROXY
        )

        self.assertEqual(status, 200)
        self.assertIn(b"autosave-status", script)
        # DEBUG is off: an error page says nothing of the code.
        status, __, missing = get(self.server.url + "/nothing-here/", BEHIND_PROXY)
        self.assertEqual(status, 404)
        self.assertNotIn(b"Traceback", missing)
        self.assertNotIn(b"urlpatterns", missing)

    def test_what_processes_share_is_in_the_database_by_default(self):
        shown = manage(
            "shell",
            "-c",
            "from django.conf import settings as s\n"
            "print(s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION'])\n"
            "print(s.SESSION_ENGINE)\n"
            "print(s.TASKS['default']['BACKEND'])\n",
            env=production_env(self.database_url),
        ).splitlines()[-3:]

        self.assertEqual(
            shown,
            [
                "django.core.cache.backends.db.DatabaseCache virtu_cache",
                "django.contrib.sessions.backends.db",
                "django_tasks_db.DatabaseBackend",
            ],
        )

    def test_health_checks_answer_a_load_balancer_by_address_over_plain_http(self):
        # Plain HTTP and a Host that is no site name: pages redirect or
        # refuse, the health checks answer.
        by_address = {"Host": "198.51.100.7:8000"}
        live = get_without_redirect(self.server.url + "/health/live/", by_address)
        ready = get_without_redirect(self.server.url + "/health/ready/", by_address)
        page = get_without_redirect(self.server.url + "/accounts/login/")

        self.assertEqual((live[0], live[2]), (200, b'{"status": "ok"}'))
        self.assertEqual(ready[0], 200)
        self.assertIn(b'"migrations": "ok"', ready[2])
        self.assertIn("no-store", ready[1]["Cache-Control"])
        self.assertEqual(page[0], 301)
        self.assertTrue(page[1]["Location"].startswith("https://"))

    def test_the_logs_hold_no_token_and_no_query_string(self):
        referer = "https://virtu.example.org/calendar/feed/FEEDSECRET1.ics?x=QSECRET1"
        get(
            self.server.url + "/accounts/link/LINKSECRET1/?next=/my/&q=QSECRET2",
            {**BEHIND_PROXY, "Referer": referer},
        )
        get(self.server.url + "/sv/accounts/link/LINKSECRET2/", BEHIND_PROXY)
        get(self.server.url + "/calendar/feed/FEEDSECRET2.ics?t=QSECRET3", BEHIND_PROXY)
        # Password-setting links: the site's own (in a language) and the admin's.
        get(
            self.server.url + "/sv/accounts/password_reset/confirm/MQ/PWSECRET1/",
            BEHIND_PROXY,
        )
        admin_reset = "/admin/password_reset/confirm/MQ/PWSECRET2/"
        get(self.server.url + admin_reset, BEHIND_PROXY)
        # A request line gunicorn refuses, which its error log quotes.
        with socket.create_connection(("127.0.0.1", self.server_port())) as raw:
            raw.sendall(
                b"GET /accounts/link/LINKSECRET3/?q=QSECRET4\x01 HTTP/1.1\r\n"
                b"Host: localhost\r\n\r\n"
            )
            raw.recv(4096)
        get(self.server.url + "/health/live/")  # flushes nothing, logs nothing

        access = self.read(self.access_log, "/calendar/feed/<token>.ics HTTP/1.1")
        errors = self.read(self.error_log, "Invalid request")

        for secret in ["SECRET1", "SECRET2", "SECRET3", "SECRET4", "PWSECRET"]:
            self.assertNotIn(secret, access + errors)
        self.assertIn('"GET /accounts/link/<token>/ HTTP/1.1" 404', access)
        self.assertIn("https://virtu.example.org/calendar/feed/<token>.ics", access)
        self.assertIn('"GET /sv/accounts/link/<token>/ HTTP/1.1"', access)
        self.assertIn('"GET /calendar/feed/<token>.ics HTTP/1.1" 404', access)
        self.assertIn("/accounts/link/<token>/", errors)
        self.assertNotIn("/health/live/", access)
        self.assertIn(
            '"GET /sv/accounts/password_reset/confirm/MQ/<token>/ HTTP/1.1"', access
        )
        self.assertIn(
            '"GET /admin/password_reset/confirm/MQ/<token>/ HTTP/1.1"', access
        )

    def server_port(self):
        return int(self.server.url.rsplit(":", 1)[1])

    @staticmethod
    def read(path, waiting_for):
        """A log file, once ``waiting_for`` has been written to it."""
        deadline = time.monotonic() + 5
        while True:
            text = path.read_text() if path.exists() else ""
            if waiting_for in text or time.monotonic() > deadline:
                return text
            time.sleep(0.1)


@skipUnless(
    connection.vendor == "sqlite", "runs on its own SQLite file: once per run is enough"
)
class DatabaseDownTests(SimpleTestCase):
    def test_a_server_whose_database_is_down_is_live_but_not_ready(self):
        # Nothing listens on this port: the database is down.
        server = start_server(
            "web-no-database",
            f"postgres://postgres@127.0.0.1:{free_port()}/virtu",
            CACHE_URL="locmem://",
        )
        self.addCleanup(server.stop)

        live = None
        deadline = time.monotonic() + 30
        while live is None and time.monotonic() < deadline:
            try:
                live = get(server.url + "/health/live/", timeout=2)
            except OSError:  # not listening yet
                time.sleep(0.2)
        ready = get(server.url + "/health/ready/", timeout=10)

        self.assertEqual(live[0], 200)
        self.assertEqual(ready[0], 503)
        self.assertEqual(
            ready[2],
            b'{"status": "unavailable", "database": "unavailable", '
            b'"migrations": "unavailable", "cache": "ok"}',
        )
