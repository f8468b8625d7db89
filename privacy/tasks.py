"""Background work of the privacy app, through the tasks API; tasks take
primary keys, never objects."""

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task

from . import erasure, exporting
from .models import DataExport, ErasureRequest


@task()
def build_export(export_id):
    return exporting.build(export_id)


@task()
def erase(erasure_id):
    state = erasure.run(erasure_id)
    return None if state is None else str(state)


def start_due_erasures():
    """Queue every due erasure, and exports whose task was lost (a periodic
    job); returns how many erasures were queued."""
    due = list(ErasureRequest.objects.due().values_list("pk", flat=True))
    for erasure_id in due:
        erase.enqueue(erasure_id)
    for export_id in DataExport.objects.filter(ready_at__isnull=True).values_list(
        "pk", flat=True
    ):
        build_export.enqueue(export_id)
    return len(due)
