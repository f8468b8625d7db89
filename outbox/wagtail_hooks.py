from datetime import timedelta

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from . import conf
from .models import OutgoingEmail
from .scheduling import PeriodicJob
from .sending import send_due
from .views import OutboxPermissionPolicy
from .workers import prune, sweep_lost_tasks

register_permission_policy(OutgoingEmail, OutboxPermissionPolicy(OutgoingEmail))


@hooks.register("register_periodic_jobs")
def outbox_periodic_jobs():
    return [
        # Retries, and messages whose worker died (their lease lapsed).
        PeriodicJob("outbox.send_due", conf.outbox_poll(), send_due),
        PeriodicJob("outbox.sweep_lost_tasks", timedelta(seconds=15), sweep_lost_tasks),
        PeriodicJob("outbox.prune", timedelta(days=1), prune),
    ]
