"""A coordinator cannot remove a session from a cohort once it has started or
its attendance is marked: the marks would be deleted with it, and the
experiments, numbered by the sessions, would move to other sessions. Nor can
they remove the session an experiment's due date comes from. A future session
nothing depends on is removed and cancelled in calendars, as before."""

from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from cohorts.enrolment import enrol
from cohorts.models import Attendance, CohortPage, Session

from .factories import (
    cohort_edit_data,
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    place_sessions,
)
from .test_invites import emails
from .test_progress import in_english

MARKED = "The session “Session 1” cannot be removed: attendance has been marked"
STARTED = "The session “Session 2” cannot be removed: it has already started"
LAST_EXPERIMENT = (
    "The session cannot be removed: the experiment “Experiment 2” comes after "
    "session 2, and no session would follow it any more"
)


class SessionRemovalTestCase(WagtailTestUtils, TestCase):
    """A published cohort of three sessions, with experiments after the first
    and the second, and three participants; a coordinator signed in."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.people = make_participants(cls.cohort, 3)
        cls.coordinator = make_coordinator()
        in_english(cls.coordinator)

    def setUp(self):
        self.client.force_login(self.coordinator)

    def sessions(self):
        return list(Session.objects.filter(page=self.cohort).order_by("sort_order"))

    def removing(self, *removed, draft=False, **fields):
        """The edit form with the delete button of each of ``removed``
        pressed, posted to publish or, with ``draft``, to save a draft."""
        page = CohortPage.objects.get(pk=self.cohort.pk)
        data = cohort_edit_data(
            page, lambda s: {"DELETE": "1"} if s in removed else {}, **fields
        )
        if draft:
            del data["action-publish"]
        return data

    def post(self, data):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
            )

    def live_uids(self):
        page = CohortPage.objects.get(pk=self.cohort.pk)
        return {
            session.uid for session in page.live_revision.as_object().sessions.all()
        }

    def assertShownAgain(self, response, session, message):
        """The refused session is in the re-rendered form, no longer marked
        to be deleted, with ``message`` beside it."""
        soup = self.get_soup(response.content)
        index = self.sessions().index(session)
        delete = soup.select_one(f'input[name="sessions-{index}-DELETE"]')
        self.assertFalse(delete.get("value"))
        child = soup.select_one(f'[id="inline_child_sessions-{index}"]')
        self.assertIn(message, child.get_text(" ", strip=True))


class PastSessionTest(SessionRemovalTestCase):
    """The first session was held ten days ago and its attendance marked,
    the second began three days ago, the third is in four days."""

    def setUp(self):
        super().setUp()
        place_sessions(self.cohort, timezone.now() - timedelta(days=10))
        self.first, self.second, self.third = self.sessions()
        for person in self.people:
            Attendance.objects.create(
                session=self.first, enrollment=person, status="present"
            )

    def test_a_session_with_attendance_stays_with_its_marks(self):
        response = self.post(self.removing(self.first, title="Cohort A, spring"))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, MARKED)
        self.assertEqual(Attendance.objects.filter(session=self.first).count(), 3)
        self.assertTrue(Session.objects.filter(pk=self.first.pk).exists())
        self.assertIn(self.first.uid, self.live_uids())
        self.assertShownAgain(response, self.first, MARKED)
        # The coordinator's other change is in the form, to publish again.
        title = self.get_soup(response.content).select_one('input[name="title"]')
        self.assertEqual(title["value"], "Cohort A, spring")
        self.assertEqual(CohortPage.objects.get(pk=self.cohort.pk).title, "Cohort A")
        # Only why: not also that an experiment would lose the session after
        # it, which holds only if this one could go.
        self.assertNotContains(response, "no session would follow it")

    def test_nor_is_it_removed_in_a_draft(self):
        response = self.post(self.removing(self.first, draft=True))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, MARKED)
        page = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertEqual(page.latest_revision, page.live_revision)
        self.assertEqual(Attendance.objects.filter(session=self.first).count(), 3)

    def test_a_session_that_has_started_stays(self):
        response = self.post(self.removing(self.second))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, STARTED)
        self.assertTrue(Session.objects.filter(pk=self.second.pk).exists())
        self.assertIn(self.second.uid, self.live_uids())
        self.assertShownAgain(response, self.second, STARTED)

    def test_a_form_without_it_cannot_remove_it_either(self):
        # As when an older revision, from before the session was added, is
        # published.
        data = self.removing()
        data = {k: v for k, v in data.items() if not k.startswith("sessions-0-")}
        data["sessions-TOTAL_FORMS"] = data["sessions-INITIAL_FORMS"] = "2"
        for index in (1, 2):
            for key in [k for k in data if k.startswith(f"sessions-{index}-")]:
                data[key.replace(f"-{index}-", f"-{index - 1}-")] = data.pop(key)

        response = self.post(data)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, MARKED)
        self.assertEqual(Attendance.objects.filter(session=self.first).count(), 3)

    def test_the_coordinator_is_told_in_finnish_and_swedish(self):
        profile = UserProfile.get_for_user(self.coordinator)
        for language, marked, started in [
            (
                "fi",
                "Tuokiota ”Session 1” ei voi poistaa: sille on merkitty läsnäoloja",
                "Tuokiota ”Session 2” ei voi poistaa: se on jo alkanut",
            ),
            (
                "sv",
                "Träffen ”Session 1” kan inte tas bort: närvaro har markerats",
                "Träffen ”Session 2” kan inte tas bort: den har redan börjat",
            ),
        ]:
            profile.preferred_language = language
            profile.save()
            response = self.post(self.removing(self.first, self.second))
            self.assertContains(response, marked)
            self.assertContains(response, started)


class FutureSessionTest(SessionRemovalTestCase):
    """Every session is still to come; Anna and Bertil have their invites."""

    def setUp(self):
        super().setUp()
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "anna@example.fi", "Anna", "Aalto")
            enrol(self.cohort, "bertil@example.fi", "Bertil", "Berg")
        self.first, self.second, self.third = self.sessions()

    def test_the_session_an_experiment_is_due_at_stays(self):
        # Experiment 2 is due when the third session starts; without the
        # second, it would come after the last session, with no due date.
        response = self.post(self.removing(self.second, title="Cohort A, spring"))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, LAST_EXPERIMENT)
        self.assertEqual(len(self.sessions()), 3)
        self.assertIn(self.second.uid, self.live_uids())
        self.assertShownAgain(response, self.second, LAST_EXPERIMENT)
        title = self.get_soup(response.content).select_one('input[name="title"]')
        self.assertEqual(title["value"], "Cohort A, spring")
        self.assertEqual(emails(ics_method="CANCEL"), [])

    def test_nor_the_last_one(self):
        response = self.post(self.removing(self.third, draft=True))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, LAST_EXPERIMENT)
        page = CohortPage.objects.get(pk=self.cohort.pk)
        self.assertEqual(page.latest_revision, page.live_revision)

    def test_the_coordinator_is_told_in_finnish(self):
        profile = UserProfile.get_for_user(self.coordinator)
        profile.preferred_language = "fi"
        profile.save()
        response = self.post(self.removing(self.third))
        self.assertContains(
            response,
            "Tuokiota ei voi poistaa: kokeilu ”Experiment 2” tehdään tuokion 2 jälkeen",
        )

    def test_a_session_nothing_depends_on_is_removed_and_cancelled(self):
        # The experiment after the second session is removed with it.
        data = self.removing(self.third, **{"experiments-1-DELETE": "1"})

        response = self.post(data)

        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.sessions(), [self.first, self.second])
        self.assertNotIn(self.third.uid, self.live_uids())
        cancels = emails(ics_method="CANCEL")
        self.assertEqual(
            sorted(email.to for email in cancels),
            sorted(e.email for e in self.cohort.enrollments.invited()),
        )
        for email in cancels:
            self.assertIn(str(self.third.uid), email.ics)

    def test_a_revision_published_later_keeps_one_marked_since(self):
        # Removed, with the experiment before it, in a revision scheduled
        # while nothing depended on it; attendance is marked (the session
        # moved forward and held, say) before the revision goes live.
        go_live = timezone.localtime(timezone.now() + timedelta(hours=1))
        data = self.removing(self.third, **{"experiments-1-DELETE": "1"})
        data["go_live_at"] = go_live.strftime("%Y-%m-%d %H:%M")
        self.assertEqual(self.post(data).status_code, 302)
        mark = Attendance.objects.create(
            session=self.third,
            enrollment=self.cohort.enrollments.first(),
            status="present",
        )

        later = timezone.now() + timedelta(hours=2)
        with (
            mock.patch("django.utils.timezone.now", return_value=later),
            self.captureOnCommitCallbacks(execute=True),
        ):
            call_command("publish_scheduled", verbosity=0)

        self.assertTrue(Attendance.objects.filter(pk=mark.pk).exists())
        self.assertEqual(self.sessions(), [self.first, self.second, self.third])
        self.assertIn(self.third.uid, self.live_uids())
        # Nobody's calendar loses it; the experiment removed with it goes.
        self.assertEqual(emails(ics_method="CANCEL"), [])
        self.assertEqual(self.cohort.experiments.count(), 1)

    def test_a_session_can_go_once_its_experiment_is_moved_before_it(self):
        data = self.removing(self.third, **{"experiments-1-after_session": "1"})

        response = self.post(data)

        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(self.sessions()), 2)
        self.assertEqual(
            sorted(self.cohort.experiments.values_list("after_session", flat=True)),
            [1, 1],
        )


class NonexistentLocalTimeTest(SessionRemovalTestCase):
    def test_a_time_skipped_by_the_clock_change_is_the_one_error(self):
        # 03:30 on 28 March 2027 is skipped when Helsinki clocks jump to 04:00;
        # the end, 07:00 that day, is before the session's saved start.
        second = self.sessions()[1]
        data = cohort_edit_data(
            CohortPage.objects.get(pk=self.cohort.pk),
            lambda s: (
                {"start": "2027-03-28 03:30", "end": "2027-03-28 07:00"}
                if s == second
                else {}
            ),
        )
        for language, wrong in [
            ("en", "The session must end after it starts."),
            ("fi", "Tuokion päättymisajan on oltava alkamisajan jälkeen."),
        ]:
            profile = UserProfile.get_for_user(self.coordinator)
            profile.preferred_language = language
            profile.save()
            response = self.post(data)
            self.assertEqual(response.status_code, 200)
            soup = self.get_soup(response.content)
            child = soup.select_one('[id="inline_child_sessions-1"]').get_text(" ")
            self.assertNotIn(wrong, child)
            if language == "en":
                self.assertIn(
                    "2027-03-28 at 3:30 a.m. does not exist in Europe/Helsinki: "
                    "clocks go forward at 3 a.m. that night. Choose another time.",
                    child,
                )
        self.assertEqual(Session.objects.get(pk=second.pk).start, second.start)
