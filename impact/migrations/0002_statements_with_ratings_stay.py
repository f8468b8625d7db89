"""The ratings of a statement that goes stay with their answers (the
editor refuses to remove a rated statement), and the statements and questions a cohort copied from its course
without a number get one, in the order they were copied: with no number,
PostgreSQL may return them in any order."""

import django.db.models.deletion
from django.db import migrations, models


def number_copied_items(apps, schema_editor):
    for name in ("CohortStatement", "CohortQuestion"):
        model = apps.get_model("impact", name)
        cohorts = (
            model.objects.filter(sort_order__isnull=True)
            .values_list("cohort_id", flat=True)
            .distinct()
        )
        for cohort_id in list(cohorts):
            items = list(model.objects.filter(cohort_id=cohort_id).order_by("pk"))
            for number, item in enumerate(items):
                item.sort_order = number
            model.objects.bulk_update(items, ["sort_order"])


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0001_impact_plan_waves_and_answers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rating",
            name="statement",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="ratings",
                to="impact.cohortstatement",
            ),
        ),
        migrations.RunPython(number_copied_items, migrations.RunPython.noop),
    ]
