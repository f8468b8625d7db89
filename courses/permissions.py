"""The roles of the plugin set, as Wagtail groups: Coordinators build
courses and cohorts under every course index; Trainers reach the admin for
the cohorts they train. Each app's migrations give the groups the model
permissions of that app."""

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from wagtail.models import GroupPagePermission, Page

COORDINATORS = "Coordinators"
TRAINERS = "Trainers"
#: The commissioner's role, where a site creates a group of this name.
COMMISSIONERS = "Commissioners"

#: Page permissions coordinators hold on every course index.
COORDINATOR_PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "delete_page",
]


def grant_coordinators(course_index):
    """Let the Coordinators group build courses and cohorts under ``course_index``."""
    group, _ = Group.objects.get_or_create(name=COORDINATORS)
    # Right after the first migrate the page permissions may not exist yet.
    page_type = ContentType.objects.get_for_model(Page)
    for codename in COORDINATOR_PAGE_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=page_type,
            codename=codename,
            defaults={"name": f"Can {codename.replace('_', ' ')}"},
        )
        GroupPagePermission.objects.get_or_create(
            group=group, page=course_index, permission=permission
        )


def is_commissioner(user):
    """Whether ``user`` is in the Commissioners group."""
    return user.groups.filter(name=COMMISSIONERS).exists()


def reads_course_figures(user, course):
    """Whether ``user`` may read a course's overview and its exports: the
    coordinators who may edit the course, and the commissioners the course
    names (members of the Commissioners group). Editing pages alone
    (Wagtail's Editors) is not enough: the figures are about people."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    groups = set(user.groups.values_list("name", flat=True))
    if COMMISSIONERS in groups and course.commissioners.filter(pk=user.pk).exists():
        return True
    return COORDINATORS in groups and course.permissions_for_user(user).can_edit()


def only_reads_figures(user):
    """Whether ``user`` reaches the admin only to read the figures of the
    courses that name them (a commissioner with no page to edit): they
    choose no page, and are shown none by name."""
    if user.is_superuser or not is_commissioner(user):
        return False
    return not GroupPagePermission.objects.filter(group__user=user).exists()
