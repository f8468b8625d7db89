"""The Coordinators and Trainers groups and exactly the permissions they need.

Coordinators build courses and cohorts under every course index and enrol
people; trainers reach the admin and see the people and reflections of the
cohorts they train (each cohort's own group gives them edit access to it).
"""

from django.db import migrations

GROUP_PERMISSIONS = {
    "Coordinators": [
        ("wagtailadmin", "admin", "access_admin"),
        ("cohorts", "enrollment", "add_enrollment"),
        ("cohorts", "enrollment", "change_enrollment"),
        ("cohorts", "enrollment", "delete_enrollment"),
        ("cohorts", "enrollment", "view_enrollment"),
        ("assignments", "reflection", "view_reflection"),
    ],
    "Trainers": [
        ("wagtailadmin", "admin", "access_admin"),
        ("cohorts", "enrollment", "view_enrollment"),
        ("assignments", "reflection", "view_reflection"),
    ],
}
COORDINATOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "delete_page"]


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
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    CourseIndexPage = apps.get_model("courses.CourseIndexPage")

    for name, codenames in GROUP_PERMISSIONS.items():
        group, __ = Group.objects.get_or_create(name=name)
        group.permissions.add(*(permission(apps, *codename) for codename in codenames))

    coordinators = Group.objects.get(name="Coordinators")
    for course_index in CourseIndexPage.objects.all():
        for codename in COORDINATOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=coordinators,
                page_id=course_index.pk,
                permission=permission(apps, "wagtailcore", "page", codename),
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cohorts", "0001_initial"),
        ("courses", "0001_initial"),
        ("assignments", "0002_initial"),
        # The course index must exist to give coordinators their pages.
        ("home", "0003_create_course_index"),
        # These give choose permissions to every group with admin access that
        # exists when they run; ours come after them and hold only their own.
        ("wagtaildocs", "0011_add_choose_permissions"),
        ("wagtailimages", "0023_add_choose_permissions"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0094_alter_page_locale"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
