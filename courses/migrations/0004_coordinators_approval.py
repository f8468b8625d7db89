"""Course indexes made before each new one was given the coordinators'
approval (``courses.workflows``) get it too, unless the site chose a
workflow for them or a page above them: their cohorts' changes by trainers
otherwise wait for Wagtail's Moderators, who may not open a cohort."""

from django.conf import settings
from django.db import migrations
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext

COORDINATORS = "Coordinators"


def give_coordinators_approval(apps, schema_editor):
    CourseIndexPage = apps.get_model("courses", "CourseIndexPage")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    Page = apps.get_model("wagtailcore", "Page")
    steps = 4  # Wagtail's tree: four characters of a path a level

    def follows_the_whole_trees(index):
        """Whether the nearest workflow of ``index`` is none or the one on
        the root (Wagtail's), not one the site chose for a page above it."""
        above = [index.path[:end] for end in range(steps, len(index.path) + 1, steps)]
        depths = WorkflowPage.objects.filter(
            page__path__in=above, workflow__active=True
        ).values_list("page__depth", flat=True)
        return max(depths, default=1) == 1

    indexes = [
        index
        for index in Page.objects.filter(
            pk__in=CourseIndexPage.objects.values("pk")
        ).order_by("path")
        if follows_the_whole_trees(index)
    ]
    if not indexes:
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")

    group, _created = Group.objects.get_or_create(name=COORDINATORS)
    tasks = (
        GroupApprovalTask.objects.filter(active=True)
        .annotate(reviewing_groups=Count("groups"))
        .filter(reviewing_groups=1, groups=group)
    )
    workflow = (
        Workflow.objects.filter(active=True)
        .annotate(steps=Count("workflow_tasks"))
        .filter(steps=1, workflow_tasks__task__in=tasks)
        .order_by("pk")
        .first()
    )
    if workflow is None:
        with translation.override(settings.LANGUAGE_CODE):
            name = gettext("Approval by the coordinators")
        task = tasks.order_by("pk").first()
        if task is None:
            content_type, _created = ContentType.objects.get_or_create(
                app_label="wagtailcore", model="groupapprovaltask"
            )
            task = GroupApprovalTask.objects.create(
                name=name, content_type=content_type, active=True
            )
            task.groups.set([group])
        workflow = Workflow.objects.create(name=name, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    for index in indexes:
        WorkflowPage.objects.create(page_id=index.pk, workflow=workflow)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0003_commissioners"),
        ("wagtailcore", "0098_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(give_coordinators_approval, migrations.RunPython.noop)
    ]
