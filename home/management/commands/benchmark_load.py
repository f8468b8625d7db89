"""A load benchmark: gunicorn on PostgreSQL, participants and trainers at once.

Builds a cohort in a throwaway test database, starts gunicorn on the
loopback address with the production settings (``virtu.settings.benchmark``),
and runs every participant's journey (sign in by link, My training, the
reflection form, five autosaves, submit, the cohort space) beside the
trainers' (the progress grid, a reflection, feedback on it). Prints p50 and
p95 per endpoint, each next to a bare signed-in view measured in the same
run, and checks what was stored against what was answered: nothing lost,
nothing twice. Bounded: every request has a timeout and the whole run a
deadline, after which no new journey starts.
"""

import operator
import os
import re
import secrets
import socket
import statistics
import subprocess  # nosec B404 - starts gunicorn from this checkout
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from pathlib import Path

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from assignments.models import Reflection
from cohorts.enrolment import enrol
from cohorts.models import Enrollment
from home.benchmark_urls import BARE_PATH
from home.management import demo
from home.management.benchmark import (
    add_noinput_argument,
    analyze,
    throwaway_database,
)
from home.management.commands.load_demo_data import DEMO_EMAIL_BACKEND
from outbox.models import OutgoingEmail
from signin import links

BENCHMARK_COHORT = demo.CohortSpec(
    "Kuormitustesti", "kuormitustesti", ("Helsinki",), "jitsi", -3
)
DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "virtu_cache",
}
#: Seconds one request may take before it counts as an error.
REQUEST_TIMEOUT = 60
BARE = "Bare signed-in view (reference)"
ADMIN_REFERENCE = "Wagtail account page (admin reference)"
#: The endpoints whose p50 the issue compares with the bare view's.
PARTICIPANT_PAGES = ("My training", "Reflection form", "Autosave", "Cohort space")
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Recorder:
    """Response times and outcomes per endpoint, from many threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        #: The time inside the gunicorn worker (its Server-Timing header).
        self.server = defaultdict(list)
        self.errors = defaultdict(list)

    def request(self, session, name, method, url, expect=200, **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(
                method, url, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs
            )
        except requests.RequestException as error:
            outcome, response = type(error).__name__, None
        else:
            outcome = response.status_code
        ms = (time.perf_counter() - start) * 1000
        server = (
            SERVER_TIMING.search(response.headers.get("Server-Timing", ""))
            if (response is not None)
            else None
        )
        with self.lock:
            if outcome == expect:
                self.times[name].append(ms)
                if server:
                    self.server[name].append(float(server.group(1)))
            else:
                self.errors[name].append(outcome)
        return response if outcome == expect else None


class Command(BaseCommand):
    help = (
        "Load benchmark: start gunicorn on PostgreSQL with the production "
        "settings, run the journey of every participant of a cohort and the "
        "trainers' at once, and print p50/p95 per endpoint against a bare "
        "signed-in view, and rows stored against successful responses. Runs "
        "in a throwaway test database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=200, metavar="N")
        parser.add_argument(
            "--cohort-size",
            type=int,
            default=0,
            metavar="N",
            help="Also enrol idle participants until the cohort has N (default: "
            "only those who take part).",
        )
        parser.add_argument("--trainers", type=int, default=2)
        parser.add_argument(
            "--feedback", type=int, default=10, help="Feedback rounds per trainer."
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="gunicorn worker processes."
        )
        parser.add_argument(
            "--concurrency", type=int, default=8, help="Journeys run at once."
        )
        parser.add_argument(
            "--deadline",
            type=int,
            default=600,
            help="Seconds after which no new journey starts.",
        )
        add_noinput_argument(parser)

    def handle(self, *args, interactive, verbosity, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Set DATABASE_URL to a PostgreSQL database.")
        if options["participants"] < 1 or options["trainers"] < 1:
            raise CommandError("--participants and --trainers must be at least 1.")
        with (
            throwaway_database(interactive),
            override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND),
            translation.override(settings.LANGUAGE_CODE),
        ):
            # The cache table production keeps in the database.
            with override_settings(CACHES={"default": DATABASE_CACHE}):
                call_command("createcachetable", verbosity=0)
            plan = self.build(options, progress=verbosity > 0)
            with self.gunicorn(options["workers"]) as base_url:
                recorder, seconds = self.run_load(base_url, plan, options)
            stored = self.stored(plan)
        self.report(recorder, stored, seconds, options)

    # Data

    def build(self, options, progress):
        built = demo.build()
        cohort, _created = demo.demo_cohort(
            built.course, BENCHMARK_COHORT, timezone.localdate()
        )
        size = max(options["cohort_size"], options["participants"])
        demo.add_generated_participants([cohort], size, progress=progress)
        # Everyone has a reflection on the first experiment: the trainers
        # answer those. The participants write on a later one that is the
        # only one after its session (where a session offers several, each
        # person chooses one first).
        demo.add_generated_progress(cohort, timezone.now())
        experiments = list(cohort.experiments.order_by("after_session", "pk"))
        gaps = Counter(experiment.after_session for experiment in experiments)
        first = experiments[0]
        second = next(
            e
            for e in experiments
            if e.after_session > first.after_session and gaps[e.after_session] == 1
        )
        people = list(
            Enrollment.objects.filter(cohort=cohort, role=Enrollment.Role.PARTICIPANT)
            .select_related("user")
            .order_by("pk")[: options["participants"]]
        )
        tokens = [links.new_link(person.user)[1] for person in people]
        trainers = []
        for number in range(options["trainers"]):
            user = enrol(
                cohort,
                f"kuormitus.kouluttaja.{number}@demo.example.org",
                "Kouluttaja",
                str(number),
                Enrollment.Role.TRAINER,
            ).user
            demo.set_demo_password(user)
            trainers.append(user.username)
        analyze()
        waiting = list(
            Reflection.objects.filter(
                experiment=first,
                status=Reflection.Status.SUBMITTED,
                feedback_at__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[: options["trainers"] * options["feedback"]]
        )
        return {
            "cohort": cohort,
            "experiment": second,
            "people": [person.pk for person in people],
            "tokens": tokens,
            "trainers": trainers,
            "waiting": waiting,
            "urls": {
                "link": [reverse("signin:link", args=[token]) for token in tokens],
                "my_training": reverse("participant:my_training"),
                "form": reverse("participant:reflection", args=[second.pk]),
                "autosave": reverse("participant:autosave", args=[second.pk]),
                "space": reverse("participant:cohort", args=[cohort.pk]),
                "admin_login": reverse("wagtailadmin_login"),
                "account": reverse("wagtailadmin_account"),
                "grid": reverse("cohorts:progress", args=[cohort.pk]),
                "review": [reverse("reflections:review", args=[pk]) for pk in waiting],
            },
        }

    def stored(self, plan):
        """What the database holds after the run."""
        reflections = Reflection.objects.filter(
            experiment=plan["experiment"], author__in=plan["people"]
        )
        per_author = reflections.values("author").distinct().count()
        return {
            "reflections": reflections.count(),
            "authors": per_author,
            "submitted": reflections.filter(status=Reflection.Status.SUBMITTED).count(),
            "final_text": reflections.filter(
                answers__0__answer="Kokeilin etäkokousta (5)."
            ).count(),
            "feedback": Reflection.objects.filter(
                pk__in=plan["waiting"], feedback_at__isnull=False
            ).count(),
            "feedback_emails": OutgoingEmail.objects.filter(
                reduce(
                    operator.or_,
                    (Q(key__startswith=f"feedback:{pk}:") for pk in plan["waiting"]),
                    Q(pk__in=[]),
                )
            ).count(),
            "tasks": dict(
                DBTaskResult.objects.values("task_path")
                .order_by()
                .annotate(count=Count("id"))
                .values_list("task_path", "count")
            ),
        }

    # gunicorn

    def gunicorn(self, workers):
        return Gunicorn(workers, self.database_url())

    @staticmethod
    def database_url():
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        return (
            f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )

    # The load

    def run_load(self, base_url, plan, options):
        recorder = Recorder()
        deadline = time.monotonic() + options["deadline"]
        start = time.perf_counter()
        trainers = plan["trainers"]
        rounds = options["feedback"]
        reviews = plan["urls"]["review"]
        with ThreadPoolExecutor(max_workers=options["concurrency"]) as pool:
            jobs = [
                pool.submit(
                    self.trainer_journey,
                    recorder,
                    base_url,
                    plan,
                    username,
                    reviews[number * rounds : (number + 1) * rounds],
                    deadline,
                )
                for number, username in enumerate(trainers)
            ]
            jobs += [
                pool.submit(
                    self.participant_journey,
                    recorder,
                    base_url,
                    plan,
                    link,
                    deadline,
                )
                for link in plan["urls"]["link"]
            ]
            for job in jobs:
                job.result()
        return recorder, time.perf_counter() - start

    def participant_journey(self, recorder, base_url, plan, link, deadline):
        if time.monotonic() > deadline:
            return
        urls = plan["urls"]
        with requests.Session() as session:
            page = recorder.request(session, "Sign-in link", "GET", base_url + link)
            if page is None:
                return
            signed_in = recorder.request(
                session,
                "Sign in (post)",
                "POST",
                base_url + link,
                expect=302,
                data={"csrfmiddlewaretoken": csrf(page)},
            )
            if signed_in is None:
                return
            recorder.request(session, BARE, "GET", base_url + BARE_PATH)
            recorder.request(
                session, "My training", "GET", base_url + urls["my_training"]
            )
            form = recorder.request(
                session, "Reflection form", "GET", base_url + urls["form"]
            )
            if form is None:
                return
            token = csrf(form)
            for number in range(1, 6):
                recorder.request(
                    session,
                    "Autosave",
                    "POST",
                    base_url + urls["autosave"],
                    data={
                        "answer_0": f"Kokeilin etäkokousta ({number}).",
                        "visibility": "cohort",
                    },
                    headers={"X-CSRFToken": token},
                )
            recorder.request(session, BARE, "GET", base_url + BARE_PATH)
            recorder.request(
                session,
                "Submit",
                "POST",
                base_url + urls["form"],
                expect=302,
                data={
                    "csrfmiddlewaretoken": token,
                    "answer_0": "Kokeilin etäkokousta (5).",
                    "visibility": "cohort",
                    "action": "submit",
                    # Asked on submit where the site has the outcome question.
                    "decision": "adopt",
                    "usefulness": "4",
                },
            )
            recorder.request(session, "Cohort space", "GET", base_url + urls["space"])

    def trainer_journey(self, recorder, base_url, plan, username, reviews, deadline):
        urls = plan["urls"]
        with requests.Session() as session:
            page = recorder.request(
                session, "Admin sign-in page", "GET", base_url + urls["admin_login"]
            )
            if page is None:
                return
            signed_in = recorder.request(
                session,
                "Admin sign in (post)",
                "POST",
                base_url + urls["admin_login"],
                expect=302,
                data={
                    "csrfmiddlewaretoken": csrf(page),
                    "username": username,
                    "password": demo.DEMO_PASSWORD,
                },
            )
            if signed_in is None:
                return
            for review in reviews:
                if time.monotonic() > deadline:
                    return
                recorder.request(
                    session, ADMIN_REFERENCE, "GET", base_url + urls["account"]
                )
                recorder.request(
                    session, "Progress grid", "GET", base_url + urls["grid"]
                )
                page = recorder.request(session, "Review", "GET", base_url + review)
                if page is None:
                    continue
                recorder.request(
                    session,
                    "Feedback",
                    "POST",
                    base_url + review,
                    expect=302,
                    data={
                        "csrfmiddlewaretoken": csrf(page),
                        "feedback": "Hyvä kokeilu, jatka samaan malliin.",
                        "action": "feedback",
                    },
                )

    # The report

    def report(self, recorder, stored, seconds, options):
        bare = median(recorder.times[BARE])
        admin = median(recorder.times[ADMIN_REFERENCE])
        self.stdout.write(
            f"\nLoad on gunicorn ({options['workers']} workers, production "
            f"settings) and PostgreSQL: {options['participants']:,} participants"
            f" in a cohort of {max(options['cohort_size'], options['participants']):,}"
            f", {options['trainers']} trainers, {options['concurrency']} journeys "
            f"at once; {seconds:.1f} s.\n"
        )
        bare_in = median(recorder.server[BARE])
        admin_in = median(recorder.server[ADMIN_REFERENCE])
        self.stdout.write(
            "p50/p95: as the client saw it; in worker: p50 of the time inside "
            "the gunicorn worker (Server-Timing), × the reference's in-worker "
            "p50 (the bare view, or for the trainers' pages the admin page).\n"
        )
        self.stdout.write(
            f"| {'endpoint':40} | {'ok':>6} | {'errors':>6} | {'p50 ms':>8} | "
            f"{'p95 ms':>8} | {'× bare':>7} | {'× admin':>7} | "
            f"{'in worker':>9} | {'× ref.':>6} |"
        )
        self.stdout.write(
            f"|{'-' * 42}|{'-' * 8}|{'-' * 8}|{'-' * 10}|{'-' * 10}|"
            f"{'-' * 9}|{'-' * 9}|{'-' * 11}|{'-' * 8}|"
        )
        names = sorted(set(recorder.times) | set(recorder.errors), key=order)
        for name in names:
            times = recorder.times[name]
            p50, p95 = median(times), percentile(times, 95)
            inside = median(recorder.server[name])
            reference = admin_in if order(name) >= order(ADMIN_REFERENCE) else bare_in
            self.stdout.write(
                f"| {name:40} | {len(times):>6} | {len(recorder.errors[name]):>6} | "
                f"{p50:>8.1f} | {p95:>8.1f} | {ratio(p50, bare):>7} | "
                f"{ratio(p50, admin):>7} | {inside:>9.1f} | "
                f"{ratio(inside, reference):>6} |"
            )
        errors = {name: errs for name, errs in recorder.errors.items() if errs}
        for name, errs in errors.items():
            self.stdout.write(
                self.style.WARNING(f"{name}: {sorted(set(map(str, errs)))}")
            )
        submits = len(recorder.times["Submit"])
        feedback = len(recorder.times["Feedback"])
        checks = [
            (
                "submitted reflections stored / submits answered",
                stored["submitted"],
                submits,
            ),
            (
                "reflections with the last autosaved text / submits answered",
                stored["final_text"],
                submits,
            ),
            (
                "reflections / participants with one (duplicates)",
                stored["reflections"],
                stored["authors"],
            ),
            ("feedback stored / feedback answered", stored["feedback"], feedback),
            (
                "feedback emails queued / feedback answered",
                stored["feedback_emails"],
                feedback,
            ),
        ]
        self.stdout.write("")
        for label, rows, answered in checks:
            lost = max(answered - rows, 0)
            extra = max(rows - answered, 0)
            line = f"{label}: {rows} / {answered} (lost {lost}, duplicated {extra})"
            self.stdout.write(line if not (lost or extra) else self.style.WARNING(line))
        self.stdout.write("\nTasks queued for the worker:")
        for path, count in sorted(stored["tasks"].items()):
            self.stdout.write(f"  {path}: {count}")


class Gunicorn:
    """gunicorn from this checkout on a free loopback port, stopped on exit."""

    def __init__(self, workers, database_url):
        self.workers = workers
        self.database_url = database_url

    def __enter__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile(
            "w+", prefix="virtu-benchmark-gunicorn-", suffix=".log", delete=False
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "virtu.settings.benchmark",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_ACCESS_LOG": "",
            "LOG_LEVEL": "WARNING",
        }
        root = Path(settings.BASE_DIR)
        self.process = subprocess.Popen(  # nosec B603 - fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(root / "virtu" / "gunicorn_conf.py"),
                "virtu.wsgi",
            ],
            cwd=root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        for _attempt in range(120):
            if self.process.poll() is not None:
                break
            try:
                if requests.get(base_url + "/health/ready/", timeout=5).ok:
                    return base_url
            except requests.RequestException:
                pass
            time.sleep(0.5)
        self.stop()
        raise CommandError(f"gunicorn did not start; see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __exit__(self, *exc_info):
        self.stop()
        return False


def csrf(response):
    found = CSRF.search(response.text)
    return found.group(1) if found else response.cookies.get("csrftoken", "")


def median(values):
    return statistics.median(values) if values else float("nan")


def percentile(values, percent):
    if len(values) < 2:
        return median(values)
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def ratio(value, reference):
    if not reference or reference != reference or value != value:
        return "–"
    return f"{value / reference:.1f}"


def order(name):
    """The journeys' order, references first."""
    known = [
        BARE,
        "Sign-in link",
        "Sign in (post)",
        *PARTICIPANT_PAGES,
        "Submit",
        ADMIN_REFERENCE,
        "Admin sign-in page",
        "Admin sign in (post)",
        "Progress grid",
        "Review",
        "Feedback",
    ]
    return known.index(name) if name in known else len(known)
