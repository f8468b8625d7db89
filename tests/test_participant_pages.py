"""The participants' pages: "My training", writing a reflection (drafts,
autosave, submitting, late, editing until the next session), the cohort
space and comments."""

import json
import random
import zoneinfo
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from bs4 import BeautifulSoup
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import time_format
from wagtail.models import Page
from wagtail.models.reference_index import ReferenceIndex

from assignments import participant_views
from assignments.models import (
    MAX_ANSWER_LENGTH,
    MAX_COMMENT_LENGTH,
    Comment,
    Experiment,
    Reflection,
)
from assignments.participant_views import PER_PAGE, ReflectionPage
from assignments.timeline import State
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment, Session
from home.management.demo import add_generated_participants

try:
    from django.tasks import task_backends
except ImportError:  # Django 5.2
    from django_tasks import task_backends

from .factories import (
    PROMPTS,
    cohort_edit_data,
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    place_sessions,
)

PROMPT_LIST = PROMPTS.splitlines()
REFERENCE_INDEX_TASK = "wagtail.tasks.update_reference_index_task"


def answers_data(
    *answers, visibility="trainers", action="save", decision="adapt", usefulness=4
):
    data = {f"answer_{i}": answer for i, answer in enumerate(answers)}
    outcome = {"decision": decision, "usefulness": usefulness}
    outcome = {name: value for name, value in outcome.items() if value is not None}
    return {**data, **outcome, "visibility": visibility, "action": action}


def url(name, *args):
    with translation.override("en"):
        return reverse(f"participant:{name}", args=args)


def limit_said(content, name):
    """What the page says of box ``name``'s limit before it is passed: the
    text that describes the box, and, if the page loads virtu/limit.js to
    count down to it, the box's limit and the words it counts with."""
    soup = BeautifulSoup(content, "html.parser")
    box = soup.find("textarea", attrs={"name": name})
    described = " ".join(
        soup.find(id=part).get_text(" ", strip=True)
        for part in box.get("aria-describedby", "").split()
    )
    if soup.select_one('script[src$="virtu/limit.js"]') is None:
        return described, None
    return described, (
        box.get("data-limit"),
        box.get("data-characters-left"),
        box.get("data-characters-over"),
    )


def counted_to(limit):
    """What ``limit_said`` finds of a box that virtu/limit.js counts down to
    ``limit``, in English."""
    return (
        str(limit),
        "Characters left: %(count)s",
        "Characters over the limit: %(count)s",
    )


