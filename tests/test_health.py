"""The health checks a load balancer calls every few seconds: liveness touches
nothing, readiness asks the database and the cache once each."""

import json

from django.db.migrations.recorder import MigrationRecorder
from django.test import TestCase, override_settings

from tests.test_outbox import free_port


class HealthCheckTests(TestCase):
    def test_liveness_answers_without_touching_the_database(self):
        with self.assertNumQueries(0):
            response = self.client.get("/health/live/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})
        self.assertIn("no-store", response["Cache-Control"])

    def test_readiness_asks_the_database_once_and_the_cache(self):
        self.client.get("/health/ready/")  # reads this code's migrations once

        with self.assertNumQueries(1):
            response = self.client.get("/health/ready/")

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json(),
            {"status": "ok", "database": "ok", "migrations": "ok", "cache": "ok"},
        )

    def test_a_database_missing_a_migration_is_not_ready(self):
        MigrationRecorder.Migration.objects.filter(
            app="outbox", name="0004_leases_schedules_and_workers"
        ).delete()

        with self.assertLogs("django.request", "ERROR"):  # a 503 is logged
            response = self.client.get("/health/ready/")

        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            json.loads(response.content),
            {
                "status": "unavailable",
                "database": "ok",
                "migrations": "1 not applied",
                "cache": "ok",
            },
        )

    def test_a_cache_that_does_not_answer_is_not_ready(self):
        nothing_there = f"redis://127.0.0.1:{free_port()}/0"
        cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": nothing_there,
            "OPTIONS": {"socket_connect_timeout": 2},
        }
        with (
            override_settings(CACHES={"default": cache}),
            self.assertLogs("outbox.health", "ERROR") as logs,
            self.assertLogs("django.request", "ERROR"),
        ):
            response = self.client.get("/health/ready/")

        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json()["cache"], "unavailable")
        self.assertEqual(response.json()["database"], "ok")
        self.assertIn("the cache does not answer", logs.output[0])

    def test_health_checks_answer_any_host_and_are_not_redirected(self):
        with (
            override_settings(ALLOWED_HOSTS=["virtu.example.org"]),
            self.assertLogs("django.security.DisallowedHost", "ERROR"),
        ):
            by_address = self.client.get("/health/ready/", HTTP_HOST="192.0.2.7:8000")
            page = self.client.get("/accounts/login/", HTTP_HOST="192.0.2.7:8000")

        self.assertEqual(by_address.status_code, 200)
        self.assertEqual(page.status_code, 400)

    def test_health_checks_only_answer_reads(self):
        self.assertEqual(self.client.head("/health/live/").status_code, 200)
        with self.assertLogs("django.request", "WARNING"):
            self.assertEqual(self.client.post("/health/live/").status_code, 405)
            self.assertEqual(self.client.post("/health/ready/").status_code, 405)
