"""What the benchmark commands share: a throwaway database to build in."""

from contextlib import contextmanager

from django.db import connection


def add_noinput_argument(parser):
    parser.add_argument(
        "--noinput",
        "--no-input",
        action="store_false",
        dest="interactive",
        help="Destroy a test database left over from an earlier run without asking.",
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