class ParticipantPageTestCase(TestCase):
    """Cohort Alpha: the first session was a day ago, the second is in six
    days, so Experiment 1 is the one to do now. Pat writes reflections."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course, "Cohort Alpha")
        place_sessions(cls.cohort, timezone.now() - timedelta(days=1))
        cls.trainer = make_trainer(cls.cohort)
        cls.people = make_participants(cls.cohort, 3, "alpha")
        cls.enrollment = cls.people[0]
        cls.user = cls.enrollment.user
        cls.peer = cls.people[1]
        cls.experiment, cls.experiment_2 = cls.cohort.experiments.order_by(
            "after_session"
        )
        cls.sessions = list(Session.objects.filter(page=cls.cohort))

    def setUp(self):
        self.client.force_login(self.user)

    def reflection(self):
        return Reflection.objects.get(
            experiment=self.experiment, author=self.enrollment
        )

    def write(self, enrollment=None, experiment=None, answer="I ran a meeting.", **f):
        return Reflection.objects.create(
            experiment=experiment or self.experiment,
            author=enrollment or self.enrollment,
            answers=[{"prompt": PROMPT_LIST[0], "answer": answer}],
            **{
                "status": Reflection.Status.SUBMITTED,
                "submitted_at": timezone.now(),
                "visibility": Reflection.Visibility.COHORT,
                **f,
            },
        )


class MyTrainingTest(ParticipantPageTestCase):
    def test_shows_the_next_session_in_the_cohorts_time_zone(self):
        # 07:00 UTC is 09:00 in Helsinki in winter.
        start = datetime(2099, 1, 15, 7, 0, tzinfo=UTC)
        Session.objects.filter(pk=self.sessions[1].pk).update(
            start=start, end=start + timedelta(hours=3)
        )
        response = self.client.get(url("my_training"))
        self.assertContains(response, "<h1>My training</h1>", html=True)
        self.assertContains(response, "Session 2")
        self.assertContains(response, 'datetime="2099-01-15T07:00:00+00:00"')
        self.assertContains(response, "Jan. 15, 2099, 9 a.m.")
        self.assertContains(response, "Agenda 2")
        self.assertContains(response, "time zone Europe/Helsinki")

    def test_someone_withdrawn_is_told_so_not_that_they_are_in_no_cohort_yet(self):
        Enrollment.objects.filter(pk=self.enrollment.pk).update(
            withdrawn_at=datetime(2026, 11, 2, 10, tzinfo=UTC)
        )
        # My training and the front page alike.
        for page in (url("my_training"), "/en/"):
            response = self.client.get(page)
            self.assertContains(
                response,
                "You are no longer in Cohort Alpha (since Nov. 2, 2026). What you "
                "wrote there is kept, and your coordinator can enrol you again.",
            )
            self.assertNotContains(response, "not enrolled in any cohort yet")

    def test_a_cohort_taken_off_the_site_is_named_to_its_people(self):
        CohortPage.objects.get(pk=self.cohort.pk).unpublish()
        for page in (url("my_training"), "/en/"):
            response = self.client.get(page)
            self.assertContains(
                response, "Cohort Alpha is not on the site at the moment."
            )
            self.assertNotContains(response, "not enrolled in any cohort yet")

    def test_a_cohort_gone_from_a_list_of_two_is_named_beside_the_other(self):
        """It was named only when it had been the person's only cohort."""
        other = make_cohort(self.course, "Cohort Bravo")
        enrol(other, self.enrollment.user.email)
        CohortPage.objects.get(pk=self.cohort.pk).unpublish()
        for page in (url("my_training"), "/en/"):
            response = self.client.get(page)
            self.assertContains(
                response, "Cohort Alpha is not on the site at the moment."
            )
            self.assertContains(response, f'href="{url("cohort", other.pk)}"')

    def test_a_cohort_never_published_is_not_named(self):
        draft = make_cohort(self.course, "Cohort Draft")
        Page.objects.filter(pk=draft.pk).update(live=False, first_published_at=None)
        person = make_participants(draft, 1, "draft")[0]
        self.client.force_login(person.user)
        response = self.client.get(url("my_training"))
        self.assertNotContains(response, "Cohort Draft")
        self.assertContains(response, "not enrolled in any cohort yet")

    def test_join_link_is_prominent_from_fifteen_minutes_before_the_start(self):
        Session.objects.filter(pk=self.sessions[1].pk).update(
            meeting_url="https://meet.example.fi/alpha-2",
            start=timezone.now() + timedelta(minutes=10),
            end=timezone.now() + timedelta(hours=3),
        )
        response = self.client.get(url("my_training"))
        self.assertContains(
            response,
            '<a class="button button-primary" href="https://meet.example.fi/alpha-2">'
            "Join now</a>",
            html=True,
        )

    def test_join_link_is_plain_before_that(self):
        Session.objects.filter(pk=self.sessions[1].pk).update(
            meeting_url="https://meet.example.fi/alpha-2",
            start=timezone.now() + timedelta(minutes=20),
            end=timezone.now() + timedelta(hours=3),
        )
        response = self.client.get(url("my_training"))
        self.assertContains(
            response,
            '<a href="https://meet.example.fi/alpha-2">Meeting link</a>',
            html=True,
        )
        self.assertNotContains(response, "Join now")

    def test_shows_the_experiment_to_do_now_with_its_instructions_and_due_time(self):
        response = self.client.get(url("my_training"))
        current = response.context["summaries"][0].current
        self.assertEqual([row.experiment for row in current], [self.experiment])
        self.assertEqual(current[0].due, self.sessions[1].start)
        self.assertContains(response, "Try something new, part 1.")
        self.assertContains(response, url("reflection", self.experiment.pk))

    def test_before_the_first_session_the_first_experiment_is_one_to_get_ready_for(
        self,
    ):
        place_sessions(self.cohort, timezone.now() + timedelta(days=2))
        response = self.client.get(url("my_training"))
        summary = response.context["summaries"][0]
        self.assertEqual([row.experiment for row in summary.current], [self.experiment])
        self.assertContains(response, "<h3>Your first experiment</h3>", html=True)
        self.assertContains(
            response, "You do your first experiment after the first session."
        )
        self.assertNotContains(response, "Experiment to do now")
        # In the programme it comes after the first session, which is next.
        states = [
            (step.session or step.experiment, step.state) for step in summary.steps
        ]
        self.assertEqual(states[0], (self.sessions[0], State.NEXT))
        self.assertIn((self.experiment, State.LATER), states)
        self.assertNotIn(State.NOW, [state for __, state in states])

    def test_once_the_first_session_has_begun_its_experiment_is_the_one_to_do(self):
        place_sessions(self.cohort, timezone.now() - timedelta(hours=1))
        response = self.client.get(url("my_training"))
        summary = response.context["summaries"][0]
        self.assertEqual([row.experiment for row in summary.current], [self.experiment])
        self.assertContains(response, "Experiment to do now")
        self.assertNotContains(response, "Your first experiment")
        self.assertIn(
            (self.experiment, State.NOW),
            [(step.experiment, step.state) for step in summary.steps],
        )

    def test_after_the_last_session_there_is_no_experiment_to_do(self):
        place_sessions(self.cohort, timezone.now() - timedelta(days=30))
        response = self.client.get(url("my_training"))
        self.assertEqual(response.context["summaries"][0].current, [])
        self.assertContains(response, "There are no more sessions in this cohort.")

    def test_shows_the_state_of_each_reflection(self):
        self.write(is_late=True)
        response = self.client.get(url("my_training"))
        rows = response.context["summaries"][0].rows
        self.assertEqual(
            [row.progress for row in rows],
            [Reflection.Progress.LATE, Reflection.Progress.NOT_STARTED],
        )
        self.assertContains(response, "Submitted late")
        self.assertContains(response, "Not started")

    def test_new_feedback_is_listed_until_the_participant_opens_it(self):
        self.write(
            feedback="Good start.", feedback_by=self.trainer, feedback_at=timezone.now()
        )
        response = self.client.get(url("my_training"))
        self.assertContains(response, "Feedback on your reflection: Experiment 1")

        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertContains(response, "Good start.")
        self.assertContains(response, '<span class="label">New</span>', html=True)
        self.assertIsNotNone(self.reflection().feedback_seen_at)

        response = self.client.get(url("my_training"))
        self.assertNotContains(response, "Feedback on your reflection")

    def test_trainers_see_their_cohort_with_links_to_the_space_and_the_admin(self):
        self.client.force_login(self.trainer)
        response = self.client.get(url("my_training"))
        self.assertContains(response, "You are a trainer in this cohort.")
        self.assertContains(response, url("cohort", self.cohort.pk))
        self.assertContains(
            response, f"/admin/training/reflections/?cohort={self.cohort.pk}"
        )
        self.assertNotContains(response, "My reflections")

    def test_someone_enrolled_nowhere_is_told_so(self):
        get_user_model().objects.create_user("nobody@example.fi")
        self.client.force_login(
            get_user_model().objects.get(username="nobody@example.fi")
        )
        response = self.client.get(url("my_training"))
        self.assertContains(response, "You are not enrolled in any cohort yet.")

    def test_signing_out_forgets_the_drafts_kept_on_the_device(self):
        response = self.client.get(url("my_training"))
        soup = BeautifulSoup(response.content, "html.parser")
        self.assertIsNotNone(soup.select_one('script[src$="virtu/sign-out.js"][defer]'))
        form = soup.select_one("form[data-sign-out]")
        self.assertEqual(form["action"], reverse("logout"))
        self.client.logout()
        response = self.client.get(reverse("login"))
        self.assertNotContains(response, "sign-out.js")

    def test_the_front_page_is_titled_by_the_site_name_once(self):
        """Its title is the site's name, not "Virtu – Virtu"; every other
        page's title is followed by the name."""
        for prefix in ("", "/sv", "/en"):
            with self.subTest(language=prefix or "fi"):
                titles = [
                    BeautifulSoup(self.client.get(page).content, "html.parser")
                    .title.get_text()
                    .strip()
                    for page in (prefix + "/", prefix + "/my/")
                ]
                self.assertEqual(titles[0], "Virtu")
                self.assertRegex(titles[1], r"^\w[\w ]+ – Virtu$")
                self.assertNotIn("Virtu", titles[1].removesuffix(" – Virtu"))

    def test_a_page_title_is_escaped_once(self):
        self.cohort.title = "Tampere & Turku <2038>"
        self.cohort.save_revision().publish()

        response = self.client.get(self.cohort.url)

        self.assertContains(
            response, "<title>Tampere &amp; Turku &lt;2038&gt; – Virtu</title>"
        )

    def test_is_translated(self):
        response = self.client.get("/my/", headers={"accept-language": "fi"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<html lang="fi">')


class ReflectionFormTest(ParticipantPageTestCase):
    def test_the_form_shows_the_experiments_prompts_as_labels(self):
        response = self.client.get(url("reflection", self.experiment.pk))
        for index, prompt in enumerate(PROMPT_LIST):
            self.assertContains(
                response, f'<label for="id_answer_{index}">{prompt}</label>', html=True
            )
        self.assertContains(response, "<legend>Who can read this?</legend>", html=True)
        self.assertContains(response, "Trainers only")
        self.assertContains(response, "Shared with my cohort")
        self.assertContains(response, 'id="autosave-status"')
        self.assertContains(response, ">Save draft</button>")
        self.assertContains(response, ">Submit</button>")

    def test_each_answer_box_says_its_limit_and_counts_down_to_it(self):
        """As the comment box does: the limit under the label from the start,
        and near it the characters left, without the autosave refusing the
        text first."""
        response = self.client.get(url("reflection", self.experiment.pk))
        for index in range(len(PROMPT_LIST)):
            with self.subTest(box=index):
                self.assertEqual(
                    limit_said(response.content, f"answer_{index}"),
                    ("At most 20,000 characters.", counted_to(MAX_ANSWER_LENGTH)),
                )
        with translation.override("fi"):
            finnish = reverse("participant:reflection", args=[self.experiment.pk])
        response = self.client.get(finnish)
        described, (_, left, over) = limit_said(response.content, "answer_0")
        self.assertEqual(described, "Enintään 20\u00a0000 merkkiä.")
        self.assertEqual(over, "Merkkejä yli rajan: %(count)s")
        self.assertTrue(left)

    def test_save_draft_keeps_the_text_as_a_draft(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("I tried Teams."),
            follow=True,
        )
        self.assertRedirects(response, url("reflection", self.experiment.pk))
        self.assertContains(response, "Saved ")
        self.assertContains(response, "I tried Teams.")
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(
            reflection.answers[0],
            {"prompt": PROMPT_LIST[0], "answer": "I tried Teams."},
        )

    def test_saving_an_empty_draft_creates_nothing(self):
        response = self.client.post(
            url("reflection", self.experiment.pk), answers_data("")
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Reflection.objects.exists())

    def test_submit_sends_the_reflection_to_the_trainers(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data(
                "I tried Teams.", "It worked.", visibility="cohort", action="submit"
            ),
            follow=True,
        )
        self.assertContains(
            response,
            "Your reflection was sent to the trainers and shared with your cohort.",
        )
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(reflection.visibility, Reflection.Visibility.COHORT)
        self.assertFalse(reflection.is_late)
        self.assertIsNotNone(reflection.submitted_at)

    def test_a_double_clicked_submit_creates_one_submission(self):
        data = answers_data("I tried Teams.", action="submit")
        self.client.post(url("reflection", self.experiment.pk), data)
        first = self.reflection().submitted_at
        response = self.client.post(url("reflection", self.experiment.pk), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Reflection.objects.count(), 1)
        self.assertEqual(self.reflection().submitted_at, first)

    def test_an_empty_reflection_cannot_be_submitted(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data(" ", "\n", action="submit"),
        )
        self.assertContains(
            response, "Write something before you submit.", status_code=400
        )
        self.assertContains(response, "There is a problem", status_code=400)
        self.assertFalse(Reflection.objects.exists())

    def test_too_long_text_gets_a_clear_message_and_the_draft_is_kept(self):
        long_text = "a" * (MAX_ANSWER_LENGTH + 1)
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("Short.", long_text, action="submit"),
        )
        self.assertContains(
            response,
            "This text is 20,001 characters long; the limit is 20,000.",
            status_code=400,
        )
        self.assertContains(
            response,
            'aria-describedby="id_answer_1-helptext id_answer_1-error"',
            status_code=400,
        )
        self.assertContains(response, long_text, status_code=400)
        self.assertNotContains(response, "maxlength", status_code=400)
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(reflection.answers[1]["answer"], long_text)

    def test_the_message_on_submitting_says_who_can_read_the_reflection(self):
        """Shared with the cohort, the message does not read as if only the
        trainers would see it."""
        for visibility, message in [
            ("trainers", "Your reflection was sent to the trainers.</li>"),
            (
                "cohort",
                "Your reflection was sent to the trainers and shared with "
                "your cohort.</li>",
            ),
        ]:
            with self.subTest(visibility):
                Reflection.objects.all().delete()
                response = self.client.post(
                    url("reflection", self.experiment.pk),
                    answers_data("Tried.", visibility=visibility, action="submit"),
                    follow=True,
                )
                self.assertContains(response, message, html=False)

    def test_a_reflection_submitted_after_the_due_time_is_late(self):
        self.experiment.due_at = timezone.now() - timedelta(hours=1)
        self.experiment.save()
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("Better late.", action="submit"),
            follow=True,
        )
        self.assertContains(response, "It was marked late.")
        self.assertTrue(self.reflection().is_late)

    def test_a_draft_may_be_submitted_after_the_next_session_started(self):
        self.write(status=Reflection.Status.DRAFT, submitted_at=None)
        place_sessions(self.cohort, timezone.now() - timedelta(days=8))
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("Much later.", action="submit"),
        )
        self.assertEqual(response.status_code, 302)
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertTrue(reflection.is_late)

    def test_a_submitted_reflection_can_be_changed_until_the_next_session(self):
        submitted_at = self.write().submitted_at
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertContains(response, ">Save changes</button>")
        self.assertNotContains(response, ">Submit</button>")
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("I ran two meetings.", visibility="cohort"),
            follow=True,
        )
        self.assertContains(response, "Your changes were saved.")
        reflection = self.reflection()
        self.assertEqual(reflection.answers[0]["answer"], "I ran two meetings.")
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(reflection.submitted_at, submitted_at)

    def test_a_submitted_reflection_is_read_only_once_the_next_session_started(self):
        self.write()
        place_sessions(self.cohort, timezone.now() - timedelta(days=8))
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertContains(response, "can no longer be changed")
        self.assertNotContains(response, 'id="reflection-form"')
        response = self.client.post(
            url("reflection", self.experiment.pk), answers_data("Rewritten history.")
        )
        self.assertContains(response, "Copy your text", status_code=409)
        self.assertContains(response, "Rewritten history.", status_code=409)
        self.assertEqual(self.reflection().answers[0]["answer"], "I ran a meeting.")

    def test_a_submitted_reflection_cannot_be_emptied(self):
        self.write()
        response = self.client.post(
            url("reflection", self.experiment.pk), answers_data(" ", "\n")
        )
        self.assertContains(response, "it cannot be empty", status_code=400)
        self.assertContains(response, "There is a problem", status_code=400)
        reflection = self.reflection()
        self.assertEqual(reflection.answers[0]["answer"], "I ran a meeting.")
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(reflection.visibility, Reflection.Visibility.COHORT)

    def test_nul_characters_are_dropped_from_a_saved_draft(self):
        response = self.client.post(
            url("reflection", self.experiment.pk), answers_data("I tried\x00 Teams.")
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.reflection().answers[0]["answer"], "I tried Teams.")

    def test_a_draft_with_an_error_is_kept_without_nul_characters(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data(
                "Kept\x00 text.", "a" * (MAX_ANSWER_LENGTH + 1), action="submit"
            ),
        )
        self.assertContains(response, "the limit is 20,000", status_code=400)
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(reflection.answers[0]["answer"], "Kept text.")

    def test_line_breaks_are_stored_as_browsers_show_them_not_as_sent(self):
        # Browsers send a textarea's line breaks as CRLF.
        self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("First line.\r\nSecond line.", action="save"),
        )

        self.assertEqual(
            self.reflection().answers[0]["answer"], "First line.\nSecond line."
        )

    def test_the_error_summary_links_to_each_field_and_takes_the_focus(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            {
                "answer_0": "No choice of readers.",
                "decision": "adopt",
                "usefulness": "5",
                "action": "submit",
            },
        )
        self.assertEqual(response.status_code, 400)
        soup = BeautifulSoup(response.content, "html.parser")
        summary = soup.select_one("[data-error-summary]")
        [link] = summary.select("a")
        self.assertIn("Choose who can read your reflection.", link.get_text())
        target = soup.find(id=link["href"].removeprefix("#"))
        self.assertEqual(target["name"], "visibility")
        self.assertEqual(summary["tabindex"], "-1")
        self.assertIsNotNone(
            soup.select_one('script[src$="assignments/error-summary.js"][defer]')
        )

    def test_submitting_records_the_outcome_that_trainers_and_readers_see(self):
        self.client.post(
            url("reflection", self.experiment.pk),
            answers_data(
                "Kept it.", visibility="cohort", action="submit", decision="adopt"
            ),
        )
        reflection = self.reflection()
        self.assertEqual(reflection.decision, Reflection.Decision.ADOPT)
        self.assertEqual(reflection.usefulness, 4)
        response = self.client.get(url("shared_reflection", reflection.pk))
        self.assertContains(response, "Adopt: I keep doing it as it is")
        self.assertContains(response, "4 of 5")

    def test_submitting_without_the_outcome_names_each_missing_part(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data(
                "Tried it.", action="submit", decision="drop", usefulness=None
            ),
        )
        self.assertEqual(response.status_code, 400)
        soup = BeautifulSoup(response.content, "html.parser")
        links = soup.select("[data-error-summary] a")
        self.assertEqual([link["href"] for link in links], ["#id_usefulness_0"])
        self.assertIn("how useful", links[0].get_text())
        self.assertIsNotNone(soup.find(id="id_usefulness_0"))
        # The draft keeps the text and the part of the outcome that was given.
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(reflection.answers[0]["answer"], "Tried it.")
        self.assertEqual(reflection.decision, Reflection.Decision.DROP)
        self.assertIsNone(reflection.usefulness)
        self.assertEqual(
            [radio.get("value") for radio in soup.select("input[checked]")],
            ["drop", "trainers"],
        )

    def test_a_usefulness_off_the_scale_is_refused_and_nothing_is_sent(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("Tried it.", action="submit", usefulness=9),
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "from 1 to 5", status_code=400)
        self.assertEqual(self.reflection().status, Reflection.Status.DRAFT)
        self.assertIsNone(self.reflection().usefulness)

    def test_a_draft_is_saved_without_an_outcome(self):
        response = self.client.post(
            url("reflection", self.experiment.pk),
            answers_data("Half way.", decision=None, usefulness=None),
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.reflection().decision, "")

    def test_saving_changes_without_the_outcome_keeps_the_one_given(self):
        self.write(decision=Reflection.Decision.ADAPT, usefulness=2)
        self.client.post(
            url("reflection", self.experiment.pk),
            answers_data(
                "Changed.", visibility="cohort", decision=None, usefulness=None
            ),
        )
        reflection = self.reflection()
        self.assertEqual(reflection.answers[0]["answer"], "Changed.")
        self.assertEqual(reflection.decision, Reflection.Decision.ADAPT)
        self.assertEqual(reflection.usefulness, 2)

    def test_the_database_refuses_a_usefulness_off_the_scale(self):
        with self.assertRaises(IntegrityError):
            self.write(usefulness=6)

    def test_a_page_without_errors_has_no_error_summary_or_its_script(self):
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertNotContains(response, "data-error-summary")
        self.assertNotContains(response, "error-summary.js")

    def test_answers_follow_their_prompt_when_prompts_are_reordered(self):
        self.write()
        self.experiment.prompts = "\n".join(reversed(PROMPT_LIST))
        self.experiment.save()
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertEqual(
            response.context["form"]["answer_3"].value(), "I ran a meeting."
        )


