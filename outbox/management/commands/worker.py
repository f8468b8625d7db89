from django.core.management.base import BaseCommand

from outbox.scheduling import registered
from outbox.workers import new_worker_id, run_worker, task_backend_runs_in_database


class Command(BaseCommand):
    help = (
        "Run a worker: the tasks queued in the database (emails, Wagtail's "
        "index updates) and the periodic jobs (outbox retries, reminders). "
        "Run as many as you like, on any hosts: each task runs once, each "
        "periodic job once per period, and what a killed worker held is "
        "taken over by the others."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-scheduler",
            action="store_false",
            dest="scheduler",
            help="Run tasks only, no periodic jobs.",
        )
        parser.add_argument(
            "--queue-name",
            default="*",
            help="Task queues to run, comma-separated ('*': all, the default).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait for a task when there is none (default 1).",
        )
        parser.add_argument(
            "--worker-id",
            default=None,
            help=(
                "A name unique among the workers (default: host, process and a "
                "random part)."
            ),
        )

    def handle(self, *args, scheduler, queue_name, interval, worker_id, **options):
        worker_id = worker_id or new_worker_id()
        tasks = task_backend_runs_in_database()
        parts = ["tasks" if tasks else "no tasks (they run where they are queued)"]
        if scheduler:
            parts.append("periodic jobs: " + ", ".join(sorted(registered())))
        self.stdout.write(f"Worker {worker_id}: {'; '.join(parts)}.")
        run_worker(
            worker_id,
            tasks=tasks,
            scheduler=scheduler,
            queues=queue_name,
            interval=interval,
        )
