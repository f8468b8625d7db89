from django.core.management.base import BaseCommand

from cohorts.reminders import queue_reminders


class Command(BaseCommand):
    help = (
        "Queue reminders: the day before a session to its participants, and "
        "before a reflection is due to those who have not submitted it. The "
        "workers (manage.py worker) do this every hour; this does it now. Each "
        "reminder is sent once however often it runs."
    )

    def handle(self, *args, **options):
        for kind, count in queue_reminders().items():
            if count or options["verbosity"] > 1:
                self.stdout.write(f"{kind}: {count}")
