from datetime import timedelta

from wagtail import hooks

from outbox.scheduling import PeriodicJob

from .access import forget_old
from .declarations import personal_data
from .exporting import forget_expired
from .models import EmailKind
from .tasks import start_due_erasures
from .views import refuse_bulk_deleting_trainees, refuse_deleting_trainees
from .viewsets import PrivacyViewSetGroup

# After every other app's entries: the account goes last.
hooks.register("register_personal_data", personal_data, order=100)
# Wagtail's Users screens leave an account with training data to erasure.
hooks.register("before_delete_user", refuse_deleting_trainees)
hooks.register("before_bulk_action", refuse_bulk_deleting_trainees)


@hooks.register("register_admin_viewset")
def register_privacy_viewsets():
    return PrivacyViewSetGroup()


def forget():
    return {"exports": forget_expired(), "access log": forget_old()}


@hooks.register("register_periodic_jobs")
def privacy_jobs():
    return [
        PeriodicJob("privacy.erasures", timedelta(minutes=15), start_due_erasures),
        PeriodicJob("privacy.forget", timedelta(hours=6), forget),
    ]


@hooks.register("register_email_kinds")
def privacy_email_kinds():
    return EmailKind
