import csv
import io
import time
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from cohorts.importing import MAX_ROWS
from cohorts.models import CohortPage
from home.management import demo
from home.management.benchmark import add_noinput_argument, throwaway_database
from home.management.commands.load_demo_data import DEMO_EMAIL_BACKEND
from outbox.models import OutgoingEmail
from outbox.sending import send_pending

#: A task queue that keeps its tasks for a worker, as production's does: the
#: request is timed without the sending that the worker does afterwards.
QUEUE = {
    "default": {"BACKEND": f"{settings.TASKS_PACKAGE}.backends.dummy.DummyBackend"}
}


class Command(BaseCommand):
    help = (
        "Time an import of a full file (500 people) through the admin into a "
        "published cohort (the file read, its preview shown and the import "
        "confirmed), and the worker that then sends its emails. Runs in "
        "a throwaway test database, like manage.py test, so the database in "
        "use is never touched; DATABASE_URL chooses SQLite or PostgreSQL."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--runs",
            type=int,
            default=3,
            help="Imports timed, each of new people into a new cohort.",
        )
        parser.add_argument(
            "--enrolled",
            type=int,
            default=0,
            metavar="N",
            help="Participants each cohort already has when the file is "
            "imported (default 0): the import's cost should not grow with them.",
        )
        add_noinput_argument(parser)

    def handle(self, *args, runs, enrolled, interactive, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        if enrolled < 0:
            raise CommandError("--enrolled must not be negative.")
        with (
            throwaway_database(interactive),
            override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=["*"],
                EMAIL_BACKEND=DEMO_EMAIL_BACKEND,
                TASKS=QUEUE,
            ),
        ):
            results = [self.measure(run, enrolled) for run in range(runs)]
        self.report(results, enrolled)

    def measure(self, run, enrolled):
        """(import s: both steps, rows queued, again s, worker s, emails sent)
        of one import of MAX_ROWS new people into a cohort of ``enrolled``."""
        built = demo.build()
        cohort = CohortPage(title=f"Import {run}", start_date=date(2030, 1, 8))
        cohort.plan_from_course(built.course)
        built.course.add_child(instance=cohort)
        cohort.save_revision().publish()
        if enrolled:
            # Other cohorts' generated people are not these: each run's
            # cohort gets its own by numbering on from the ones before.
            demo.add_generated_participants(
                [cohort], enrolled * (run + 1), start=enrolled * run
            )
        client = Client()
        client.force_login(get_user_model().objects.get(username=demo.COORDINATOR[0]))
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(["name", "email", "organisation", "role"])
        for number in range(MAX_ROWS):
            writer.writerow(
                [f"Tuomas Tuonti{number}", f"tuonti.{run}.{number}@example.org", "", ""]
            )
        data = text.getvalue().encode()
        queued_before = OutgoingEmail.objects.count()

        def post():
            """Both steps, timed together: the file read and shown, and
            its import confirmed (when there is anything to import)."""
            upload = SimpleUploadedFile("people.csv", data)
            start = time.perf_counter()
            response = client.post(
                reverse("enrollments:import"), {"cohort": cohort.pk, "file": upload}
            )
            if response.status_code != 302:
                raise CommandError(f"The file answered {response.status_code}.")
            preview = client.get(response["Location"])
            if b'id="import-confirm"' not in preview.content:
                raise CommandError(f"The preview answered {preview.status_code}.")
            if b'type="submit"' in preview.content:
                response = client.post(response["Location"])
                if response.status_code != 302:
                    raise CommandError(f"The import answered {response.status_code}.")
            return time.perf_counter() - start

        seconds = post()
        queued = OutgoingEmail.objects.count() - queued_before
        again = post()  # the same file again: everyone unchanged
        start = time.perf_counter()
        sent = 0
        while counts := send_pending():
            sent += counts.get(OutgoingEmail.State.SENT, 0)
        worker = time.perf_counter() - start
        return seconds, queued, again, worker, sent

    def report(self, results, enrolled):
        self.stdout.write(
            f"\nImport of {MAX_ROWS} people through the admin into a cohort of "
            f"{enrolled:,} participants on {connection.vendor}, in a throwaway "
            "test database.\n"
        )
        self.stdout.write(
            f"{'run':>4}{'import s':>11}{'emails queued':>15}"
            f"{'again s':>9}{'worker s':>10}{'emails sent':>13}"
        )
        for number, (seconds, queued, again, worker, sent) in enumerate(
            results, start=1
        ):
            self.stdout.write(
                f"{number:>4}{seconds:>11.2f}{queued:>15}"
                f"{again:>9.2f}{worker:>10.1f}{sent:>13}"
            )
        self.stdout.write(
            "The request records the emails; the worker (here in this process, "
            "to a local mailbox) renders and sends them."
        )
