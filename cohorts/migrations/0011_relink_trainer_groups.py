"""Link each cohort back to its trainer group where publishing an older
revision unlinked it (the revision held no group, or an older one): the
group, found by the cohort's number at the end of its name, still gives
its members edit access to the cohort. The hourly job then brings its
members in step with the cohort's enrolled trainers."""

from django.db import migrations

#: courses.permissions.TRAINERS when this migration was written.
TRAINERS = "Trainers"


def relink_trainer_groups(apps, schema_editor):
    CohortPage = apps.get_model("cohorts", "CohortPage")
    Group = apps.get_model("auth", "Group")
    for cohort_id in CohortPage.objects.filter(
        trainer_group__isnull=True, alias_of__isnull=True
    ).values_list("pk", flat=True):
        group = (
            Group.objects.filter(name__startswith=f"{TRAINERS}: ")
            .filter(name__endswith=f" #{cohort_id}")
            .first()
        )
        if group is not None:
            CohortPage.objects.filter(pk=cohort_id).update(trainer_group=group)


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0010_number_sessions")]

    operations = [
        migrations.RunPython(relink_trainer_groups, migrations.RunPython.noop)
    ]
