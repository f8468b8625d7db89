from datetime import timedelta

from django.templatetags.static import static
from django.utils.html import format_html
from wagtail import hooks

from outbox.scheduling import PeriodicJob

from .choosing import chooser_pages
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


@hooks.register("insert_global_admin_css")
def training_admin_css():
    return format_html(
        '<link rel="stylesheet" href="{}">', static("courses/admin/admin.css")
    )


@hooks.register("construct_page_chooser_queryset")
def choose_only_pages_one_may_see(pages, request):
    # Wagtail's page chooser, open to everyone in the admin, would list
    # every course and cohort by name, other organisations' too.
    return chooser_pages(pages, request)
