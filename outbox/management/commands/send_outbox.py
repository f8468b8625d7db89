import time

from django.core.management.base import BaseCommand

from outbox.sending import BATCH, send_pending


class Command(BaseCommand):
    help = (
        "Send the emails that are due in the outbox, retrying failed ones. "
        "The workers (manage.py worker) do this every few seconds; this "
        "sends them now, once, or with --loop until stopped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Keep running, looking for due emails every SECONDS.",
        )
        parser.add_argument("--limit", type=int, default=BATCH)

    def handle(self, *args, loop=None, limit=BATCH, **options):
        while True:
            counts = send_pending(limit=limit)
            if counts or options["verbosity"] > 1:
                self.stdout.write(
                    ", ".join(f"{state}: {n}" for state, n in counts.items())
                    or "Nothing to send."
                )
            if not loop:
                return
            if sum(counts.values()) < limit:  # a full batch: more may be due
                time.sleep(loop)
