"""Workers that die: a task they were running is marked failed once their
heartbeat stops, and an email they were sending is taken over by another
worker within a minute and arrives once."""

import asyncio
import threading
import time
from datetime import timedelta
from unittest import skipUnless

from aiosmtpd.controller import Controller
from django.db import connection
from django.test import SimpleTestCase, TestCase
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outbox.models import Worker
from outbox.workers import beat, prune, sweep_lost_tasks

from .deployment import WorkerProcess, manage, production_env, released_sqlite_database
from .test_outbox import Mailbox, free_port

RUNNING, FAILED, SUCCESSFUL = "RUNNING", "FAILED", "SUCCESSFUL"


def task_row(worker_id, status=RUNNING, started=None, finished=None):
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="outbox.tasks.send_outbox",
        backend_name="default",
        run_after=timezone.now(),
        worker_ids=[worker_id] if worker_id else [],
        started_at=started or timezone.now(),
        finished_at=finished,
    )


class SweepTests(TestCase):
    def test_a_task_of_a_worker_silent_for_45_seconds_is_marked_failed(self):
        now = timezone.now()
        beat("gone", now=now - timedelta(seconds=46))
        beat("slow", now=now - timedelta(seconds=40))
        lost = task_row("gone")
        running = task_row("slow")

        with self.assertLogs("outbox.workers", "WARNING"):
            self.assertEqual(sweep_lost_tasks(now=now), 1)

        lost.refresh_from_db()
        running.refresh_from_db()
        self.assertEqual((lost.status, running.status), (FAILED, RUNNING))
        self.assertEqual(lost.exception_class_path, "outbox.workers.WorkerLost")
        self.assertIn("worker gone stopped", lost.traceback)

    def test_a_task_of_a_worker_that_never_beat_is_failed_after_six_hours(self):
        now = timezone.now()
        old = task_row("plain-db-worker", started=now - timedelta(hours=7))
        recent = task_row("plain-db-worker", started=now - timedelta(hours=5))

        with self.assertLogs("outbox.workers", "WARNING"):
            sweep_lost_tasks(now=now)

        old.refresh_from_db()
        recent.refresh_from_db()
        self.assertEqual((old.status, recent.status), (FAILED, RUNNING))

    def test_a_worker_beats_by_updating_its_row(self):
        now = timezone.now()
        beat("w1", now=now - timedelta(seconds=10))
        beat("w1", now=now)

        worker = Worker.objects.get()
        self.assertEqual(worker.seen_at, now)
        self.assertEqual(worker.started_at, now - timedelta(seconds=10))

    def test_finished_tasks_and_gone_workers_are_forgotten_after_two_weeks(self):
        now = timezone.now()
        beat("long-gone", now=now - timedelta(days=15))
        beat("alive", now=now)
        task_row("alive", SUCCESSFUL, finished=now - timedelta(days=15))
        kept = task_row("alive", SUCCESSFUL, finished=now - timedelta(days=13))
        running = task_row("alive", RUNNING, started=now - timedelta(days=15))

        self.assertEqual(prune(now=now), {"workers": 1, "tasks": 1})
        self.assertEqual(
            set(DBTaskResult.objects.values_list("pk", flat=True)),
            {kept.pk, running.pk},
        )
        self.assertEqual(
            list(Worker.objects.values_list("worker_id", flat=True)), ["alive"]
        )


class StallingMailbox(Mailbox):
    """A mail server that, given its first recipient, stops answering until
    told to go on: the sender is stuck in the middle of sending."""

    def __init__(self):
        super().__init__()
        self.stalled = threading.Event()
        self.go_on = threading.Event()
        self.arrived_at = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if not self.stalled.is_set():
            self.stalled.set()
            while not self.go_on.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server, session, envelope):
        self.arrived_at.append(time.monotonic())
        return await super().handle_DATA(server, session, envelope)


QUEUE_ONE_EMAIL = """
from django.db import transaction
from outbox.sending import queue_email
with transaction.atomic():
    queue_email("killed:1", "invite", "anna@example.fi", "Hei", "Tervetuloa.")
"""
SHOW = """
from django_tasks_db.models import DBTaskResult
from outbox.models import OutgoingEmail
email = OutgoingEmail.objects.get(key="killed:1")
print("email", email.state, email.attempts)
for task in DBTaskResult.objects.filter(task_path="outbox.tasks.send_outbox"):
    print("task", task.status, task.exception_class_path)
"""


def show(env):
    """The email's state and attempts, and its task's state."""
    output = manage("shell", "-c", SHOW, env=env)
    return [line for line in output.splitlines() if line.startswith(("email", "task"))]


@skipUnless(
    connection.vendor == "sqlite", "runs on its own SQLite file: once per run is enough"
)
class KilledWorkerTests(SimpleTestCase):
    """Production settings, real worker processes, a real SIGKILL."""

    def test_an_email_a_killed_worker_was_sending_arrives_within_a_minute_once(self):
        mailbox = StallingMailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        self.addCleanup(smtp.stop)
        self.addCleanup(mailbox.go_on.set)
        env = production_env(
            released_sqlite_database(),
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=smtp.port,
            # Long enough that the stalled sender waits rather than fails.
            EMAIL_TIMEOUT=120,
        )
        manage("shell", "-c", QUEUE_ONE_EMAIL, env=env)

        # Worker A takes the task, claims the email and is stuck sending it.
        worker_a = WorkerProcess("worker-a", env, args=["--no-scheduler"])
        self.addCleanup(worker_a.stop)
        self.assertTrue(mailbox.stalled.wait(60), worker_a.output())
        worker_a.kill()
        killed_at = time.monotonic()
        mailbox.go_on.set()
        left_behind = show(env)

        # Worker B, started as a supervisor restarts a dead one, takes it over.
        worker_b = WorkerProcess("worker-b", env)
        self.addCleanup(worker_b.stop)
        while not mailbox.messages and time.monotonic() < killed_at + 90:
            time.sleep(0.2)
        delay = mailbox.arrived_at[0] - killed_at if mailbox.arrived_at else None
        swept = self.wait_for_sweep(env, deadline=killed_at + 120)

        self.assertEqual(left_behind, ["email sending 1", "task RUNNING "])
        self.assertIsNotNone(delay, worker_b.output())
        self.assertLess(delay, 60)
        self.assertEqual(len(mailbox.messages), 1)
        self.assertEqual(
            swept, ["email sent 2", "task FAILED outbox.workers.WorkerLost"]
        )
        print(
            f"\nKilled worker: email taken over and delivered {delay:.1f}s after "
            "the kill; its task marked failed.",
        )

    @staticmethod
    def wait_for_sweep(env, deadline):
        while True:
            shown = show(env)
            if "FAILED" in shown[1] or time.monotonic() > deadline:
                return shown
            time.sleep(3)
