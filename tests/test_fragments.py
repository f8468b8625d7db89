"""The rendered parts of "My training", the cohort space and the progress
grid kept in the cache (assignments/fragments.py): a page shows any change
at once, however it was made, and a repeated request does not render the
part again."""

import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection
from django.test import SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Site
from wagtail.users.models import UserProfile

from assignments.fragments import fingerprint, fragment_context, templates_digest
from assignments.models import (
    MAX_ANSWER_LENGTH,
    Choice,
    Comment,
    Experiment,
    Reflection,
)
from cohorts.models import Attendance, CohortPage, Session
from courses.permissions import COORDINATORS
from signin.templatetags import admin_link

from .test_participant_pages import ParticipantPageTestCase, answers_data, url
from .test_progress import TrainingDataMixin

TIMELINE = "assignments/participant/_timeline.html"
ANSWERS = "assignments/participant/_answers.html"
TEXTAREA = "assignments/participant/_textarea.html"


def shapes(queries):
    """The queries without their values (times, keys)."""
    return [
        re.sub(r"'[^']*'|\b\d+\b", "?", query["sql"])
        for query in queries.captured_queries
    ]


def without_tokens(response):
    """The page without its CSRF tokens, which differ on every request."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", response.content.decode())


class FingerprintTest(SimpleTestCase):
    def test_equal_values_give_equal_fingerprints_and_a_change_another(self):
        start, uid = timezone.now(), uuid.uuid4()
        one = Session(pk=1, title="Kick-off", start=start, end=start, uid=uid)
        same = Session(pk=1, title="Kick-off", start=start, end=start, uid=uid)
        other = Session(pk=1, title="Kick-off", start=start, end=start, uid=uid)
        other.start += timedelta(hours=1)
        self.assertEqual(fingerprint([one]), fingerprint([same]))
        self.assertNotEqual(fingerprint([one]), fingerprint([other]))

    def test_which_object_is_met_again_counts(self):
        """The experiment to do now is one of the rows already shown: which
        one it is must change the fingerprint."""
        one, two = Experiment(pk=1, title="One"), Experiment(pk=2, title="Two")
        self.assertNotEqual(
            fingerprint([one, two], [one]), fingerprint([one, two], [two])
        )

    def test_the_language_is_part_of_the_fingerprint(self):
        with translation.override("fi"):
            finnish = fingerprint("same")
        with translation.override("sv"):
            swedish = fingerprint("same")
        self.assertNotEqual(finnish, swedish)

    def test_related_and_prefetched_objects_count(self):
        experiment = Experiment(pk=1, title="Try a check-in")
        reflection = Reflection(pk=2, experiment=experiment, answers=[])
        before = fingerprint(reflection)
        experiment.title = "Try a check-out"
        self.assertNotEqual(fingerprint(reflection), before)

    def test_an_object_it_cannot_read_is_refused(self):
        @dataclass
        class Holder:
            thing: object

        with self.assertRaises(TypeError):
            fingerprint(Holder(object()))

    def test_a_named_release_gives_new_fingerprints(self):
        self.addCleanup(templates_digest.cache_clear)
        fingerprints = []
        for release in ("2026.12.1", "2026.12.2"):
            with override_settings(VIRTU_RELEASE=release):
                templates_digest.cache_clear()
                fingerprints.append(fingerprint("same"))
        self.assertNotEqual(*fingerprints)

    def test_a_release_that_changes_only_a_translation_gives_new_fingerprints(self):
        # A kept part in a shared cache would otherwise show the old words
        # until it expired.
        self.addCleanup(templates_digest.cache_clear)
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        catalogue = folder / "fi" / "LC_MESSAGES" / "django.mo"
        catalogue.parent.mkdir(parents=True)
        fingerprints = []
        with override_settings(LOCALE_PATHS=[folder]):
            for words in (b"needed when you submit", b"choose one before"):
                catalogue.write_bytes(words)
                templates_digest.cache_clear()
                fingerprints.append(fingerprint("same"))
        self.assertNotEqual(*fingerprints)

    @override_settings(DEBUG=True)
    def test_nothing_is_kept_while_debugging(self):
        self.assertEqual(fragment_context(part=("x",))["fragment_seconds"], 0)


class KeptPartsTest(ParticipantPageTestCase):
    def setUp(self):
        super().setUp()
        caches["template_fragments"].clear()

    def test_a_repeated_request_does_not_render_the_programme_again(self):
        first = self.client.get(url("my_training"))
        self.assertTemplateUsed(first, TIMELINE)
        again = self.client.get(url("my_training"))
        self.assertTemplateNotUsed(again, TIMELINE)
        self.assertEqual(without_tokens(first), without_tokens(again))

    def test_a_session_changed_without_signals_shows_at_once(self):
        self.client.get(url("my_training"))
        self.client.get(url("cohort", self.cohort.pk))
        Session.objects.filter(pk=self.sessions[1].pk).update(title="Moved online")
        self.assertContains(self.client.get(url("my_training")), "Moved online")
        self.assertContains(
            self.client.get(url("cohort", self.cohort.pk)), "Moved online"
        )

    def test_a_renamed_cohort_shows_its_new_address(self):
        self.client.get(url("my_training"))
        page = CohortPage.objects.get(pk=self.cohort.pk)
        page.slug = "alpha-renamed"
        page.save_revision().publish()
        response = self.client.get(url("my_training"))
        self.assertContains(response, "/alpha-renamed/")

    def test_a_site_served_from_another_root_shows_the_new_addresses(self):
        """A cohort page's address depends on the site records, which the
        views read before the parts are fingerprinted."""
        pages = (url("my_training"), url("cohort", self.cohort.pk))
        for page in pages:
            self.assertContains(self.client.get(page), self.cohort.url)
        site = Site.objects.get(is_default_site=True)
        site.root_page = self.course
        site.save()
        # Wagtail keeps the site root paths in the cache, which the test's
        # rollback leaves as they are: the next test needs them anew.
        self.addCleanup(Site.clear_site_root_paths_cache)
        moved = CohortPage.objects.get(pk=self.cohort.pk).get_url()
        self.assertNotEqual(moved, self.cohort.url)
        for page in pages:
            with self.subTest(page=page):
                self.assertContains(self.client.get(page), f'href="{moved}"')

    def test_a_renamed_author_and_a_new_comment_show_in_the_cohort_space(self):
        reflection = self.write(enrollment=self.peer)
        space = url("cohort", self.cohort.pk)
        self.assertContains(self.client.get(space), "(0 comments)")
        get_user_model().objects.filter(pk=self.peer.user_id).update(
            first_name="Renamed"
        )
        self.assertContains(self.client.get(space), "Renamed")
        Comment.objects.create(reflection=reflection, author=self.user, text="Nice")
        self.assertContains(self.client.get(space), "(1 comment)")

    def test_readers_of_the_same_reflections_share_them_not_their_programme(self):
        self.write(enrollment=self.peer)
        space = url("cohort", self.cohort.pk)
        first = self.client.get(space)
        self.assertTemplateUsed(first, ANSWERS)
        # A draft of their own: the same reflections, another programme.
        self.write(enrollment=self.people[2], status=Reflection.Status.DRAFT)
        self.client.force_login(self.people[2].user)
        other = self.client.get(space)
        self.assertTemplateNotUsed(other, ANSWERS)
        self.assertTemplateUsed(other, TIMELINE)
        self.assertContains(other, "I ran a meeting.")

    def test_a_newly_shared_reflection_renders_alone_on_a_changed_page(self):
        def answers_rendered(response):
            return [t.name for t in response.templates].count(ANSWERS)

        self.write(enrollment=self.peer, answer="First one")
        self.write(enrollment=self.people[2], answer="Second one")
        space = url("cohort", self.cohort.pk)
        self.assertEqual(answers_rendered(self.client.get(space)), 2)
        self.write(answer="Third one")  # the reader's own
        changed = self.client.get(space)
        self.assertEqual(answers_rendered(changed), 1)
        for answer in ("First one", "Second one", "Third one"):
            self.assertContains(changed, answer)
        # Each reflection's part is its own: an edit shows at once.
        Reflection.objects.filter(author=self.peer).update(
            answers=[{"prompt": "What did you try?", "answer": "First, edited"}]
        )
        edited = self.client.get(space)
        self.assertEqual(answers_rendered(edited), 1)
        self.assertContains(edited, "First, edited")
        self.assertNotContains(edited, "First one")

    def test_the_reflection_form_shows_what_was_saved_and_no_old_error(self):
        form = url("reflection", self.experiment.pk)
        first = self.client.get(form)
        self.assertTemplateUsed(first, TEXTAREA)
        self.assertTemplateNotUsed(self.client.get(form), TEXTAREA)
        self.client.post(
            url("autosave", self.experiment.pk),
            {"answer_0": "Autosaved words", "visibility": "cohort"},
        )
        self.assertContains(self.client.get(form), "Autosaved words")
        too_long = "x" * (MAX_ANSWER_LENGTH + 1)
        refused = self.client.post(form, answers_data(too_long, action="submit"))
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, 'class="field-error"', status_code=400)
        # The draft keeps the text (nothing typed is lost); the error was the
        # sent form's alone.
        again = self.client.get(form)
        self.assertNotContains(again, 'class="field-error"')
        self.assertIn(too_long, again.content.decode())

    def test_feedback_shows_on_the_reflection_page(self):
        form = url("reflection", self.experiment.pk)
        reflection = self.write()
        self.client.get(form)
        Reflection.objects.filter(pk=reflection.pk).update(
            feedback="Well observed",
            feedback_at=timezone.now(),
            feedback_by=self.trainer,
        )
        self.assertContains(self.client.get(form), "Well observed")
        self.client.get(form)  # the feedback is seen: a part kept as seen
        get_user_model().objects.filter(pk=self.trainer.pk).update(
            first_name="Renamed", last_name="Trainer"
        )
        self.assertContains(self.client.get(form), "Renamed Trainer")

    def test_each_language_has_its_own_part(self):
        english = self.client.get(url("my_training"))
        self.assertContains(english, "Open the cohort space")
        with translation.override("fi"):
            finnish = self.client.get(reverse("participant:my_training"))
        self.assertNotContains(finnish, "Open the cohort space")
        self.assertContains(finnish, 'lang="fi"')

    def test_the_time_moves_the_page_on(self):
        """What depends on the time (join now, late) is worked out before the
        fingerprint, so a page kept from before does not hide it."""
        soon = timezone.now() + timedelta(minutes=30)
        Session.objects.filter(pk=self.sessions[1].pk).update(
            meeting_url="https://meet.example.fi/alpha-2",
            start=soon,
            end=soon + timedelta(hours=3),
        )
        self.assertNotContains(self.client.get(url("my_training")), "Join now")
        Session.objects.filter(pk=self.sessions[1].pk).update(
            start=timezone.now() + timedelta(minutes=10)
        )
        self.assertContains(self.client.get(url("my_training")), "Join now")

    def test_a_submitted_reflection_shows_as_submitted(self):
        self.client.get(url("my_training"))
        self.write(status=Reflection.Status.SUBMITTED)
        response = self.client.get(url("my_training"))
        self.assertContains(response, "Submitted")


class AdminLinkTest(ParticipantPageTestCase):
    """The header's link to the admin: its permission check is kept in the
    session for a few minutes instead of costing two queries a page."""

    def admin_links(self):
        response = self.client.get(url("my_training"))
        return response, response.content.decode().count(
            f'href="{reverse("wagtailadmin_home")}"'
        )

    def test_a_participant_has_no_link_and_a_trainer_has_one(self):
        self.assertEqual(self.admin_links()[1], 0)
        self.client.force_login(self.trainer)
        self.assertEqual(self.admin_links()[1], 1)

    def test_the_answer_is_kept_then_asked_again(self):
        self.admin_links()
        Group.objects.get(name=COORDINATORS).user_set.add(self.user)
        self.assertEqual(self.admin_links()[1], 0, "kept for KEEP_SECONDS")
        session = self.client.session
        session[admin_link.SESSION_KEY][1] -= admin_link.KEEP_SECONDS
        session.save()
        self.assertEqual(self.admin_links()[1], 1)


class KeptGridRowsTest(TrainingDataMixin, TestCase):
    """The progress grid keeps each row rendered under a fingerprint of what
    it shows (ProgressTable)."""

    CELL = "assignments/admin/progress_reflection_cell.html"

    def setUp(self):
        caches["template_fragments"].clear()
        self.client.force_login(self.trainer)

    def test_a_repeated_page_renders_no_cell_and_shows_the_same(self):
        first = self.client.get(self.progress_url())
        self.assertTemplateUsed(first, self.CELL)
        again = self.client.get(self.progress_url())
        self.assertTemplateNotUsed(again, self.CELL)
        self.assertEqual(self.rows(first), self.rows(again))

    def test_attendance_changed_without_signals_shows_at_once(self):
        self.client.get(self.progress_url())
        Attendance.objects.filter(enrollment=self.people[0]).update(status="absent")
        Reflection.objects.filter(pk=self.draft.pk).update(
            status=Reflection.Status.SUBMITTED, submitted_at=timezone.now()
        )
        rows = {row[0]: row for row in self.rows(self.client.get(self.progress_url()))}
        self.assertIn("Absent", rows[self.people[0].name])
        self.assertIn("Submitted", rows[self.people[0].name])

    def test_a_renamed_participant_shows_renamed(self):
        self.client.get(self.progress_url())
        get_user_model().objects.filter(pk=self.people[2].user_id).update(
            first_name="Renamed"
        )
        names = self.names(self.client.get(self.progress_url()))
        self.assertTrue(any(name.startswith("Renamed") for name in names), names)

    def test_each_language_has_its_own_rows(self):
        english = self.rows(self.client.get(self.progress_url()))
        self.assertIn("Draft", english[0] + english[1] + english[2] + english[3])
        profile = UserProfile.get_for_user(self.trainer)
        profile.preferred_language = "sv"
        profile.save()
        swedish = self.client.get(self.progress_url())
        self.assertTemplateUsed(swedish, self.CELL)
        self.assertNotIn("Draft", str(self.rows(swedish)))


class PartsShowOnlyWhatWasReadTest(TrainingDataMixin, TestCase):
    """A kept part must show nothing the view did not read before taking its
    fingerprint: a relation read while rendering would stay as it was when
    the part was kept. So a first visit (rendering) makes no more queries
    than a repeated one (the kept part)."""

    def assertRenderingReadsNothing(self, user, url):
        self.client.force_login(user)
        self.client.get(url)  # the caches a running site has
        caches["template_fragments"].clear()
        with CaptureQueriesContext(connection) as first:
            self.client.get(url)
        with CaptureQueriesContext(connection) as again:
            self.client.get(url)
        self.assertEqual(shapes(first), shapes(again))

    def test_participant_pages(self):
        participant = self.people[1]
        reflection = self.submitted
        reflection.feedback, reflection.feedback_by = "Good", self.trainer
        reflection.feedback_at = reflection.feedback_seen_at = timezone.now()
        reflection.visibility = Reflection.Visibility.COHORT
        reflection.save()
        Choice.objects.create(
            enrollment=participant,
            experiment=reflection.experiment,
            after_session=reflection.experiment.after_session,
        )
        for page in (
            reverse("participant:my_training"),
            reverse("participant:cohort", args=[self.cohort.pk]),
            reverse("participant:reflection", args=[reflection.experiment_id]),
        ):
            with self.subTest(page):
                self.assertRenderingReadsNothing(participant.user, page)

    def test_trainer_pages(self):
        for page in (
            reverse("participant:cohort", args=[self.cohort.pk]),
            self.progress_url(),
        ):
            with self.subTest(page):
                self.assertRenderingReadsNothing(self.trainer, page)
