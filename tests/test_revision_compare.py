"""Comparing two revisions of a course or a cohort in the page's history
(History › Compare), as coordinators do to see what a draft changes."""

from datetime import time

from django.test import TestCase, override_settings
from django.urls import reverse
from wagtail.test.utils import WagtailTestUtils

from cohorts.models import CohortPage, Session
from courses.models import CoursePage
from impact.models import CourseStatement

from .factories import cohort_edit_data, make_cohort, make_coordinator, make_course
from .test_progress import in_english


class RevisionCompareTestCase(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def setUp(self):
        self.client.force_login(self.coordinator)

    def latest_revision(self, page):
        return page.revisions.order_by("created_at", "pk").last()

    def compare(self, page, before, after):
        """The comparison of two revisions of ``page`` (or "live"): (row
        label, text of the changes, the deleted and the added texts) for
        each row shown."""
        response = self.client.get(
            reverse(
                "wagtailadmin_pages:revisions_compare",
                args=[page.pk, getattr(before, "pk", before), after.pk],
            )
        )
        self.assertEqual(response.status_code, 200)
        soup = self.get_soup(response.content)
        return {
            row.select_one("td.title").get_text(strip=True).rstrip(":"): {
                "text": row.select_one("td.comparison").get_text(" ", strip=True),
                "deleted": [
                    d.get_text(strip=True)
                    for d in row.select("td.comparison .deletion")
                ],
                "added": [
                    a.get_text(strip=True)
                    for a in row.select("td.comparison .addition")
                ],
            }
            for row in soup.select("table.listing tbody tr")
            if row.select_one("td.title")
        }


def first_session(cohort):
    return Session.objects.filter(page=cohort).order_by("sort_order").first()


class CohortRevisionCompareTests(RevisionCompareTestCase):
    def draft(self):
        return CohortPage.objects.get(pk=self.cohort.pk).get_latest_revision_as_object()

    def save_draft(self, session_changes=None, **fields):
        """The cohort saved as a draft in its editor, as a coordinator does."""
        data = cohort_edit_data(self.draft(), session_changes, **fields)
        del data["action-publish"]
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
        )
        self.assertEqual(response.status_code, 302)
        return self.latest_revision(self.cohort)

    def move_first_session(self):
        first = first_session(self.cohort)
        return self.save_draft(
            lambda s: (
                {
                    "start": "2038-03-15 10:00",
                    "end": "2038-03-15 13:30",
                    "meeting_url": "https://meet.example.fi/avoin",
                }
                if s.pk == first.pk
                else {}
            )
        )

    def test_a_moved_session_and_its_new_link_are_shown_where_no_service_is_set_up(
        self,
    ):
        published = self.latest_revision(self.cohort)

        changes = self.compare(self.cohort, published, self.move_first_session())

        self.assertEqual(list(changes), ["Sessions"])
        sessions = changes["Sessions"]
        # The old start and end, and the new ones with the new link, in the
        # cohort's time as its editor shows them.
        self.assertEqual(sessions["deleted"], ["2038-03-15 09:00", "2038-03-15 12:30"])
        self.assertEqual(
            sessions["added"],
            ["2038-03-15 10:00", "2038-03-15 13:30", "https://meet.example.fi/avoin"],
        )
        self.assertIn("2038-03-29 09:00", sessions["text"])  # not moved
        # No session names a meeting service, and none is set up: the menu
        # the editor hides is not compared either.
        self.assertNotIn("create the meeting with", sessions["text"])

    def test_the_live_cohort_is_compared_in_the_cohorts_time_too(self):
        # The live page's sessions are read from the database, in UTC.
        changes = self.compare(self.cohort, "live", self.move_first_session())

        sessions = changes["Sessions"]
        self.assertEqual(sessions["deleted"], ["2038-03-15 09:00", "2038-03-15 12:30"])
        self.assertEqual(
            sessions["added"][:2], ["2038-03-15 10:00", "2038-03-15 13:30"]
        )
        self.assertIn("2038-03-29 09:00", sessions["text"])

    def test_a_cohort_in_another_zone_is_compared_in_its_own_time(self):
        self.cohort = make_cohort(
            self.course, "Stockholm", time_zone="Europe/Stockholm"
        )
        published = self.latest_revision(self.cohort)

        changes = self.compare(self.cohort, published, self.move_first_session())

        sessions = changes["Sessions"]
        self.assertEqual(sessions["deleted"], ["2038-03-15 09:00", "2038-03-15 12:30"])
        self.assertEqual(
            sessions["added"][:2], ["2038-03-15 10:00", "2038-03-15 13:30"]
        )

    def test_the_meeting_service_chosen_is_compared_where_one_is_set_up(self):
        published = self.latest_revision(self.cohort)
        first = first_session(self.cohort)
        with override_settings(VIRTU_MEETINGS={"jitsi": {}}):
            draft = self.save_draft(
                lambda s: (
                    {"meeting_url": "", "meeting_provider": "jitsi"}
                    if s.pk == first.pk
                    else {}
                )
            )
            changes = self.compare(self.cohort, published, draft)

        self.assertIn("Or create the meeting with", changes["Sessions"]["text"])
        self.assertEqual(changes["Sessions"]["added"], ["Jitsi"])

    def test_a_meeting_service_a_session_names_is_compared_once_it_is_not_set_up(
        self,
    ):
        # The editor shows such a session's menu too, so that its error
        # can be seen.
        published = self.latest_revision(self.cohort)
        first = first_session(self.cohort)
        with override_settings(VIRTU_MEETINGS={"jitsi": {}}):
            self.save_draft(
                lambda s: (
                    {"meeting_url": "", "meeting_provider": "jitsi"}
                    if s.pk == first.pk
                    else {}
                ),
            )
            self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
                cohort_edit_data(self.draft()),
            )
        self.assertEqual(first_session(self.cohort).meeting_provider, "jitsi")

        changes = self.compare(
            self.cohort, published, self.latest_revision(self.cohort)
        )

        self.assertEqual(changes["Sessions"]["added"], ["Jitsi"])

    def test_a_changed_experiment_is_shown(self):
        published = self.latest_revision(self.cohort)
        data = cohort_edit_data(
            self.draft(),
            experiment_changes=lambda e: (
                {"instructions": "Run your team meeting remotely."}
                if e.after_session == 1
                else {}
            ),
        )
        del data["action-publish"]
        self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
        )

        changes = self.compare(
            self.cohort, published, self.latest_revision(self.cohort)
        )

        self.assertEqual(list(changes), ["Experiments"])
        self.assertIn(
            "Run your team meeting remotely.",
            " ".join(changes["Experiments"]["added"]),
        )

    def test_a_renamed_cohort_is_shown(self):
        published = self.latest_revision(self.cohort)

        changes = self.compare(
            self.cohort, published, self.save_draft(title="Itä-Suomi")
        )

        self.assertEqual(changes["Title"]["added"], ["Itä-Suomi"])


class CourseRevisionCompareTests(RevisionCompareTestCase):
    def test_a_changed_session_plan_experiment_and_impact_plan_are_shown(self):
        published = self.latest_revision(self.course)
        course = CoursePage.objects.get(pk=self.course.pk)
        draft = course.get_latest_revision_as_object()
        plans = list(draft.session_plans.all())
        plans[0].start_time = time(13, 0)
        draft.session_plans = plans
        templates = list(draft.experiment_templates.all())
        templates[0].title = "Remote team meeting"
        draft.experiment_templates = templates
        draft.impact_statements = [
            CourseStatement(text_en="I run meetings remotely with ease.")
        ]
        draft.save_revision(user=self.coordinator)

        changes = self.compare(self.course, published, self.latest_revision(course))

        self.assertIn("09:00", " ".join(changes["Sessions"]["deleted"]))
        self.assertIn("13:00", " ".join(changes["Sessions"]["added"]))
        self.assertIn(
            "Remote team meeting",
            " ".join(changes["Experiments between sessions"]["added"]),
        )
        self.assertIn(
            "I run meetings remotely with ease.",
            changes["Statements rated from 0 to 10"]["text"],
        )
