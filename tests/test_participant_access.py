"""Who may see and do what on the participants' pages, as a matrix of
role × resource × action. Anything a person may not see is a 404, whether
the id was followed from a link or guessed."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from assignments.models import Comment, Reflection
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment

from .factories import (
    PROMPTS,
    commission,
    make_cohort,
    make_commissioner,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    make_user,
    place_sessions,
)

#: What a response means.
OK = "ok"  # shown, or done (a redirect after a post, or a refusal that says why)
HIDDEN = "404"
SIGN_IN = "sign in"
REFUSED = "403"  # told why not, nothing shown

ROLES = [
    "anonymous",
    "outsider",
    "author",
    "peer",
    "other_cohort_participant",
    "trainer",
    "other_cohort_trainer",
    "coordinator",
    "unpublished_cohort_participant",
    # Wagtail's Editors may edit every page, cohorts included, but follow no
    # cohort: they read no reflection.
    "page_editor",
    # The course's commissioner reads its figures in the admin: no names,
    # no reflections, on any page.
    "commissioner",
]


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


class ParticipantAccessTest(TestCase):
    """Cohorts Alpha and Bravo, each with a trainer and participants, a
    coordinator, someone enrolled nowhere, and an unpublished cohort."""

    @classmethod
    def setUpTestData(cls):
        course = make_course()
        alpha = make_cohort(course, "Cohort Alpha")
        bravo = make_cohort(course, "Cohort Bravo")
        hidden = make_cohort(course, "Cohort Unpublished")
        for cohort in [alpha, bravo, hidden]:
            place_sessions(cohort, timezone.now() - timedelta(days=1))
        CohortPage.objects.filter(pk=hidden.pk).update(live=False)
        author, peer = make_participants(alpha, 2, "alpha")
        (bravo_person,) = make_participants(bravo, 1, "bravo")
        (hidden_person,) = make_participants(hidden, 1, "hidden")
        cls.users = {
            "anonymous": None,
            "outsider": get_user_model().objects.create_user("out@example.fi"),
            "author": author.user,
            "peer": peer.user,
            "other_cohort_participant": bravo_person.user,
            "trainer": make_trainer(alpha, "trainer.alpha@example.fi"),
            "other_cohort_trainer": make_trainer(bravo, "trainer.bravo@example.fi"),
            "coordinator": make_coordinator(),
            "unpublished_cohort_participant": hidden_person.user,
            "page_editor": make_user("editor@example.fi", groups=["Editors"]),
            "commissioner": make_commissioner(),
        }
        commission(course, cls.users["commissioner"])
        experiment_1, experiment_2 = alpha.experiments.order_by("after_session")
        cls.alpha, cls.bravo, cls.hidden = alpha, bravo, hidden
        cls.experiment, cls.experiment_2 = experiment_1, experiment_2
        cls.shared = reflect(author, experiment_1)
        cls.private = reflect(
            author, experiment_2, visibility=Reflection.Visibility.TRAINERS
        )
        cls.draft = reflect(
            peer, experiment_1, status=Reflection.Status.DRAFT, submitted_at=None
        )
        cls.bravo_shared = reflect(bravo_person, bravo.experiments.first())
        cls.hidden_shared = reflect(hidden_person, hidden.experiments.first())

    def url(self, name, *args):
        with translation.override("en"):
            return reverse(f"participant:{name}", args=args)

    def outcome(self, response):
        if response.status_code == 404:
            return HIDDEN
        if response.status_code == 403:
            return REFUSED
        if response.status_code == 401 or (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        ):
            return SIGN_IN
        self.assertIn(response.status_code, {200, 302, 409})
        return OK

    def check(self, expected, request):
        """``expected``: {role: outcome}; ``request(client)`` gives a response."""
        self.assertEqual(set(expected), set(ROLES))
        for role, outcome in expected.items():
            with self.subTest(role=role):
                self.client.logout()
                if self.users[role]:
                    self.client.force_login(self.users[role])
                self.assertEqual(self.outcome(request(self.client)), outcome)

    def expect(self, allowed, anonymous=SIGN_IN):
        return {
            role: OK if role in allowed else HIDDEN
            for role in ROLES
            if role != "anonymous"
        } | {"anonymous": anonymous}

    # The cohort space

    def test_cohort_space_is_for_its_people_and_managers(self):
        allowed = {"author", "peer", "trainer", "coordinator"}
        self.check(
            self.expect(allowed), lambda c: c.get(self.url("cohort", self.alpha.pk))
        )

    def test_an_unpublished_cohorts_space_is_hidden_from_its_participants(self):
        self.check(
            self.expect({"coordinator"}),
            lambda c: c.get(self.url("cohort", self.hidden.pk)),
        )

    def test_a_guessed_cohort_id_is_not_found(self):
        self.check(self.expect(set()), lambda c: c.get(self.url("cohort", 999_999)))

    # One reflection: reading and commenting

    def test_a_shared_reflection_is_read_by_its_cohort_and_managers(self):
        allowed = {"author", "peer", "trainer", "coordinator"}
        page = self.url("shared_reflection", self.shared.pk)
        self.check(self.expect(allowed), lambda c: c.get(page))
        self.check(self.expect(allowed), lambda c: c.post(page, {"text": "Hi"}))
        self.assertEqual(
            set(self.shared.comments.values_list("author__username", flat=True)),
            {self.users[role].username for role in allowed},
        )

    def test_a_private_reflection_is_read_by_its_author_and_managers_only(self):
        allowed = {"author", "trainer", "coordinator"}
        page = self.url("shared_reflection", self.private.pk)
        self.check(self.expect(allowed), lambda c: c.get(page))
        self.check(self.expect(allowed), lambda c: c.post(page, {"text": "Hi"}))
        self.assertFalse(
            self.private.comments.filter(
                author__in=[self.users["peer"], self.users["other_cohort_trainer"]]
            ).exists()
        )

    def test_a_draft_is_its_authors_alone(self):
        page = self.url("shared_reflection", self.draft.pk)
        self.check(self.expect({"peer"}), lambda c: c.get(page))
        self.check(self.expect({"peer"}), lambda c: c.post(page, {"text": "Hi"}))
        self.assertFalse(Comment.objects.filter(reflection=self.draft).exists())

    def test_other_cohorts_reflections_are_not_found_by_guessed_ids(self):
        page = self.url("shared_reflection", self.bravo_shared.pk)
        allowed = {"other_cohort_participant", "other_cohort_trainer", "coordinator"}
        self.check(self.expect(allowed), lambda c: c.get(page))
        self.check(self.expect(allowed), lambda c: c.post(page, {"text": "Hi"}))

    def test_reflections_of_an_unpublished_cohort_are_hidden_from_participants(self):
        page = self.url("shared_reflection", self.hidden_shared.pk)
        allowed = {"coordinator"}
        self.check(self.expect(allowed), lambda c: c.get(page))

    # Writing a reflection

    def test_only_the_cohorts_participants_write_its_reflections(self):
        form = self.url("reflection", self.experiment.pk)
        autosave = self.url("autosave", self.experiment.pk)
        data = {"answer_0": "Mine", "visibility": "trainers", "action": "save"}
        allowed = {"author", "peer"}
        self.check(self.expect(allowed), lambda c: c.get(form))
        self.check(self.expect(allowed), lambda c: c.post(form, data))
        self.check(self.expect(allowed), lambda c: c.post(autosave, data))
        self.assertEqual(
            set(
                Reflection.objects.filter(experiment=self.experiment).values_list(
                    "author__user__username", flat=True
                )
            ),
            {self.users["author"].username, self.users["peer"].username},
        )

    def test_participants_of_an_unpublished_cohort_cannot_write(self):
        experiment = self.hidden.experiments.order_by("after_session").last()
        form = self.url("reflection", experiment.pk)
        self.check(self.expect(set()), lambda c: c.get(form))

    def test_a_guessed_experiment_id_is_not_found(self):
        self.check(self.expect(set()), lambda c: c.get(self.url("reflection", 999_999)))

    # Lists

    def test_my_training_lists_only_the_persons_own_live_cohorts(self):
        expected = {
            "outsider": [],
            "author": ["Cohort Alpha"],
            "other_cohort_participant": ["Cohort Bravo"],
            "trainer": ["Cohort Alpha"],
            "coordinator": [],
            "unpublished_cohort_participant": [],
        }
        for role, titles in expected.items():
            with self.subTest(role=role):
                self.client.force_login(self.users[role])
                response = self.client.get(self.url("my_training"))
                self.assertEqual(
                    [s.cohort.title for s in response.context["summaries"]], titles
                )

    def test_my_training_asks_anonymous_people_to_sign_in(self):
        response = self.client.get(self.url("my_training"))
        self.assertEqual(self.outcome(response), SIGN_IN)

    def test_the_cohort_space_lists_what_each_person_may_read(self):
        expected = {
            "author": {self.shared, self.private},
            "peer": {self.shared},
            "trainer": {self.shared, self.private},
            "coordinator": {self.shared, self.private},
        }
        for role, reflections in expected.items():
            with self.subTest(role=role):
                self.client.force_login(self.users[role])
                response = self.client.get(self.url("cohort", self.alpha.pk))
                self.assertEqual(set(response.context["page_obj"]), reflections)

    def test_a_withdrawn_authors_shared_reflection_leaves_the_cohort_with_them(self):
        # Their peers no longer read it; the trainers still do, and it comes
        # back when they are enrolled again.
        author = Enrollment.objects.get(user=self.users["author"], cohort=self.alpha)
        author.withdraw(by=self.users["coordinator"])
        page = self.url("shared_reflection", self.shared.pk)
        self.check(self.expect({"trainer", "coordinator"}), lambda c: c.get(page))
        self.client.force_login(self.users["peer"])
        response = self.client.get(self.url("cohort", self.alpha.pk))
        self.assertEqual(set(response.context["page_obj"]), set())
        Enrollment.objects.filter(pk=author.pk).update(
            withdrawn_at=None, withdrawn_by=None
        )
        response = self.client.get(self.url("cohort", self.alpha.pk))
        self.assertEqual(set(response.context["page_obj"]), {self.shared})

    def test_one_cohorts_rule_lets_each_person_read_what_the_sites_rule_does(self):
        # visible_in decides once per person what visible_to decides per
        # reflection; a withdrawn author and a withdrawn peer take part too.
        withdrawn_author, withdrawn_peer = make_participants(self.alpha, 2, "withdrawn")
        reflect(withdrawn_author, self.experiment)
        reflect(withdrawn_author, self.experiment_2, status=Reflection.Status.DRAFT)
        Enrollment.objects.filter(
            pk__in=[withdrawn_author.pk, withdrawn_peer.pk]
        ).update(withdrawn_at=timezone.now())
        users = {
            **self.users,
            "anonymous": AnonymousUser(),
            "withdrawn_author": withdrawn_author.user,
            "withdrawn_peer": withdrawn_peer.user,
        }
        for role, user in users.items():
            for cohort in [self.alpha, self.bravo, self.hidden]:
                with self.subTest(role=role, cohort=cohort.title):
                    self.assertEqual(
                        set(Reflection.objects.visible_in(cohort, user)),
                        set(
                            Reflection.objects.visible_to(user).filter(
                                experiment__cohort=cohort
                            )
                        ),
                    )

    def test_the_front_page_lists_only_the_cohorts_a_person_is_in_now(self):
        author = self.users["author"]
        self.client.force_login(author)
        space = f'my/cohorts/{self.alpha.pk}/"'
        self.assertIn(space, self.client.get("/en/").content.decode())
        Enrollment.objects.filter(user=author, cohort=self.alpha).update(
            withdrawn_at=timezone.now()
        )
        self.assertNotIn(space, self.client.get("/en/").content.decode())

    def test_the_cohort_page_links_to_the_space_for_its_people_only(self):
        link = f'my/cohorts/{self.alpha.pk}/"'
        for role, shown in [("author", True), ("other_cohort_participant", False)]:
            with self.subTest(role=role):
                self.client.force_login(self.users[role])
                response = self.client.get(self.alpha.url)
                self.assertEqual(link in response.content.decode(), shown)

    # The experiment library (library app): for everyone signed in, but a
    # story only once its author asked and a trainer approved, and never
    # one of a reflection kept for the trainers or a draft.

    def library_url(self, name, *args):
        with translation.override("en"):
            return reverse(f"library:{name}", args=args)

    def test_the_header_offers_the_library_to_those_it_lets_in(self):
        # A commissioner who takes part in no cohort was offered a link to
        # the library's refusal.
        with translation.override("en"):
            library = reverse("library:index")
        for role, user in self.users.items():
            if user is None:
                continue
            with self.subTest(role=role):
                self.client.force_login(user)
                reads = self.client.get(library).status_code == 200
                page = self.client.get(self.url("my_training")).content.decode()
                self.assertEqual(f'href="{library}"' in page, reads)
        self.client.logout()
        self.assertFalse(
            f'href="{library}"'
            in self.client.get(self.url("my_training")).content.decode()
        )

    def in_library(self, allowed):
        """``expect`` on a library page: a commissioner is told it is not
        theirs, whatever the address, and shown nothing of it."""
        return self.expect(allowed) | {"commissioner": REFUSED}

    def story(self, reflection, approved=True):
        from library.models import Story

        return Story.objects.create(
            reflection=reflection,
            approved_at=timezone.now() if approved else None,
        )

    def test_the_library_is_for_everyone_signed_in_but_commissioners(self):
        # Its stories are reflections with their authors' names: a
        # commissioner reads figures only.
        from library.models import Pattern

        readers = set(ROLES) - {"anonymous", "commissioner"}
        expected = self.in_library(readers)
        self.check(expected, lambda c: c.get(self.library_url("index")))
        pattern = Pattern.objects.create(title="Camera on")
        page = self.library_url("pattern", pattern.pk)
        self.check(expected, lambda c: c.get(page))

    def test_a_commissioner_is_told_where_their_figures_are(self):
        # The header offers the library to everyone signed in.
        story = self.story(self.shared)
        self.client.force_login(self.users["commissioner"])
        with translation.override("fi"):
            url = reverse("library:story", args=[story.pk])
        response = self.client.get(url, headers={"accept-language": "fi"})

        self.assertContains(response, "Tilaajana näet", status_code=403)
        self.assertContains(response, reverse("wagtailadmin_home"), status_code=403)
        self.assertNotContains(response, self.experiment.title, status_code=403)

    def test_an_approved_story_is_read_by_everyone_signed_in_but_commissioners(self):
        story = self.story(self.shared)
        readers = set(ROLES) - {"anonymous", "commissioner"}
        page = self.library_url("story", story.pk)
        self.check(self.in_library(readers), lambda c: c.get(page))
        # Nor do they thank its author (who thanks nobody for their own).
        self.check(self.in_library(readers - {"author"}), lambda c: c.post(page))
        self.assertNotIn(
            self.users["commissioner"], [t.user for t in story.thanks.all()]
        )

    def test_a_commissioner_taking_part_in_a_cohort_reads_the_library(self):
        commissioner = self.users["commissioner"]
        enrol(self.bravo, commissioner.email)
        self.client.force_login(commissioner)
        response = self.client.get(self.library_url("index"))
        self.assertEqual(response.status_code, 200)

    def test_a_withdrawn_author_no_longer_reads_their_story(self):
        """As their own reflections: the cohort is not theirs to read until
        they are enrolled again."""
        story = self.story(self.shared, approved=False)
        page = self.library_url("story", story.pk)
        author = Enrollment.objects.get(user=self.users["author"], cohort=self.alpha)
        author.withdraw(by=self.users["coordinator"])
        self.client.force_login(self.users["author"])
        self.assertEqual(self.client.get(page).status_code, 404)
        Enrollment.objects.filter(pk=author.pk).update(
            withdrawn_at=None, withdrawn_by=None
        )
        self.assertEqual(self.client.get(page).status_code, 200)

    def test_the_author_of_a_story_of_an_unpublished_cohort_no_longer_reads_it(self):
        story = self.story(self.hidden_shared, approved=False)
        self.client.force_login(self.users["unpublished_cohort_participant"])
        response = self.client.get(self.library_url("story", story.pk))
        self.assertEqual(response.status_code, 404)

    def test_a_story_waiting_for_approval_is_its_authors_and_reviewers(self):
        story = self.story(self.shared, approved=False)
        page = self.library_url("story", story.pk)
        self.check(
            self.in_library({"author", "trainer", "coordinator"}),
            lambda c: c.get(page),
        )

    def test_a_private_or_cohort_only_reflection_never_appears_in_the_library(self):
        private = self.story(self.private)  # approved, but kept for the trainers
        for role in set(ROLES) - {"anonymous", "commissioner"}:
            with self.subTest(role=role):
                self.client.force_login(self.users[role])
                response = self.client.get(self.library_url("index"))
                # The shared reflection has no story: it stays in the cohort.
                self.assertEqual(list(response.context["page_obj"]), [])
        page = self.library_url("story", private.pk)
        self.check(self.in_library({"author"}), lambda c: c.get(page))

    def test_only_the_author_publishes_a_reflection_in_the_library(self):
        page = self.library_url("share", self.shared.pk)
        self.check(self.in_library({"author"}), lambda c: c.get(page))
        data = {"publish": "on", "anonymous": "False"}
        self.check(self.in_library({"author"}), lambda c: c.post(page, data))
        draft = self.library_url("share", self.draft.pk)
        self.check(self.in_library(set()), lambda c: c.get(draft))

    def test_only_the_cohorts_participants_choose_its_experiments(self):
        self.alpha.experiments.filter(pk=self.experiment.pk).update(own=True)
        page = self.url("choose", self.alpha.pk, self.experiment.after_session)
        self.check(self.expect({"author", "peer"}), lambda c: c.get(page))
        hidden = self.url("choose", self.hidden.pk, 1)
        self.check(self.expect(set()), lambda c: c.get(hidden))
