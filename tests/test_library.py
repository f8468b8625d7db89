"""Choosing an experiment between sessions, and the experiment library:
patterns, stories published by their authors and approved by a trainer,
figures, "Try this" and thanks."""

import csv
import importlib
import io
from datetime import timedelta
from unittest import mock, skipUnless

import icalendar
from bs4 import BeautifulSoup
from django.apps import apps as django_apps
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Page
from wagtail.users.models import UserProfile

from assignments.feedback import give_feedback
from assignments.models import MAX_PLAN_LENGTH, Choice, Experiment, Reflection
from cohorts.calendar.ical import session_file
from cohorts.enrolment import enrol, withdraw
from cohorts.models import CohortPage
from courses.models import CoursePage, ExperimentTemplate
from library.models import Pattern, Provenance, Story, Thanks, Theme
from library.usage import course_usage
from outbox.sending import send_pending

from .factories import (
    PROMPTS,
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    make_user,
    place_sessions,
)
from .test_outbox import SMTPServerMixin
from .test_participant_pages import counted_to, limit_said
from .test_progress import in_english


def url(name, *args, **query):
    with translation.override("en"):
        address = reverse(name, args=args)
    if query:
        address += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return address


def submitted(enrollment, experiment, decision="adopt", usefulness=4, **fields):
    reflection = Reflection(
        experiment=experiment,
        author=enrollment,
        answers=[{"prompt": "What did you try?", "answer": fields.pop("text", "Ok")}],
        visibility=fields.pop("visibility", Reflection.Visibility.COHORT),
        decision=decision,
        usefulness=usefulness,
    )
    reflection.submit()
    reflection.save()
    return reflection


def add_options(course, gap=1):
    """Give the course's ``gap`` a second option and an own experiment."""
    course = course.get_latest_revision_as_object()
    course.experiment_templates.add(
        ExperimentTemplate(
            title="Camera on",
            instructions="Cameras on.",
            prompts=PROMPTS,
            after_session=gap,
            sort_order=100,  # after the course's own, as the editor adds it
        )
    )
    course.experiment_templates.add(
        ExperimentTemplate(
            title="My own experiment",
            instructions="Plan your own.",
            prompts=PROMPTS,
            after_session=gap,
            own=True,
            sort_order=101,
        )
    )
    course.save_revision().publish()
    return CoursePage.objects.get(pk=course.pk)


class ChoiceTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = add_options(make_course())
        cls.cohort = make_cohort(cls.course)
        place_sessions(cls.cohort, timezone.now() - timedelta(days=1))
        cls.anna, cls.bob = make_participants(cls.cohort, 2)
        cls.trainer = make_trainer(cls.cohort)
        options = list(cls.cohort.experiments.filter(after_session=1))
        cls.first, cls.camera, cls.own = options

    def test_a_new_cohort_gets_each_option_linked_to_its_course_template(self):
        self.assertEqual(
            [
                (e.title, e.own, e.template.title)
                for e in (self.first, self.camera, self.own)
            ],
            [
                ("Experiment 1", False, "Experiment 1"),
                ("Camera on", False, "Camera on"),
                ("My own experiment", True, "My own experiment"),
            ],
        )

    def test_my_training_asks_to_choose_before_the_experiment(self):
        self.client.force_login(self.anna.user)
        response = self.client.get(url("participant:my_training"))
        summary = response.context["summaries"][0]
        self.assertEqual(summary.current, [])
        # The programme has one step for the choice, not one per option
        # each "not started".
        (choose,) = [step for step in summary.steps if step.options]
        self.assertEqual(choose.options, [self.first, self.camera, self.own])
        self.assertFalse(
            {self.first, self.camera, self.own}
            & {step.experiment for step in summary.steps}
        )
        self.assertEqual(
            summary.choose[0], url("participant:choose", self.cohort.pk, 1)
        )
        self.assertContains(response, "Experiments to choose from")

    def test_writing_before_choosing_leads_to_the_choice(self):
        self.client.force_login(self.anna.user)
        response = self.client.get(url("participant:reflection", self.camera.pk))
        self.assertRedirects(
            response,
            url("participant:choose", self.cohort.pk, 1),
            fetch_redirect_response=False,
        )
        response = self.client.post(
            url("participant:autosave", self.camera.pk),
            {"answer_0": "x", "visibility": "trainers"},
        )
        self.assertEqual(response.status_code, 409)
        self.assertFalse(Reflection.objects.exists())

    def test_a_participant_picks_an_option_and_sees_only_it(self):
        self.client.force_login(self.anna.user)
        page = url("participant:choose", self.cohort.pk, 1)
        response = self.client.post(page, {"experiment": self.camera.pk})
        self.assertRedirects(
            response,
            url("participant:reflection", self.camera.pk),
            fetch_redirect_response=False,
        )
        choice = Choice.objects.get(enrollment=self.anna)
        self.assertEqual((choice.experiment, choice.after_session), (self.camera, 1))
        summary = self.client.get(url("participant:my_training")).context["summaries"][
            0
        ]
        self.assertEqual([row.experiment for row in summary.current], [self.camera])
        shown = [step.experiment for step in summary.steps if step.experiment]
        self.assertNotIn(self.first, shown)
        self.assertIn(self.camera, shown)
        # The other options are not theirs to write about.
        response = self.client.get(url("participant:reflection", self.first.pk))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            self.client.get(url("participant:reflection", self.camera.pk)).status_code,
            200,
        )

    def test_the_cohort_space_shows_the_chosen_option_alone(self):
        """As My training does: the options not chosen are not theirs, so
        they are not listed as to do, or late."""

        def steps(user):
            self.client.force_login(user)
            response = self.client.get(url("participant:cohort", self.cohort.pk))
            return response.context["steps"]

        def shown(user):
            return {s.experiment for s in steps(user) if s.experiment}

        everything = {self.first, self.camera, self.own}
        # Not chosen yet: one step to choose, naming the options.
        (choose,) = [step for step in steps(self.anna.user) if step.options]
        self.assertEqual(choose.options, [self.first, self.camera, self.own])
        self.assertEqual(
            choose.choose_url, url("participant:choose", self.cohort.pk, 1)
        )
        self.assertFalse(everything & shown(self.anna.user))
        Choice.objects.create(
            enrollment=self.anna, experiment=self.camera, after_session=1
        )
        mine = shown(self.anna.user)
        self.assertIn(self.camera, mine)
        self.assertFalse({self.first, self.own} & mine)
        # Their trainer follows every option.
        self.assertLessEqual(everything, shown(self.trainer))

    def test_the_feed_shows_the_due_time_of_the_chosen_experiment_alone(self):
        import icalendar

        from cohorts.calendar.views import new_token

        def due_summaries(user, token):
            response = self.client.get(reverse("calendar:feed", args=[token]))
            self.assertEqual(response.status_code, 200)
            calendar = icalendar.Calendar.from_ical(b"".join(response))
            etag = response["ETag"]
            return etag, sorted(
                str(event["SUMMARY"])
                for event in calendar.walk("VEVENT")
                if str(event["UID"]).startswith("experiment-")
            )

        in_english(self.anna.user, self.trainer)
        token = new_token(self.anna.user)
        before, summaries = due_summaries(self.anna.user, token)
        # Before choosing: every option of the gap, as the programme shows.
        self.assertEqual(
            summaries,
            [
                "Reflection due: Camera on",
                "Reflection due: Experiment 1",
                "Reflection due: Experiment 2",
                "Reflection due: My own experiment",
            ],
        )
        self.client.force_login(self.anna.user)
        self.client.post(
            url("participant:choose", self.cohort.pk, 1), {"experiment": self.camera.pk}
        )
        after, summaries = due_summaries(self.anna.user, token)
        self.assertNotEqual(after, before)  # a new feed, not the cached one
        self.assertEqual(
            summaries, ["Reflection due: Camera on", "Reflection due: Experiment 2"]
        )
        # Their trainer follows every option.
        __, summaries = due_summaries(self.trainer, new_token(self.trainer))
        self.assertEqual(len(summaries), 4)

    def test_the_invite_asks_to_bring_the_chosen_experiment_not_the_first(self):
        """The invite is the same for everyone: it named the gap's first
        option, whichever one a participant chose."""
        second = self.cohort.sessions.order_by("sort_order")[1]
        with translation.override("en"):
            event = icalendar.Calendar.from_ical(session_file(second)).events[0]
        self.assertIn(
            "Bring what you learned from the experiment you chose.",
            event["DESCRIPTION"],
        )
        self.assertNotIn("Experiment 1", event["DESCRIPTION"])

    def test_an_own_experiment_needs_its_plan(self):
        self.client.force_login(self.anna.user)
        page = url("participant:choose", self.cohort.pk, 1)
        response = self.client.post(
            page, {"experiment": self.own.pk, "plan_what": "Walk"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Choice.objects.exists())
        plan = {
            "experiment": self.own.pk,
            "plan_what": "Walking meetings on the phone",
            "plan_when": "Thursdays",
            "plan_measure": "I come back with fewer notes to write up",
        }
        self.client.post(page, plan)
        choice = Choice.objects.get()
        self.assertEqual(choice.title, "Walking meetings on the phone")
        response = self.client.get(url("participant:reflection", self.own.pk))
        self.assertContains(response, "Thursdays")

    def test_the_plan_boxes_say_their_limit_and_count_down_to_it(self):
        self.client.force_login(self.anna.user)
        response = self.client.get(url("participant:choose", self.cohort.pk, 1))
        for name in ("plan_what", "plan_when", "plan_measure"):
            with self.subTest(box=name):
                self.assertEqual(
                    limit_said(response.content, name),
                    ("At most 2,000 characters.", counted_to(MAX_PLAN_LENGTH)),
                )

    def test_the_choice_is_fixed_once_the_reflection_is_started(self):
        self.client.force_login(self.anna.user)
        page = url("participant:choose", self.cohort.pk, 1)
        self.client.post(page, {"experiment": self.camera.pk})
        self.client.post(
            url("participant:autosave", self.camera.pk),
            {"answer_0": "Started", "visibility": "trainers"},
        )
        self.client.post(page, {"experiment": self.first.pk})
        self.assertEqual(Choice.objects.get().experiment, self.camera)

    def test_a_gap_with_one_option_asks_no_choice(self):
        self.client.force_login(self.anna.user)
        response = self.client.get(url("participant:choose", self.cohort.pk, 2))
        self.assertEqual(response.status_code, 404)

    def test_trainers_see_the_choices_in_the_progress_grid(self):
        Choice.objects.create(
            enrollment=self.anna,
            experiment=self.own,
            after_session=1,
            plan_what="Walks",
        )
        profile = UserProfile.get_for_user(self.trainer)
        profile.preferred_language = "en"
        profile.save()
        self.client.force_login(self.trainer)
        response = self.client.get(reverse("cohorts:progress", args=[self.cohort.pk]))
        self.assertContains(response, "Choice after session 1")
        self.assertContains(response, "Walks")
        self.assertContains(response, "Not chosen yet")  # Bob

    def grid(self, **query):
        """{column heading: ({state: count}, {person: state})} of the
        progress grid, in English, and the headings in order."""
        profile = UserProfile.get_for_user(self.trainer)
        profile.preferred_language = "en"
        profile.save()
        self.client.force_login(self.trainer)
        response = self.client.get(
            reverse("cohorts:progress", args=[self.cohort.pk]), query
        )
        soup = BeautifulSoup(response.content, "html.parser")
        headings = [
            " ".join(th.find(string=True, recursive=True).split())
            for th in soup.select("table.listing thead th")
        ]
        columns = {}
        for index, th in enumerate(soup.select("table.listing thead th")):
            counts = {
                li["title"]: int(li.select_one(".w-text-text-context").get_text())
                for li in th.select(".virtu-counts li")
            }
            cells = {}
            for row in soup.select("table.listing tbody tr"):
                person = next(
                    p for p in (self.anna, self.bob) if p.name in row.get_text()
                )
                cell = row.find_all(["th", "td"])[index]
                badge = cell.select_one(".virtu-badge")
                cells[person] = badge["title"] if badge else cell.get_text(strip=True)
            columns[headings[index]] = (counts, cells)
        return headings, columns

    def test_the_grid_shows_an_option_someone_did_not_choose_as_not_theirs(self):
        Choice.objects.create(
            enrollment=self.anna, experiment=self.camera, after_session=1
        )
        headings, columns = self.grid()
        # What each chose comes first, then the gap's options.
        self.assertEqual(
            headings[headings.index("Choice after session 1") :][:4],
            [
                "Choice after session 1",
                "Experiment 1",
                "Camera on",
                "My own experiment",
            ],
        )
        counts, cells = columns["Experiment 1"]
        self.assertEqual(cells[self.anna], "Chose another option")
        self.assertEqual(cells[self.bob], "Not started")
        self.assertEqual(counts["Not started"], 1)
        self.assertEqual(counts["Chose another option"], 1)
        counts, cells = columns["Camera on"]
        self.assertEqual(cells[self.anna], "Not started")
        self.assertEqual(
            (counts["Not started"], counts["Chose another option"]), (2, 0)
        )
        # Filtering for who has not started the first option finds Bob only.
        __, columns = self.grid(
            state=Reflection.Progress.NOT_STARTED, experiment=self.first.pk
        )
        self.assertEqual(list(columns["Experiment 1"][1]), [self.bob])

    def test_an_option_written_about_before_choosing_another_keeps_its_state(self):
        submitted(self.anna, self.first)
        Choice.objects.create(
            enrollment=self.anna, experiment=self.camera, after_session=1
        )
        __, columns = self.grid()
        counts, cells = columns["Experiment 1"]
        self.assertEqual(cells[self.anna], "Submitted")
        self.assertEqual(counts["Chose another option"], 0)

    def test_the_export_says_the_same(self):
        Choice.objects.create(
            enrollment=self.anna, experiment=self.camera, after_session=1
        )
        self.grid()  # signs the trainer in, in English
        response = self.client.get(
            reverse("cohorts:progress", args=[self.cohort.pk]), {"export": "csv"}
        )
        rows = list(csv.DictReader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
        anna = next(row for row in rows if row["Participant"] == self.anna.name)
        self.assertEqual(anna["Experiment 1"], "Chose another option")
        self.assertEqual(anna["Camera on"], "Not started")

    def test_retiring_an_option_leaves_cohorts_and_reflections_as_they_were(self):
        reflection = submitted(self.anna, self.camera)
        Choice.objects.create(
            enrollment=self.anna, experiment=self.camera, after_session=1
        )
        template = self.camera.template
        template.retired_at = timezone.now()
        template.save()
        self.camera.refresh_from_db()
        reflection.refresh_from_db()
        self.assertEqual(reflection.experiment, self.camera)
        new = make_cohort(
            ExperimentTemplate.objects.get(pk=template.pk).course, "Cohort B"
        )
        self.assertNotIn("Camera on", [e.title for e in new.experiments.all()])
        self.assertIn("Camera on", [e.title for e in self.cohort.experiments.all()])


class LibraryTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = add_options(make_course())
        cls.alpha = make_cohort(cls.course, "Cohort Alpha")
        cls.bravo = make_cohort(cls.course, "Cohort Bravo")
        for cohort in (cls.alpha, cls.bravo):
            place_sessions(cohort, timezone.now() - timedelta(days=1))
        cls.people = make_participants(cls.alpha, 6, "alpha")
        (cls.reader,) = make_participants(cls.bravo, 1, "bravo")
        cls.trainer = make_trainer(cls.alpha)
        cls.meetings = Theme.objects.create(name="Meetings")
        cls.pattern = Pattern.objects.create(
            title="Camera on",
            description="Everyone keeps their camera on in team meetings.",
            instructions="Agree on it at the start.",
        )
        cls.pattern.themes.add(cls.meetings)
        cls.camera = cls.alpha.experiments.get(title="Camera on")
        cls.pattern.templates.add(cls.camera.template)
        cls.own = cls.alpha.experiments.get(own=True)

    def share(self, reflection, anonymous=False):
        self.client.force_login(reflection.author.user)
        return self.client.post(
            url("library:share", reflection.pk),
            {"publish": "on", "anonymous": str(anonymous)},
        )

    def approve(self, story):
        self.client.force_login(self.trainer)
        return self.client.post(url("library:story", story.pk), {"action": "approve"})

    def library(self, user=None, **query):
        self.client.force_login(user or self.reader.user)
        return self.client.get(url("library:index", **query))

    def test_a_story_appears_after_its_author_asks_and_a_trainer_approves(self):
        reflection = submitted(self.people[0], self.camera, text="Cameras helped a lot")
        self.assertEqual(list(self.library().context["page_obj"]), [])
        self.share(reflection)
        story = Story.objects.get()
        self.assertEqual(story.pattern, self.pattern)
        self.assertEqual(list(self.library().context["page_obj"]), [])
        awaiting = self.library(self.trainer).context["awaiting"]
        self.assertEqual(awaiting, [story])
        self.approve(story)
        response = self.library()
        self.assertEqual(list(response.context["page_obj"]), [story])
        self.assertContains(response, "Pat Participant0")

    def test_an_anonymous_story_does_not_name_its_author(self):
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection, anonymous=True)
        self.approve(Story.objects.get())
        for page in (url("library:index"), url("library:story", reflection.story.pk)):
            self.client.force_login(self.reader.user)
            response = self.client.get(page)
            self.assertContains(response, "A participant (anonymous)")
            self.assertNotContains(response, "Participant0")

    def test_a_withdrawn_authors_story_is_hidden_until_they_are_back(self):
        """As the cohort hides a withdrawn author's reflections from peers."""
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection)
        story = Story.objects.get()
        self.approve(story)
        withdraw(self.people[0], by=self.trainer)

        self.assertEqual(list(self.library().context["page_obj"]), [])
        self.client.force_login(self.reader.user)
        self.assertEqual(
            self.client.get(url("library:story", story.pk)).status_code, 404
        )

        enrol(self.alpha, self.people[0].user.email)
        self.assertEqual(list(self.library().context["page_obj"]), [story])

    def test_a_story_changed_after_its_approval_waits_to_be_approved_again(self):
        """The library reaches everyone signed in, beyond the cohort: what it
        shows is what a trainer approved, not text put in its place since."""
        reflection = submitted(self.people[0], self.camera, text="Cameras helped")
        self.share(reflection)
        story = Story.objects.get()
        self.approve(story)
        self.assertEqual(list(self.library().context["page_obj"]), [story])

        self.client.force_login(self.people[0].user)
        response = self.client.post(
            url("participant:reflection", self.camera.pk),
            {
                "answer_0": "Win a prize: sign in at https://prize.example/",
                "decision": "adopt",
                "usefulness": "4",
                "visibility": "cohort",
            },
        )
        self.assertEqual(response.status_code, 302)

        self.assertEqual(list(self.library().context["page_obj"]), [])
        response = self.client.get(url("library:story", story.pk))
        self.assertNotContains(response, "prize.example", status_code=404)
        self.assertEqual(self.library(self.trainer).context["awaiting"], [story])
        self.approve(story)
        response = self.library()
        self.assertEqual(list(response.context["page_obj"]), [story])

    def test_a_story_made_private_waits_to_be_approved_again_once_shared(self):
        """Sharing with the cohort again is a choice about the cohort: the
        library, beyond it, shows the story again only once a trainer
        approves it again, as after a change of text."""
        reflection = submitted(self.people[0], self.camera, text="Cameras helped")
        self.share(reflection)
        story = Story.objects.get()
        self.approve(story)
        page = url("participant:reflection", self.camera.pk)
        form = {"answer_0": "Cameras helped", "decision": "adopt", "usefulness": "4"}

        self.client.force_login(self.people[0].user)
        response = self.client.post(page, {**form, "visibility": "trainers"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(self.library().context["page_obj"]), [])
        self.client.force_login(self.people[0].user)
        response = self.client.post(page, {**form, "visibility": "cohort"})
        self.assertEqual(response.status_code, 302)

        self.assertEqual(list(self.library().context["page_obj"]), [])
        self.assertEqual(
            self.client.get(url("library:story", story.pk)).status_code, 404
        )
        self.assertEqual(self.library(self.trainer).context["awaiting"], [story])
        self.approve(story)
        self.assertEqual(list(self.library().context["page_obj"]), [story])

    def test_the_share_page_of_a_private_reflection_says_no_trainer_is_asked(self):
        # Its story waits for nobody: no trainer sees it until it is shared.
        reflection = submitted(self.people[0], self.camera, text="Cameras helped")
        self.share(reflection)
        Reflection.objects.filter(pk=reflection.pk).update(visibility="trainers")
        self.client.force_login(self.people[0].user)

        response = self.client.get(url("library:share", reflection.pk))

        self.assertNotContains(response, "waiting for a trainer")
        self.assertContains(response, "Share it with your cohort first")

    def test_the_links_to_a_story_made_private_do_not_say_it_waits(self):
        """No trainer is asked while only the trainers read the reflection:
        its author is told so, and no trainer is asked to approve it until
        it is shared again (the library would not let them)."""
        reflection = submitted(self.people[0], self.camera, text="Cameras helped")
        self.share(reflection)
        story = Story.objects.get()
        self.approve(story)
        other_trainer = make_trainer(self.bravo, "bravo-trainer@example.fi")
        page = url("participant:reflection", self.camera.pk)
        form = {"answer_0": "Cameras helped", "decision": "adopt", "usefulness": "4"}
        shared_page = url("participant:shared_reflection", reflection.pk)
        self.client.force_login(self.people[0].user)
        self.client.post(page, {**form, "visibility": "trainers"})

        response = self.client.get(shared_page)
        self.assertNotContains(response, "waiting for a trainer")
        self.assertContains(
            response,
            "Not in the experiment library while your reflection is for the "
            "trainers only",
        )
        response = self.client.get(url("library:story", story.pk))
        self.assertNotContains(response, "approves it first")
        self.assertContains(
            response,
            "Not published: your reflection is for the trainers only. Share it "
            "with your cohort again, and a trainer approves it before it appears.",
        )
        self.client.force_login(self.trainer)
        self.assertNotContains(self.client.get(shared_page), "Asked to be published")

        # Shared again: waiting, and asked for as at first.
        self.client.force_login(self.people[0].user)
        self.client.post(page, {**form, "visibility": "cohort"})
        self.assertContains(self.client.get(shared_page), "waiting for a trainer")
        self.assertContains(
            self.client.get(url("library:story", story.pk)),
            "Not published yet: a trainer of the cohort approves it first.",
        )
        self.client.force_login(self.trainer)
        self.assertContains(self.client.get(shared_page), "Asked to be published")
        self.assertEqual(self.library(self.trainer).context["awaiting"], [story])
        self.assertEqual(self.library(other_trainer).context["awaiting"], [])

    def test_the_author_is_told_a_story_made_private_leaves_the_library(self):
        page = url("participant:reflection", self.camera.pk)
        form = {"answer_0": "Ok", "decision": "adopt", "usefulness": "4"}
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection)
        self.approve(Story.objects.get())
        self.client.force_login(self.people[0].user)
        self.client.get(page)  # shows the messages of sharing and approving

        response = self.client.post(
            page, {**form, "visibility": "trainers"}, follow=True
        )
        self.assertEqual(
            [str(message) for message in response.context["messages"]],
            [
                "Your changes were saved.",
                "Your story is no longer shown in the experiment library. If you "
                "share your reflection with your cohort again, it is shown again "
                "once a trainer approves it.",
            ],
        )

        # Shared again: waiting, as the links to the library say.
        response = self.client.post(page, {**form, "visibility": "cohort"}, follow=True)
        self.assertEqual(
            [str(message) for message in response.context["messages"]],
            [
                "Your changes were saved.",
                "Your story will be shown in the experiment library once a "
                "trainer approves it.",
            ],
        )

    def test_a_story_made_private_before_waits_to_be_approved_again(self):
        migration = importlib.import_module(
            "library.migrations.0004_unshared_stories_wait_for_approval"
        )
        private, shared = (
            Story.objects.create(
                reflection=submitted(person, self.camera),
                approved_at=timezone.now(),
                approved_by=self.trainer,
            )
            for person in self.people[:2]
        )
        Reflection.objects.filter(pk=private.reflection_id).update(
            visibility=Reflection.Visibility.TRAINERS
        )
        migration.withdraw_approval_of_unshared_stories(django_apps, None)
        private.refresh_from_db()
        self.assertEqual((private.approved_at, private.approved_by), (None, None))
        shared.refresh_from_db()
        self.assertIsNotNone(shared.approved_at)

    def test_a_reworded_question_keeps_an_approved_story_published(self):
        """The author's words are what a trainer approved: a coordinator
        rewording a question, and the author then changing only their
        rating, leaves them as they were."""
        reflection = submitted(self.people[0], self.camera, text="Cameras helped")
        self.share(reflection)
        story = Story.objects.get()
        self.approve(story)
        self.camera.prompts = self.camera.prompts.replace(
            "What did you try?", "What did you try out?"
        )
        self.camera.save()

        self.client.force_login(self.people[0].user)
        response = self.client.post(
            url("participant:reflection", self.camera.pk),
            {
                "answer_0": "Cameras helped",
                "decision": "adopt",
                "usefulness": "5",
                "visibility": "cohort",
            },
        )

        self.assertEqual(response.status_code, 302)
        reflection.refresh_from_db()
        self.assertEqual(reflection.usefulness, 5)
        self.assertEqual(list(self.library().context["page_obj"]), [story])

    def test_the_author_is_told_a_changed_story_waits_for_approval_again(self):
        page = url("participant:reflection", self.camera.pk)
        form = {"decision": "adopt", "usefulness": "4", "visibility": "cohort"}
        reflection = submitted(self.people[0], self.camera)
        self.client.force_login(self.people[0].user)
        self.client.post(page, {**form, "answer_0": "Cameras helped"})
        self.share(reflection)
        self.approve(Story.objects.get())
        self.client.force_login(self.people[0].user)
        self.client.get(page)  # shows the messages of saving, sharing, approving

        # The approved text as it was, and a new usefulness: still published.
        response = self.client.post(
            page, {**form, "answer_0": "Cameras helped", "usefulness": "5"}, follow=True
        )
        self.assertEqual(
            [str(message) for message in response.context["messages"]],
            ["Your changes were saved."],
        )
        self.assertIsNotNone(Story.objects.get().approved_at)

        response = self.client.post(
            page, {**form, "answer_0": "Cameras helped us all"}, follow=True
        )
        self.assertEqual(
            [str(message) for message in response.context["messages"]],
            [
                "Your changes were saved.",
                "Your story will be shown in the experiment library again once "
                "a trainer approves the change.",
            ],
        )

        # Changed again while it waits: nothing new to tell.
        response = self.client.post(
            page, {**form, "answer_0": "Cameras helped us"}, follow=True
        )
        self.assertEqual(
            [str(message) for message in response.context["messages"]],
            ["Your changes were saved."],
        )

    def test_feedback_on_an_approved_story_keeps_it_published(self):
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection)
        story = Story.objects.get()
        self.approve(story)

        give_feedback(reflection, "Well tried!", self.trainer)
        reflection.refresh_from_db()
        reflection.save()

        self.assertEqual(list(self.library().context["page_obj"]), [story])

    def test_a_trainer_may_decline_a_story(self):
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection)
        self.client.force_login(self.trainer)
        self.client.post(
            url("library:story", reflection.story.pk), {"action": "decline"}
        )
        self.assertFalse(Story.objects.exists())
        self.assertTrue(Reflection.objects.filter(pk=reflection.pk).exists())

    def test_a_reflection_for_the_trainers_only_cannot_be_published(self):
        reflection = submitted(
            self.people[0], self.camera, visibility=Reflection.Visibility.TRAINERS
        )
        self.share(reflection)
        self.assertFalse(Story.objects.exists())

    def test_figures_are_hidden_under_five_tries(self):
        for person, (decision, usefulness) in zip(
            self.people,
            [("adopt", 5), ("adopt", 4), ("adapt", 3), ("drop", 1)],
            strict=False,
        ):
            submitted(person, self.camera, decision, usefulness)
        figures = self.library().context["patterns"][0][1]
        self.assertEqual(figures.tried, 4)
        self.assertFalse(figures.shown)
        self.assertContains(
            self.library(), "Figures appear once five people have tried it."
        )
        submitted(self.people[4], self.camera, "adopt", 4)
        response = self.library()
        figures = response.context["patterns"][0][1]
        self.assertEqual(
            (figures.tried, figures.adopted, figures.median_usefulness), (5, 3, 4)
        )
        self.assertTrue(figures.shown)
        self.assertContains(response, "Median usefulness")

    def test_a_draft_is_not_counted_as_tried(self):
        Reflection.objects.create(experiment=self.camera, author=self.people[0])
        self.assertEqual(self.library().context["patterns"][0][1].tried, 0)

    def test_try_this_makes_a_pattern_ones_own_and_keeps_where_it_came_from(self):
        story = Story.objects.create(
            reflection=submitted(self.people[0], self.camera),
            pattern=self.pattern,
            approved_at=timezone.now(),
        )
        person = self.people[1]
        self.client.force_login(person.user)
        page = url("library:pattern", self.pattern.pk, story=story.pk)
        response = self.client.get(page)
        self.assertContains(response, "Try this")
        response = self.client.post(
            page,
            {
                "experiment": self.own.pk,
                "story": story.pk,
                "plan_what": "Camera on in my unit's Monday meeting",
                "plan_when": "Next two Mondays",
                "plan_measure": "People speak up more",
            },
        )
        self.assertRedirects(
            response,
            url("participant:reflection", self.own.pk),
            fetch_redirect_response=False,
        )
        choice = Choice.objects.get(enrollment=person)
        self.assertEqual(choice.experiment, self.own)
        provenance = Provenance.objects.get(choice=choice)
        self.assertEqual((provenance.pattern, provenance.story), (self.pattern, story))
        # What they make of it counts for the pattern.
        submitted(person, self.own, "adopt", 5)
        self.assertEqual(self.library().context["patterns"][0][1].tried, 2)

    def test_the_plan_boxes_of_try_this_say_their_limit_and_count_down_to_it(self):
        self.client.force_login(self.people[1].user)
        response = self.client.get(url("library:pattern", self.pattern.pk))
        self.assertEqual(
            limit_said(response.content, "plan_what"),
            ("At most 2,000 characters.", counted_to(MAX_PLAN_LENGTH)),
        )

    def test_try_this_is_offered_only_where_an_own_experiment_is_open(self):
        self.client.force_login(self.reader.user)  # Bravo's gap 1 has one too
        self.assertIsNotNone(
            self.client.get(url("library:pattern", self.pattern.pk)).context["form"]
        )
        Experiment.objects.filter(cohort=self.bravo, own=True).update(own=False)
        self.assertIsNone(
            self.client.get(url("library:pattern", self.pattern.pk)).context["form"]
        )

    def test_peers_thank_an_author_once_and_the_author_sees_who(self):
        story = Story.objects.create(
            reflection=submitted(self.people[0], self.camera),
            approved_at=timezone.now(),
        )
        page = url("library:story", story.pk)
        self.client.force_login(self.reader.user)
        self.client.post(page)
        self.client.post(page)
        self.assertEqual(Thanks.objects.filter(story=story).count(), 1)
        self.client.force_login(self.people[0].user)
        self.assertEqual(self.client.post(page).status_code, 404)  # not oneself
        response = self.client.get(page)
        self.assertContains(response, "1 person thanked the author.")
        self.assertContains(response, "Pat Participant0")  # the reader's name
        self.assertNotContains(response, "Thank the author")

    def test_a_later_page_lists_the_next_stories_newest_approved_first(self):
        now = timezone.now()
        older, tied_first, tied_second = (
            Story.objects.create(
                reflection=submitted(person, self.camera),
                approved_at=approved_at,
            )
            for person, approved_at in (
                (self.people[0], now - timedelta(days=1)),
                (self.people[1], now),
                (self.people[2], now),
            )
        )
        for person in self.people[3:5]:
            Thanks.objects.create(story=older, user=person.user)

        with mock.patch("library.views.PER_PAGE", 2):
            first = self.library().context["page_obj"]
            second = self.library(page=2)

        # Approved at the same moment: the later story first, on every page.
        self.assertEqual(list(first), [tied_second, tied_first])
        self.assertEqual(list(second.context["page_obj"]), [older])
        self.assertEqual(second.context["page_obj"][0].thanks_count, 2)
        self.assertContains(second, "2 thanks")

    def test_search_and_filters_find_patterns_and_stories(self):
        other = Pattern.objects.create(
            title="Shared notes",
            description="One document for the meeting notes.",
            instructions="-",
        )
        reflection = submitted(
            self.people[0], self.camera, "drop", 2, text="Too tiring"
        )
        Story.objects.create(
            reflection=reflection,
            pattern=self.pattern,
            approved_at=timezone.now(),
        )
        self.assertEqual(
            [p for p, __ in self.library(q="document").context["patterns"]], [other]
        )
        self.assertEqual(
            [p for p, __ in self.library(theme=self.meetings.pk).context["patterns"]],
            [self.pattern],
        )
        self.assertEqual(len(self.library(q="tiring").context["page_obj"]), 1)
        self.assertEqual(
            len(self.library(q="nothing-like-this").context["page_obj"]), 0
        )
        self.assertEqual(len(self.library(decision="drop").context["page_obj"]), 1)
        self.assertEqual(len(self.library(decision="adopt").context["page_obj"]), 0)
        self.assertEqual(
            len(
                self.library(course=self.course.pk, theme=self.meetings.pk).context[
                    "page_obj"
                ]
            ),
            1,
        )

    def test_search_finds_the_start_of_a_compound_word(self):
        Pattern.objects.create(
            title="Kävelypalaveri", description="Palaveri ulkona.", instructions="-"
        )
        story = Story.objects.create(
            reflection=submitted(
                self.people[0], self.camera, text="Kävelypalaveri toimi hyvin."
            ),
            approved_at=timezone.now(),
        )
        for query in ("Kävely", "kävely"):
            with self.subTest(query=query):
                response = self.library(q=query)
                self.assertEqual(
                    [p.title for p, __ in response.context["patterns"]],
                    ["Kävelypalaveri"],
                )
                self.assertEqual(list(response.context["page_obj"]), [story])
        # The words before the last are whole words, as typed.
        response = self.library(q="toimi kävely")
        self.assertEqual(list(response.context["page_obj"]), [story])

    @skipUnless(connection.vendor == "postgresql", "Finnish stemming is PostgreSQL's")
    def test_search_finds_finnish_words_in_inflected_forms(self):
        reflection = submitted(
            self.people[0],
            self.camera,
            text="Kokeilusta tuli hyvä: etäpalavereissa kaikki puhuivat.",
        )
        Story.objects.create(reflection=reflection, approved_at=timezone.now())
        Pattern.objects.create(
            title="Kävelypalaverit",
            description="Palaverit kävellen puhelimessa.",
            instructions="-",
        )
        for query in ("kokeilu", "etäpalaveri", "palaveri"):
            with self.subTest(query=query):
                response = self.library(q=query)
                found = len(response.context["page_obj"]) + len(
                    response.context["patterns"]
                )
                self.assertGreater(found, 0)
        self.assertEqual(
            [
                p.title
                for p, __ in self.library(q="kävelypalaverissa").context["patterns"]
            ],
            ["Kävelypalaverit"],
        )


