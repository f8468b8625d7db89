"""Changes under a course index are approved by the coordinators.

Wagtail's migrations give the whole page tree a workflow for its Moderators
group, and a page follows the workflow nearest to it. A trainer may edit
their cohort but not publish it, so without a workflow of the course index's
own their changes would go to moderators, who hold no role in training and
may not open a cohort (its editor shows the join links), and wait there
for good. So each course index is given, when it is made, a workflow of one
task for the Coordinators group, unless the site chose a workflow for a
page above it. A site that wants another one chooses it under Settings ›
Workflows; it is not given back.
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
    where it would follow no workflow or the whole tree's (Wagtail's, on
    the root), not one the site chose for it or for a page above it."""
    nearest = (
        WorkflowPage.objects.filter(
            page__in=course_index.get_ancestors(inclusive=True),
            workflow__active=True,
        )
        .order_by("-page__depth")
        .values_list("page__depth", flat=True)
        .first()
    )
    if nearest is None or nearest == 1:
        WorkflowPage.objects.create(page=course_index, workflow=coordinators_workflow())
