from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings
from django.urls import reverse

from assignments.models import Choice, Reflection
from cohorts.models import CohortPage, Enrollment, Session
from courses.models import CoursePage
from library.models import Story
from outbox.models import OutgoingEmail

#: The logins the command prints, and their one password.
LOGINS = {
    "superuser": "admin",
    "coordinator": "koordinaattori@example.org",
    "trainer": "valmentaja@example.org",
    "participant": "osallistuja@example.org",
}
PASSWORD = "virtu-demo"


def counts():
    return {
        "courses": CoursePage.objects.count(),
        "cohorts": CohortPage.objects.count(),
        "sessions": Session.objects.count(),
        "enrollments": Enrollment.objects.count(),
        "reflections": Reflection.objects.count(),
        "stories": Story.objects.count(),
        "choices": Choice.objects.count(),
        "users": get_user_model().objects.count(),
        # Enrolling sends calendar invites: a rerun must not send them again.
        "emails": OutgoingEmail.objects.count(),
    }


class LoadDemoDataTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO()
        # As scripts/demo.sh runs it, for the server on port 8000.
        with override_settings(WAGTAILADMIN_BASE_URL="http://localhost:8000"):
            call_command("load_demo_data", force=True, stdout=cls.output)
        cls.counts = counts()

    def test_running_it_again_adds_nothing(self):
        call_command("load_demo_data", force=True, verbosity=0)
        self.assertEqual(counts(), self.counts)

    def test_the_footers_statements_are_there(self):
        for path in ("/statements/privacy/", "/statements/accessibility/"):
            with self.subTest(path=path):
                response = self.client.get(path, follow=True)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "<h1")

    def test_builds_one_course_with_four_published_cohorts_of_three_sessions(self):
        self.assertEqual(CoursePage.objects.live().count(), 1)
        self.assertEqual(CohortPage.objects.live().count(), 4)
        self.assertFalse(CohortPage.objects.filter(has_unpublished_changes=True))
        for cohort in CohortPage.objects.all():
            sessions = list(cohort.sessions.all())
            self.assertEqual(len(sessions), 3)
            self.assertTrue(all(s.meeting_url.startswith("https://") for s in sessions))
            # The course's three, and the participant's own after the first.
            self.assertEqual(cohort.experiments.count(), 4)

    def test_reflections_cover_drafts_submissions_visibilities_and_late_ones(self):
        reflections = Reflection.objects.all()
        self.assertEqual(
            set(reflections.values_list("status", flat=True)), {"draft", "submitted"}
        )
        self.assertEqual(
            set(reflections.values_list("visibility", flat=True)),
            {"trainers", "cohort"},
        )
        self.assertTrue(reflections.filter(is_late=True).exists())
        self.assertTrue(reflections.filter(status="submitted", is_late=False).exists())

    def test_each_cohort_has_participants_and_a_trainer(self):
        for cohort in CohortPage.objects.all():
            people = cohort.enrollments
            self.assertGreaterEqual(people.filter(role="participant").count(), 5)
            self.assertEqual(people.filter(role="trainer").count(), 1)

    def test_prints_the_addresses_of_the_server_it_is_loaded_for(self):
        output = StringIO()
        with override_settings(WAGTAILADMIN_BASE_URL="http://localhost:8010"):
            call_command("load_demo_data", force=True, stdout=output)

        self.assertIn("http://localhost:8010/admin/", output.getvalue())
        self.assertIn("http://localhost:8010/accounts/link/", output.getvalue())

    def test_prints_the_addresses_and_logins(self):
        output = self.output.getvalue()
        self.assertIn("http://localhost:8000/admin/", output)
        for username in LOGINS.values():
            self.assertIn(username, output)
        self.assertIn(PASSWORD, output)

    def test_demo_logins_work(self):
        for role, username in LOGINS.items():
            with self.subTest(role):
                self.assertTrue(self.client.login(username=username, password=PASSWORD))

    def test_coordinator_can_open_the_cohort_listing(self):
        self.client.login(username=LOGINS["coordinator"], password=PASSWORD)
        response = self.client.get(reverse("cohorts:index"))
        self.assertEqual(response.status_code, 200)
        for cohort in CohortPage.objects.all():
            self.assertContains(response, cohort.title)

    def test_trainer_sees_only_their_cohorts(self):
        self.client.login(username=LOGINS["trainer"], password=PASSWORD)
        response = self.client.get(reverse("cohorts:index"))
        self.assertEqual(response.status_code, 200)
        trained = set(
            Enrollment.objects.filter(
                user__username=LOGINS["trainer"], role="trainer"
            ).values_list("cohort_id", flat=True)
        )
        self.assertEqual(len(trained), 2)
        for cohort in CohortPage.objects.all():
            if cohort.pk in trained:
                self.assertContains(response, cohort.title)
            else:
                self.assertNotContains(response, cohort.title)

    def test_participant_cannot_open_the_admin(self):
        self.client.login(username=LOGINS["participant"], password=PASSWORD)
        response = self.client.get(reverse("wagtailadmin_home"))
        self.assertRedirects(response, reverse("wagtailadmin_login") + "?next=/admin/")

    def test_the_participant_login_has_a_session_ahead_and_an_experiment_to_do(self):
        self.client.login(username=LOGINS["participant"], password=PASSWORD)

        response = self.client.get("/en/my/")

        self.assertContains(response, "Next session")
        self.assertNotContains(response, "There are no more sessions")
        self.assertContains(response, "Experiment to do now")
        self.assertNotContains(response, "There is no experiment to do right now")

    def test_the_participant_login_gets_a_sign_in_link_that_works(self):
        link = self.output.getvalue().split("/accounts/link/")[1].split("/")[0]

        page = self.client.post(f"/accounts/link/{link}/")

        self.assertRedirects(page, "/my/", fetch_redirect_response=False)
        self.assertEqual(
            self.client.get("/my/").context["user"].username, LOGINS["participant"]
        )

    def test_generated_participants_are_added_once_across_the_cohorts(self):
        for _run in range(2):
            call_command("load_demo_data", force=True, participants=40, verbosity=0)
        self.assertEqual(counts()["enrollments"], self.counts["enrollments"] + 40)
        self.assertEqual(counts()["users"], self.counts["users"] + 40)
        for cohort in CohortPage.objects.all():
            self.assertEqual(
                cohort.enrollments.filter(
                    user__email__endswith="@demo.example.org"
                ).count(),
                10,
            )

    def test_refuses_to_run_with_debug_off_unless_forced(self):
        with self.assertRaises(CommandError):
            call_command("load_demo_data", verbosity=0)


