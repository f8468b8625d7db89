"""Coordinators read the outbox (Training › Outbox)."""

from django.db import migrations


def permission(apps):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, __ = ContentType.objects.get_or_create(
        app_label="outbox", model="outgoingemail"
    )
    perm, __ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="view_outgoingemail",
        defaults={"name": "Can view outgoing email"},
    )
    return perm


def grant(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    group, __ = Group.objects.get_or_create(name="Coordinators")
    group.permissions.add(permission(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for group in Group.objects.filter(name="Coordinators"):
        group.permissions.remove(permission(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        # These give choose permissions to every group with admin access that
        # exists when they run; the roles come after them.
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
