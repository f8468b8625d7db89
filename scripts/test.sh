#!/usr/bin/env bash
# Runs the test suite: builds .venv from the lock file, compiles translations
# and runs Django's test runner; the exit code is the test result.
#   scripts/test.sh                          every test, on SQLite
#   scripts/test.sh tests.test_smoke -v 2    labels replace "tests"; options pass on
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/virtu scripts/test.sh
# PYTHON, LOCK and VENV as in _setup.sh (the Django 5.2 leg:
#   PYTHON=python3.11 LOCK=requirements/lock-django52.txt VENV=.venv-django52).
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "$0")/_setup.sh"

setup_venv
compile_translations
setup_calendar_parsers
setup_browser
labels=(tests)
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    labels=()
fi
db=${DATABASE_URL:-sqlite}
say "Running tests on ${db%%:*}"
exec "$VENV/bin/python" manage.py test "${labels[@]}" "$@" \
    --settings=virtu.settings.test
