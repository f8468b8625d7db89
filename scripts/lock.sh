#!/usr/bin/env bash
# Regenerates the lock files from pyproject.toml (its dependencies plus the
# "test" and "server" extras), every version pinned:
#   requirements/lock.txt            Python 3.12, newest Django (the default)
#   requirements/lock-django52.txt   Python 3.11, Django 5.2 LTS (CI's second leg)
# Upgrades everything allowed by pyproject.toml; commit the result after CI passes.
set -euo pipefail
cd "$(dirname "$0")/.."

uv=$(command -v uv || true)
if [ -z "$uv" ]; then
    scratch=${TMPDIR:-/tmp}/virtu-uv
    [ -x "$scratch/bin/uv" ] || { python3 -m venv "$scratch" && "$scratch/bin/pip" install -q uv; }
    uv=$scratch/bin/uv
fi

compile() {
    local out=$1
    shift
    "$uv" pip compile pyproject.toml --extra test --extra server --upgrade --quiet \
        --custom-compile-command scripts/lock.sh -o "$out" "$@"
    # The first line says how to regenerate the file.
    sed -i "1i # Regenerate with scripts/lock.sh; do not edit by hand." "$out"
}

compile requirements/lock.txt --python-version 3.12
compile requirements/lock-django52.txt --python-version 3.11 \
    -c requirements/django52-constraints.txt