class MovedCohortStoryTest(TestCase):
    """A story belongs to the course its cohort is under now: moving the
    cohort to another course takes its stories along, and the old course
    can then be deleted without them."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.other = make_course("Hybrid work")
        cls.cohort = make_cohort(cls.course)
        place_sessions(cls.cohort, timezone.now() - timedelta(days=1))
        cls.anna, cls.bertil = make_participants(cls.cohort, 2)
        cls.coordinator = make_coordinator()

    def as_coordinator(self, name, *args):
        self.client.force_login(self.coordinator)
        response = self.client.post(reverse(name, args=args))
        self.assertEqual(response.status_code, 302)

    def listed(self, course):
        self.client.force_login(self.bertil.user)
        return self.client.get(url("library:index", course=course.pk))

    def test_a_story_follows_its_cohort_and_outlives_its_old_course(self):
        reflection = submitted(
            self.anna, self.cohort.experiments.first(), text="Walking meetings"
        )
        self.client.force_login(self.anna.user)
        self.client.post(
            url("library:share", reflection.pk), {"publish": "on", "anonymous": "False"}
        )
        story = Story.objects.get(reflection=reflection)
        Story.objects.filter(pk=story.pk).update(approved_at=timezone.now())
        Thanks.objects.create(story=story, user=self.bertil.user)
        address = url("library:story", story.pk)

        self.as_coordinator(
            "wagtailadmin_pages:move_confirm", self.cohort.pk, self.other.pk
        )
        self.assertContains(self.listed(self.other), address)
        self.assertNotContains(self.listed(self.course), address)
        self.assertContains(self.client.get(address), "Hybrid work")

        self.as_coordinator("wagtailadmin_pages:delete", self.course.pk)
        self.assertFalse(CoursePage.objects.filter(pk=self.course.pk).exists())
        self.assertTrue(Thanks.objects.filter(story__reflection=reflection).exists())
        response = self.listed(self.other)
        self.assertContains(response, address)
        self.assertContains(response, "1 thanks")


class LibraryQueryCountTest(TestCase):
    """The library's pages take as many queries with many stories, patterns
    and tries as with a few."""

    @classmethod
    def setUpTestData(cls):
        cls.course = add_options(make_course())
        cls.cohort = make_cohort(cls.course)
        place_sessions(cls.cohort, timezone.now() - timedelta(days=1))
        cls.camera = cls.cohort.experiments.get(title="Camera on")
        cls.reader = make_participants(cls.cohort, 1, "reader")[0]
        cls.theme = Theme.objects.create(name="Meetings")
        cls.count = 0

    def grow(self, size):
        people = make_participants(self.cohort, size, f"p{self.count}")
        for person in people:
            pattern = Pattern.objects.create(
                title=f"Pattern {self.count}", description="d", instructions="i"
            )
            pattern.themes.add(self.theme)
            pattern.templates.add(self.camera.template)
            reflection = submitted(person, self.camera)
            story = Story.objects.create(
                reflection=reflection,
                pattern=pattern,
                approved_at=timezone.now(),
            )
            Thanks.objects.create(story=story, user=self.reader.user)
            Choice.objects.create(
                enrollment=person, experiment=self.camera, after_session=1
            )
            self.count += 1

    def assertQueriesDoNotGrow(self, address):
        self.client.force_login(self.reader.user)
        self.grow(3)
        self.client.get(address)
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(self.client.get(address).status_code, 200)
        self.grow(30)
        with self.assertNumQueries(len(few)):
            self.assertEqual(self.client.get(address).status_code, 200)

    def test_library_queries_do_not_grow(self):
        self.assertQueriesDoNotGrow(url("library:index"))

    def test_searched_library_queries_do_not_grow(self):
        self.assertQueriesDoNotGrow(url("library:index", q="Pattern", theme=1))

    def test_pattern_page_queries_do_not_grow(self):
        self.grow(1)
        self.assertQueriesDoNotGrow(url("library:pattern", Pattern.objects.first().pk))

    def test_story_page_queries_do_not_grow(self):
        self.grow(1)
        self.assertQueriesDoNotGrow(url("library:story", Story.objects.first().pk))

    def test_my_training_with_choices_queries_do_not_grow(self):
        self.assertQueriesDoNotGrow(url("participant:my_training"))

    def test_progress_grid_with_choices_queries_do_not_grow(self):
        self.client.force_login(make_trainer(self.cohort))
        address = reverse("cohorts:progress", args=[self.cohort.pk])
        self.grow(3)
        self.client.get(address)
        with CaptureQueriesContext(connection) as few:
            self.client.get(address)
        self.grow(30)
        with self.assertNumQueries(len(few)):
            self.client.get(address)


class UsageReportTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = add_options(make_course())
        cls.cohorts = [make_cohort(cls.course, f"Cohort {n}") for n in "AB"]
        for cohort in cls.cohorts:
            place_sessions(cohort, timezone.now() - timedelta(days=1))
        cls.coordinator = make_coordinator()
        cls.trainer = make_trainer(cls.cohorts[0])
        cls.pattern = Pattern.objects.create(
            title="Walking meetings", description="d", instructions="Walk and talk."
        )
        cls.people = []
        for cohort in cls.cohorts:
            cls.people += make_participants(cohort, 3, cohort.slug)
        # Cohort A: two did "Camera on" (one adopted), one took the pattern.
        a1, a2, a3, b1, b2, __ = cls.people
        cls.camera = [c.experiments.get(title="Camera on") for c in cls.cohorts]
        own = [c.experiments.get(own=True) for c in cls.cohorts]
        for person, decision, usefulness in [(a1, "adopt", 5), (a2, "drop", 2)]:
            Choice.objects.create(
                enrollment=person, experiment=cls.camera[0], after_session=1
            )
            submitted(person, cls.camera[0], decision, usefulness)
        Choice.objects.create(enrollment=b1, experiment=cls.camera[1], after_session=1)
        for person, experiment in [(a3, own[0]), (b2, own[1])]:
            choice = Choice.objects.create(
                enrollment=person, experiment=experiment, after_session=1
            )
            Provenance.objects.create(choice=choice, pattern=cls.pattern)
        submitted(a3, own[0], "adopt", 4)

    def report(self, user=None):
        self.client.force_login(user or self.coordinator)
        return self.client.get(reverse("courses:usage", args=[self.course.pk]))

    def test_the_report_counts_each_option_and_the_patterns_not_offered(self):
        response = self.report()
        self.assertEqual(response.status_code, 200)
        options = {t.title: u for t, u in response.context["options"]}
        camera = options["Camera on"]
        self.assertEqual(
            (camera.chosen_count, camera.finished, camera.adopted),
            (3, 2, 1),
        )
        self.assertEqual(camera.median_usefulness, 3.5)
        [(pattern, usage)] = response.context["patterns"]
        self.assertEqual(pattern, self.pattern)
        self.assertEqual((usage.chosen_count, usage.finished, usage.adopted), (2, 1, 1))

    def test_only_the_courses_coordinators_read_the_report(self):
        self.assertNotEqual(self.report(self.trainer).status_code, 200)

    def test_adding_a_pattern_makes_it_an_option_of_new_cohorts(self):
        self.report()
        self.client.post(
            reverse("courses:usage", args=[self.course.pk]),
            {"action": "add", "pattern": self.pattern.pk, "after_session": 1},
        )
        template = ExperimentTemplate.objects.get(
            course=self.course, title="Walking meetings"
        )
        self.assertEqual(list(template.patterns.all()), [self.pattern])
        self.assertEqual(self.report().context["patterns"], [])
        new = make_cohort(CoursePage.objects.get(pk=self.course.pk), "Cohort C")
        self.assertIn("Walking meetings", [e.title for e in new.experiments.all()])

    def test_retiring_an_option_keeps_its_history(self):
        self.report()
        template = self.camera[0].template
        self.client.post(
            reverse("courses:usage", args=[self.course.pk]),
            {"action": "retire", "template": template.pk},
        )
        template.refresh_from_db()
        self.assertIsNotNone(template.retired_at)
        # The cohorts keep the option, its choices and reflections.
        self.assertEqual(
            Reflection.objects.filter(experiment=self.camera[0]).count(), 2
        )
        options = {t.title: u for t, u in self.report().context["options"]}
        self.assertEqual(options["Camera on"].finished, 2)
        new = make_cohort(CoursePage.objects.get(pk=self.course.pk), "Cohort C")
        self.assertNotIn("Camera on", [e.title for e in new.experiments.all()])
        # A later edit of the course in the page editor keeps it retired.
        self.assertIsNotNone(
            CoursePage.objects.get(pk=self.course.pk)
            .get_latest_revision_as_object()
            .experiment_templates.get(pk=template.pk)
            .retired_at
        )

    def test_report_queries_do_not_grow_with_people(self):
        self.report()
        with CaptureQueriesContext(connection) as few:
            self.report()
        for person in make_participants(self.cohorts[0], 20, "more"):
            Choice.objects.create(
                enrollment=person, experiment=self.camera[0], after_session=1
            )
            submitted(person, self.camera[0], "adapt", 3)
        with self.assertNumQueries(len(few)):
            self.report()


class CopiedAndMovedCohortsTest(TestCase):
    """A course's figures count the reflections of the cohorts in it now:
    those copied with it or into it, and those moved to it."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.pattern = Pattern.objects.create(
            title="Walking meetings", description="d", instructions="Walk and talk."
        )
        cls.pattern.templates.add(cls.course.experiment_templates.get(after_session=1))
        cls.superuser = make_user("admin@example.fi", is_superuser=True)
        cls.coordinator = make_coordinator()

    def usage(self, course):
        options, __ = course_usage(CoursePage.objects.get(pk=course.pk))
        return {template.title: usage.finished for template, usage in options}

    def reflect(self, cohort, prefix):
        """One participant's submitted reflection on ``cohort``'s first experiment."""
        [person] = make_participants(cohort, 1, prefix)
        submitted(person, cohort.experiments.get(title="Experiment 1"))

    def copy(self, page, parent, slug, **options):
        self.client.force_login(self.superuser)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:copy", args=[page.pk]),
                {
                    "new_title": slug,
                    "new_slug": slug,
                    "new_parent_page": parent.pk,
                    **options,
                },
            )
        self.assertEqual(response.status_code, 302)

    def move(self, cohort, course):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("wagtailadmin_pages:move_confirm", args=[cohort.pk, course.pk])
            )
        self.assertEqual(response.status_code, 302)

    def test_a_course_copied_with_its_cohorts_counts_the_copies_reflections(self):
        self.reflect(self.cohort, "original")
        self.copy(
            self.course,
            self.course.get_parent(),
            "copy",
            copy_subpages="on",
            publish_copies="on",
        )
        new = CoursePage.objects.get(slug="copy")
        copied = CohortPage.objects.child_of(new).get()
        self.reflect(copied, "copied")
        self.reflect(make_cohort(new, "Fresh cohort"), "fresh")
        self.assertEqual(self.usage(new)["Experiment 1"], 2)
        self.assertEqual(self.usage(self.course)["Experiment 1"], 1)

    def test_a_copy_of_a_course_offers_its_options_on_the_same_patterns(self):
        self.copy(self.course, self.course.get_parent(), "copy", copy_subpages="on")
        option = ExperimentTemplate.objects.get(
            course__slug="copy", title="Experiment 1"
        )
        self.assertEqual(list(option.patterns.all()), [self.pattern])

    def test_a_copy_of_the_courses_page_keeps_each_courses_patterns(self):
        # To another site's root, say: one courses page per parent.
        index = self.course.get_parent()
        root = Page.get_first_root_node()
        self.copy(index, root, "courses-copy", copy_subpages="on")
        copied = Page.objects.child_of(root).get(slug="courses-copy")
        option = ExperimentTemplate.objects.get(
            course__in=CoursePage.objects.child_of(copied), title="Experiment 1"
        )
        self.assertEqual(list(option.patterns.all()), [self.pattern])

    def test_a_cohort_copied_into_another_course_counts_there(self):
        other = make_course("Other course")
        self.copy(self.cohort, other, "copied-cohort")
        copied = CohortPage.objects.child_of(other).get()
        self.reflect(copied, "copied")
        self.assertEqual(self.usage(other)["Experiment 1"], 1)
        self.assertEqual(self.usage(self.course)["Experiment 1"], 0)

    def test_a_cohort_moved_to_another_course_counts_there(self):
        other = make_course("Other course")
        self.reflect(self.cohort, "moved")
        self.assertEqual(self.usage(self.course)["Experiment 1"], 1)
        self.move(self.cohort, other)
        self.assertEqual(self.usage(other)["Experiment 1"], 1)
        self.assertEqual(self.usage(self.course)["Experiment 1"], 0)

    def test_a_change_saved_before_a_move_and_published_after_it_still_counts(self):
        other = make_course("Other course")
        self.reflect(self.cohort, "moved")
        # Scheduled publishing and workflow approval publish such a revision.
        draft = CohortPage.objects.get(pk=self.cohort.pk).save_revision()
        self.move(self.cohort, other)
        with self.captureOnCommitCallbacks(execute=True):
            CohortPage.objects.get(pk=self.cohort.pk).revisions.get(
                pk=draft.pk
            ).publish()
        self.assertEqual(self.usage(other)["Experiment 1"], 1)
        self.assertEqual(self.usage(self.course)["Experiment 1"], 0)

    def test_a_cohort_moved_to_a_course_without_its_options_counts_in_neither(self):
        other = make_course("Other course", sessions=1)
        self.reflect(self.cohort, "moved")
        self.move(self.cohort, other)
        self.assertEqual(self.usage(self.course)["Experiment 1"], 0)
        self.assertEqual(self.usage(other), {})
        self.assertIsNone(self.cohort.experiments.get(title="Experiment 1").template)


