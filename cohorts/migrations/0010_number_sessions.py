"""Number the sessions that a cohort planned from its course got without a
number, in the order of their start, as the admin's inline panel numbers them:
with no number, PostgreSQL may return a cohort's sessions in any order."""

from django.db import migrations


def number_sessions(apps, schema_editor):
    Session = apps.get_model("cohorts", "Session")
    pages = (
        Session.objects.filter(sort_order__isnull=True)
        .values_list("page_id", flat=True)
        .distinct()
    )
    for page_id in list(pages):
        # A cohort's sessions are in chronological order (CohortPage.clean).
        sessions = list(Session.objects.filter(page_id=page_id).order_by("start", "pk"))
        for number, session in enumerate(sessions):
            session.sort_order = number
        Session.objects.bulk_update(sessions, ["sort_order"])


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0009_retention_reviews")]

    operations = [migrations.RunPython(number_sessions, migrations.RunPython.noop)]
