"""A person who follows an old link (an email's, a calendar's) into a cohort
they were in, after being withdrawn from it or after it was taken off the
site, is told so in words, in their language, with the way to My training:
still a 404, and said to nobody else, nor about any other cohort."""

from datetime import timedelta
from unittest.mock import patch

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from assignments.models import Reflection
from cohorts.calendar.views import new_token
from cohorts.models import CohortPage, Enrollment, EnrollmentQuerySet
from impact.models import Wave
from library.models import Story

from .factories import (
    PROMPTS,
    make_cohort,
    make_participants,
    make_trainer,
    make_user,
    place_sessions,
)
from .test_impact import make_impact_course

WITHDRAWN = "You are no longer in Cohort Alpha"
CLOSED = "Cohort Alpha is not on the site at the moment"
PLAIN = "Page not found"


def reflect(enrollment, experiment, **fields):
    return Reflection.objects.create(
        experiment=experiment,
        author=enrollment,
        answers=[{"prompt": PROMPTS.splitlines()[0], "answer": "Text"}],
        **{
            "status": Reflection.Status.SUBMITTED,
            "submitted_at": timezone.now(),
            "visibility": Reflection.Visibility.COHORT,
            **fields,
        },
    )


class FormerPlaceTest(TestCase):
    """Cohort Alpha, where Anna and Pekka take part, and Cohort Bravo, with
    its own participant and trainer; in Alpha the second gap offers a choice,
    and its impact survey's first wave is open."""

    @classmethod
    def setUpTestData(cls):
        course = make_impact_course()
        cls.alpha = make_cohort(course, "Cohort Alpha")
        cls.bravo = make_cohort(course, "Cohort Bravo")
        for cohort in (cls.alpha, cls.bravo):
            place_sessions(cohort, timezone.now() + timedelta(days=3))
        cls.anna, cls.peer = make_participants(cls.alpha, 2, "alpha")
        (cls.bravo_person,) = make_participants(cls.bravo, 1, "bravo")
        cls.bravo_trainer = make_trainer(cls.bravo, "trainer.bravo@example.fi")
        cls.outsider = make_user("out@example.fi")
        first, second = cls.alpha.experiments.order_by("after_session")[:2]
        cls.alpha.experiments.filter(pk=second.pk).update(own=True)
        cls.experiment, cls.gap = first, second.after_session
        cls.reflection = reflect(cls.anna, first)
        cls.story = Story.objects.create(reflection=cls.reflection)
        cls.peers = reflect(cls.peer, first)
        cls.peers_draft = reflect(
            cls.peer, second, status=Reflection.Status.DRAFT, submitted_at=None
        )
        cls.bravo_reflection = reflect(cls.bravo_person, cls.bravo.experiments.first())

    def links(self, cohort=None):
        """The links a participant of ``cohort`` (Alpha) is sent or keeps."""
        cohort = cohort or self.alpha
        reflection = self.reflection if cohort == self.alpha else self.bravo_reflection
        experiment = reflection.experiment
        with translation.override("en"):
            return {
                "reflection form": reverse(
                    "participant:reflection", args=[experiment.pk]
                ),
                "cohort space": reverse("participant:cohort", args=[cohort.pk]),
                "choice": reverse("participant:choose", args=[cohort.pk, self.gap]),
                "own reflection": reverse(
                    "participant:shared_reflection", args=[reflection.pk]
                ),
                "cohort calendar": reverse("calendar:cohort", args=[cohort.pk]),
                "session calendar": reverse(
                    "calendar:session", args=[cohort.sessions.first().uid]
                ),
                "share": reverse("library:share", args=[reflection.pk]),
                "impact survey": reverse(
                    "impact:survey", args=[cohort.pk, Wave.BASELINE]
                ),
            } | (
                {"story": reverse("library:story", args=[self.story.pk])}
                if cohort == self.alpha
                else {}
            )

    def get(self, url, language="en"):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return self.client.get(url)

    def withdraw_anna(self):
        Enrollment.objects.get(pk=self.anna.pk).withdraw()

    def assertTold(self, response, text, name=""):
        self.assertEqual(response.status_code, 404, name)
        self.assertContains(response, text, status_code=404)
        self.assertContains(response, 'href="/en/my/"', status_code=404)
        self.assertNotContains(response, PLAIN, status_code=404)
        self.assertNotContains(response, "Cohort Bravo", status_code=404)
        # Personal: kept by no cache on the way.
        self.assertIn("no-cache", response["Cache-Control"])

    def assertPlain(self, response, name=""):
        self.assertEqual(response.status_code, 404, name)
        self.assertContains(response, PLAIN, status_code=404)
        self.assertNotContains(response, "Cohort Alpha", status_code=404)
        self.assertNotContains(response, "Cohort Bravo", status_code=404)

    def test_every_old_link_tells_a_withdrawn_participant_why(self):
        self.client.force_login(self.anna.user)
        for name, url in self.links().items():
            with self.subTest(name, enrolled=True):
                self.assertIn(self.get(url).status_code, {200, 302})
        self.withdraw_anna()
        for name, url in self.links().items():
            with self.subTest(name):
                self.assertTold(self.get(url), WITHDRAWN, name)

    def test_every_old_link_says_an_unpublished_cohort_is_not_on_the_site(self):
        CohortPage.objects.get(pk=self.alpha.pk).unpublish()
        self.client.force_login(self.anna.user)
        for name, url in self.links().items():
            with self.subTest(name):
                self.assertTold(self.get(url), CLOSED, name)

    def test_the_cohorts_own_page_tells_a_withdrawn_participant_and_nobody_else(
        self,
    ):
        """The cohort's public page stays open to everyone signed in, so it
        is not a 404; but its "shown to the people enrolled in it" would
        leave Anna wondering why she is not."""
        self.withdraw_anna()
        generic = "shown to the people enrolled in it"
        with translation.override("en"):
            url = self.alpha.url
        self.client.force_login(self.anna.user)
        response = self.get(url)
        self.assertContains(response, WITHDRAWN)
        self.assertContains(response, 'href="/en/my/"')
        self.assertNotContains(response, generic)
        for user in (self.bravo_person.user, self.bravo_trainer, self.outsider):
            with self.subTest(user.email):
                self.client.force_login(user)
                response = self.get(url)
                self.assertContains(response, generic)
                self.assertNotContains(response, "You are no longer")
        self.client.force_login(self.peer.user)
        self.assertContains(self.get(url), "Open the cohort space")

    def test_a_withdrawn_participant_is_told_in_finnish_and_swedish(self):
        self.withdraw_anna()
        self.client.force_login(self.anna.user)
        said = {
            "fi": [
                "<h1>Tämä sivu ei ole enää avoinna sinulle</h1>",
                "Et ole enää ryhmässä Cohort Alpha",
                "Avaa Oma valmennukseni",
            ],
            "sv": [
                "<h1>Den här sidan är inte längre öppen för dig</h1>",
                "Du är inte längre med i Cohort Alpha",
                "Öppna Min utbildning",
            ],
        }
        with translation.override("en"):
            urls = [
                reverse("calendar:session", args=[self.alpha.sessions.first().uid]),
                reverse("participant:cohort", args=[self.alpha.pk]).removeprefix("/en"),
            ]
        for language, texts in said.items():
            for url in urls:
                with self.subTest(language, url=url):
                    response = self.get(url, language)
                    if response.status_code == 302:  # to the page in Swedish
                        response = self.client.get(response["Location"])
                    self.assertEqual(response.status_code, 404)
                    for text in texts:
                        self.assertContains(response, text, status_code=404)
                    self.assertContains(
                        response, f'<html lang="{language}">', status_code=404
                    )

    def test_nobody_else_learns_anything_of_the_cohort(self):
        self.withdraw_anna()
        others = {
            "never in it": self.outsider,
            "in another cohort": self.bravo_person.user,
            "trainer of another cohort": self.bravo_trainer,
        }
        for who, user in others.items():
            self.client.force_login(user)
            for name, url in self.links().items():
                with self.subTest(who, link=name):
                    self.assertPlain(self.get(url), name)
        self.client.logout()
        for name, url in self.links().items():
            with self.subTest("signed out", link=name):
                response = self.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/accounts/login/", response["Location"])
                self.assertNotIn(b"Cohort Alpha", response.content)

    def test_a_withdrawn_participant_is_told_nothing_of_another_cohort(self):
        self.withdraw_anna()
        self.client.force_login(self.anna.user)
        for name, url in self.links(self.bravo).items():
            with self.subTest(name):
                self.assertPlain(self.get(url), name)
        with translation.override("en"):
            guessed = [
                reverse("participant:cohort", args=[999_999]),
                reverse("participant:reflection", args=[999_999]),
                reverse("participant:shared_reflection", args=[999_999]),
                reverse("library:story", args=[999_999]),
                reverse("calendar:cohort", args=[999_999]),
            ]
        for url in guessed:
            with self.subTest(url):
                self.assertPlain(self.get(url), url)

    def test_a_peers_draft_or_story_is_not_named_to_a_withdrawn_participant(self):
        """Only what she could read in the cohort: her own reflections and
        those shared with it; not whether a peer's draft exists."""
        peers_story = Story.objects.create(reflection=self.peers)
        self.withdraw_anna()
        self.client.force_login(self.anna.user)
        with translation.override("en"):
            shared = reverse("participant:shared_reflection", args=[self.peers.pk])
            hidden = [
                reverse("participant:shared_reflection", args=[self.peers_draft.pk]),
                reverse("library:story", args=[peers_story.pk]),
                reverse("library:share", args=[self.peers.pk]),
            ]
        self.assertTold(self.get(shared), WITHDRAWN)
        for url in hidden:
            with self.subTest(url):
                self.assertPlain(self.get(url), url)

    def test_a_cohort_never_published_is_not_named_to_its_people(self):
        draft = make_cohort(make_impact_course(), "Cohort Alpha, autumn")
        CohortPage.objects.filter(pk=draft.pk).update(
            live=False, first_published_at=None
        )
        (person,) = make_participants(draft, 1, "draft")
        self.client.force_login(person.user)
        with translation.override("en"):
            url = reverse("participant:cohort", args=[draft.pk])
        self.assertPlain(self.get(url))

    def test_a_form_sent_after_withdrawal_names_the_cohort_and_gives_the_text_back(
        self,
    ):
        self.withdraw_anna()
        url = self.links()["reflection form"]
        data = {"answer_0": "Typed after withdrawing", "visibility": "trainers"}
        self.client.force_login(self.anna.user)
        response = self.client.post(url, data)
        self.assertTold(response, WITHDRAWN)
        self.assertContains(response, "Typed after withdrawing", status_code=404)
        # Anyone else posting there is told as before, naming no cohort.
        self.client.force_login(self.outsider)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "no longer in this cohort", status_code=404)
        self.assertNotContains(response, "Cohort Alpha", status_code=404)

    def test_telling_why_costs_one_query_more_than_a_plain_not_found(self):
        self.withdraw_anna()
        self.client.force_login(self.anna.user)
        url = self.links()["cohort space"]
        self.get(url)  # the session and the language settled
        with patch.object(EnrollmentQuerySet, "former_place", return_value=None):
            with CaptureQueriesContext(connection) as plain:
                self.assertPlain(self.get(url))
        with self.assertNumQueries(len(plain) + 1):
            self.assertTold(self.get(url), WITHDRAWN)

    def test_the_calendar_feed_of_a_withdrawn_participant_drops_the_cohort(self):
        """Not an error: the feed goes on with the cohorts the person is in
        (none here), as any calendar application expects."""
        django_cache.clear()
        url = reverse("calendar:feed", args=[new_token(self.anna.user)])
        first = self.client.get(url)
        self.assertIn(b"Cohort Alpha", first.content)
        self.withdraw_anna()
        response = self.client.get(url, headers={"if-none-match": first["ETag"]})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(b"Cohort Alpha", response.content)
        self.assertIn(b"BEGIN:VCALENDAR", response.content)

    def test_the_calendar_feed_drops_a_cohort_taken_off_the_site(self):
        django_cache.clear()
        url = reverse("calendar:feed", args=[new_token(self.peer.user)])
        first = self.client.get(url)
        CohortPage.objects.get(pk=self.alpha.pk).unpublish()
        response = self.client.get(url, headers={"if-none-match": first["ETag"]})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn(b"Cohort Alpha", response.content)
