"""The worker process (``manage.py worker``): the tasks queued in the database
(django-tasks-db), the periodic jobs (``scheduling.py``), and a heartbeat.

django-tasks-db marks a task RUNNING when a worker takes it and never looks
at it again, so a worker killed mid-task leaves it RUNNING for ever. Each of
our workers says every few seconds that it is alive (a ``Worker`` row); a
periodic job marks failed the running tasks of a worker that stopped saying
so. The work such a task carried is not lost with it: an email is a row of
its own, which the outbox takes over once its lease lapses.
"""

import logging
import os
import signal
import socket
import threading
from contextlib import suppress
from datetime import timedelta

from django.apps import apps
from django.db import close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import Worker
from .scheduling import run_due_jobs

logger = logging.getLogger(__name__)

#: How often a worker says it is alive, and after how long without a word
#: it is taken for dead.
HEARTBEAT = timedelta(seconds=10)
LOST_AFTER = timedelta(seconds=45)
#: How often the scheduler looks for due jobs.
SCHEDULER_TICK = timedelta(seconds=5)
#: A running task of a worker that never said it was alive (a plain
#: ``db_worker``) is taken for cut off after this long.
UNKNOWN_WORKER_TASK_LIMIT = timedelta(hours=6)
#: Finished task results and long-gone workers are kept this long.
KEEP_FINISHED = timedelta(days=14)
#: How long a worker asked to stop waits for its scheduler's current job.
STOP_GRACE = 25


class WorkerLost(Exception):
    """Recorded as the error of a task whose worker died while running it."""


def new_worker_id():
    """This host and process, and a random part: unique across restarts."""
    host = socket.gethostname()[:40]
    return f"{host}-{os.getpid()}-{get_random_string(8)}"


def beat(worker_id, now=None):
    """Say that the worker is alive (and register it on its first beat)."""
    now = now or timezone.now()
    if not Worker.objects.filter(worker_id=worker_id).update(seen_at=now):
        Worker.objects.get_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "seen_at": now,
            },
        )


def sweep_lost_tasks(now=None):
    """Mark failed the tasks left running by workers that died; returns how
    many. A worker that stopped beating for ``LOST_AFTER`` is dead."""
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    seen = dict(Worker.objects.values_list("worker_id", "seen_at"))
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only(
        "id", "task_path", "worker_ids", "started_at"
    )
    lost = 0
    for task in running:
        worker = task.worker_ids[-1] if task.worker_ids else None
        if worker in seen:
            cut_off = seen[worker] < now - LOST_AFTER
        else:
            cut_off = not task.started_at or (
                task.started_at < now - UNKNOWN_WORKER_TASK_LIMIT
            )
        if not cut_off:
            continue
        # Conditional: a worker that was only slow may have finished it.
        if DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__name__}",
            traceback=f"WorkerLost: worker {worker} stopped while running this task.",
        ):
            logger.warning(
                "Task %s (%s) was left running by worker %s, which is gone; "
                "marked failed.",
                task.pk,
                task.task_path,
                worker,
            )
            lost += 1
    return lost


def prune(now=None):
    """Forget finished task results and workers gone for ``KEEP_FINISHED``."""
    now = now or timezone.now()
    removed = {}
    removed["workers"], __ = Worker.objects.filter(
        seen_at__lt=now - KEEP_FINISHED
    ).delete()
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.compat import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        removed["tasks"], __ = DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
            finished_at__lt=now - KEEP_FINISHED,
        ).delete()
    return {name: count for name, count in removed.items() if count}


class Every(threading.Thread):
    """Calls ``function`` every ``interval`` until ``stopping`` is set, with
    database connections of its own (closed when it ends)."""

    def __init__(self, name, interval, function, stopping):
        super().__init__(name=name, daemon=True)
        self.interval = interval.total_seconds()
        self.function = function
        self.stopping = stopping

    def run(self):
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    self.function()
                except Exception:
                    # A database that is away for a moment must not end the
                    # loop: the next round tries again.
                    logger.exception("%s failed; trying again", self.name)
                self.stopping.wait(self.interval)
        finally:
            connections.close_all()


def task_backend_runs_in_database():
    """Whether tasks wait in the database for a worker (django-tasks-db), as
    in production; elsewhere they run where they are queued."""
    if not apps.is_installed("django_tasks_db"):
        return False
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.compat import task_backends

    return isinstance(task_backends["default"], DatabaseBackend)


def run_worker(worker_id, tasks=True, scheduler=True, queues="*", interval=1.0):
    """Run until SIGTERM or SIGINT: the heartbeat and the scheduler in
    threads of their own, the tasks (django-tasks-db's worker) in this one.
    A worker asked to stop finishes its task and lets its scheduler finish
    its job; one that is killed leaves both to the other workers."""
    stopping = threading.Event()
    beat(worker_id)
    threads = [Every("heartbeat", HEARTBEAT, lambda: beat(worker_id), stopping)]
    if scheduler:
        threads.append(
            Every(
                "scheduler",
                SCHEDULER_TICK,
                lambda: run_due_jobs(worker_id, stop=stopping.is_set),
                stopping,
            )
        )
    for thread in threads:
        thread.start()
    try:
        if tasks:
            from django_tasks_db.management.commands.db_worker import (
                Worker as TaskWorker,
            )

            task_worker = TaskWorker(
                queue_names=queues.split(","),
                interval=interval,
                batch=False,
                backend_name="default",
                startup_delay=True,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            )
            task_worker.configure_signals()
            task_worker.run()
        else:
            for number in (signal.SIGTERM, signal.SIGINT):
                signal.signal(number, lambda *args: stopping.set())
            stopping.wait()
    finally:
        stopping.set()
        for thread in threads:
            thread.join(STOP_GRACE)
        with suppress(Exception):  # the database may be what stopped us
            close_old_connections()
            Worker.objects.filter(worker_id=worker_id).delete()
        connections.close_all()
