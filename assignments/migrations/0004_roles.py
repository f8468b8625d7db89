"""Coordinators and trainers read submitted reflections and comment on them
in the admin (each limited to their cohorts by the views)."""

from django.db import migrations

PERMISSIONS = [
    ("assignments", "reflection", "view_reflection"),
    ("assignments", "comment", "add_comment"),
    ("assignments", "comment", "view_comment"),
]
GROUPS = ["Coordinators", "Trainers"]


def permissions(apps):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    found = []
    for app_label, model, codename in PERMISSIONS:
        content_type, __ = ContentType.objects.get_or_create(
            app_label=app_label, model=model
        )
        action, __, name = codename.partition("_")
        permission, __ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {action} {name}"},
        )
        found.append(permission)
    return found


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for name in GROUPS:
        group, __ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth.Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("assignments", "0003_feedback_and_comments"),
        # These give choose permissions to every group with admin access that
        # exists when they run; the roles come after them.
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
