from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import translation

from assignments.models import Reflection
from cohorts import conf
from cohorts.models import CohortPage, Enrollment, Session
from courses.models import CoursePage
from home.management import demo
from signin import links as signin

#: Demo people have made-up addresses: the calendar invites that enrolling
#: them sends stay in memory instead of going out or filling the console.
DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = (
        "Load a demo training programme: a course, four cohorts with their "
        "sessions, people and reflections, and demo logins. Running it again "
        "adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--participants",
            type=int,
            default=0,
            metavar="N",
            help="Also enrol N generated participants across the cohorts "
            "(for benchmarks: thousands).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. The demo logins have a published "
            "password: never use this on a real site.",
        )

    def handle(self, *args, participants, force, verbosity, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this may be a real site, and the demo logins "
                "have a published password. Use --force if it is not."
            )
        if participants < 0:
            raise CommandError("--participants must be zero or more.")
        with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND):
            built = demo.build()
        if participants:
            demo.add_generated_participants(
                built.cohorts, participants, progress=verbosity > 0
            )
        if verbosity < 1:
            return
        counts = [
            (CoursePage, "courses"),
            (CohortPage, "cohorts"),
            (Session, "sessions"),
            (Enrollment, "enrolments"),
            (Reflection, "reflections"),
            (get_user_model(), "users"),
        ]
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready: "
                + ", ".join(f"{name} {model.objects.count()}" for model, name in counts)
            )
        )
        site = conf.site_url()
        self.stdout.write(f"\nAdmin: {site}/admin/\nSite:  {site}/\n")
        self.stdout.write(f"Logins (password for all: {demo.DEMO_PASSWORD}):")
        for role, username in built.logins:
            self.stdout.write(f"  {role:<12} {username}")
        self.write_sign_in_link(built)

    def write_sign_in_link(self, built):
        """Participants sign in by a link from their welcome email; the demo's
        emails are not sent, so here is a fresh one for the demo participant."""
        username = next(
            (
                name
                for role, name in built.logins
                if Enrollment.objects.filter(
                    user__username=name, role=Enrollment.Role.PARTICIPANT
                ).exists()
            ),
            None,
        )
        if username is None:
            return
        user = get_user_model().objects.get(username=username)
        with translation.override(settings.LANGUAGE_CODE):
            __, token = signin.new_link(user)
            url = signin.link_url(token)
        self.stdout.write(
            f"\nSign in as {username} without a password (the link works once):"
            f"\n  {url}"
        )
