"""Periodic jobs: work that runs every so often (the outbox's retries,
reminders), started by the workers themselves (``manage.py worker``), with
no cron. An app names its jobs with the ``register_periodic_jobs`` hook, a
function that returns ``PeriodicJob``s::

    @hooks.register("register_periodic_jobs")
    def periodic_jobs():
        return [PeriodicJob("cohorts.reminders", timedelta(hours=1), send)]

Every worker's scheduler looks every few seconds. A job's row in
``JobSchedule`` says when it is due next, and only the worker whose
conditional UPDATE moves that time on runs it: each job runs once per period
however many workers there are, on however many hosts. A run cut off (its
worker killed) is not repeated until the next period, so a job catches up
on what it missed and does nothing twice (each reminder has a key, each
email a claim).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from wagtail import hooks

from .models import JobSchedule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    #: Unique across the site: "<app>.<what it does>".
    name: str
    every: timedelta
    #: Takes no arguments; what it returns is kept as the run's result.
    run: Callable[[], object]


def registered():
    """{name: job} of every job the apps register."""
    jobs = {}
    for get_jobs in hooks.get_hooks("register_periodic_jobs"):
        for job in get_jobs():
            jobs[job.name] = job
    return jobs


def run_due_jobs(worker_id="", now=None, stop=None):
    """Run the jobs that are due and that this worker gets to claim, one
    after the other; ``stop()`` true ends the round before the next job.
    Returns {name: result, or the exception it raised}."""
    clock = (lambda: now) if now else timezone.now
    jobs = registered()
    schedule = dict(
        JobSchedule.objects.filter(name__in=jobs).values_list("name", "next_run_at")
    )
    new = [name for name in jobs if name not in schedule]
    if new:
        JobSchedule.objects.bulk_create(
            [JobSchedule(name=name, next_run_at=clock()) for name in new],
            ignore_conflicts=True,
        )
    results = {}
    for name, job in jobs.items():
        if stop is not None and stop():
            break
        started_at = clock()
        if schedule.get(name, started_at) > started_at:
            continue
        claimed = JobSchedule.objects.filter(
            name=name, next_run_at__lte=started_at
        ).update(
            next_run_at=started_at + job.every,
            last_started_at=started_at,
            last_run_by=worker_id,
            runs=F("runs") + 1,
        )
        if claimed:
            results[name] = run(job)
    return results


def run(job):
    """Run a claimed job and record how it went."""
    try:
        result = job.run()
    except Exception as error:
        logger.exception("Periodic job %s failed", job.name)
        JobSchedule.objects.filter(name=job.name).update(
            last_finished_at=timezone.now(),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        return error
    if result:
        logger.info("Periodic job %s: %s", job.name, result)
    JobSchedule.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(),
        last_result="" if result is None else str(result)[:2000],
        last_error="",
    )
    return result
