"""The Coordinators and Trainers groups and exactly the permissions they
need of this app: coordinators enrol people, trainers see the people of the
cohorts they train (each cohort's own group gives them edit access to it).
The groups' other permissions come from the migrations of the apps they
belong to (courses, outbox, assignments).
"""

from django.db import migrations

GROUP_PERMISSIONS = {
    "Coordinators": [
        ("wagtailadmin", "admin", "access_admin"),
        ("cohorts", "enrollment", "add_enrollment"),
        ("cohorts", "enrollment", "change_enrollment"),
        ("cohorts", "enrollment", "delete_enrollment"),
        ("cohorts", "enrollment", "view_enrollment"),
    ],
    "Trainers": [
        ("wagtailadmin", "admin", "access_admin"),
        ("cohorts", "enrollment", "view_enrollment"),
    ],
}


def permission(apps, app_label, model, codename):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, __ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    action, __, name = codename.partition("_")
    perm, __ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=codename,
        defaults={"name": f"Can {action} {name}"},
    )
    return perm


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, __ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(permission(apps, *codename) for codename in codenames))


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth.Group")
    for name, codenames in GROUP_PERMISSIONS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *(permission(apps, *codename) for codename in codenames)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0001_initial"),
        # These give choose permissions to every group with admin access that
        # exists when they run; ours come after them and hold only their own.
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0094_alter_page_locale"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
