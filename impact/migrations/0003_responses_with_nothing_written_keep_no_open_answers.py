from django.db import migrations


def drop_blank_open_answers(apps, schema_editor):
    """A response whose open answers are all blank keeps none, as the survey
    now saves it: the report counts only responses with something written."""
    Response = apps.get_model("impact", "Response")
    blank = []
    for pk, items in (
        Response.objects.exclude(open_answers=[])
        .values_list("pk", "open_answers")
        .iterator()
    ):
        if not any(
            isinstance(item, dict) and str(item.get("answer", "")).strip()
            for item in items or []
        ):
            blank.append(pk)
    for start in range(0, len(blank), 500):
        Response.objects.filter(pk__in=blank[start : start + 500]).update(
            open_answers=[]
        )


class Migration(migrations.Migration):
    dependencies = [("impact", "0002_statements_with_ratings_stay")]

    operations = [
        migrations.RunPython(drop_blank_open_answers, migrations.RunPython.noop)
    ]
