"""The course editor: a session plan that its own cohorts can follow."""

from django.test import TestCase
from django.urls import reverse
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from courses.models import CoursePage

from .factories import make_coordinator, make_course
from .test_progress import in_english


class CoursePlanEditorTests(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def setUp(self):
        self.course = make_course()
        self.client.force_login(self.coordinator)

    def post_plan(self, lengths, min_minutes=120, max_minutes=300):
        """Save the course as a draft with sessions of ``lengths`` minutes."""
        data = nested_form_data(
            {
                "title": self.course.title,
                "slug": self.course.slug,
                "description": rich_text(""),
                "session_interval_days": 14,
                "min_session_minutes": min_minutes,
                "max_session_minutes": max_minutes,
                "session_plans": inline_formset(
                    [
                        {
                            "id": plan.pk,
                            "title": plan.title,
                            "agenda": plan.agenda,
                            "start_time": "09:00",
                            "length_minutes": length,
                        }
                        for plan, length in zip(
                            self.course.session_plans.all(), lengths, strict=True
                        )
                    ],
                    initial=3,
                ),
                "experiment_templates": inline_formset([]),
                "impact_statements": inline_formset([]),
                "impact_questions": inline_formset([]),
            }
        )
        url = reverse("wagtailadmin_pages:edit", args=[self.course.pk])
        return self.client.post(url, data)

    def planned_lengths(self):
        course = CoursePage.objects.get(
            pk=self.course.pk
        ).get_latest_revision_as_object()
        return [plan.length_minutes for plan in course.session_plans.all()]

    def test_a_planned_session_longer_than_the_course_allows_is_refused(self):
        response = self.post_plan([210, 400, 210])

        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "Sessions of this course last 120 to 300 minutes."
        )
        self.assertEqual(self.planned_lengths(), [210, 210, 210])

    def test_a_planned_session_shorter_than_the_course_allows_is_refused(self):
        response = self.post_plan([210, 210, 90])

        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "Sessions of this course last 120 to 300 minutes."
        )

    def test_changed_bounds_are_checked_against_the_plan(self):
        response = self.post_plan([210, 210, 210], max_minutes=180)
        self.assertContains(
            response, "Sessions of this course last 120 to 180 minutes."
        )

        self.assertEqual(self.post_plan([210, 240, 180]).status_code, 302)
        self.assertEqual(self.planned_lengths(), [210, 240, 180])


class CourseListingTests(WagtailTestUtils, TestCase):
    def test_listing_scrolls_sideways_in_a_labelled_box_the_keyboard_reaches(self):
        # The admin clips its content at the window's edge: on a phone the
        # courses' status column was cut off and could not be reached.
        make_course()
        self.client.force_login(make_coordinator())

        soup = self.get_soup(self.client.get(reverse("courses:index")).content)

        table = soup.select_one("table.listing")
        box = table.find_parent(class_="virtu-scroll")
        self.assertIsNotNone(box)
        self.assertEqual(box["role"], "region")
        self.assertEqual(box["tabindex"], "0")
        self.assertIn("scroll sideways", box["aria-label"])
