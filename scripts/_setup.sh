# shellcheck shell=bash
# Shared set-up for scripts/demo.sh and scripts/test.sh (sourced, not run).
#
# Builds the virtualenv from the lock file, or refreshes it when the lock
# file, pyproject.toml or the interpreter changed; otherwise does nothing, so
# every script can be re-run. Environment overrides:
#   PYTHON  interpreter for the virtualenv (default: Python 3.12)
#   LOCK    lock file to install (default: requirements/lock.txt)
#   VENV    virtualenv directory (default: .venv)

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LOCK=${LOCK:-requirements/lock.txt}
VENV=${VENV:-.venv}

say() { printf '\n==> %s\n' "$*"; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# A pyenv shim named python3.12 exists even when 3.12 is not the active
# version, so each candidate is run, not only looked up.
find_python() {
    if [ -n "${PYTHON:-}" ]; then
        "$PYTHON" -c 'import sys' 2>/dev/null || die "PYTHON=$PYTHON does not run."
        echo "$PYTHON"
        return
    fi
    local candidate
    for candidate in python3.12 "$HOME"/.pyenv/versions/3.12*/bin/python; do
        if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' \
            2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    die "Python 3.12 not found: put python3.12 on PATH, install it with pyenv, \
or set PYTHON=/path/to/python (3.11 works with LOCK=requirements/lock-django52.txt)."
}

# pip prints two lines per package about this machine's optional local
# indexes; they say nothing about this install.
quiet_pip() {
    "$VENV/bin/python" -m pip "$@" 2>&1 |
        { grep -v 'is ignored: it is neither a file nor a directory' || true; }
}

setup_venv() {
    [ -f "$LOCK" ] || die "lock file $LOCK not found."
    local python version stamp
    python=$(find_python)
    version=$("$python" -c 'import sys; print(sys.version.split()[0])')
    if [ -x "$VENV/bin/python" ] &&
        [ "$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])' \
            2>/dev/null)" != "$version" ]; then
        [ -f "$VENV/pyvenv.cfg" ] || die "$VENV exists but is not a virtualenv."
        say "Rebuilding $VENV for Python $version"
        rm -rf "$VENV"
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating $VENV with Python $version ($python)"
        "$python" -m venv "$VENV"
    fi
    stamp="$version $(cat "$LOCK" pyproject.toml | sha256sum | cut -d' ' -f1)"
    if [ "$(cat "$VENV/.virtu-installed" 2>/dev/null)" = "$stamp" ]; then
        return
    fi
    say "Installing $LOCK into $VENV"
    quiet_pip install --disable-pip-version-check -q -r "$LOCK"
    quiet_pip install --disable-pip-version-check -q --no-deps -e .
    echo "$stamp" >"$VENV/.virtu-installed"
}

# gettext's msgfmt turns locale/*.po into the .mo files Django reads; the
# .mo files are build output and not committed.
compile_translations() {
    # Already compiled in this checkout by an earlier step (CI runs two test
    # legs at once: neither rewrites the .mo files the other reads).
    if [ -n "${VIRTU_TRANSLATIONS_COMPILED:-}" ]; then
        return
    fi
    if ! find . -maxdepth 2 -type d -name locale -not -path './.venv*' | grep -q .; then
        return
    fi
    if ! command -v msgfmt >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "Installing gettext (msgfmt) to compile translations"
            apt-get update -qq && apt-get install -y -qq gettext >/dev/null
        else
            echo "warning: msgfmt (gettext) not found, translations not compiled;" \
                "install gettext to see the site in Finnish and Swedish." >&2
            return
        fi
    fi
    say "Compiling translations"
    "$VENV/bin/python" manage.py compilemessages -v 0 \
        --ignore '.venv*' --ignore "$(basename "$VENV")" --ignore node_modules
}

# The calendar tests read every file with the parsers real clients use:
# ical.js (Thunderbird) under node, and libical (Evolution) through Debian's
# own python3. Installed here when missing and we are root on Debian.
setup_calendar_parsers() {
    local packages=()
    /usr/bin/python3 -c 'import gi; gi.require_version("ICalGLib", "3.0")' \
        2>/dev/null || packages+=(python3-gi gir1.2-ical-3.0)
    command -v node >/dev/null || packages+=(nodejs npm)
    if [ ${#packages[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "Installing ${packages[*]} for the calendar parser tests"
            apt-get update -qq && apt-get install -y -qq "${packages[@]}" >/dev/null
        else
            echo "warning: ${packages[*]} missing; calendar parser tests will skip" \
                "(or fail with CI set)." >&2
        fi
    fi
    if command -v npm >/dev/null &&
        [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
        say "Installing ical.js (tests/js)"
        npm ci --prefix tests/js --no-audit --no-fund --loglevel=error >/dev/null
    fi
}

# The browser tests drive Debian's chromium with Playwright (the browser
# Playwright would download is not used). Installed here when missing and we
# are root on Debian; CHROMIUM names another binary.
setup_browser() {
    local chromium=${CHROMIUM:-/usr/bin/chromium}
    [ -x "$chromium" ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing chromium for the browser tests"
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "warning: $chromium missing; browser tests will fail (set" \
            "VIRTU_SKIP_BROWSER_TESTS=1 to skip them outside CI)." >&2
    fi
}
