"""Approval of a cohort's changes: a trainer may edit their cohort but not
publish it, so their changes reach people through the coordinators. The
workflow Wagtail gives the whole tree ("Moderators approval") is for a
group with no role in training, who may not open a cohort at all."""

from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Page, Workflow, WorkflowPage, WorkflowTask
from wagtail.test.utils import WagtailTestUtils

from cohorts.models import CohortPage, Session
from courses.models import CourseIndexPage
from courses.permissions import COORDINATORS
from courses.signals import ensure_course_index

from .factories import (
    course_index,
    make_cohort,
    make_coordinator,
    make_course,
    make_trainer,
    make_user,
)
from .test_cohort_admin import form_values

SECRET_LINK = "https://meet.example.fi/secret-room"


def reviewers(workflow):
    """The names of the groups that review each task of ``workflow``."""
    return [
        sorted(task.specific.groups.values_list("name", flat=True))
        for task in workflow.tasks
    ]


def moderators_workflow():
    """The workflow Wagtail's migrations put on the root of the tree."""
    return WorkflowPage.objects.get(page=Page.get_first_root_node()).workflow


class CoordinatorsApproveCohortsTest(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.trainer = make_trainer(cls.cohort)
        cls.coordinator = make_coordinator()

    def edit(self, user, action, **changes):
        self.client.force_login(user)
        url = reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        values = form_values(self.get_soup(self.client.get(url).content))
        values.update(changes)
        values[action] = action
        return self.client.post(url, values)

    def test_cohorts_are_approved_by_the_coordinators_not_the_moderators(self):
        # Wagtail's "Moderators approval" is still on the root of the tree.
        self.assertEqual(reviewers(moderators_workflow()), [["Moderators"]])

        workflow = CohortPage.objects.get(pk=self.cohort.pk).get_workflow()

        self.assertEqual(reviewers(workflow), [[COORDINATORS]])
        self.assertEqual(
            WorkflowPage.objects.get(workflow=workflow).page_id, course_index().pk
        )

    def test_every_new_course_index_gets_the_coordinators_approval(self):
        root = Page.get_first_root_node()
        second = root.add_child(instance=CourseIndexPage(title="Koulutukset 2"))

        workflow = second.get_workflow()

        self.assertEqual(reviewers(workflow), [[COORDINATORS]])
        # One workflow for all of them, not one each.
        self.assertEqual(workflow, self.course.get_parent().get_workflow())

    def test_the_workflow_a_site_chooses_for_a_course_index_is_kept(self):
        own = Workflow.objects.create(name="Legal review")
        task = GroupApprovalTask.objects.create(name="Legal")
        task.groups.set([Group.objects.create(name="Legal")])
        WorkflowTask.objects.create(workflow=own, task=task, sort_order=0)
        index = self.course.get_parent()
        WorkflowPage.objects.filter(page=index).update(workflow=own)
        second = Page.get_first_root_node().add_child(
            instance=CourseIndexPage(title="Koulutukset 2")
        )
        WorkflowPage.objects.filter(page=second).delete()

        # As every migrate does.
        ensure_course_index(sender=None)

        self.assertEqual(Page.objects.get(pk=index.pk).get_workflow(), own)
        self.assertEqual(
            CourseIndexPage.objects.get(pk=second.pk).get_workflow(),
            moderators_workflow(),
        )

    def test_a_workflow_the_site_chose_above_its_course_indexes_is_followed(self):
        own = Workflow.objects.create(name="Legal review")
        task = GroupApprovalTask.objects.create(name="Legal")
        task.groups.set([Group.objects.create(name="Legal")])
        WorkflowTask.objects.create(workflow=own, task=task, sort_order=0)
        home = self.course.get_parent().get_parent()
        self.assertEqual(home.depth, 2)
        WorkflowPage.objects.create(page=home, workflow=own)

        index = home.add_child(instance=CourseIndexPage(title="Koulutukset 2"))

        self.assertFalse(WorkflowPage.objects.filter(page=index).exists())
        self.assertEqual(Page.objects.get(pk=index.pk).get_workflow(), own)

    def test_a_trainers_change_reaches_participants_when_a_coordinator_approves(self):
        response = self.edit(
            self.trainer,
            "action-submit",
            **{"sessions-0-meeting_url": "https://meet.example.fi/new-room"},
        )
        self.assertEqual(response.status_code, 302)
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertTrue(cohort.workflow_in_progress)
        self.assertNotEqual(
            cohort.sessions.first().meeting_url, "https://meet.example.fi/new-room"
        )

        # The coordinator is told on the dashboard, and approves.
        self.client.force_login(self.coordinator)
        dashboard = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(dashboard, self.cohort.title)
        task_state = cohort.current_workflow_task_state
        response = self.client.post(
            reverse(
                "wagtailadmin_pages:workflow_action",
                args=[cohort.pk, "approve", task_state.pk],
            )
        )
        self.assertEqual(response.status_code, 302)

        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertFalse(cohort.workflow_in_progress)
        self.assertEqual(
            cohort.sessions.first().meeting_url, "https://meet.example.fi/new-room"
        )

    def test_a_coordinator_can_still_edit_and_publish_a_cohort_in_review(self):
        self.edit(self.trainer, "action-submit", title="Ryhmä A, muutettu")

        response = self.edit(
            self.coordinator,
            "action-publish",
            **{"sessions-0-meeting_url": "https://meet.example.fi/other-room"},
        )

        self.assertEqual(response.status_code, 302)
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertEqual(
            cohort.sessions.first().meeting_url, "https://meet.example.fi/other-room"
        )


class ReviewersWithoutARoleTest(WagtailTestUtils, TestCase):
    """A site that puts a workflow for Wagtail's Moderators on its courses:
    a moderator reviewing a cohort would otherwise open its editor, read
    every session's join link and save one of their own."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        Session.objects.filter(page=cls.cohort).update(meeting_url=SECRET_LINK)
        WorkflowPage.objects.create(page=cls.course, workflow=moderators_workflow())
        cls.trainer = make_trainer(cls.cohort)
        cls.moderator = make_user("moderator@example.fi", groups=["Moderators"])

    def setUp(self):
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        cohort.get_workflow().start(cohort, self.trainer)

    def test_a_moderator_cannot_open_a_cohort_in_review(self):
        self.client.force_login(self.moderator)
        url = reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])

        response = self.client.get(url)

        self.assertNotEqual(response.status_code, 200)
        self.assertNotContains(
            response, "secret-room", status_code=response.status_code
        )
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        tester = cohort.permissions_for_user(self.moderator)
        self.assertFalse(tester.can_edit())
        self.assertFalse(tester.can_lock())

    def test_a_moderator_cannot_save_a_link_of_their_own(self):
        url = reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        self.client.force_login(self.trainer)
        values = form_values(self.get_soup(self.client.get(url).content))
        values["sessions-0-meeting_url"] = "https://evil.example/phish"
        before = self.cohort.revisions.count()

        self.client.force_login(self.moderator)
        self.client.post(url, values)

        self.assertEqual(self.cohort.revisions.count(), before)
        self.assertFalse(
            Session.objects.filter(meeting_url="https://evil.example/phish").exists()
        )

    def test_a_moderators_preview_of_the_revision_shows_no_join_link(self):
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        task = cohort.current_workflow_task
        self.client.force_login(self.moderator)

        response = self.client.get(
            reverse("wagtailadmin_pages:workflow_preview", args=[cohort.pk, task.pk])
        )

        # Wagtail previews the revision to the task's reviewers, but the
        # cohort's page shows its sessions only to the people of the cohort.
        self.assertContains(response, "Cohort A")
        self.assertNotContains(response, "secret-room")

    def test_a_coordinator_is_not_locked_out_by_an_approval_they_cannot_give(self):
        # A cohort waiting for the Moderators (as on upgrading to the
        # coordinators' approval): a coordinator publishes it from the
        # editor, which ends the approval.
        coordinator = make_coordinator()
        self.client.force_login(coordinator)
        url = reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        values = form_values(self.get_soup(self.client.get(url).content))
        values["sessions-0-meeting_url"] = "https://meet.example.fi/moved-room"
        values["action-publish"] = "action-publish"

        response = self.client.post(url, values)

        self.assertEqual(response.status_code, 302)
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertFalse(cohort.workflow_in_progress)
        self.assertEqual(
            cohort.sessions.first().meeting_url, "https://meet.example.fi/moved-room"
        )

    def test_the_trainer_who_submitted_still_reads_their_cohort(self):
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertTrue(cohort.shows_sessions_to(self.trainer))
        self.assertTrue(cohort.permissions_for_user(make_coordinator()).can_publish())
