from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from home.management import demo
from home.management.benchmark import (
    add_noinput_argument,
    add_runs_argument,
    report_two_sizes,
    throwaway_database,
    time_request,
)
from home.management.commands.load_demo_data import DEMO_EMAIL_BACKEND

#: The small size every view is measured at first.
SMALL = 50
BENCHMARK_COHORT = demo.CohortSpec(
    "Suorituskykytesti", "suorituskykytesti", ("Helsinki",), "jitsi", 8
)


class Command(BaseCommand):
    help = (
        "Time the training admin with one cohort of 50 and of many participants. "
        "Runs in a throwaway test database, like manage.py test, so the "
        "database in use is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=5000,
            metavar="N",
            help="Participants in the cohort at the large size (default 5000).",
        )
        add_runs_argument(parser)
        add_noinput_argument(parser)

    def handle(self, *args, participants, runs, interactive, verbosity, **options):
        if participants <= SMALL:
            raise CommandError(f"--participants must be more than {SMALL}.")
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        with (
            throwaway_database(interactive),
            override_settings(
                DEBUG=False, ALLOWED_HOSTS=["*"], EMAIL_BACKEND=DEMO_EMAIL_BACKEND
            ),
        ):
            results = self.measure(participants, runs, progress=verbosity > 0)
        self.report(results, participants, runs)

    def measure(self, participants, runs, progress):
        built = demo.build()
        cohort, _created = demo.demo_cohort(
            built.course, BENCHMARK_COHORT, timezone.localdate()
        )
        client = Client()
        client.force_login(get_user_model().objects.get(username=demo.COORDINATOR[0]))
        pages = {
            "Wagtail dashboard (reference)": reverse("wagtailadmin_home"),
            "Cohort listing": reverse("cohorts:index"),
            "Cohort edit view": reverse("wagtailadmin_pages:edit", args=[cohort.pk]),
            "Enrolment listing": reverse("enrollments:index"),
        }
        results = {}
        for size in (SMALL, participants):
            # Person n always goes to the same cohort: this tops it up to size.
            demo.add_generated_participants([cohort], size, progress=progress)
            results[size] = {
                name: self.time_page(client, url, runs) for name, url in pages.items()
            }
        return results

    def time_page(self, client, url, runs):
        """(queries, median ms, median ms in the database) of a page, after
        one warm-up request that fills the caches a running site has filled."""
        queries, ms, db_ms, _response = time_request(client, url, runs)
        return queries, ms, db_ms

    def report(self, results, participants, runs):
        report_two_sizes(
            self, "Training admin as a coordinator", results, SMALL, participants, runs
        )