class AutosaveTest(ParticipantPageTestCase):
    def autosave(self, *answers, visibility="trainers"):
        return self.client.post(
            url("autosave", self.experiment.pk),
            answers_data(*answers, visibility=visibility),
        )

    def test_autosave_keeps_the_outcome_chosen_so_far(self):
        self.autosave("Half a thought")
        reflection = self.reflection()
        self.assertEqual(reflection.decision, Reflection.Decision.ADAPT)
        self.assertEqual(reflection.usefulness, 4)

    def test_autosave_keeps_a_draft_and_says_when(self):
        response = self.autosave("Half a thought")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertTrue(data["message"].startswith("Saved "))
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(reflection.answers[0]["answer"], "Half a thought")
        self.assertEqual(data["saved_at"], reflection.updated_at.isoformat())

    def queued_tasks(self, action):
        """The tasks ``action`` queues, in a queue that keeps them for a
        worker, as production's does."""
        queue = {
            "default": {
                "BACKEND": f"{settings.TASKS_PACKAGE}.backends.dummy.DummyBackend"
            }
        }
        with override_settings(TASKS=queue):
            with self.captureOnCommitCallbacks(execute=True):
                action()
            return [
                result.task.module_path for result in task_backends["default"].results
            ]

    def test_autosaves_queue_no_update_of_wagtails_reference_index(self):
        tasks = self.queued_tasks(
            lambda: [self.autosave(f"Thought {n}") for n in range(5)]
        )
        self.assertEqual(self.reflection().answers[0]["answer"], "Thought 4")
        self.assertNotIn(REFERENCE_INDEX_TASK, tasks)

    def test_publishing_a_cohort_still_updates_the_reference_index(self):
        tasks = self.queued_tasks(lambda: self.cohort.save_revision().publish())
        self.assertIn(REFERENCE_INDEX_TASK, tasks)

    def test_no_record_of_the_apps_is_in_wagtails_reference_index(self):
        # Only pages (and their inline rows, indexed with the page) are:
        # saving a record such as an access log entry, a thanks or a choice
        # queues no task ahead of the emails.
        plugin_apps = {
            "outbox",
            "signin",
            "courses",
            "privacy",
            "cohorts",
            "assignments",
            "library",
            "impact",
        }
        indexed = [
            model._meta.label
            for model in apps.get_models()
            if model._meta.app_label in plugin_apps
            and not issubclass(model, Page)
            and ReferenceIndex.model_is_indexable(model)
        ]
        self.assertEqual(indexed, [])

    def test_autosave_of_nothing_creates_nothing(self):
        response = self.autosave("")
        self.assertEqual(response.json(), {"saved_at": None, "message": ""})
        self.assertFalse(Reflection.objects.exists())

    def test_autosave_refuses_too_long_text_with_a_message(self):
        self.autosave("Kept")
        response = self.autosave("a" * (MAX_ANSWER_LENGTH + 1))
        self.assertEqual(response.status_code, 400)
        self.assertIn("the limit is 20,000", response.json()["error"])
        self.assertEqual(self.reflection().answers[0]["answer"], "Kept")

    def test_autosave_drops_nul_characters(self):
        response = self.autosave("Half\x00 a thought")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.reflection().answers[0]["answer"], "Half a thought")

    def test_autosave_never_changes_a_submitted_reflection(self):
        self.write()
        response = self.autosave("Typed after submitting")
        self.assertEqual(response.status_code, 409)
        self.assertIn("reload the page", response.json()["error"])
        reflection = self.reflection()
        self.assertEqual(reflection.answers[0]["answer"], "I ran a meeting.")
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)

    def test_autosave_tells_a_signed_out_person_in_json(self):
        self.client.logout()
        response = self.autosave("Lost session")
        self.assertEqual(response.status_code, 401)
        self.assertIn("signed out", response.json()["error"])

    def test_autosave_only_takes_posts(self):
        response = self.client.get(url("autosave", self.experiment.pk))
        self.assertEqual(response.status_code, 405)

    def test_the_form_tells_the_script_where_to_save_and_what_was_saved(self):
        self.autosave("Draft")
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertContains(
            response, f'data-autosave-url="{url("autosave", self.experiment.pk)}"'
        )
        self.assertContains(
            response,
            f'data-storage-key="virtu:reflection:{self.user.pk}:{self.experiment.pk}"',
        )
        self.assertContains(
            response,
            f'data-server-saved-at="{self.reflection().updated_at.isoformat()}"',
        )
        messages = json.loads(
            response.content.decode()
            .split('<script id="autosave-messages" type="application/json">')[1]
            .split("</script>")[0]
        )
        self.assertIn("kept on this device", messages["notSaved"])

    # Onto an existing draft, autosave is one statement (``autosave_draft``);
    # whoever could not write about the experiment cannot use it either.

    def test_autosave_onto_a_draft_changes_what_was_typed_and_nothing_else(self):
        self.autosave("First words")
        Reflection.objects.filter(pk=self.reflection().pk).update(
            feedback="Seen by the trainer."
        )
        response = self.autosave("First words, and more", visibility="cohort")
        self.assertEqual(response.status_code, 200)
        reflection = self.reflection()
        self.assertEqual(reflection.answers[0]["answer"], "First words, and more")
        self.assertEqual(reflection.visibility, Reflection.Visibility.COHORT)
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(reflection.feedback, "Seen by the trainer.")
        self.assertEqual(response.json()["saved_at"], reflection.updated_at.isoformat())

    def test_autosave_onto_a_draft_says_when_in_the_cohorts_time_zone(self):
        self.autosave("First words")
        CohortPage.objects.filter(pk=self.cohort.pk).update(time_zone="Asia/Tokyo")
        response = self.autosave("First words, and more")
        saved = timezone.localtime(
            self.reflection().updated_at, zoneinfo.ZoneInfo("Asia/Tokyo")
        )
        with translation.override("en"):
            self.assertEqual(response.json()["message"], f"Saved {time_format(saved)}")

    def test_autosave_onto_a_draft_can_take_back_the_outcome(self):
        self.autosave("Draft")
        self.client.post(
            url("autosave", self.experiment.pk),
            answers_data("Draft", decision=None, usefulness=None),
        )
        reflection = self.reflection()
        self.assertEqual((reflection.decision, reflection.usefulness), ("", None))

    def assertDraftNotChanged(self, response):
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.reflection().answers[0]["answer"], "Before")

    def test_a_withdrawn_participant_cannot_autosave_onto_their_draft(self):
        self.autosave("Before")
        Enrollment.objects.filter(pk=self.enrollment.pk).update(
            withdrawn_at=timezone.now()
        )
        self.assertDraftNotChanged(self.autosave("After withdrawing"))

    def test_a_draft_in_an_unpublished_cohort_is_not_autosaved(self):
        self.autosave("Before")
        self.cohort.unpublish()
        self.assertDraftNotChanged(self.autosave("After unpublishing"))

    def test_a_draft_left_in_a_cohort_the_person_moved_from_is_not_autosaved(self):
        self.autosave("Before")
        bravo = make_cohort(self.course, "Cohort Bravo")
        Enrollment.objects.filter(pk=self.enrollment.pk).update(cohort=bravo)
        self.assertDraftNotChanged(self.autosave("After moving"))

    def test_another_persons_draft_is_never_autosaved(self):
        self.autosave("Before")
        self.client.force_login(self.peer.user)
        response = self.autosave("Peer's words")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.reflection().answers[0]["answer"], "Before")
        self.assertEqual(
            Reflection.objects.get(author=self.peer).answers[0]["answer"],
            "Peer's words",
        )

    def test_a_draft_submitted_while_an_autosave_was_on_its_way_stays_submitted(self):
        self.autosave("Draft")
        read_draft = participant_views.own_draft

        def submitted_meanwhile(user, experiment_id):
            draft = read_draft(user, experiment_id)
            Reflection.objects.filter(pk=draft.pk).update(
                status=Reflection.Status.SUBMITTED, submitted_at=timezone.now()
            )
            return draft

        with patch.object(participant_views, "own_draft", submitted_meanwhile):
            response = self.autosave("Typed as it was sent")
        self.assertEqual(response.status_code, 409)
        self.assertIn("reload the page", response.json()["error"])
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(reflection.answers[0]["answer"], "Draft")

    def test_autosave_queries_do_not_grow_with_the_cohort(self):
        self.autosave("Draft")
        add_generated_participants([self.cohort], 20)
        with CaptureQueriesContext(connection) as small:
            self.assertEqual(self.autosave("Draft, longer").status_code, 200)
        add_generated_participants([self.cohort], 2000)
        with self.assertNumQueries(len(small)):
            self.assertEqual(self.autosave("Draft, longer still").status_code, 200)
        self.assertEqual(self.reflection().answers[0]["answer"], "Draft, longer still")


