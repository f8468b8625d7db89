"""Scale-out: two web servers and two workers, each a separate process and,
where the machine allows it, a host of its own (tests/hosts.py), share one
PostgreSQL database and one Redis. A coordinator enrols 300 people while 100
participants write and submit reflections, every person's requests spread
over both servers; one worker is killed (SIGKILL) while it is sending an
email. Every email arrives once, within two minutes; every submission is
stored once; the sign-in rate limit counts across both servers.

PostgreSQL only, and Redis on 127.0.0.1:6379 (``.ci/run`` starts one).
"""

import asyncio
import os
import random
import socket
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from unittest import skipUnless
from urllib.parse import quote

import requests
from aiosmtpd.controller import Controller
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.db.models import Max
from django.test import TransactionTestCase, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assignments.models import Reflection
from cohorts.models import Enrollment
from outbox.models import JobSchedule, OutgoingEmail, Worker
from outbox.sending import message_id

from .deployment import SECRET_KEY, WebServer, WorkerProcess, production_env
from .factories import make_cohort, make_coordinator, make_course
from .hosts import make_network
from .test_outbox import Mailbox, free_port

ENROLMENTS = 300
PARTICIPANTS = 100
#: Sign-in links one client may ask for in an hour, on these servers.
LINK_REQUESTS_PER_IP = 20
SERVERS = ("web1", "web2")
WORKERS = ("worker1", "worker2")
#: The site's name, as the proxy in front passes it on.
HOST = "virtu.test"
#: Requests of the load generator at once.
CONCURRENCY = 8
#: Delivered messages before a worker is killed in the middle of one.
KILL_AFTER = 150
CSRF = "k" * 32
State = OutgoingEmail.State


def redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as redis:
            redis.sendall(b"PING\r\n")
            return redis.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class ArmedMailbox(Mailbox):
    """A mail server that, once ``armed`` messages have arrived, holds the
    next sender it is talking to in the middle of sending (before DATA)
    until the test has killed it."""

    def __init__(self, armed):
        super().__init__()
        self.armed = armed
        self.stalled = threading.Event()
        self.killed = threading.Event()
        self.peer = None
        self.arrivals = []

    async def handle_RCPT(self, server, session, envelope, address, options):
        if len(self.messages) >= self.armed and not self.stalled.is_set():
            self.peer = session.peer
            self.stalled.set()
            while not self.killed.is_set():
                await asyncio.sleep(0.05)
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        self.arrivals.append(time.monotonic())  # one for each of self.messages
        return answer


def process_holding(pids, port):
    """Which of ``pids`` holds the TCP connection whose local port is
    ``port``, from each process's own view of its network (/proc)."""
    for pid in pids:
        inodes = set()
        for table in ("tcp", "tcp6"):
            path = Path(f"/proc/{pid}/net/{table}")
            if not path.exists():
                continue
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(descriptor) in inodes:
                    return pid
            except OSError:
                continue
    return None


class Load:
    """The people's browsers: requests to the servers through the proxy in
    front (Host, X-Forwarded-Proto), with their session and CSRF cookies."""

    def __init__(self, servers):
        self.servers = servers
        self.local = threading.local()

    def request(self, method, server, path, cookies, data=None, headers=None):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        headers = {
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}{path}",
            "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
            **(headers or {}),
        }
        return self.local.session.request(
            method,
            self.servers[server].url + path,
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=60,
        )


def database_url(host):
    """The test database, as the servers and workers on ``host`` reach it."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{host}:{db['PORT'] or 5432}/"
        f"{quote(db['NAME'])}"
    )


def session_for(user):
    """A signed-in session of ``user``, as the servers read it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save(must_create=True)
    return store.session_key


def site_message_id(key):
    """The Message-ID the servers give the email with ``key``."""
    with override_settings(WAGTAILADMIN_BASE_URL=f"https://{HOST}"):
        return message_id(key)


def answer(person, prompt):
    return f"Participant {person} ran meeting {prompt} remotely."


