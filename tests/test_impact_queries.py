"""What the impact report asks the database: each reading of the answers
costs time in proportion to the cohort, so none is made twice or made
wider than its figures need (docs/benchmarks.md, "Impact reports")."""

from datetime import timedelta

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from impact.figures import open_answers, report
from impact.models import Response, Wave

from .test_impact import ReportTestData


class ImpactQueryTests(ReportTestData, TestCase):
    def test_the_open_answers_of_every_wave_are_read_in_one_query(self):
        now = timezone.now()
        for days, person, text in [(2, 3, "Older."), (1, 4, "Newer.")]:
            Response.objects.filter(
                enrollment=self.people[person], wave=Wave.BASELINE
            ).update(
                open_answers=[{"question": "What to change", "answer": text}],
                submitted_at=now - timedelta(days=days),
            )
        with self.assertNumQueries(1):
            waves = open_answers(self.cohort, shown=1)
        self.assertEqual(
            [(wave.label, wave.total, wave.answers) for wave in waves][0],
            (Wave.BASELINE.label, 2, [("What to change", "Newer.")]),
        )
        self.assertEqual(
            [(wave.label, wave.total, len(wave.answers)) for wave in waves][1:],
            [(Wave.END.label, 2, 1)],
        )

    def test_the_ratings_are_not_joined_to_their_statements(self):
        """The report has read the statements already: joining every rating
        to its statement to find its cohort would double the work."""
        with CaptureQueriesContext(connection) as queries:
            figures = report([self.cohort])
        (ratings,) = [q["sql"] for q in queries if '"impact_rating"' in q["sql"]]
        self.assertNotIn('"impact_cohortstatement"', ratings)
        self.assertEqual(figures.statements[0].distributions[0].n, 6)
