"""Trainers and coordinators mark attendance in the admin (limited to their
cohorts by the views). Their comment permissions come from assignments.0004."""

from django.db import migrations

PERMISSIONS = [
    ("cohorts", "attendance", "add_attendance"),
    ("cohorts", "attendance", "change_attendance"),
    ("cohorts", "attendance", "view_attendance"),
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
    for group in apps.get_model("auth.Group").objects.filter(name__in=GROUPS):
        group.permissions.add(*permissions(apps))


def revoke(apps, schema_editor):
    for group in apps.get_model("auth.Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0005_attendance"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
