from django.test import TestCase

from .factories import make_cohort, make_course, make_trainer


class CohortPlanTest(TestCase):
    def test_cohort_gets_three_sessions_from_course_plan(self):
        cohort = make_cohort(make_course())
        self.assertEqual(cohort.sessions.count(), 3)
        self.assertEqual(cohort.experiments.count(), 2)

    def test_trainer_enrolment_gives_edit_access_to_that_cohort(self):
        cohort = make_cohort(make_course())
        trainer = make_trainer(cohort)
        self.assertTrue(cohort.permissions_for_user(trainer).can_edit())
