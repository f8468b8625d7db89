from datetime import timedelta

from wagtail import hooks

from outbox.scheduling import PeriodicJob

from .publishing import publish_scheduled


@hooks.register("register_periodic_jobs")
def publishing_jobs():
    # Every minute: the editor schedules to the minute, and no cron runs
    # Wagtail's command (the workers run the site's periodic jobs).
    return [
        PeriodicJob(
            "courses.publish_scheduled", timedelta(minutes=1), publish_scheduled
        )
    ]
