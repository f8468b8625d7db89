#!/usr/bin/env bash
# Starts the production web server: gunicorn with virtu/gunicorn_conf.py and
# the production settings. Run scripts/release.sh first (it installs, builds
# the static files and migrates); this starts fast and changes nothing.
#   scripts/serve.sh                    # listens on 127.0.0.1:8000 (PORT, BIND)
# SECRET_KEY and the rest come from the environment (README "Production").
# VENV names the virtualenv (default .venv); gunicorn replaces this shell, so
# a supervisor's signals reach it: HUP reloads gracefully, TERM stops.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-virtu.settings.production}
exec "$VENV/bin/python" -m gunicorn -c virtu/gunicorn_conf.py virtu.wsgi
