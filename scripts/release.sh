#!/usr/bin/env bash
# The release step of a production deploy, run before (re)starting the web
# servers and workers, on each host that runs them:
#   1. the virtualenv from the lock file (as scripts/test.sh builds it),
#   2. the translations compiled (gettext's msgfmt),
#   3. the database migrated, and the cache table created (for the default
#      database cache; it does nothing when the cache is Redis),
#   4. the static files collected, with hashed names and compressed copies.
# Safe to run again; with several hosts run it on one host at a time (the
# first migrates, the others find nothing to do). PYTHON, LOCK and VENV as in
# scripts/_setup.sh; settings from the environment (README "Production").
set -euo pipefail
# shellcheck source=scripts/_setup.sh
source "$(dirname "$0")/_setup.sh"
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-virtu.settings.production}

setup_venv
command -v msgfmt >/dev/null ||
    die "msgfmt not found: install gettext, or the site shows no Finnish or Swedish."
compile_translations
say "Migrating the database"
"$VENV/bin/python" manage.py migrate --noinput
say "Creating the cache table"
"$VENV/bin/python" manage.py createcachetable
say "Collecting static files"
"$VENV/bin/python" manage.py collectstatic --noinput -v 0
say "Checking the deployment"
"$VENV/bin/python" manage.py check --deploy --fail-level ERROR