class ChoiceReminderTest(TestCase):
    """Where a gap offers several experiments, a participant is reminded of
    the one they chose, not of every option."""

    def test_reminders_follow_the_choice(self):
        from assignments.emails import Kind
        from cohorts.reminders import queue_reminders
        from outbox.models import OutgoingEmail

        course = add_options(make_course())
        cohort = make_cohort(course)  # session 2 on 29 March 2038, 9.00
        chooser, undecided = make_participants(cohort, 2)
        camera = cohort.experiments.get(title="Camera on")
        Choice.objects.create(enrollment=chooser, experiment=camera, after_session=1)
        OutgoingEmail.objects.all().delete()
        queue_reminders(now=timezone.make_aware(timezone.datetime(2038, 3, 27, 12, 0)))
        sent = {
            (email.to, email.subject.split(": ", 1)[-1])
            for email in OutgoingEmail.objects.filter(kind=Kind.REFLECTION_REMINDER)
        }
        self.assertEqual(
            sent,
            {(chooser.email, "Camera on"), (undecided.email, "Experiment 1")},
        )


class StoryDecisionEmailTest(SMTPServerMixin, TestCase):
    """The author hears what a trainer decided on their story, once, by
    email in their own language."""

    @classmethod
    def setUpTestData(cls):
        LibraryTest.setUpTestData.__func__(cls)

    share = LibraryTest.share

    def decide(self, story, action):
        self.client.force_login(self.trainer)
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(url("library:story", story.pk), {"action": action})

    def received(self):
        send_pending()
        return [
            message
            for message in self.mailbox.messages
            if message["To"] == self.people[0].user.email
            and "library" in message["Subject"]
        ]

    def setUp(self):
        super().setUp()
        in_english(self.people[0].user)

    def test_the_author_hears_that_the_story_is_published_once(self):
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection, anonymous=True)
        story = Story.objects.get()
        self.decide(story, "approve")
        # A second trainer who opened the story before it was published
        # approves it too: their request reaches the decision with the
        # story as it was when they opened it.
        from django.contrib.messages.storage.fallback import FallbackStorage
        from django.test import RequestFactory

        from library.views import review

        request = RequestFactory().post("/", {"action": "approve"})
        request.user, request.session = make_trainer(self.alpha, "t2@example.fi"), {}
        request._messages = FallbackStorage(request)
        with self.captureOnCommitCallbacks(execute=True):
            review(request, story)
        self.assertEqual(Story.objects.get().approved_by, self.trainer)
        self.assertFalse(Thanks.objects.exists())
        [message] = self.received()
        self.assertEqual(
            message["Subject"], "Your story is in the experiment library: Camera on"
        )
        body = message.get_body(("plain",)).get_content()
        self.assertIn("Tero Trainer has published your story", body)
        self.assertIn("without your name", body)
        self.assertIn(url("library:story", story.pk), body)

    def test_the_author_hears_that_the_story_was_not_published(self):
        reflection = submitted(self.people[0], self.camera)
        self.share(reflection)
        self.decide(Story.objects.get(), "decline")
        [message] = self.received()
        self.assertEqual(
            message["Subject"],
            "Your story was not published in the library: Camera on",
        )
        body = message.get_body(("plain",)).get_content()
        self.assertIn("Your reflection stays in your cohort as it was.", body)
        self.assertIn(url("participant:shared_reflection", reflection.pk), body)
