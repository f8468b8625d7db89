"""The sign-in limits hold across processes: two servers, one database and
one cache, as a site runs with several workers."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

try:
    import redis
except ImportError:  # the package comes with the production extra
    redis = None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``manage.py runserver`` in a process of its own."""

    def __init__(self, env):
        self.port = free_port()
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "runserver",
                f"127.0.0.1:{self.port}",
                "--noreload",
                "--nothreading",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(self.output())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.url(path), body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def ask_for_link(self, email):
        status, page = self.request("/en/accounts/login/")
        assert status == 200, page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        return self.request(
            "/en/accounts/login/",
            {"csrfmiddlewaretoken": token, "link-email": email},
        )[0]

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class SharedLimitTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.directory = tempfile.TemporaryDirectory()
        cls.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "virtu.settings.dev",
            "DATABASE_URL": f"sqlite:///{Path(cls.directory.name) / 'db.sqlite3'}",
            # Read from the environment, as the README says.
            "VIRTU_SIGN_IN_REQUESTS_PER_IP": "4",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        cls.manage("migrate", "-v", "0")

    @classmethod
    def tearDownClass(cls):
        cls.directory.cleanup()
        super().tearDownClass()

    @classmethod
    def manage(cls, *args, **env):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env={**cls.env, **env},
            capture_output=True,
            text=True,
            timeout=180,
        )
        if result.returncode:
            raise AssertionError(result.stderr)
        return result.stdout

    def two_servers(self, cache_url):
        env = {**self.env, "CACHE_URL": cache_url}
        servers = [Server(env), Server(env)]
        for server in servers:
            self.addCleanup(server.stop)
        return servers

    def assert_limit_holds_across(self, servers):
        statuses = [
            servers[number % 2].ask_for_link(f"person{number}@example.fi")
            for number in range(6)
        ]
        # Four in the hour from this client, whichever process answers.
        self.assertEqual(statuses, [302, 302, 302, 302, 429, 429])

    def test_the_link_limit_holds_across_two_processes_sharing_the_database(self):
        self.manage("createcachetable", CACHE_URL="db://virtu_cache")
        servers = self.two_servers("db://virtu_cache")
        self.assert_limit_holds_across(servers)
        # And a restart forgets nothing.
        servers[0].stop()
        restarted = Server({**self.env, "CACHE_URL": "db://virtu_cache"})
        self.addCleanup(restarted.stop)
        self.assertEqual(restarted.ask_for_link("x@example.fi"), 429)

    def test_the_link_limit_holds_across_two_processes_sharing_redis(self):
        if redis is None:
            if os.environ.get("CI"):
                self.fail("The redis package is missing.")
            self.skipTest("the redis package is not installed")
        client = redis.Redis(host="127.0.0.1", port=6379, db=13)
        client.flushdb()
        self.addCleanup(client.flushdb)
        self.assert_limit_holds_across(self.two_servers("redis://127.0.0.1:6379/13"))

    def test_request_lines_print_no_sign_in_or_feed_token(self):
        [server] = [Server({**self.env, "CACHE_URL": "locmem://"})]
        self.addCleanup(server.stop)
        server.request("/accounts/link/a-secret-sign-in-token/")
        server.request("/calendar/feed/a-secret-feed-token.ics")
        server.stop()
        output = server.output()
        self.assertIn("/accounts/link/[redacted]/", output)
        self.assertNotIn("a-secret-sign-in-token", output)
        self.assertNotIn("a-secret-feed-token", output)

    def test_production_sends_the_language_cookie_secure_and_same_site(self):
        output = self.manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings as s; "
            "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_SAMESITE)",
            DJANGO_SETTINGS_MODULE="virtu.settings.production",
            SECRET_KEY="virtu-shared-limits-test",
        )
        self.assertEqual(output.split(), ["True", "Lax"])
