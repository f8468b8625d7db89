"""Periodic jobs run by the workers: each once per period however many
workers ask, recorded in the database."""

import threading
from datetime import timedelta
from unittest import skipIf

from django.core import mail
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.utils import timezone
from wagtail import hooks

from outbox.models import JobSchedule, OutgoingEmail
from outbox.scheduling import PeriodicJob, registered, run_due_jobs

from .test_outbox import queue


class Counter:
    def __init__(self, fail=False):
        self.runs = 0
        self.fail = fail

    def __call__(self):
        self.runs += 1
        if self.fail:
            raise RuntimeError("the job broke")
        return {"done": self.runs}


def jobs(**counters):
    """A hook function that registers an hourly job per counter."""
    return lambda: [
        PeriodicJob(f"test.{name}", timedelta(hours=1), counter)
        for name, counter in counters.items()
    ]


class PeriodicJobTests(TestCase):
    def test_a_job_runs_once_per_period_however_many_workers_ask(self):
        counter = Counter()
        now = timezone.now()

        with hooks.register_temporarily("register_periodic_jobs", jobs(count=counter)):
            for worker in ["a", "b", "c"]:
                run_due_jobs(worker, now=now)
            after_one_run = counter.runs
            run_due_jobs("b", now=now + timedelta(minutes=59))
            run_due_jobs("c", now=now + timedelta(minutes=60))
            run_due_jobs("a", now=now + timedelta(minutes=60))

        schedule = JobSchedule.objects.get(name="test.count")
        self.assertEqual((after_one_run, counter.runs), (1, 2))
        self.assertEqual(schedule.runs, 2)
        self.assertEqual(schedule.last_run_by, "c")
        self.assertEqual(schedule.next_run_at, now + timedelta(minutes=120))
        self.assertEqual(schedule.last_result, "{'done': 2}")

    def test_a_job_that_fails_is_recorded_and_the_others_still_run(self):
        broken, fine = Counter(fail=True), Counter()
        now = timezone.now()

        with (
            hooks.register_temporarily(
                "register_periodic_jobs", jobs(broken=broken, fine=fine)
            ),
            self.assertLogs("outbox.scheduling", "ERROR"),
        ):
            results = run_due_jobs("a", now=now)
            run_due_jobs("a", now=now + timedelta(hours=1))

        self.assertIsInstance(results["test.broken"], RuntimeError)
        self.assertEqual((broken.runs, fine.runs), (2, 2))
        failed = JobSchedule.objects.get(name="test.broken")
        self.assertEqual(failed.last_error, "RuntimeError: the job broke")
        self.assertIsNotNone(failed.last_finished_at)

    def test_a_worker_asked_to_stop_starts_no_further_job(self):
        first, second = Counter(), Counter()

        with hooks.register_temporarily(
            "register_periodic_jobs", jobs(first=first, second=second)
        ):
            run_due_jobs("a", stop=lambda: first.runs > 0)

        self.assertEqual((first.runs, second.runs), (1, 0))
        self.assertFalse(
            JobSchedule.objects.filter(name="test.second", runs__gt=0).exists()
        )

    def test_the_apps_register_outbox_retries_task_sweeps_and_reminders(self):
        expected = {
            "outbox.send_due": timedelta(seconds=10),
            "outbox.sweep_lost_tasks": timedelta(seconds=15),
            "outbox.prune": timedelta(days=1),
            "cohorts.reminders": timedelta(hours=1),
            "cohorts.trainer_access": timedelta(hours=1),
            "courses.publish_scheduled": timedelta(minutes=1),
        }

        jobs = registered()

        # Other jobs may join them; these are there with these periods.
        self.assertEqual({name: jobs[name].every for name in expected}, expected)

    def test_the_outbox_job_sends_what_is_due(self):
        email = queue("test:due")

        results = run_due_jobs("a")

        email.refresh_from_db()
        self.assertEqual(email.state, OutgoingEmail.State.SENT)
        self.assertEqual(results["outbox.send_due"], {OutgoingEmail.State.SENT: 1})
        self.assertEqual(len(mail.outbox), 1)


@skipIf(
    connection.vendor == "sqlite",
    "the in-memory test database locks whole tables without waiting",
)
class ConcurrentSchedulerTests(TransactionTestCase):
    # Its flush at the end then leaves the database empty for the next
    # transaction test case to restore the migrated state into (a plain flush
    # has post_migrate make content types again, which the restore would
    # meet twice).
    serialized_rollback = True

    def test_four_workers_at_the_same_moment_run_a_job_once(self):
        counter = Counter()
        now = timezone.now()
        step = threading.Barrier(4)
        errors = []

        def worker(name):
            try:
                # Every worker looks at each moment together.
                for minutes in (0, 30, 60, 90, 120):
                    step.wait(10)
                    run_due_jobs(name, now=now + timedelta(minutes=minutes))
            except Exception as error:  # reported below, not lost in the thread
                errors.append(error)
            finally:
                connection.close()

        with hooks.register_temporarily("register_periodic_jobs", jobs(once=counter)):
            threads = [
                threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)

        self.assertEqual(errors, [])
        # Due at 0, 60 and 120 minutes: three periods, three runs.
        self.assertEqual(counter.runs, 3)
        self.assertEqual(JobSchedule.objects.get(name="test.once").runs, 3)