@skipUnless(
    connection.vendor == "postgresql",
    "needs a database that separate processes on several hosts share: PostgreSQL",
)
class ScaleOutTests(TransactionTestCase):
    serialized_rollback = True

    def setUp(self):
        super().setUp()
        if not redis_answers():
            message = "no Redis answers on 127.0.0.1:6379"
            if os.environ.get("CI"):
                self.fail(message)
            self.skipTest(message)
        self.run_id = uuid.uuid4().hex[:8]
        self.killed = None

    def test_two_servers_and_two_workers_lose_nothing_and_double_nothing(self):
        # Its first session a week ago: the first experiment is the one to do.
        cohort = make_cohort(
            make_course(), start_date=timezone.localdate() - timedelta(days=7)
        )
        experiment = cohort.experiments.get(after_session=1)
        coordinator = make_coordinator(f"coordinator-{self.run_id}@example.fi")
        participants = self.participants(cohort)
        with override_settings(SECRET_KEY=SECRET_KEY):
            coordinator_session = session_for(coordinator)
            sessions = [session_for(person) for person in participants]
        before = OutgoingEmail.objects.aggregate(last=Max("pk"))["last"] or 0

        network = make_network(SERVERS + WORKERS)
        if network is not None:
            self.addCleanup(network.close)
            network.relay_services(connection.settings_dict["PORT"] or 5432, 6379)
            services = network.gateway
        else:
            services = "127.0.0.1"
        mailbox = ArmedMailbox(armed=KILL_AFTER)
        smtp = Controller(mailbox, hostname=services, port=free_port())
        smtp.start()
        self.addCleanup(smtp.stop)
        self.addCleanup(mailbox.killed.set)
        env = production_env(
            database_url(services),
            CACHE_URL=f"redis://{services}:6379/0",
            ALLOWED_HOSTS=HOST,
            WAGTAILADMIN_BASE_URL=f"https://{HOST}",
            EMAIL_HOST=services,
            EMAIL_PORT=smtp.port,
            EMAIL_TIMEOUT=30,
            VIRTU_CLIENT_IP_HEADER="HTTP_X_REAL_IP",
            # The limit every server keeps for one client, passed below.
            VIRTU_SIGN_IN_REQUESTS_PER_IP=LINK_REQUESTS_PER_IP,
            FORWARDED_ALLOW_IPS=services,
        )
        servers = [self.start_server(name, env, network) for name in SERVERS]
        workers_started = time.monotonic()
        workers = [
            WorkerProcess(name, env, network.prefix(name) if network else ())
            for name in WORKERS
        ]
        for worker in workers:
            self.addCleanup(worker.stop)
        for server in servers:
            server.wait_until_ready()

        # The load: each person's requests go to both servers in turn.
        load = Load(servers)
        client_ip = f"198.51.100.{int(self.run_id, 16) % 250 + 1}"
        limit = LINK_REQUESTS_PER_IP
        jobs = [("enrol", n) for n in range(ENROLMENTS)]
        jobs += [("reflect", n) for n in range(PARTICIPANTS)]
        jobs += [("ask_link", n) for n in range(limit + 4)]
        random.Random(13).shuffle(jobs)

        def run(job):
            kind, n = job
            if kind == "enrol":
                return kind, self.enrol(load, n, cohort, coordinator_session)
            if kind == "reflect":
                return kind, self.reflect(load, n, experiment, sessions[n])
            return kind, self.ask_link(load, n, client_ip)

        killer = threading.Thread(target=self.kill_the_sender, args=(mailbox, workers))
        killer.start()
        started = time.monotonic()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            results = list(pool.map(run, jobs))
        load_ended = time.monotonic()
        killer.join(240)
        self.assertIsNotNone(self.killed, "no worker was killed while sending")
        killed_pid, killed_worker, killed_at, held = self.killed

        last_arrival = self.wait_for_delivery(before, mailbox, load_ended + 120)
        swept = self.wait_for_sweep(killed_worker, killed_at + 120)
        emails = OutgoingEmail.objects.filter(pk__gt=before)
        answers = {}
        for kind, outcome in results:
            answers.setdefault(kind, []).append(outcome)
        received = mailbox.by_id()
        send_due = JobSchedule.objects.get(name="outbox.send_due")
        where = "separate hosts (network namespaces)" if network else "loopback ports"
        print(
            f"\nScale-out on {where}, 2 web servers and 2 workers: "
            f"{Counter(answers['enrol'])[302]} of {ENROLMENTS} enrolled and "
            f"{Counter(answers['reflect'])[(200, 200, 302, 302)]} of {PARTICIPANTS} "
            f"reflections autosaved and submitted twice in "
            f"{load_ended - started:.0f}s; {emails.filter(state=State.SENT).count()} "
            f"of {emails.count()} emails sent, {len(received)} received, "
            f"{sum(n > 1 for n in received.values())} of them twice, the last "
            f"{last_arrival - load_ended:.0f}s after the last request; worker "
            f"{killed_pid} killed holding {len(held)} email(s), delivered "
            f"{self.taken_over_after(mailbox, held, killed_at):.0f}s after the "
            f"kill; {swept} of its tasks marked failed; sign-in links asked from "
            f"one client: {answers['ask_link'].count(302)} accepted, "
            f"{answers['ask_link'].count(429)} refused (limit {limit}); "
            f"outbox.send_due ran {send_due.runs} times in "
            f"{time.monotonic() - workers_started:.0f}s."
        )

        # Every request did what it should, on whichever server. (Counts, not
        # lists: a failure says how many of what, not which of hundreds.)
        self.assertEqual(Counter(answers["enrol"]), {302: ENROLMENTS})
        self.assertEqual(
            Counter(answers["reflect"]), {(200, 200, 302, 302): PARTICIPANTS}
        )
        self.assertEqual(Counter(answers["ask_link"]), {302: limit, 429: 4})
        # Every enrolment and every submission is stored once.
        self.assertEqual(
            Enrollment.objects.filter(
                cohort=cohort, user__email__startswith=f"new-{self.run_id}-"
            ).count(),
            ENROLMENTS,
        )
        stored = Counter(
            (r.author.user.email, r.status, r.answers[0]["answer"])
            for r in Reflection.objects.filter(experiment=experiment).select_related(
                "author__user"
            )
        )
        expected = Counter(
            (person.email, Reflection.Status.SUBMITTED, answer(n, 0))
            for n, person in enumerate(participants)
        )
        self.assertEqual(stored - expected, Counter(), "stored but not submitted")
        self.assertEqual(expected - stored, Counter(), "submitted but not stored")
        # Every email arrived once, within two minutes of the last request.
        self.assertEqual(
            Counter(emails.values_list("state", flat=True)),
            {State.SENT: emails.count()},
        )
        queued = {site_message_id(key) for key in emails.values_list("key", flat=True)}
        self.assertEqual({i: n for i, n in received.items() if n > 1}, {}, "doubles")
        self.assertEqual(len(queued - set(received)), 0, "emails that never arrived")
        self.assertEqual(len(set(received) - queued), 0, "emails nobody queued")
        self.assertLess(last_arrival - load_ended, 120)
        # What the killed worker was sending was taken over and sent once.
        self.assertTrue(held, "the killed worker held no email")
        for email in OutgoingEmail.objects.filter(key__in=held):
            self.assertEqual(email.state, State.SENT)
            self.assertGreaterEqual(email.attempts, 2)
        # Its running tasks were marked failed, and the periodic outbox job
        # ran once per period for both workers together.
        self.assertFalse(
            DBTaskResult.objects.filter(
                worker_ids__contains=[killed_worker], status="RUNNING"
            ).exists()
        )
        self.assertLessEqual(
            send_due.runs, (time.monotonic() - workers_started) // 10 + 2
        )

    def participants(self, cohort):
        """Participants enrolled before the test starts (no emails)."""
        User = get_user_model()
        users = User.objects.bulk_create(
            User(
                username=f"p{n}-{self.run_id}@example.fi",
                email=f"p{n}-{self.run_id}@example.fi",
                password="!",
            )
            for n in range(PARTICIPANTS)
        )
        Enrollment.objects.bulk_create(
            Enrollment(cohort=cohort, user=user, role=Enrollment.Role.PARTICIPANT)
            for user in users
        )
        return users

    def start_server(self, name, env, network):
        if network is not None:
            bind, prefix = "0.0.0.0:8000", network.prefix(name)
            url = f"http://{network.addresses[name]}:8000"
        else:
            port = free_port()
            bind, prefix = f"127.0.0.1:{port}", ()
            url = f"http://127.0.0.1:{port}"
        server = WebServer(name, env, bind, url, prefix)
        self.addCleanup(server.stop)
        return server

    def enrol(self, load, n, cohort, session):
        response = load.request(
            "POST",
            n % 2,
            "/admin/training/enrolments/new/",
            {"sessionid": session, "csrftoken": CSRF},
            data={
                "csrfmiddlewaretoken": CSRF,
                "cohort": cohort.pk,
                "role": Enrollment.Role.PARTICIPANT,
                "organisation": "Virasto",
                "email": f"new-{self.run_id}-{n}@example.fi",
                "first_name": "Uusi",
                "last_name": f"Osallistuja {n}",
            },
        )
        return response.status_code

    def reflect(self, load, n, experiment, session):
        """Open the form on one server, autosave on the other, submit on the
        first and submit again (a double click) on the other."""
        path = f"/my/experiments/{experiment.pk}/"
        cookies = {"sessionid": session, "csrftoken": CSRF}
        data = {f"answer_{i}": answer(n, i) for i in range(len(experiment.prompt_list))}
        data["visibility"] = Reflection.Visibility.TRAINERS
        data.update(decision=Reflection.Decision.ADOPT, usefulness=5)
        one, other = n % 2, (n + 1) % 2
        form = load.request("GET", one, path, cookies)
        saved = load.request(
            "POST", other, path + "autosave/", cookies, data, {"X-CSRFToken": CSRF}
        )
        submit = {**data, "action": "submit", "csrfmiddlewaretoken": CSRF}
        sent = load.request("POST", one, path, cookies, submit)
        again = load.request("POST", other, path, cookies, submit)
        return form.status_code, saved.status_code, sent.status_code, again.status_code

    def ask_link(self, load, n, client_ip):
        response = load.request(
            "POST",
            n % 2,
            "/accounts/login/",
            {"csrftoken": CSRF},
            data={
                "csrfmiddlewaretoken": CSRF,
                "link-email": f"nobody-{self.run_id}-{n}@example.org",
            },
            headers={"X-Real-IP": client_ip},
        )
        return response.status_code

    def kill_the_sender(self, mailbox, workers):
        """SIGKILL the worker the mail server holds in the middle of sending,
        and note what it was sending."""
        try:
            if not mailbox.stalled.wait(240):
                return
            by_pid = {worker.pid: worker for worker in workers}
            pid = process_holding(list(by_pid), mailbox.peer[1])
            if pid is None:
                return
            by_pid[pid].kill()
            killed_at = time.monotonic()
            held = list(
                OutgoingEmail.objects.filter(
                    state=State.SENDING, claimed_by__contains=f":{pid}:"
                ).values_list("key", flat=True)
            )
            worker_id = Worker.objects.get(pid=pid).worker_id
            self.killed = (pid, worker_id, killed_at, held)
        finally:
            mailbox.killed.set()
            connection.close()

    @staticmethod
    def wait_for_delivery(before, mailbox, deadline):
        """When the last email arrived, once all have (or the deadline)."""
        emails = OutgoingEmail.objects.filter(pk__gt=before)
        while time.monotonic() < deadline:
            if (
                not emails.exclude(state=State.SENT).exists()
                and len(mailbox.messages) >= emails.count()
            ):
                break
            time.sleep(0.5)
        return max(mailbox.arrivals, default=deadline)

    @staticmethod
    def wait_for_sweep(worker_id, deadline):
        """How many of the worker's running tasks were marked failed."""
        tasks = DBTaskResult.objects.filter(worker_ids__contains=[worker_id])
        while tasks.filter(status="RUNNING").exists() and time.monotonic() < deadline:
            time.sleep(1)
        return tasks.filter(exception_class_path="outbox.workers.WorkerLost").count()

    @staticmethod
    def taken_over_after(mailbox, held, killed_at):
        ids = {site_message_id(key) for key in held}
        times = [
            arrived
            for arrived, message in zip(
                mailbox.arrivals, mailbox.messages, strict=False
            )
            if message["Message-ID"] in ids
        ]
        return max(times, default=killed_at) - killed_at
