"""Course indexes made before each new one was given the coordinators'
approval (``courses.workflows``) get it too, unless they have a workflow of
their own: their cohorts' changes by trainers otherwise wait for Wagtail's
Moderators, who may not open a cohort."""

from django.conf import settings
from django.db import migrations
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext

COORDINATORS = "Coordinators"


def give_coordinators_approval(apps, schema_editor):
    CourseIndexPage = apps.get_model("courses", "CourseIndexPage")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    indexes = CourseIndexPage.objects.exclude(
        pk__in=WorkflowPage.objects.values("page_id")
    )
    if not indexes.exists():
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
