"""What the benchmark commands share: a throwaway database to build in."""

import cProfile
import io
import pstats
import statistics
import time
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext


def add_runs_argument(parser, default=5, per="page and size"):
    parser.add_argument(
        "--runs",
        type=int,
        default=default,
        help=f"Timed requests per {per}; the median is shown.",
    )


def add_noinput_argument(parser):
    parser.add_argument(
        "--noinput",
        "--no-input",
        action="store_false",
        dest="interactive",
        help="Destroy a test database left over from an earlier run without asking.",
    )


def add_profile_argument(parser, example):
    parser.add_argument(
        "--profile",
        metavar="PAGE",
        help=f'Also print where the requests of PAGE (such as "{example}") '
        "spend their time at the largest size, from cProfile.",
    )


@contextmanager
def throwaway_database(interactive):
    """Build and measure in a test database, like ``manage.py test``, so the
    database in use is never touched.

    Not setup_test_environment(): its template instrumentation copies every
    template context and would add its own time to each page.
    """
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(
        verbosity=0, autoclobber=not interactive, serialize=False
    )
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def analyze():
    """Refresh PostgreSQL's statistics after a bulk load, as autovacuum does
    on a running site; without them the planner takes a cohort of thousands
    for a few rows and plans its queries for that."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def time_request(
    client, url, runs, headers=None, status=200, before_each=None, data=None
):
    """(queries, median ms, median ms in the database, last response) of a
    GET, or a POST of ``data``, after one warm-up request that fills the
    caches a running site has. ``before_each`` is called, untimed, before
    each timed request."""

    def send():
        if data is None:
            return client.get(url, headers=headers)
        return client.post(url, data, headers=headers)

    send()
    counts, timings, db_timings = [], [], []
    for _run in range(runs):
        if before_each is not None:
            before_each()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = send()
            if response.streaming:
                # An export is written as it is sent: time it to its end.
                b"".join(response.streaming_content)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code != status:
            raise CommandError(f"{url} answered {response.status_code}.")
        counts.append(len(queries))
        db_timings.append(sum(float(q["time"]) for q in queries) * 1000)
    return (
        max(counts),
        statistics.median(timings),
        statistics.median(db_timings),
        response,
    )


def profile_request(client, url, runs, data=None, limit=30):
    """What ``runs`` requests of ``url`` spend their time in: cProfile's
    functions by own time, then by cumulative time, as text."""

    def send():
        if data is None:
            return client.get(url)
        return client.post(url, data)

    send()
    profile = cProfile.Profile()
    profile.enable()
    for _run in range(runs):
        send()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def report_two_sizes(command, heading, results, small, large, runs):
    """Print ``results`` ({size: {page: (queries, ms, db ms)}}) at the
    ``small`` and ``large`` sizes side by side, under ``heading``, with a
    warning where a page's queries grow with the participants."""
    command.stdout.write(
        f"\n{heading} on {connection.vendor}, in a throwaway test database; "
        f"median of {runs} runs.\n"
    )
    columns = f"{'queries':>9}{'ms':>9}{'db ms':>9}"
    command.stdout.write(
        f"{'':30}{f'{small:,} participants':>27}{f'{large:,} participants':>27}"
    )
    command.stdout.write(f"{'Page':30}{columns:>27}{columns:>27}")
    for name, measured in results[small].items():
        line = f"{name:30}"
        for queries, ms, db_ms in (measured, results[large][name]):
            line += f"{queries:>9}{ms:>9.1f}{db_ms:>9.1f}"
        if results[large][name][0] != measured[0]:
            line += command.style.WARNING("  queries grow with participants")
        command.stdout.write(line)
