import itertools

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from assignments.models import Reflection
from assignments.participant_views import PER_PAGE
from cohorts.enrolment import enrol
from cohorts.models import Enrollment
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

SIZES = (2000, 10000)
BENCHMARK_COHORT = demo.CohortSpec(
    "Osallistujatesti", "osallistujatesti", ("Helsinki",), "jitsi", -3
)
TRAINER = "kouluttaja.testi@demo.example.org"


def changer(reflection):
    """A function that changes ``reflection``'s text each time it is called."""
    edits = itertools.count()

    def change():
        Reflection.objects.filter(pk=reflection.pk).update(
            answers=[{"prompt": "?", "answer": f"Edit {next(edits)}"}]
        )

    return change


class Command(BaseCommand):
    help = (
        "Time the participants' pages (My training, the reflection form, "
        "autosave, the cohort space) in one cohort of 2,000 and of 10,000 "
        "participants, next to a bare signed-in view measured in the same run; "
        "again, for three of them, with none of their rendered parts kept. "
        "Runs in a throwaway test database, like manage.py test, so the "
        "database in use is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes",
            type=int,
            nargs="+",
            default=list(SIZES),
            metavar="N",
            help="Participants in the cohort, in increasing order "
            "(default 2000 10000).",
        )
        add_runs_argument(parser, default=10)
        add_noinput_argument(parser)
        add_profile_argument(parser, "My training")

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
                DEBUG=False,
                ALLOWED_HOSTS=["*"],
                EMAIL_BACKEND=DEMO_EMAIL_BACKEND,
                ROOT_URLCONF="home.benchmark_urls",
            ),
            translation.override("fi"),
        ):
            results = self.measure(sizes, runs, verbosity > 0, profile)
        self.report(results, sizes, runs)

    def measure(self, sizes, runs, progress, profile=None):
        built = demo.build()
        cohort, _created = demo.demo_cohort(
            built.course, BENCHMARK_COHORT, timezone.localdate()
        )
        trainer = enrol(
            cohort, TRAINER, "Kaisa", "Kouluttaja", Enrollment.Role.TRAINER
        ).user
        participant, trainer_client = Client(), Client()
        trainer_client.force_login(trainer)
        experiment = cohort.experiments.order_by("after_session", "pk").first()
        results = {}
        now = timezone.now()
        for size in sizes:
            # Person n always goes to the same cohort: this tops it up to size.
            demo.add_generated_participants([cohort], size, progress=progress)
            demo.add_generated_progress(cohort, now)
            analyze()
            if size == sizes[0]:
                # A person with a draft of the first experiment to autosave.
                draft = Reflection.objects.filter(
                    experiment=experiment, status=Reflection.Status.DRAFT
                ).select_related("author__user")[0]
                participant.force_login(draft.author.user)
            shared = Reflection.objects.filter(
                experiment__cohort=cohort,
                status=Reflection.Status.SUBMITTED,
                visibility=Reflection.Visibility.COHORT,
            ).order_by("-submitted_at", "-pk")
            space = reverse("participant:cohort", args=[cohort.pk])
            last_page = f"{space}?page={max(1, -(-shared.count() // PER_PAGE))}"
            form = reverse("participant:reflection", args=[experiment.pk])
            pages = {
                "Bare signed-in view (reference)": (participant, "/benchmark/bare/"),
                "My training": (participant, reverse("participant:my_training")),
                "Reflection form": (participant, form),
                "Autosave": (
                    participant,
                    reverse("participant:autosave", args=[experiment.pk]),
                    {"answer_0": "Kokeilin etäkokousta.", "visibility": "cohort"},
                ),
                "Cohort space": (participant, space),
                "Cohort space, last page": (participant, last_page),
                "Cohort space, trainer": (trainer_client, space),
            }
            if profile is not None and size == sizes[-1]:
                if profile not in pages:
                    raise CommandError(f"--profile: one of {', '.join(pages)}.")
                client, url, *data = pages[profile]
                self.stdout.write(
                    profile_request(client, url, runs, data[0] if data else None)
                )
            results[size] = {
                name: time_request(client, url, runs, data=data[0] if data else None)[
                    :3
                ]
                for name, (client, url, *data) in pages.items()
            }
            # The cohort space after someone changed one reflection on its
            # first page (as sharing a new one does): the others are kept.
            newest = shared.first()
            if newest is not None:
                results[size]["Cohort space, one reflection changed"] = time_request(
                    participant, space, runs, before_each=changer(newest)
                )[:3]
            # The same pages with none of their rendered parts kept yet, as a
            # person's first visit after a change finds them.
            for name in ("My training", "Reflection form", "Cohort space"):
                client, url = pages[name]
                results[size][f"{name}, first visit"] = time_request(
                    client, url, runs, before_each=caches["template_fragments"].clear
                )[:3]
        return results

    def report(self, results, sizes, runs):
        self.stdout.write(
            f"\nParticipant pages on {connection.vendor}, in a throwaway test "
            f"database; median of {runs} runs.\n"
        )
        columns = f"{'queries':>9}{'ms':>9}{'db ms':>9}{'× bare':>9}"
        self.stdout.write(
            f"{'':34}" + "".join(f"{f'{size:,} participants':>36}" for size in sizes)
        )
        self.stdout.write(f"{'Page':34}" + f"{columns:>36}" * len(sizes))
        first = results[sizes[0]]
        for name in first:
            line = f"{name:34}"
            for size in sizes:
                queries, ms, db_ms = results[size][name]
                bare_ms = results[size]["Bare signed-in view (reference)"][1]
                line += f"{queries:>9}{ms:>9.1f}{db_ms:>9.1f}{ms / bare_ms:>9.1f}"
            if len({results[size][name][0] for size in sizes}) > 1:
                line += self.style.WARNING("  queries grow with participants")
            self.stdout.write(line)
