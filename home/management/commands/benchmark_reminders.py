import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from cohorts.reminders import queue_reminders
from home.management import demo
from home.management.benchmark import (
    add_noinput_argument,
    analyze,
    throwaway_database,
)
from home.management.commands.load_demo_data import DEMO_EMAIL_BACKEND
from outbox.models import OutgoingEmail
from outbox.sending import render

#: The small size the job is measured at first.
SMALL = 200
#: Outbox rows the worker's rendering is timed on.
SAMPLE = 200
BENCHMARK_COHORT = demo.CohortSpec(
    "Muistutustesti", "muistutustesti", ("Helsinki",), "jitsi", 8
)
#: A task queue that keeps its tasks for a worker, as production's does: the
#: job is timed without the sending that the worker does afterwards.
QUEUE = {
    "default": {"BACKEND": f"{settings.TASKS_PACKAGE}.backends.dummy.DummyBackend"}
}


@contextmanager
def counting_queries():
    """[how many queries ran] in the block, however many (Django's query
    log keeps the last 9,000), without its copy of each one's SQL."""
    count = [0]

    def counted(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        yield count


class Command(BaseCommand):
    help = (
        "Time the reminders job (queue_reminders) the day before a session of "
        "one cohort of 200 and of many participants, and the worker's "
        "rendering of the reminders it queued. Runs in a throwaway test "
        "database, like manage.py test, so the database in use is never "
        "touched; DATABASE_URL chooses SQLite or PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=10_000,
            metavar="N",
            help="Participants in the cohort at the large size (default 10000).",
        )
        add_noinput_argument(parser)

    def handle(self, *args, participants, interactive, verbosity, **options):
        if participants <= SMALL:
            raise CommandError(f"--participants must be more than {SMALL}.")
        with (
            throwaway_database(interactive),
            override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=["*"],
                EMAIL_BACKEND=DEMO_EMAIL_BACKEND,
                TASKS=QUEUE,
            ),
        ):
            results = self.measure(participants, progress=verbosity > 0)
        self.report(results, participants)

    def measure(self, participants, progress):
        built = demo.build()
        cohort, _created = demo.demo_cohort(
            built.course, BENCHMARK_COHORT, timezone.localdate()
        )
        # Noon the day before the cohort's first session, in its zone.
        first = cohort.sessions.order_by("start").first().start
        day_before = first.astimezone(cohort.zone).date() - timedelta(days=1)
        now = datetime(*day_before.timetuple()[:3], 12, tzinfo=cohort.zone)
        results = {}
        for size in (SMALL, participants):
            # Person n always goes to the same cohort: this tops it up to size.
            demo.add_generated_participants([cohort], size, progress=progress)
            analyze()
            OutgoingEmail.objects.all().delete()
            with counting_queries() as queries:
                start = time.perf_counter()
                counts = queue_reminders(now=now)
                seconds = time.perf_counter() - start
            results[size] = (counts, queries[0], seconds, self.render_sample(counts))
        return results

    def render_sample(self, counts):
        """(rows, queries, seconds, how many the renderer dropped) of the
        worker's rendering of up to SAMPLE queued reminders, spread over
        the kinds queued; rows is 0 where the job rendered them itself."""
        kinds = [kind for kind, count in counts.items() if count]
        emails = []
        for kind in kinds:
            emails += (
                OutgoingEmail.objects.filter(kind=kind)
                .exclude(params={})
                .select_related("user")
                .order_by("pk")[: SAMPLE // len(kinds)]
            )
        dropped = 0
        with counting_queries() as queries:
            start = time.perf_counter()
            for email in emails:
                if render(email) is None:
                    dropped += 1
            seconds = time.perf_counter() - start
        return len(emails), queries[0], seconds, dropped

    def report(self, results, participants):
        self.stdout.write(
            f"\nThe reminders job the day before a session of one cohort on "
            f"{connection.vendor}, in a throwaway test database.\n"
        )
        self.stdout.write(
            f"{'participants':>13}{'emails':>8}{'queries':>9}{'s':>8}"
            f"{'ms/email':>10}{'q/email':>9}   worker rendering"
        )
        for size in (SMALL, participants):
            counts, queries, seconds, (rows, render_queries, render_s, dropped) = (
                results[size]
            )
            emails = sum(counts.values())
            line = (
                f"{size:>13,}{emails:>8,}{queries:>9,}{seconds:>8.2f}"
                f"{seconds * 1000 / max(emails, 1):>10.2f}"
                f"{queries / max(emails, 1):>9.2f}   "
            )
            if rows:
                line += (
                    f"{render_s * 1000 / rows:.2f} ms and "
                    f"{render_queries / rows:.1f} queries per email "
                    f"(sample of {rows}"
                    + (f", {dropped} not needed" if dropped else "")
                    + ")"
                )
            else:
                line += "done by the job"
            self.stdout.write(line)
        kinds = Counter()
        for counts, *__ in results.values():
            kinds.update(counts)
        self.stdout.write(
            "Emails queued by kind at both sizes together: "
            + ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items()))
        )
        small, large = results[SMALL][1], results[participants][1]
        if small != large:
            self.stdout.write(
                self.style.WARNING(
                    f"The job's queries grow with participants: {small:,} at "
                    f"{SMALL}, {large:,} at {participants:,}."
                )
            )
