from django.db import migrations


def withdraw_approval_of_unshared_stories(apps, schema_editor):
    """A story whose reflection was taken back from the cohort before that
    withdrew its approval (``library.signals``) waits for a trainer's
    approval again, as one taken back now does: sharing the reflection
    again would otherwise publish it in the library at once."""
    Story = apps.get_model("library", "Story")
    Story.objects.filter(approved_at__isnull=False).exclude(
        reflection__visibility="cohort"
    ).update(approved_at=None, approved_by=None)


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0003_story_course_is_its_cohorts"),
        ("assignments", "0012_reflection_listing"),
    ]

    operations = [
        migrations.RunPython(
            withdraw_approval_of_unshared_stories, migrations.RunPython.noop
        )
    ]