class DemoImpactTest(TestCase):
    def test_the_impact_report_is_full_on_first_run(self):
        from home.management.demo import COHORTS
        from impact.figures import report

        call_command("load_demo_data", force=True, verbosity=0)
        course = CoursePage.objects.get()
        first = CohortPage.objects.get(slug=COHORTS[0].slug)
        cohorts = list(CohortPage.objects.child_of(course))
        for about in [[first], cohorts]:
            figures = report(about)
            self.assertEqual(len(figures.statements), 4)
            for statement in figures.statements:
                baseline, __, end, __ = statement.distributions
                self.assertTrue(baseline.shown and end.shown)
                to_end = statement.changes[0]
                self.assertGreaterEqual(to_end.matched, 5)
                self.assertGreater(to_end.mean, 0)
            self.assertIsNotNone(figures.attendance.percent)
            self.assertIsNotNone(figures.adopted.percent)
        # The first cohort ended long enough ago for its follow-up.
        for statement in report([first]).statements:
            waves = {row.key: row for row in statement.distributions}
            self.assertTrue(waves["follow_up"].shown)
            to_follow_up = statement.changes[1]
            self.assertGreaterEqual(to_follow_up.matched, 5)
            self.assertGreater(to_follow_up.mean, 0)

    def test_the_commissioner_login_reads_the_course_figures_and_no_names(self):
        from home.management.demo import COMMISSIONER, PARTICIPANT

        call_command("load_demo_data", force=True, verbosity=0)
        course = CoursePage.objects.get()
        commissioner = get_user_model().objects.get(email=COMMISSIONER[0])
        self.assertTrue(commissioner.check_password("virtu-demo"))
        self.client.force_login(commissioner)
        dashboard = self.client.get(reverse("wagtailadmin_home"))
        impact = reverse("courses:impact", args=[course.pk])
        self.assertContains(dashboard, impact)
        response = self.client.get(impact)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, PARTICIPANT[0])
        self.assertNotContains(response, f"{PARTICIPANT[1]} {PARTICIPANT[2]}")
        # Named in the course's latest revision too, so publishing the
        # course from its editor keeps them.
        latest = course.get_latest_revision_as_object()
        self.assertIn(commissioner, latest.commissioners.all())


class DemoLibraryTest(TestCase):
    """The demo's library has stories from several cohorts, and its course's
    usage report real numbers."""

    @classmethod
    def setUpTestData(cls):
        call_command("load_demo_data", force=True, verbosity=0)

    def test_the_library_has_approved_stories_from_several_cohorts(self):
        published = Story.objects.published()
        cohorts = set(
            published.values_list("reflection__experiment__cohort", flat=True)
        )
        self.assertGreaterEqual(len(cohorts), 2)
        self.assertTrue(published.filter(anonymous=True).exists())
        self.assertTrue(Story.objects.awaiting().exists())
        self.client.force_login(
            get_user_model().objects.get(username="osallistuja@example.org")
        )
        response = self.client.get(reverse("library:index"))
        self.assertEqual(response.status_code, 200)
        self.assertGreater(len(response.context["page_obj"]), 0)
        # Some pattern has been tried often enough to show its figures.
        self.assertTrue(any(f.shown for __, f in response.context["patterns"]))

    def test_the_usage_report_has_real_numbers(self):
        self.client.force_login(
            get_user_model().objects.get(username="koordinaattori@example.org")
        )
        course = CoursePage.objects.get()
        response = self.client.get(reverse("courses:usage", args=[course.pk]))
        self.assertEqual(response.status_code, 200)
        options = response.context["options"]
        self.assertTrue(all(usage.chosen_count for __, usage in options[:2]))
        self.assertTrue(any(usage.finished for __, usage in options))
        # Own experiments taken from the library, which the course does not offer.
        self.assertTrue(response.context["patterns"])
        self.assertTrue(
            any(usage.finished for __, usage in response.context["patterns"])
        )
