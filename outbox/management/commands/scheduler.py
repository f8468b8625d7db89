from django.core.management.base import BaseCommand

from outbox.scheduling import registered
from outbox.workers import new_worker_id, run_worker


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (outbox retries, reminders) without running "
        "tasks. Every `manage.py worker` runs them already; this is for a "
        "site whose tasks run elsewhere, and for development. Any number may "
        "run: each job runs once per period."
    )

    def handle(self, *args, **options):
        worker_id = new_worker_id()
        jobs = ", ".join(sorted(registered()))
        self.stdout.write(f"Scheduler {worker_id}: periodic jobs: {jobs}.")
        run_worker(worker_id, tasks=False, scheduler=True)
