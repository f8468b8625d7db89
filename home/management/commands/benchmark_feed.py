from datetime import date

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import path, reverse

from cohorts.calendar.views import new_token
from cohorts.enrolment import person_for_email
from cohorts.models import CohortPage, Enrollment
from home.management import demo
from home.management.benchmark import (
    add_noinput_argument,
    add_runs_argument,
    throwaway_database,
    time_request,
)
from outbox.health import paths as health_paths
from virtu import urls as site_urls

#: Cohorts of the two people whose feeds are timed.
SIZES = (5, 50)


def bare_query(request):
    """A bare view that reads one row, as any view that knows who asks does
    (the feed reads its token's row)."""
    user = get_user_model().objects.filter(pk=request.GET.get("id")).first()
    return HttpResponse(str(user))


#: The site's URLs plus the bare view that reads a row. The cheapest answer
#: the site gives, the reference, is its liveness check (outbox/health.py).
urlpatterns = [
    path("benchmark/bare-query/", bare_query, name="bare_query"),
    *site_urls.urlpatterns,
]


class Command(BaseCommand):
    help = (
        "Time the personal calendar feed of a person in 5 and in 50 cohorts "
        "against the health checks and a bare view that reads a row: as "
        "served (from the cache), answered 304, and built anew. Runs in a "
        "throwaway test database, like manage.py test, so the database in use "
        "is never touched."
    )

    def add_arguments(self, parser):
        add_runs_argument(parser, default=20, per="URL")
        add_noinput_argument(parser)

    def handle(self, *args, runs, interactive, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        with (
            throwaway_database(interactive),
            override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=["*"],
                ROOT_URLCONF=__name__,
                # Enrolling people queues invites: keep them off any real server.
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            ),
        ):
            results = self.measure(runs)
        self.report(results, runs)

    def measure(self, runs):
        course = demo.demo_course(demo.course_index())
        cohorts = [self.cohort(course, number) for number in range(max(SIZES))]
        client = Client()
        live, ready = health_paths()
        results = {
            "Liveness (reference)": self.time_url(client, live, runs),
            "Readiness": self.time_url(client, ready, runs),
        }
        for size in SIZES:
            person = person_for_email(f"feed{size}@example.fi", "Feed", str(size))
            if size == SIZES[0]:
                results["Bare view, one query"] = self.time_url(
                    client, f"{reverse('bare_query')}?id={person.pk}", runs
                )
            Enrollment.objects.bulk_create(
                Enrollment(cohort=cohort, user=person) for cohort in cohorts[:size]
            )
            url = reverse("calendar:feed", args=[new_token(person)])
            # As served: built once per change, then from the cache.
            results[f"Feed of {size} cohorts"] = self.time_url(client, url, runs)
            etag = client.get(url)["ETag"]
            results[f"  {size}: 304 Not Modified"] = self.time_url(
                client, url, runs, headers={"if-none-match": etag}, status=304
            )
            results[f"  {size}: built anew"] = self.time_url(
                client, url, runs, before_each=cache.clear
            )
        return results

    def cohort(self, course, number):
        """A live cohort planned from the course, each session with a link."""
        cohort = CohortPage(
            title=f"Cohort {number}", start_date=date(2027, 1, 4 + number % 20)
        )
        cohort.plan_from_course(course)
        for session in cohort.sessions.all():
            session.meeting_url = f"https://meet.example.org/virtu-{number}"
        course.add_child(instance=cohort)
        return cohort

    def time_url(self, client, url, runs, **kwargs):
        """(queries, median ms, kB) of a URL, after one warm-up request."""
        queries, ms, _db_ms, response = time_request(client, url, runs, **kwargs)
        return queries, ms, len(response.content) / 1000

    def report(self, results, runs):
        self.stdout.write(
            f"\nCalendar feed on {connection.vendor}, in a throwaway test "
            f"database; median of {runs} runs.\n"
        )
        bare_ms = results["Liveness (reference)"][1]
        query_ms = results["Bare view, one query"][1]
        self.stdout.write(
            f"{'URL':28}{'queries':>9}{'ms':>9}{'× live':>9}{'× 1 query':>11}{'kB':>9}"
        )
        for name, (queries, ms, size) in results.items():
            self.stdout.write(
                f"{name:28}{queries:>9}{ms:>9.2f}{ms / bare_ms:>9.1f}"
                f"{ms / query_ms:>11.1f}{size:>9.1f}"
            )
        counts = {
            queries
            for name, (queries, _ms, _kb) in results.items()
            if name.startswith("Feed")
        }
        if len(counts) > 1:
            self.stdout.write(self.style.WARNING("Queries grow with cohorts."))
