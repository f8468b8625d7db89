"""Coordinators see the email outbox (Training › Outbox)."""

from django.db import migrations


def permission(apps):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, __ = ContentType.objects.get_or_create(
        app_label="cohorts", model="outgoingemail"
    )
    perm, __ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_outgoingemail",
        defaults={"name": "Can view outgoing email"},
    )
    return perm


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for group in Group.objects.filter(name="Coordinators"):
        group.permissions.add(permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for group in Group.objects.filter(name="Coordinators"):
        group.permissions.remove(permission(apps))


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0003_calendar_and_outbox")]

    operations = [migrations.RunPython(grant, revoke)]
