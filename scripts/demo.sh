#!/usr/bin/env bash
# Runs the demo site: builds .venv from the lock file, migrates, loads the
# demo data (it prints the logins) and serves http://localhost:8000/.
# Safe to re-run. PORT changes the port; PYTHON, LOCK and VENV as in _setup.sh.
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "$0")/_setup.sh"
export DJANGO_SETTINGS_MODULE=virtu.settings.dev
# The address printed with the logins and put in emails: this server's.
export WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://localhost:${PORT:-8000}}

setup_venv
compile_translations
say "Migrating the database"
"$VENV/bin/python" manage.py migrate --noinput -v 0
say "Loading demo data"
DEBUG=1 "$VENV/bin/python" manage.py load_demo_data
say "Serving http://localhost:${PORT:-8000}/ (admin: /admin/), Ctrl-C stops"
# Served as a real site is, with DEBUG off: its own "page not found" and
# error pages, and rendered parts kept (--insecure: runserver still serves
# the static files). DEBUG=1 scripts/demo.sh shows Django's debug pages.
DEBUG=${DEBUG:-0} exec "$VENV/bin/python" manage.py runserver --insecure "0.0.0.0:${PORT:-8000}"