class CohortSpaceTest(ParticipantPageTestCase):
    def test_shows_shared_reflections_newest_first(self):
        older = self.write(self.peer, submitted_at=timezone.now() - timedelta(days=1))
        newer = self.write(self.people[2])
        response = self.client.get(url("cohort", self.cohort.pk))
        self.assertEqual(list(response.context["page_obj"]), [newer, older])
        self.assertContains(response, "Pat Participant1: Experiment 1")

    def test_the_author_sees_their_private_reflection_labelled(self):
        self.write(visibility=Reflection.Visibility.TRAINERS)
        response = self.client.get(url("cohort", self.cohort.pk))
        self.assertContains(response, "Visible to trainers only")

    def test_drafts_are_not_in_the_space(self):
        self.write(status=Reflection.Status.DRAFT, submitted_at=None)
        response = self.client.get(url("cohort", self.cohort.pk))
        self.assertContains(
            response, "No one has shared a reflection in this cohort yet."
        )

    def test_is_paginated_twenty_to_a_page(self):
        add_generated_participants([self.cohort], 25)
        enrollments = Enrollment.objects.filter(
            user__username__startswith="osallistuja"
        )
        Reflection.objects.bulk_create(
            Reflection(
                experiment=self.experiment,
                author=enrollment,
                status=Reflection.Status.SUBMITTED,
                submitted_at=timezone.now(),
                visibility=Reflection.Visibility.COHORT,
            )
            for enrollment in enrollments
        )
        space = url("cohort", self.cohort.pk)
        response = self.client.get(space)
        self.assertEqual(len(response.context["page_obj"]), 20)
        self.assertContains(response, "Page 1")
        self.assertContains(response, 'href="?page=2" rel="next">Older<')
        self.assertNotContains(response, 'rel="prev"')
        response = self.client.get(space + "?page=2")
        self.assertEqual(len(response.context["page_obj"]), 5)
        self.assertContains(response, 'href="?page=1" rel="prev">Newer<')
        self.assertNotContains(response, 'rel="next"')
        # An address past the last page (reflections withdrawn since) or
        # with no page number in it leads to the newest.
        for page in ["3", "100001", "99999999999999999999999"]:
            self.assertRedirects(
                self.client.get(space, {"page": page}),
                space,
                fetch_redirect_response=False,
            )
        for page in ["", "x", "-1", "0"]:
            response = self.client.get(space, {"page": page})
            self.assertEqual(response.context["page_obj"].number, 1)

    def test_pages_hold_the_newest_of_every_experiment_in_turn(self):
        # Reflections on two experiments, submitted in turn:
        # each page holds the next twenty by time, whichever experiment.
        add_generated_participants([self.cohort], 30)
        enrollments = list(
            Enrollment.objects.filter(user__username__startswith="osallistuja")
        )
        experiments = list(self.cohort.experiments.order_by("pk"))
        self.assertEqual(len(experiments), 2)
        start = timezone.now() - timedelta(days=1)
        made = Reflection.objects.bulk_create(
            Reflection(
                experiment=experiments[n % 2],
                author=enrollments[n // 2],
                status=Reflection.Status.SUBMITTED,
                submitted_at=start + timedelta(minutes=n),
                visibility=Reflection.Visibility.COHORT,
            )
            for n in range(45)
        )
        newest_first = [r.pk for r in reversed(made)]
        space = url("cohort", self.cohort.pk)
        shown = [
            [r.pk for r in self.client.get(space, {"page": page}).context["page_obj"]]
            for page in [1, 2, 3]
        ]
        self.assertEqual(
            shown, [newest_first[:20], newest_first[20:40], newest_first[40:]]
        )

    def test_html_and_scripts_are_shown_as_text(self):
        attack = '<script>alert("x")</script><b onmouseover="x()">bold</b>'
        reflection = self.write(self.peer, answer=attack)
        Comment.objects.create(reflection=reflection, author=self.user, text=attack)
        for page in [
            url("cohort", self.cohort.pk),
            url("shared_reflection", reflection.pk),
        ]:
            response = self.client.get(page)
            self.assertNotContains(response, "<script>alert")
            self.assertNotContains(response, "<b onmouseover")
            self.assertContains(
                response, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
            )

    def test_someone_without_a_name_is_not_shown_by_their_email_address(self):
        nameless = enrol(self.cohort, "no.name@example.fi")
        self.write(nameless)
        response = self.client.get(url("cohort", self.cohort.pk))
        self.assertContains(response, "A participant: Experiment 1")
        self.assertNotContains(response, "no.name@example.fi")

    def test_shows_the_number_of_comments(self):
        reflection = self.write(self.peer)
        Comment.objects.create(reflection=reflection, author=self.user, text="Nice.")
        Comment.objects.create(reflection=reflection, author=self.trainer, text="Yes.")
        response = self.client.get(url("cohort", self.cohort.pk))
        self.assertContains(response, "Read and comment (2 comments)")


class ReflectionPageTest(TestCase):
    """The cohort space's pages, each experiment's newest merged, hold what
    one sort of every reflection the reader may read would: with ties in
    time, private ones, erased authors, withdrawn people, three experiments
    and a second cohort beside it."""

    @classmethod
    def setUpTestData(cls):
        course = make_course()
        cls.cohort = make_cohort(course, "Cohort R")
        other = make_cohort(course, "Cohort O")
        Experiment.objects.create(
            cohort=cls.cohort, title="Third", instructions="x", sort_order=5
        )
        cls.trainer = make_trainer(cls.cohort)
        cls.me = make_participants(cls.cohort, 1, "me")[0].user
        add_generated_participants([cls.cohort, other], 100)
        rnd = random.Random(12)
        base = timezone.now().replace(microsecond=0) - timedelta(days=3)
        rows = []
        for enrollment in Enrollment.objects.filter(role=Enrollment.Role.PARTICIPANT):
            for experiment in enrollment.cohort.specific.experiments.all():
                if rnd.random() < 0.8:
                    submitted = rnd.random() < 0.85
                    rows.append(
                        Reflection(
                            experiment=experiment,
                            author=enrollment,
                            status="submitted" if submitted else "draft",
                            # Three seconds to share: many ties.
                            submitted_at=base + timedelta(seconds=rnd.randrange(3))
                            if submitted
                            else None,
                            visibility=rnd.choice(["cohort", "trainers"]),
                        )
                    )
        Reflection.objects.bulk_create(rows)
        theirs = Reflection.objects.filter(experiment__cohort=cls.cohort).exclude(
            author__user=cls.me
        )
        Reflection.objects.filter(
            pk__in=rnd.sample(list(theirs.values_list("pk", flat=True)), 10)
        ).update(author=None)
        Enrollment.objects.filter(
            pk__in=rnd.sample(
                list(
                    Enrollment.objects.filter(
                        cohort=cls.cohort, user__username__startswith="osallistuja"
                    ).values_list("pk", flat=True)
                ),
                5,
            )
        ).update(withdrawn_at=timezone.now())

    def assertPagesAsOneSort(self, user):
        mine = list(self.cohort.enrollments.active().filter(user=user))
        readable = Reflection.objects.visible_in(self.cohort, user, mine).filter(
            status=Reflection.Status.SUBMITTED
        )
        ids = list(
            readable.order_by("-submitted_at", "-pk").values_list("pk", flat=True)
        )
        self.assertGreater(len(ids), 2 * PER_PAGE)
        experiments = list(self.cohort.experiments.all())
        self.assertEqual(len(experiments), 3)
        pages = -(-len(ids) // PER_PAGE)
        for number in range(1, pages + 1):
            page = ReflectionPage.read(readable, experiments, str(number))
            self.assertEqual(
                [r.pk for r in page],
                ids[(number - 1) * PER_PAGE : number * PER_PAGE],
                number,
            )
            self.assertEqual(page.has_next(), number < pages)
        self.assertIsNone(ReflectionPage.read(readable, experiments, str(pages + 1)))

    def test_a_participant_reads_the_shared_and_their_own_newest_first(self):
        self.assertPagesAsOneSort(self.me)

    def test_a_trainer_reads_every_submitted_one_newest_first(self):
        self.assertPagesAsOneSort(self.trainer)

    def test_a_long_programme_is_paged_by_one_sort_the_same(self):
        with patch("assignments.participant_views.MOST_PARTS", 2):
            self.assertPagesAsOneSort(self.me)


class CommentTest(ParticipantPageTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.shared = Reflection.objects.create(
            experiment=cls.experiment,
            author=cls.peer,
            answers=[{"prompt": PROMPT_LIST[0], "answer": "Silent meeting."}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=timezone.now(),
            visibility=Reflection.Visibility.COHORT,
            feedback="For the author's eyes.",
            feedback_at=timezone.now(),
        )

    def test_a_peer_comments_on_a_shared_reflection(self):
        page = url("shared_reflection", self.shared.pk)
        response = self.client.post(page, {"text": "I will try that too."}, follow=True)
        self.assertRedirects(
            response, page + "#comments", fetch_redirect_response=False
        )
        self.assertContains(response, "Your comment was posted.")
        self.assertContains(response, "I will try that too.")
        self.assertEqual(self.shared.comments.get().author, self.user)

    def test_a_double_clicked_post_comment_makes_one_comment(self):
        page = url("shared_reflection", self.shared.pk)
        self.client.post(page, {"text": "Once."})
        self.client.post(page, {"text": "Once."})
        self.assertEqual(self.shared.comments.count(), 1)

    def test_comments_of_trainers_are_marked(self):
        Comment.objects.create(
            reflection=self.shared, author=self.trainer, text="Good."
        )
        response = self.client.get(url("shared_reflection", self.shared.pk))
        self.assertContains(response, "Tero Trainer</strong> (trainer)")

    def test_an_empty_comment_gets_a_message(self):
        response = self.client.post(
            url("shared_reflection", self.shared.pk), {"text": " "}
        )
        self.assertContains(
            response, "Write a comment before you post it.", status_code=400
        )
        self.assertFalse(self.shared.comments.exists())

    def test_the_comment_box_says_its_limit_before_it_is_passed(self):
        response = self.client.get(url("shared_reflection", self.shared.pk))
        self.assertEqual(
            limit_said(response.content, "text"),
            ("At most 5,000 characters.", counted_to(MAX_COMMENT_LENGTH)),
        )
        soup = BeautifulSoup(response.content, "html.parser")
        box = soup.find("textarea", attrs={"name": "text"})
        self.assertFalse(box.has_attr("maxlength"))
        # Refused, the box is described by its limit and by the error.
        response = self.client.post(
            url("shared_reflection", self.shared.pk), {"text": "b" * 5001}
        )
        soup = BeautifulSoup(response.content, "html.parser")
        box = soup.find("textarea", attrs={"name": "text"})
        help_id, error_id = box["aria-describedby"].split()
        self.assertIn("At most 5,000 characters.", soup.find(id=help_id).get_text())
        self.assertIn("the limit is 5,000", soup.find(id=error_id).get_text())

    def test_a_too_long_comment_gets_a_message_and_keeps_the_text(self):
        text = "b" * 5001
        response = self.client.post(
            url("shared_reflection", self.shared.pk), {"text": text}
        )
        self.assertContains(response, "the limit is 5,000", status_code=400)
        self.assertContains(response, text, status_code=400)
        self.assertFalse(self.shared.comments.exists())

    def test_nul_characters_are_dropped_from_a_comment(self):
        response = self.client.post(
            url("shared_reflection", self.shared.pk), {"text": "Nice\x00 idea."}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.shared.comments.get().text, "Nice idea.")

    def test_peers_never_see_the_email_address_of_someone_without_a_name(self):
        nameless = enrol(self.cohort, "no.name@example.fi").user
        nameless_trainer = enrol(
            self.cohort, "no.name.trainer@example.fi", role=Enrollment.Role.TRAINER
        ).user
        Comment.objects.create(reflection=self.shared, author=nameless, text="One.")
        Comment.objects.create(
            reflection=self.shared, author=nameless_trainer, text="Two."
        )
        for viewer in (self.user, self.peer.user):
            with self.subTest(viewer=viewer.email):
                self.client.force_login(viewer)
                response = self.client.get(url("shared_reflection", self.shared.pk))
                self.assertContains(response, "<strong>A participant</strong>")
                self.assertContains(response, "<strong>A trainer</strong>")
                self.assertNotContains(response, "no.name")

    def test_the_author_sees_feedback_from_a_trainer_without_a_name(self):
        nameless_trainer = enrol(
            self.cohort, "no.name.trainer@example.fi", role=Enrollment.Role.TRAINER
        ).user
        Reflection.objects.filter(pk=self.shared.pk).update(
            feedback_by=nameless_trainer
        )
        self.client.force_login(self.peer.user)
        for page in (
            url("shared_reflection", self.shared.pk),
            url("reflection", self.experiment.pk),
        ):
            with self.subTest(page=page):
                response = self.client.get(page)
                self.assertContains(response, "A trainer, <time")
                self.assertNotContains(response, "no.name.trainer@example.fi")

    def test_peers_do_not_see_the_trainers_feedback(self):
        response = self.client.get(url("shared_reflection", self.shared.pk))
        self.assertNotContains(response, "For the author&#x27;s eyes.")

    def test_the_author_sees_the_feedback_and_it_is_marked_seen(self):
        self.client.force_login(self.peer.user)
        response = self.client.get(url("shared_reflection", self.shared.pk))
        self.assertContains(response, "For the author&#x27;s eyes.")
        self.shared.refresh_from_db()
        self.assertFalse(self.shared.has_new_feedback)

    def test_the_cohorts_trainer_sees_the_feedback(self):
        self.client.force_login(self.trainer)
        response = self.client.get(url("shared_reflection", self.shared.pk))
        self.assertContains(response, "For the author&#x27;s eyes.")
        self.shared.refresh_from_db()
        self.assertTrue(self.shared.has_new_feedback)


class QueryCountTest(ParticipantPageTestCase):
    """ "My training" and the cohort space make as many queries with 1,000
    shared reflections in the cohort as with 10."""

    def share(self, count):
        """Shared reflections of generated people until there are ``count``."""
        add_generated_participants([self.cohort], count)
        existing = set(Reflection.objects.values_list("author_id", flat=True))
        enrollments = Enrollment.objects.filter(
            cohort=self.cohort, user__username__startswith="osallistuja"
        ).exclude(pk__in=existing)
        Reflection.objects.bulk_create(
            Reflection(
                experiment=self.experiment,
                author=enrollment,
                answers=[{"prompt": PROMPT_LIST[0], "answer": "Tried it."}],
                status=Reflection.Status.SUBMITTED,
                submitted_at=timezone.now(),
                visibility=Reflection.Visibility.COHORT,
            )
            for enrollment in enrollments
        )
        self.assertEqual(
            Reflection.objects.filter(visibility=Reflection.Visibility.COHORT).count(),
            count,
        )

    def assertQueriesDoNotGrow(self, page, user=None):
        self.client.force_login(user or self.user)
        self.write(
            visibility=Reflection.Visibility.TRAINERS,
            feedback="Well done.",
            feedback_at=timezone.now(),
        )
        self.share(10)
        for reflection in Reflection.objects.filter(
            author__user__username__startswith="osallistuja"
        )[:3]:
            Comment.objects.create(reflection=reflection, author=self.user, text="+1")
        self.client.get(page)  # fills the caches a running site has filled
        with CaptureQueriesContext(connection) as small:
            response = self.client.get(page)
        self.assertEqual(response.status_code, 200)
        self.share(1000)
        with self.assertNumQueries(len(small)):
            response = self.client.get(page)
        self.assertEqual(response.status_code, 200)
        return len(small)

    def test_my_training_queries_do_not_grow_with_shared_reflections(self):
        self.assertQueriesDoNotGrow(url("my_training"))

    def test_cohort_space_queries_do_not_grow_with_shared_reflections(self):
        self.assertQueriesDoNotGrow(url("cohort", self.cohort.pk))

    def test_trainers_cohort_space_queries_do_not_grow_either(self):
        self.assertQueriesDoNotGrow(url("cohort", self.cohort.pk), self.trainer)


class CohortSpaceScaleTest(ParticipantPageTestCase):
    """The cohort space reads one page of reflections, whatever the size of
    the cohort: as many queries with 2,000 members as with 20."""

    def grow_to(self, members):
        """Generated members, each with a shared reflection, every third one
        commented, until the cohort has ``members`` participants."""
        participants = self.cohort.enrollments.filter(role=Enrollment.Role.PARTICIPANT)
        add_generated_participants([self.cohort], members - len(self.people))
        self.assertEqual(participants.count(), members)
        reflections = Reflection.objects.bulk_create(
            Reflection(
                experiment=self.experiment,
                author=enrollment,
                answers=[{"prompt": PROMPT_LIST[0], "answer": "Tried it."}],
                status=Reflection.Status.SUBMITTED,
                submitted_at=timezone.now(),
                visibility=Reflection.Visibility.COHORT,
            )
            for enrollment in participants.filter(reflections__isnull=True)
        )
        Comment.objects.bulk_create(
            Comment(reflection=reflection, author=self.user, text="+1")
            for reflection in reflections[::3]
        )

    def assertQueriesDoNotGrow(self, user):
        page = url("cohort", self.cohort.pk)
        self.client.force_login(user)
        self.grow_to(20)
        self.client.get(page)  # fills the caches a running site has filled
        with CaptureQueriesContext(connection) as small:
            response = self.client.get(page)
        self.assertEqual(len(response.context["page_obj"]), 20)
        self.grow_to(2000)
        with self.assertNumQueries(len(small)):
            response = self.client.get(page + "?page=50")
        shown = response.context["page_obj"]
        self.assertEqual((shown.number, len(shown)), (50, 20))
        self.assertTrue(shown.has_previous())
        self.assertTrue(shown.has_next())
        self.assertEqual(
            [r.pk for r in shown],
            list(
                Reflection.objects.visible_in(self.cohort, user)
                .filter(status=Reflection.Status.SUBMITTED)
                .order_by("-submitted_at", "-pk")
                .values_list("pk", flat=True)[980:1000]
            ),
        )
        for reflection in shown:
            self.assertEqual(reflection.comment_count, reflection.comments.count())

    def test_cohort_space_queries_are_the_same_at_20_and_2000_members(self):
        self.assertQueriesDoNotGrow(self.user)

    def test_trainers_cohort_space_queries_are_the_same_at_20_and_2000(self):
        self.assertQueriesDoNotGrow(self.trainer)


class PromptsChangedTest(ParticipantPageTestCase):
    """A coordinator edits an experiment's questions while Pat has a draft:
    each answer stays with its question, and none is lost."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.coordinator = make_coordinator()

    def change_prompts(self, prompts):
        self.client.force_login(self.coordinator)
        data = cohort_edit_data(
            self.cohort,
            experiment_changes=lambda e: (
                {"prompts": "\n".join(prompts)} if e.pk == self.experiment.pk else {}
            ),
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]), data
            )
        self.assertEqual(response.status_code, 302)
        self.experiment.refresh_from_db()
        self.assertEqual(self.experiment.prompt_list, prompts)
        self.client.force_login(self.user)

    def form_data(self, response, **changes):
        """What the page's reflection form posts, with ``changes``."""
        form = BeautifulSoup(response.content, "html.parser").find(
            "form", id="reflection-form"
        )
        data = {
            field["name"]: field.get("value", "")
            for field in form.find_all("input", type="hidden")
        }
        data.update(
            {field["name"]: field.text.lstrip("\n") for field in form("textarea")}
        )
        data.update(decision="adapt", usefulness=4, visibility="trainers")
        return {**data, **changes}

    def answered(self):
        return [
            (item["prompt"], item["answer"])
            for item in self.reflection().answers
            if item["answer"]
        ]

    def test_an_inserted_question_shows_no_answer_of_another(self):
        self.client.post(
            url("autosave", self.experiment.pk),
            answers_data("I tried a silent start.", "Two people could not join."),
        )
        prompts = [PROMPT_LIST[0], "Who took part?", *PROMPT_LIST[1:]]
        self.change_prompts(prompts)
        response = self.client.get(url("reflection", self.experiment.pk))
        form = response.context["form"]
        self.assertEqual(
            [(field.label, field.value()) for field in form.answer_fields()],
            [
                ("What did you try?", "I tried a silent start."),
                ("Who took part?", ""),
                ("What happened?", "Two people could not join."),
                ("What did you learn?", ""),
                ("What next?", ""),
            ],
        )
        self.client.post(
            url("reflection", self.experiment.pk),
            self.form_data(response, action="submit"),
        )
        self.assertEqual(
            self.answered(),
            [
                ("What did you try?", "I tried a silent start."),
                ("What happened?", "Two people could not join."),
            ],
        )

    def test_a_page_open_while_a_question_is_inserted_saves_under_its_questions(self):
        response = self.client.get(url("reflection", self.experiment.pk))
        self.change_prompts([PROMPT_LIST[0], "Who took part?", *PROMPT_LIST[1:]])
        self.client.post(
            url("autosave", self.experiment.pk),
            self.form_data(
                response, answer_0="A silent start.", answer_1="Two could not join."
            ),
        )
        self.assertEqual(
            self.answered(),
            [
                ("What did you try?", "A silent start."),
                ("What happened?", "Two could not join."),
            ],
        )

    def test_a_reworded_question_keeps_its_answer_when_one_is_inserted_first(self):
        self.client.post(
            url("autosave", self.experiment.pk), answers_data("A1", "A2", "A3")
        )
        prompts = ["Why this one?", PROMPT_LIST[0], "What went on?", *PROMPT_LIST[2:]]
        self.change_prompts(prompts)
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertEqual(
            [field.value() for field in response.context["form"].answer_fields()],
            ["", "A1", "A2", "A3", ""],
        )

    def test_an_answer_to_a_removed_question_is_kept_shown_and_sent(self):
        self.client.post(url("autosave", self.experiment.pk), answers_data("A1", "A2"))
        self.change_prompts([PROMPT_LIST[0], *PROMPT_LIST[2:]])
        response = self.client.get(url("reflection", self.experiment.pk))
        removed = "Answer to a question that was removed: What happened?"
        self.assertContains(response, removed)
        self.assertContains(response, "<p>A2</p>", html=True)

        # The next autosave (the one-statement path) keeps it.
        self.client.post(
            url("autosave", self.experiment.pk),
            self.form_data(response, answer_0="A1, more"),
        )
        self.assertEqual(
            self.answered(),
            [("What did you try?", "A1, more"), ("What happened?", "A2")],
        )
        # So does submitting it, and the trainer reads it with its question.
        self.client.post(
            url("reflection", self.experiment.pk),
            self.form_data(response, answer_0="A1, more", action="submit"),
        )
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(
            self.answered(),
            [("What did you try?", "A1, more"), ("What happened?", "A2")],
        )
        self.assertContains(
            self.client.get(url("reflection", self.experiment.pk)), removed
        )
        self.client.force_login(self.trainer)
        review = self.client.get(reverse("reflections:review", args=[reflection.pk]))
        # In the trainer's language, Finnish.
        self.assertContains(
            review,
            '<h3 class="w-h3">Vastaus poistettuun kysymykseen: What happened?</h3>'
            '<div class="w-mb-4"><p>A2</p></div>',
            html=True,
        )

    def test_an_answer_to_a_question_put_back_returns_to_it(self):
        self.client.post(url("autosave", self.experiment.pk), answers_data("A1", "A2"))
        self.change_prompts([PROMPT_LIST[0], *PROMPT_LIST[2:]])
        response = self.client.get(url("reflection", self.experiment.pk))
        self.client.post(url("autosave", self.experiment.pk), self.form_data(response))
        self.change_prompts(PROMPT_LIST)
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertEqual(
            [field.value() for field in response.context["form"].answer_fields()],
            ["A1", "A2", "", ""],
        )
        self.assertNotContains(response, "a question that was removed")

    def test_an_answer_typed_on_a_page_open_while_its_question_was_removed(self):
        """The page still had the question when the coordinator removed it:
        what Pat types there is kept as the answer to a removed question."""
        response = self.client.get(url("reflection", self.experiment.pk))
        self.change_prompts(PROMPT_LIST[:3])
        self.client.post(
            url("autosave", self.experiment.pk),
            self.form_data(response, answer_0="A1", answer_3="What next: more."),
        )
        reflection = self.reflection()
        self.assertEqual(
            [
                (item["prompt"], item["answer"], item.get("removed", False))
                for item in reflection.answers
                if item["answer"]
            ],
            [
                ("What did you try?", "A1", False),
                ("What next?", "What next: more.", True),
            ],
        )

    def test_two_removed_questions_of_the_same_text_keep_both_answers(self):
        Reflection.objects.create(
            experiment=self.experiment,
            author=self.enrollment,
            answers=[
                {"prompt": "Anything else?", "answer": "x1"},
                {"prompt": "Anything else?", "answer": "x2"},
                {"prompt": PROMPT_LIST[0], "answer": "A1"},
            ],
        )
        self.change_prompts([PROMPT_LIST[0]])
        response = self.client.get(url("reflection", self.experiment.pk))
        self.client.post(url("autosave", self.experiment.pk), self.form_data(response))
        self.assertEqual(
            self.answered(),
            [
                (PROMPT_LIST[0], "A1"),
                ("Anything else?", "x1"),
                ("Anything else?", "x2"),
            ],
        )


class TwoWindowsTest(ParticipantPageTestCase):
    """A participant with the form open in two windows (or on a phone and a
    laptop): each save says which saved version its text is based on, and
    one based on a version overtaken since is refused, not written over the
    newer text."""

    def autosave(self, *answers, based_on, **fields):
        return self.client.post(
            url("autosave", self.experiment.pk),
            {**answers_data(*answers, **fields), "based_on": based_on},
        )

    def post(self, *answers, based_on, **fields):
        return self.client.post(
            url("reflection", self.experiment.pk),
            {**answers_data(*answers, **fields), "based_on": based_on},
        )

    def version(self):
        return self.reflection().updated_at.isoformat()

    def test_the_form_carries_the_version_its_text_is_based_on(self):
        self.autosave("Draft", based_on="")
        response = self.client.get(url("reflection", self.experiment.pk))
        self.assertContains(
            response,
            f'<input type="hidden" name="based_on" value="{self.version()}">',
            html=True,
        )

    def test_an_autosave_from_an_overtaken_version_keeps_the_newer_text(self):
        self.autosave("Started", based_on="")
        opened = self.version()
        first = self.autosave("Started", "Answer three", based_on=opened)
        self.assertEqual(first.status_code, 200)
        second = self.autosave("Started", "", "Answer four", based_on=opened)
        self.assertEqual(second.status_code, 409)
        error = second.json()["error"]
        self.assertIn("changed in another window or on another device", error)
        self.assertIn("kept on this device", error)
        self.assertTrue(second.json()["conflict"])
        answers = [a["answer"] for a in self.reflection().answers]
        self.assertEqual(answers[:3], ["Started", "Answer three", ""])

    def test_a_window_that_saved_goes_on_from_the_version_it_was_given(self):
        self.autosave("Started", based_on="")
        saved = self.autosave("Started, more", based_on=self.version())
        again = self.autosave("Started, more still", based_on=saved.json()["saved_at"])
        self.assertEqual(again.status_code, 200)
        self.assertEqual(self.reflection().answers[0]["answer"], "Started, more still")

    def test_a_window_opened_before_the_first_save_does_not_overwrite_it(self):
        self.autosave("From the laptop", based_on="")
        response = self.autosave("From the phone", based_on="")
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.reflection().answers[0]["answer"], "From the laptop")

    def test_an_overtaken_autosave_of_the_same_text_is_no_conflict(self):
        self.autosave("Same words", based_on="")
        opened = self.version()
        self.autosave("Same words", "More", based_on=opened)
        response = self.autosave("Same words", "More", based_on=opened)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["saved_at"], self.version())

    def test_an_autosave_after_a_submission_elsewhere_says_to_reload(self):
        self.autosave("Draft", based_on="")
        opened = self.version()
        self.post("Sent from the laptop", based_on=opened, action="submit")
        response = self.autosave("Typed on the phone", based_on=opened)
        self.assertEqual(response.status_code, 409)
        error = response.json()["error"]
        self.assertIn("submitted", error)
        self.assertIn("reload the page", error)
        self.assertNotIn("Save changes", error)
        self.assertEqual(self.reflection().answers[0]["answer"], "Sent from the laptop")

    def test_save_draft_from_an_overtaken_version_is_refused_and_nothing_lost(self):
        self.autosave("Started", based_on="")
        opened = self.version()
        self.autosave("Started", "Answer three", based_on=opened)
        response = self.post("Started", "", "Answer four", based_on=opened)
        self.assertEqual(response.status_code, 409)
        self.assertContains(
            response, "changed in another window or on another device", status_code=409
        )
        # The posted text is in the form, the newer text shown beside it.
        soup = BeautifulSoup(response.content, "html.parser")
        self.assertEqual(soup.find(id="id_answer_2").text.strip(), "Answer four")
        self.assertIn("Answer three", soup.find(id="newer-version").text)
        answers = [a["answer"] for a in self.reflection().answers]
        self.assertEqual(answers[:3], ["Started", "Answer three", ""])

    def test_a_stale_save_draft_does_not_change_a_reflection_submitted_elsewhere(
        self,
    ):
        self.autosave("Draft", based_on="")
        opened = self.version()
        self.post("Sent from the laptop", based_on=opened, action="submit")
        response = self.post("Old draft on the phone", based_on=opened)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Old draft on the phone", status_code=409)
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.SUBMITTED)
        self.assertEqual(reflection.answers[0]["answer"], "Sent from the laptop")

    def test_a_submit_from_an_overtaken_version_is_refused(self):
        self.autosave("Started", based_on="")
        opened = self.version()
        self.autosave("Newer", based_on=opened)
        response = self.post("Older", based_on=opened, action="submit")
        self.assertEqual(response.status_code, 409)
        reflection = self.reflection()
        self.assertEqual(reflection.status, Reflection.Status.DRAFT)
        self.assertEqual(reflection.answers[0]["answer"], "Newer")

    def test_the_refused_page_lets_the_person_save_over_the_newer_version(self):
        self.autosave("Started", based_on="")
        opened = self.version()
        self.autosave("Newer", based_on=opened)
        refused = self.post("Older, merged", based_on=opened)
        soup = BeautifulSoup(refused.content, "html.parser")
        based_on = soup.find("input", attrs={"name": "based_on"})["value"]
        self.assertEqual(based_on, self.version())
        response = self.post("Older, merged", based_on=based_on)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.reflection().answers[0]["answer"], "Older, merged")

    def test_a_withdrawn_participants_autosave_says_why_in_json(self):
        self.autosave("Before", based_on="")
        opened = self.version()
        Enrollment.objects.filter(pk=self.enrollment.pk).update(
            withdrawn_at=timezone.now()
        )
        response = self.autosave("After withdrawing", based_on=opened)
        self.assertEqual(response.status_code, 404)
        self.assertTrue(response.json()["closed"])
        self.assertIn("no longer", response.json()["error"])
        self.assertIn("kept on this device", response.json()["error"])
        self.assertEqual(self.reflection().answers[0]["answer"], "Before")

    def test_an_unpublished_cohorts_autosave_says_why_in_json(self):
        self.autosave("Before", based_on="")
        self.cohort.unpublish()
        response = self.autosave("After unpublishing", based_on=self.version())
        self.assertEqual(response.status_code, 404)
        self.assertIn("no longer", response.json()["error"])

    def test_a_withdrawn_participants_form_post_shows_their_text_back(self):
        self.autosave("Before", based_on="")
        opened = self.version()
        Enrollment.objects.filter(pk=self.enrollment.pk).update(
            withdrawn_at=timezone.now()
        )
        response = self.post("Typed after withdrawing", based_on=opened)
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "no longer", status_code=404)
        soup = BeautifulSoup(response.content, "html.parser")
        kept = soup.find("textarea", attrs={"readonly": True})
        self.assertEqual(kept.text.strip(), "Typed after withdrawing")
        self.assertEqual(self.reflection().answers[0]["answer"], "Before")
