from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from home.management import demo
from home.management.benchmark import (
    add_noinput_argument,
    add_profile_argument,
    add_runs_argument,
    analyze,
    profile_request,
    throwaway_database,
    time_request,
)
from home.management.commands.load_demo_data import DEMO_EMAIL_BACKEND
from impact.waves import schedule

SIZES = (20, 500, 2000)
BENCHMARK_COHORT = demo.CohortSpec(
    "Edistymistesti", "edistymistesti", ("Helsinki",), "jitsi", -3
)


class Command(BaseCommand):
    help = (
        "Time the cohort progress grid, the course overview and the cohort's "
        "and course's impact reports at 20, 500 and 2,000 participants, next "
        "to a bare Wagtail admin page measured in the same run. Runs in a "
        "throwaway test database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=int,
            nargs="+",
            default=list(SIZES),
            metavar="N",
            help="Participants in the cohort, in increasing order "
            "(default 20 500 2000).",
        )
        add_runs_argument(parser)
        add_noinput_argument(parser)
        add_profile_argument(parser, "Progress grid")

    def handle(
        self, *args, sizes, runs, interactive, verbosity, profile=None, **options
    ):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        if sizes != sorted(sizes) or sizes[0] < 1:
            raise CommandError("--sizes must be positive and in increasing order.")
        with (
            throwaway_database(interactive),
            override_settings(
                DEBUG=False, ALLOWED_HOSTS=["*"], EMAIL_BACKEND=DEMO_EMAIL_BACKEND
            ),
        ):
            results = self.measure(sizes, runs, verbosity > 0, profile)
        self.report(results, sizes, runs)

    def measure(self, sizes, runs, progress, profile=None):
        built = demo.build()
        cohort, _created = demo.demo_cohort(
            built.course, BENCHMARK_COHORT, timezone.localdate()
        )
        if not cohort.impact_statements.exists():
            raise CommandError(
                f"{cohort.title} has no impact plan: its course "
                f"{built.course.title} was made without one."
            )
        # The survey answered as if it had run its course, all three waves
        # (the cohort is under way: by today only the baseline has opened),
        # so that the reports compute every figure of every wave.
        survey_over = schedule(list(cohort.sessions.all()), cohort.zone)[-1].closes
        client = Client()
        client.force_login(get_user_model().objects.get(username=demo.COORDINATOR[0]))
        session = cohort.sessions.first()
        grid = reverse("cohorts:progress", args=[cohort.pk])
        cohort_impact = reverse("cohorts:impact", args=[cohort.pk])
        course_impact = reverse("courses:impact", args=[built.course.pk])
        pages = {
            "Wagtail account page (reference)": reverse("wagtailadmin_account"),
            "Progress grid": grid,
            "Progress grid, filtered": grid + "?state=late&organisation=x",
            "Progress grid, XLSX export": grid + "?export=xlsx",
            "Course overview": reverse("courses:overview", args=[built.course.pk]),
            "Course overview, XLSX export": reverse(
                "courses:overview", args=[built.course.pk]
            )
            + "?export=xlsx",
            "Attendance form": reverse(
                "cohorts:session_attendance", args=[cohort.pk, session.pk]
            ),
            "Cohort impact report": cohort_impact,
            "Cohort impact report, XLSX export": cohort_impact + "?export=xlsx",
            "Cohort impact report, CSV export": cohort_impact + "?export=csv",
            "Course impact report": course_impact,
            "Course impact report, XLSX export": course_impact + "?export=xlsx",
            "Course impact report, CSV export": course_impact + "?export=csv",
        }
        results = {}
        now = timezone.now()
        for size in sizes:
            # Person n always goes to the same cohort: this tops it up to size.
            demo.add_generated_participants([cohort], size, progress=progress)
            demo.add_generated_progress(cohort, now)
            demo.add_generated_impact_answers(cohort, survey_over)
            analyze()
            results[size] = {
                name: time_request(client, url, runs)[:3] for name, url in pages.items()
            }
        if profile is not None:
            if profile not in pages:
                raise CommandError(f"--profile: one of {', '.join(pages)}.")
            self.stdout.write(profile_request(client, pages[profile], runs))
        return results

    def report(self, results, sizes, runs):
        self.stdout.write(
            f"\nProgress, course overview and impact as a coordinator on "
            f"{connection.vendor}, in a throwaway test database; median of "
            f"{runs} runs.\n"
        )
        columns = f"{'queries':>9}{'ms':>9}{'db ms':>9}"
        self.stdout.write(
            f"{'':34}" + "".join(f"{f'{size:,} participants':>27}" for size in sizes)
        )
        self.stdout.write(f"{'Page':34}" + f"{columns:>27}" * len(sizes))
        first = results[sizes[0]]
        for name in first:
            line = f"{name:34}"
            for size in sizes:
                queries, ms, db_ms = results[size][name]
                line += f"{queries:>9}{ms:>9.1f}{db_ms:>9.1f}"
            if len({results[size][name][0] for size in sizes}) > 1:
                line += self.style.WARNING("  queries grow with participants")
            self.stdout.write(line)
