#!/usr/bin/env bash
# Starts a production worker: `manage.py worker` with the production
# settings. It runs the tasks queued in the database (emails, Wagtail's index
# updates) and the periodic jobs (outbox retries, reminders); run as many as
# you like, on any hosts. Run scripts/release.sh first.
# VENV names the virtualenv (default .venv); the worker replaces this shell,
# so TERM from a supervisor reaches it: it finishes its task, then stops.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-virtu.settings.production}
exec "$VENV/bin/python" manage.py worker "$@"
