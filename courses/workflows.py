"""Changes under a course index are approved by the coordinators.

Wagtail's migrations give the whole page tree a workflow for its Moderators
group, and a page follows the workflow nearest to it. A trainer may edit
their cohort but not publish it, so without a workflow of the course index's
own their changes would go to moderators, who hold no role in training and
may not open a cohort (its editor shows the join links), and wait there
for good. So each course index is given, when it is made, a workflow of one
task for the Coordinators group. A site that wants another one chooses it
under Settings › Workflows; it is not given back.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

from .permissions import COORDINATORS


def coordinators_workflow():
    """The active workflow whose one task is approval by the Coordinators
    group alone; made, in the site's language, where there is none."""
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
    if workflow is not None:
        return workflow
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Approval by the coordinators")
    task = tasks.order_by("pk").first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=name)
        task.groups.set([group])
    workflow = Workflow.objects.create(name=name)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    return workflow


def give_coordinators_approval(course_index):
    """Have the coordinators approve changes under a new ``course_index``,
    unless it already has a workflow of its own."""
    if not WorkflowPage.objects.filter(page=course_index).exists():
        WorkflowPage.objects.create(page=course_index, workflow=coordinators_workflow())
