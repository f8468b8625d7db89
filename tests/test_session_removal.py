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
from wagtail.models import Page
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from cohorts.enrolment import enrol
from cohorts.models import (
    Attendance,
    CohortPage,
    RetentionReview,
    Session,
    join_urls,
)
from outbox.sending import send_pending
from privacy import erasure
from privacy.models import ErasureRequest

from .factories import (
    cohort_edit_data,
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
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

    def test_one_marked_before_it_was_held_goes_once_its_marks_are_cleared(self):
        """Marked ahead (before that was refused) or before it was moved
        later: the coordinator is told how to let it go, and can."""
        data = self.removing(self.third, **{"experiments-1-DELETE": "1"})
        Attendance.objects.create(
            session=self.third,
            enrollment=self.cohort.enrollments.first(),
            status="present",
        )

        response = self.post(data)

        self.assertEqual(response.status_code, 200)
        self.assertShownAgain(
            response,
            self.third,
            "The session “Session 3” cannot be removed: attendance has been "
            "marked for it, though it has not been held yet. If the marks are "
            "not needed, clear them on the session's attendance page first",
        )
        attendance = reverse(
            "cohorts:session_attendance", args=[self.cohort.pk, self.third.pk]
        )
        self.assertEqual(self.client.post(attendance, {"clear": "1"}).status_code, 302)
        self.assertEqual(self.post(data).status_code, 302)
        self.assertEqual(self.sessions(), [self.first, self.second])

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
        # 03:30 on 28 March 2038 is skipped when Helsinki clocks jump to 04:00;
        # the end, 07:00 that day, is before the session's saved start.
        second = self.sessions()[1]
        data = cohort_edit_data(
            CohortPage.objects.get(pk=self.cohort.pk),
            lambda s: (
                {"start": "2038-03-28 03:30", "end": "2038-03-28 07:00"}
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
                    "2038-03-28 at 3:30 a.m. does not exist in Europe/Helsinki: "
                    "clocks go forward at 3 a.m. that night. Choose another time.",
                    child,
                )
        self.assertEqual(Session.objects.get(pk=second.pk).start, second.start)


def hold_in_the_past(cohort, first_start, meeting_url="https://meet.example.fi/a-{}"):
    """Publish ``cohort`` with its sessions a week apart from ``first_start``,
    each with a meeting link of its own: an earlier cohort, as its revisions
    hold it (a copy takes its revision as well as its rows)."""
    page = CohortPage.objects.get(pk=cohort.pk)
    sessions = list(page.sessions.all())
    for number, session in enumerate(sessions):
        session.start = first_start + number * timedelta(days=7)
        session.end = session.start + timedelta(hours=3, minutes=30)
        session.meeting_url = meeting_url.format(number + 1) if meeting_url else ""
    page.sessions = sessions
    page.save_revision().publish()


class CopiedCohortTest(SessionRemovalTestCase):
    """A coordinator copies an earlier cohort (published two months ago,
    held a month ago, attendance marked, each session with its meeting link)
    to run the course again."""

    def setUp(self):
        super().setUp()
        CohortPage.objects.filter(pk=self.cohort.pk).update(
            first_published_at=timezone.now() - timedelta(days=60)
        )
        with self.captureOnCommitCallbacks(execute=True):
            hold_in_the_past(self.cohort, timezone.now() - timedelta(days=30))
        self.first, self.second, self.third = self.sessions()
        for person in self.people:
            Attendance.objects.create(
                session=self.first, enrollment=person, status="present"
            )

    def copy(self, page=None, slug="cohort-b", parent=None, follow=False, **options):
        page = page or self.cohort
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:copy", args=[page.pk]),
                {
                    "new_title": "Cohort B",
                    "new_slug": slug,
                    "new_parent_page": (parent or self.course).pk,
                    **options,
                },
                follow=follow,
            )
        self.assertEqual(response.status_code, 200 if follow else 302)
        copy = CohortPage.objects.get(slug=slug) if page == self.cohort else None
        return (copy, response) if follow else copy

    def remove_session(self, copy, title="Session 3", experiment=1):
        """The copy's editor posted with the session ``title`` removed, and
        the experiment (by its place) it would leave without a due date."""
        page = CohortPage.objects.get(pk=copy.pk).get_latest_revision_as_object()
        data = cohort_edit_data(
            page,
            lambda s: {"DELETE": "1"} if s.title == title else {},
            **{f"experiments-{experiment}-DELETE": "1"},
        )
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                reverse("wagtailadmin_pages:edit", args=[copy.pk]), data
            )

    def copied_sessions(self, copy):
        return list(Session.objects.filter(page=copy).order_by("sort_order"))

    def test_a_session_of_a_copy_can_be_removed(self):
        for slug, options in [
            ("draft-copy", {}),
            ("live-copy", {"publish_copies": "on"}),
        ]:
            with self.subTest(slug):
                copy = self.copy(slug=slug, **options)

                response = self.remove_session(copy)

                self.assertEqual(response.status_code, 302)
                titles = [s.title for s in self.copied_sessions(copy)]
                self.assertEqual(titles, ["Session 1", "Session 2"])
                # Published now, it is still not held: its copied revision
                # said when the original was first published.
                response = self.remove_session(copy, "Session 2", experiment=0)
                self.assertEqual(response.status_code, 302)
                titles = [s.title for s in self.copied_sessions(copy)]
                self.assertEqual(titles, ["Session 1"])
                # The original keeps its own.
                self.assertEqual(self.sessions(), [self.first, self.second, self.third])

    def test_the_originals_sessions_still_cannot_be_removed(self):
        self.copy()

        response = self.post(self.removing(self.second))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, STARTED)
        self.assertEqual(len(self.sessions()), 3)

    def test_a_copy_has_none_of_the_originals_meeting_links(self):
        for slug, options in [
            ("draft-copy", {}),
            ("live-copy", {"publish_copies": "on"}),
        ]:
            with self.subTest(slug):
                copy = self.copy(slug=slug, **options)

                sessions = self.copied_sessions(copy)
                self.assertEqual([s.meeting_url for s in sessions], ["", "", ""])
                self.assertEqual(set(join_urls(sessions).values()), {""})
                # Nor does the editor offer them, from the revision copied.
                page = CohortPage.objects.get(pk=copy.pk)
                for revision in (page.latest_revision, page.live_revision):
                    if revision is not None:
                        shown = revision.as_object().sessions.all()
                        self.assertEqual({s.meeting_url for s in shown}, {""})
                # Published from its editor, the copy still has none.
                self.remove_session(copy)
                self.assertEqual(
                    {s.meeting_url for s in self.copied_sessions(copy)}, {""}
                )
                # The original keeps its links.
                self.assertEqual(
                    [s.meeting_url for s in self.sessions()],
                    [f"https://meet.example.fi/a-{n}" for n in (1, 2, 3)],
                )

    def test_a_link_the_copy_is_given_is_its_own(self):
        copy = self.copy()
        page = CohortPage.objects.get(pk=copy.pk).get_latest_revision_as_object()
        data = cohort_edit_data(
            page, lambda s: {"meeting_url": f"https://meet.example.fi/b-{s.title[-1]}"}
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[copy.pk]), data
            )
        self.assertEqual(response.status_code, 302)

        page = CohortPage.objects.get(pk=copy.pk)
        expected = [f"https://meet.example.fi/b-{n}" for n in (1, 2, 3)]
        self.assertEqual([s.meeting_url for s in self.copied_sessions(copy)], expected)
        shown = page.get_latest_revision_as_object().sessions.all()
        self.assertEqual([s.meeting_url for s in shown], expected)

    def test_a_copy_of_the_course_with_its_cohorts_behaves_the_same(self):
        __, response = self.copy(
            self.course,
            slug="virtual-work-again",
            follow=True,
            parent=self.course.get_parent(),
            copy_subpages="on",
            publish_copies="on",
        )
        course = Page.objects.get(slug="virtual-work-again")
        copy = CohortPage.objects.child_of(course).get()

        self.assertContains(response, "meeting links of 1 cohort were not copied")
        self.assertEqual({s.meeting_url for s in self.copied_sessions(copy)}, {""})
        response = self.remove_session(copy)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(self.copied_sessions(copy)), 2)
        self.assertEqual(len(self.sessions()), 3)

    def test_a_trainer_enrolled_in_the_copy_does_not_make_its_sessions_held(self):
        # The trainer may be the one who gives the copy its own dates.
        copy = self.copy(publish_copies="on")
        with self.captureOnCommitCallbacks(execute=True):
            make_trainer(copy, "tuula@example.fi")

        self.assertEqual(self.remove_session(copy).status_code, 302)
        self.assertEqual(len(self.copied_sessions(copy)), 2)

    def test_participants_enrolled_since_do_not_make_the_copied_dates_held(self):
        # They were enrolled to take part in the sessions yet to come.
        copy = self.copy(publish_copies="on")
        with self.captureOnCommitCallbacks(execute=True):
            make_participants(copy, 1, prefix="b")

        self.assertEqual(self.remove_session(copy).status_code, 302)
        self.assertEqual(len(self.copied_sessions(copy)), 2)

    def test_a_session_of_a_copy_that_started_after_the_copy_was_made_was_held(self):
        copy = self.copy(publish_copies="on")
        # Copied twenty days ago: the third session (sixteen days ago) was
        # held by the copy, the second (23 days ago) has the original's date.
        CohortPage.objects.filter(pk=copy.pk).update(
            copied_at=timezone.now() - timedelta(days=20)
        )

        response = self.remove_session(copy)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, STARTED.replace("Session 2", "Session 3"))
        self.assertEqual(len(self.copied_sessions(copy)), 3)
        response = self.remove_session(copy, "Session 2")
        self.assertEqual(response.status_code, 302)
        titles = [s.title for s in self.copied_sessions(copy)]
        self.assertEqual(titles, ["Session 1", "Session 3"])

    def test_a_copy_made_in_code_keeps_the_sessions_that_have_started(self):
        # Nothing tells it from a cohort recorded after it was held.
        with self.captureOnCommitCallbacks(execute=True):
            copy = self.cohort.copy(
                update_attrs={"title": "Cohort B", "slug": "cohort-b"}
            )

        response = self.remove_session(copy)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, STARTED.replace("Session 2", "Session 3"))

    def test_publishing_or_reverting_the_copy_keeps_when_it_was_copied(self):
        before = timezone.now()
        copy = self.copy()
        page = CohortPage.objects.get(pk=copy.pk)
        copied_at, as_copied = page.copied_at, page.latest_revision
        self.assertGreaterEqual(copied_at, before)

        self.assertEqual(self.remove_session(copy).status_code, 302)
        self.assertEqual(CohortPage.objects.get(pk=copy.pk).copied_at, copied_at)
        # Back to the revision made as it was copied, which knew no copy.
        self.assertIsNone(as_copied.content["copied_at"])
        with self.captureOnCommitCallbacks(execute=True):
            as_copied.publish()
        self.assertEqual(CohortPage.objects.get(pk=copy.pk).copied_at, copied_at)
        self.assertEqual(len(self.copied_sessions(copy)), 3)
        self.assertEqual(self.remove_session(copy).status_code, 302)

    def test_a_copy_of_a_copy_is_marked_when_it_is_made(self):
        copy = self.copy()
        earlier = timezone.now() - timedelta(days=3)
        CohortPage.objects.filter(pk=copy.pk).update(copied_at=earlier)

        self.copy(copy, slug="cohort-c")

        again = CohortPage.objects.get(slug="cohort-c")
        self.assertGreater(again.copied_at, earlier)
        self.assertIsNone(CohortPage.objects.get(pk=self.cohort.pk).copied_at)

    def test_a_copy_is_first_published_when_it_is(self):
        # Wagtail takes a revision's first publication date where it has
        # one: the copied revisions would give the copy the original's.
        before = timezone.now()
        copy = self.copy()

        self.assertEqual(self.remove_session(copy).status_code, 302)

        page = CohortPage.objects.get(pk=copy.pk)
        self.assertGreaterEqual(page.first_published_at, before)

    def test_a_session_in_the_originals_draft_stays_the_originals(self):
        # The original's draft adds a session, with its link, not saved as
        # a row yet: the copy takes it from the revision.
        original = CohortPage.objects.get(pk=self.cohort.pk)
        later = timezone.localtime(timezone.now() + timedelta(days=60), original.zone)
        link = "https://meet.example.fi/a-4"
        data = cohort_edit_data(
            original,
            extra_sessions=[
                {
                    "id": "",
                    "title": "Session 4",
                    "start": f"{later:%Y-%m-%d} 09:00",
                    "end": f"{later:%Y-%m-%d} 12:30",
                    "meeting_url": link,
                    "meeting_provider": "",
                    "agenda": "",
                }
            ],
        )
        del data["action-publish"]
        self.post(data)
        draft = CohortPage.objects.get(pk=self.cohort.pk).get_latest_revision()
        uid = next(
            s["uid"] for s in draft.content["sessions"] if s["title"] == "Session 4"
        )

        copy = self.copy(publish_copies="on")
        with self.captureOnCommitCallbacks(execute=True):
            CohortPage.objects.get(pk=copy.pk).get_latest_revision().publish()
        with self.captureOnCommitCallbacks(execute=True):
            draft.publish()

        session = Session.objects.get(page=self.cohort, title="Session 4")
        self.assertEqual((str(session.uid), session.meeting_url), (uid, link))
        theirs = Session.objects.get(page=copy, title="Session 4")
        self.assertEqual(theirs.meeting_url, "")
        self.assertNotEqual(str(theirs.uid), uid)
        # Nor does any revision of the copy hold the original's.
        for revision in CohortPage.objects.get(pk=copy.pk).revisions.all():
            for entry in revision.content["sessions"]:
                self.assertNotEqual(entry["uid"], uid)
                self.assertNotEqual(entry["meeting_url"], link)

    def test_copying_says_the_links_were_left_out(self):
        __, response = self.copy(follow=True)
        self.assertContains(response, "meeting links were not copied from “Cohort A”")
        # A cohort whose sessions have no links is copied without a word.
        with self.captureOnCommitCallbacks(execute=True):
            hold_in_the_past(self.cohort, timezone.now() - timedelta(days=30), "")
        __, response = self.copy(slug="cohort-c", follow=True)
        self.assertNotContains(response, "were not copied")

    def test_copying_a_course_without_its_cohorts_says_nothing_of_links(self):
        __, response = self.copy(
            self.course,
            slug="virtual-work-again",
            follow=True,
            parent=self.course.get_parent(),
        )
        self.assertNotContains(response, "were not copied")

    def test_the_copys_editor_says_its_dates_are_the_originals(self):
        copy = self.copy()
        notice = "3 sessions are dated before this cohort was copied"

        response = self.client.get(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
        self.assertContains(response, notice)
        # Participants enrolled in it do not change its dates.
        with self.captureOnCommitCallbacks(execute=True):
            make_participants(copy, 1, prefix="b")
        response = self.client.get(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
        self.assertContains(response, notice)
        # Not the original's, whose sessions were held.
        response = self.client.get(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        )
        self.assertNotContains(response, "before this cohort was copied")
        # Nor once the copy has dates of its own.
        page = CohortPage.objects.get(pk=copy.pk).get_latest_revision_as_object()
        later = timezone.localtime(timezone.now() + timedelta(days=30), copy.zone)
        data = cohort_edit_data(
            page,
            lambda s: {
                "start": f"{later + timedelta(days=7 * s.sort_order):%Y-%m-%d} 09:00",
                "end": f"{later + timedelta(days=7 * s.sort_order):%Y-%m-%d} 12:30",
            },
        )
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("wagtailadmin_pages:edit", args=[copy.pk]), data)
        response = self.client.get(reverse("wagtailadmin_pages:edit", args=[copy.pk]))
        self.assertNotContains(response, "before this cohort was copied")

    def test_the_notices_are_in_finnish_and_swedish(self):
        for language, copied, dated in [
            (
                "fi",
                "kokouslinkkejä ei kopioitu ryhmästä ”Cohort A”",
                "3 tuokion ajankohta on ennen tämän ryhmän kopiointia",
            ),
            (
                "sv",
                "möteslänkar kopierades inte från ”Cohort A”",
                "3 träffar har datum som ligger före kopieringen av den här gruppen",
            ),
        ]:
            with self.subTest(language):
                profile = UserProfile.get_for_user(self.coordinator)
                profile.preferred_language = language
                profile.save()
                copy, response = self.copy(slug=f"copy-{language}", follow=True)
                self.assertContains(response, copied)
                response = self.client.get(
                    reverse("wagtailadmin_pages:edit", args=[copy.pk])
                )
                self.assertContains(response, dated)


class HeldSessionTest(SessionRemovalTestCase):
    """A session that has started stays in a cohort that is not a copy made
    in the admin, however the cohort came to be and whoever is in it now."""

    def recorded_afterwards(self, **fields):
        """A cohort entered after it was held, to record a past course: made
        and published today, with sessions dated a month ago."""
        start = timezone.localdate() - timedelta(days=31)
        return make_cohort(self.course, "Cohort R", start_date=start, **fields)

    def refuses(self, cohort, message=STARTED):
        page = CohortPage.objects.get(pk=cohort.pk)
        second = page.sessions.all()[1]
        data = cohort_edit_data(
            page.get_latest_revision_as_object(),
            lambda s: {"DELETE": "1"} if s.pk == second.pk else {},
            # The experiment it comes before would follow it, no longer the
            # last one: only the session's own record keeps it.
            **{"experiments-1-after_session": "1"},
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[cohort.pk]), data
            )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, message)
        self.assertTrue(Session.objects.filter(pk=second.pk).exists())

    def test_a_cohort_recorded_after_it_was_held_keeps_its_sessions(self):
        cohort = self.recorded_afterwards()
        make_participants(cohort, 2, prefix="r")
        self.refuses(cohort)

    def test_so_does_one_whose_participants_were_all_withdrawn(self):
        cohort = self.recorded_afterwards()
        for place in make_participants(cohort, 2, prefix="r"):
            place.withdraw()
        self.refuses(cohort)

    def test_so_does_one_whose_participants_were_all_erased_on_request(self):
        cohort = self.recorded_afterwards()
        for place in make_participants(cohort, 2, prefix="r"):
            request = ErasureRequest.objects.create(
                subject=place.user,
                subject_user_id=place.user.pk,
                subject_email=place.user.email,
                state=ErasureRequest.State.APPROVED,
                run_after=timezone.now() - timedelta(minutes=1),
            )
            with self.captureOnCommitCallbacks(execute=True):
                state = erasure.run(request.pk)
                if state == ErasureRequest.State.WAITING:
                    send_pending()
                    state = erasure.run(request.pk)
            self.assertEqual(state, ErasureRequest.State.DONE)
        self.assertFalse(cohort.enrollments.exists())
        self.refuses(cohort)

    def test_so_does_one_recorded_with_its_trainers_only(self):
        cohort = self.recorded_afterwards()
        make_trainer(cohort, "tuula@example.fi")
        self.refuses(cohort)

    def test_so_does_one_whose_people_were_erased_after_retention(self):
        cohort = self.recorded_afterwards()
        RetentionReview.objects.create(
            cohort=cohort,
            due_since=timezone.now(),
            confirmed_at=timezone.now(),
            erased_at=timezone.now(),
        )
        self.refuses(cohort)

    def test_a_cohort_published_before_its_session_began_keeps_it(self):
        # Nobody is in it now (their places were deleted, say): it was
        # announced and open when the session was held.
        cohort = make_cohort(self.course, "Cohort P")
        CohortPage.objects.filter(pk=cohort.pk).update(
            first_published_at=timezone.now() - timedelta(days=40)
        )
        with self.captureOnCommitCallbacks(execute=True):
            hold_in_the_past(cohort, timezone.now() - timedelta(days=24))
        self.refuses(cohort)
