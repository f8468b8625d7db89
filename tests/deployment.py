"""A production deployment on this machine, for the tests that need real
processes: the release step (``scripts/release.sh``'s migrate,
createcachetable and collectstatic) into a temporary directory, gunicorn web
servers with ``virtu/gunicorn_conf.py``, and ``manage.py worker`` processes,
all with the production settings."""

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from functools import cache
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
#: A key long and varied enough for ``check --deploy``.
SECRET_KEY = "virtu-production-tests-" + "k3y-" * 10
#: Variables of the environment the tests run in that would change the
#: production settings the tests start.
INHERITED = {"CACHE_URL", "REDIS_URL", "SESSION_ENGINE", "DJANGO_SETTINGS_MODULE"}


def production_env(database_url, **values):
    """The environment of a production process on ``database_url``: static
    files collected once per test run, the cache in the database unless
    ``CACHE_URL`` is given. Values given replace the defaults."""
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="virtu.settings.production",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="localhost,127.0.0.1",
        STATIC_ROOT=str(collected_static()),
        EMAIL_TIMEOUT="5",
        PYTHONUNBUFFERED="1",
        # The scripts run this test run's virtualenv (Django 6 or 5.2).
        VENV=str(Path(sys.executable).parent.parent),
    )
    env.update({key: str(value) for key, value in values.items()})
    return env


def manage(*args, env, timeout=180):
    """Run ``manage.py`` with ``env``; its output, or AssertionError."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def temporary_directory(prefix):
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


@cache
def collected_static():
    """``collectstatic`` with the production storage, once per test run."""
    directory = temporary_directory("virtu-static-")
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="virtu.settings.production",
        SECRET_KEY=SECRET_KEY,
        STATIC_ROOT=str(directory),
    )
    manage("collectstatic", "--noinput", "-v", "0", env=env)
    return directory


def released_sqlite_database():
    """A new SQLite database file after the release step: its URL."""
    path = temporary_directory("virtu-db-") / "db.sqlite3"
    url = f"sqlite:///{path}"
    env = production_env(url)
    manage("migrate", "-v", "0", env=env)
    manage("createcachetable", env=env)
    return url


def get(url, headers=None, timeout=10):
    """(status, headers, body) of a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get_without_redirect(url, headers=None, timeout=10):
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class Process:
    """A long-running process of the deployment, its output in a file;
    ``prefix`` runs it elsewhere (``ip netns exec <host>``)."""

    def __init__(self, name, command, env, prefix=()):
        self.name = name
        self.log_path = temporary_directory(f"virtu-{name}-") / "output.log"
        self.log = open(self.log_path, "w")  # closed in stop()
        self.process = subprocess.Popen(
            [*prefix, *command],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self):
        return self.process.pid

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self):
        """SIGKILL: the process gets no chance to tidy up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout=30):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


class WebServer(Process):
    """``scripts/serve.sh`` (gunicorn), listening on ``bind``."""

    def __init__(self, name, env, bind, url, prefix=(), workers=2):
        self.url = url
        env = {**env, "BIND": bind, "WEB_CONCURRENCY": str(workers)}
        super().__init__(name, [str(ROOT / "scripts" / "serve.sh")], env, prefix)

    def wait_until_ready(self, timeout=60):
        """Wait for the readiness check to answer 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} stopped:\n{self.output()}")
            try:
                if get(self.url + "/health/ready/", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} not ready in {timeout}s:\n{self.output()}")


class WorkerProcess(Process):
    """``scripts/worker.sh`` (``manage.py worker``)."""

    def __init__(self, name, env, prefix=(), args=()):
        command = [str(ROOT / "scripts" / "worker.sh"), *args]
        super().__init__(name, command, env, prefix)
