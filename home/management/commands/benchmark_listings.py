from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from assignments.models import Reflection
from cohorts.enrolment import enrol
from cohorts.models import Enrollment
from home.management import demo
from home.management.benchmark import (
    add_noinput_argument,
    add_runs_argument,
    analyze,
    report_two_sizes,
    throwaway_database,
    time_request,
)
from home.management.commands.load_demo_data import DEMO_EMAIL_BACKEND
from library.models import Pattern, Story, Thanks
from outbox.models import OutgoingEmail

#: The small size every page is measured at first.
SMALL = 200
BENCHMARK_COHORT = demo.CohortSpec(
    "Suorituskykytesti", "suorituskykytesti", ("Helsinki",), "jitsi", 8
)


class Command(BaseCommand):
    help = (
        "Time the pages that list what grows with the participants: the "
        "library, the trainer's next reflection and admin home, the admin's "
        "reflections and the outbox, with one cohort of 200 and of many "
        "participants (a story for each shared reflection, two sent emails a "
        "participant). Runs in a throwaway test database, like manage.py test."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=10000,
            metavar="N",
            help="Participants in the cohort at the large size (default 10000).",
        )
        add_runs_argument(parser, default=10)
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
        email, first_name, last_name, organisation, __ = demo.TRAINERS[0]
        enrol(cohort, email, first_name, last_name, "trainer", organisation)
        User = get_user_model()
        trainer = User.objects.get(email=email)
        coordinator = User.objects.get(username=demo.COORDINATOR[0])
        results = {}
        for size in (SMALL, participants):
            self.grow(cohort, trainer, size, progress)
            reader = User.objects.get(username=demo.generated_email(1))
            pattern = Pattern.objects.order_by("pk").first()
            library = reverse("library:index")
            pages = [
                ("Library", reader, library, 200),
                ("Library, page 50", reader, f"{library}?page=50", 200),
                ("Library, one decision", reader, f"{library}?decision=adopt", 200),
                (
                    "Library, a pattern",
                    reader,
                    reverse("library:pattern", args=[pattern.pk]),
                    200,
                ),
                (
                    "Next reflection to answer",
                    trainer,
                    reverse("reflections:next"),
                    302,
                ),
                ("Admin home, trainer", trainer, reverse("wagtailadmin_home"), 200),
                ("Reflections, admin", coordinator, reverse("reflections:index"), 200),
                ("Outbox", coordinator, reverse("outbox:index"), 200),
            ]
            results[size] = {}
            for name, user, url, status in pages:
                client = Client()
                client.force_login(user)
                queries, ms, db_ms, _response = time_request(
                    client, url, runs, status=status
                )
                results[size][name] = (queries, ms, db_ms)
        return results

    def grow(self, cohort, trainer, size, progress):
        """Top the cohort up to ``size`` participants, with their progress,
        a published story (thanked by every other reader) for each shared
        reflection and two sent emails each."""
        now = timezone.now()
        demo.add_generated_participants([cohort], size, progress=progress)
        demo.add_generated_progress(cohort, now)
        patterns = list(Pattern.objects.order_by("pk"))
        shared = Reflection.objects.filter(
            experiment__cohort=cohort,
            status=Reflection.Status.SUBMITTED,
            visibility=Reflection.Visibility.COHORT,
            story__isnull=True,
        ).order_by("pk")
        stories = Story.objects.bulk_create(
            Story(
                reflection=reflection,
                pattern=patterns[number % len(patterns)],
                anonymous=number % 3 == 0,
                approved_at=now,
                approved_by=trainer,
            )
            for number, reflection in enumerate(shared)
        )
        readers = list(
            Enrollment.objects.filter(cohort=cohort).values_list("user_id", flat=True)
        )
        Thanks.objects.bulk_create(
            (
                Thanks(story=story, user_id=readers[(number * 13) % len(readers)])
                for number, story in enumerate(stories)
                if number % 2 == 0
            ),
            ignore_conflicts=True,
        )
        OutgoingEmail.objects.bulk_create(
            OutgoingEmail(
                key=f"benchmark:{number}",
                kind="session_reminder",
                to=demo.generated_email(number % size),
                subject="Huomenna: Valmennuspäivä 1",
                text="Hei! " * 200,
                html="<p>Hei!</p>" * 100,
                state=OutgoingEmail.State.SENT,
                sent_at=now,
            )
            for number in range(OutgoingEmail.objects.count(), 2 * size)
        )
        analyze()

    def report(self, results, participants, runs):
        report_two_sizes(self, "Listings", results, SMALL, participants, runs)
