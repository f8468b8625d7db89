"""Who sees and changes which cohort in the admin.

Coordinators see and edit every cohort; a trainer sees and edits only the
cohorts they train, with their people and reflections. Each check goes
through the admin's own URLs for a trainer of each cohort in turn.
"""

import io
from importlib import import_module
from unittest import mock
from urllib.parse import urlencode

import openpyxl
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from wagtail.models import GroupPagePermission, Page, Site
from wagtail.test.utils import WagtailTestUtils

from assignments.models import Reflection
from cohorts.enrolment import enrol
from cohorts.models import CohortPage, Enrollment
from cohorts.permissions import (
    out_of_step_cohorts,
    resync_trainer_access,
    sync_trainer_access,
)
from courses.permissions import COORDINATORS, TRAINERS
from privacy.permissions import PRIVACY_OFFICERS

from .factories import (
    course_index,
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
)
from .test_local_formats import csv_rows
from .test_statements import make_statements

PERMISSION_DENIED = "Sorry, you do not have permission to access this area."
ENROLMENTS = "/admin/training/enrolments/"
REFLECTIONS = "/admin/training/reflections/"
#: Where the answers are in a reflection export: the last of its columns.
ANSWERS_COLUMN = -1
#: Where the email address is in an enrolment export: after the name.
EMAIL_COLUMN = 1
#: Where the organisation is in an enrolment export: after the role.
ORGANISATION_COLUMN = 3


def reflect(enrollment, answer):
    return Reflection.objects.create(
        author=enrollment,
        experiment=enrollment.cohort.experiments.first(),
        answers=[{"prompt": "What did you try?", "answer": answer}],
        status=Reflection.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )


class PermissionTestCase(WagtailTestUtils, TestCase):
    """A course with cohorts Alpha and Bravo, a trainer of each, a
    coordinator, and participants with a reflection in each cohort."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        alpha = make_cohort(cls.course, "Cohort Alpha")
        bravo = make_cohort(cls.course, "Cohort Bravo")
        cls.trainer_a = make_trainer(alpha, "trainer.alpha@example.fi")
        cls.trainer_b = make_trainer(bravo, "trainer.bravo@example.fi")
        cls.coordinator = make_coordinator()
        cls.people_a = make_participants(alpha, 3, "alpha", "Alpha office")
        cls.people_b = make_participants(bravo, 3, "bravo", "Bravo office")
        cls.participant_a = cls.people_a[0].user
        cls.reflection_a = reflect(cls.people_a[0], "Alpha tried a shared agenda.")
        cls.reflection_b = reflect(cls.people_b[0], "Bravo tried silent meetings.")
        # Enrolling trainers set each cohort's trainer group behind these objects.
        cls.alpha = CohortPage.objects.get(pk=alpha.pk)
        cls.bravo = CohortPage.objects.get(pk=bravo.pk)
        #: Each trainer with their own cohort and the other one.
        cls.trainers = [
            (cls.trainer_a, cls.alpha, cls.bravo),
            (cls.trainer_b, cls.bravo, cls.alpha),
        ]

    def login(self, user):
        client = Client()
        client.force_login(user)
        return client

    def rows(self, response):
        """The text of each row of a listing."""
        self.assertEqual(response.status_code, 200)
        soup = self.get_soup(response.content)
        return [
            " ".join(row.get_text(" ", strip=True).split())
            for row in soup.select("table.listing tbody tr")
        ]

    def exported_rows(self, response, export_format):
        """The data rows of a CSV or XLSX export, without the heading."""
        self.assertEqual(response.status_code, 200)
        content = response.getvalue()
        if export_format == "csv":
            rows = csv_rows(content)
        else:
            sheet = openpyxl.load_workbook(io.BytesIO(content)).active
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        return rows[1:]

    def emails(self, *cohorts):
        return set(
            Enrollment.objects.filter(cohort__in=cohorts).values_list(
                "user__email", flat=True
            )
        )

    def assertPermissionDenied(self, response):
        """Wagtail sends the user to the dashboard with an error message."""
        self.assertRedirects(
            response, reverse("wagtailadmin_home"), fetch_redirect_response=False
        )
        request = response.wsgi_request
        # Wagtail words it in the request's language, not the user's own.
        with translation.override(request.LANGUAGE_CODE):
            expected = gettext(PERMISSION_DENIED)
        messages = [str(message).strip() for message in get_messages(request)]
        self.assertIn(expected, messages)

    def assertSentToLogin(self, response, url):
        expected = reverse("wagtailadmin_login") + "?" + urlencode({"next": url})
        self.assertRedirects(response, expected, fetch_redirect_response=False)


PRIVACY_OFFICER_PERMISSIONS = {
    "privacy.add_dataexport",
    "privacy.view_dataexport",
    "privacy.delete_dataexport",
    "privacy.add_erasurerequest",
    "privacy.change_erasurerequest",
    "privacy.view_erasurerequest",
    "privacy.view_accesslogentry",
    "privacy.change_accessibilityfeedback",
    "privacy.view_accessibilityfeedback",
}


class RoleGroupTest(PermissionTestCase):
    def permissions(self, group):
        return {
            f"{permission.content_type.app_label}.{permission.codename}"
            for permission in group.permissions.select_related("content_type")
        }

    def page_permissions(self, group):
        return set(
            GroupPagePermission.objects.filter(group=group).values_list(
                "page_id", "permission__codename"
            )
        )

    def test_coordinators_group_holds_exactly_the_model_permissions_they_need(self):
        self.assertEqual(
            self.permissions(Group.objects.get(name=COORDINATORS)),
            {
                "wagtailadmin.access_admin",
                "cohorts.add_enrollment",
                "cohorts.change_enrollment",
                "cohorts.delete_enrollment",
                "cohorts.view_enrollment",
                "assignments.view_reflection",
                "outbox.view_outgoingemail",
                "cohorts.add_attendance",
                "cohorts.change_attendance",
                "cohorts.view_attendance",
                "assignments.add_comment",
                "assignments.view_comment",
                # The experiment library's patterns and themes.
                *(
                    f"library.{action}_{model}"
                    for model in ("pattern", "theme")
                    for action in ("add", "change", "delete", "view")
                ),
                "cohorts.change_retentionreview",
                "cohorts.view_retentionreview",
                *PRIVACY_OFFICER_PERMISSIONS,
            },
        )

    def test_privacy_officers_group_holds_exactly_the_permissions_they_need(self):
        self.assertEqual(
            self.permissions(Group.objects.get(name=PRIVACY_OFFICERS)),
            {"wagtailadmin.access_admin", *PRIVACY_OFFICER_PERMISSIONS},
        )

    def test_trainers_group_holds_exactly_the_model_permissions_they_need(self):
        self.assertEqual(
            self.permissions(Group.objects.get(name=TRAINERS)),
            {
                "wagtailadmin.access_admin",
                "cohorts.view_enrollment",
                "assignments.view_reflection",
                "cohorts.add_attendance",
                "cohorts.change_attendance",
                "cohorts.view_attendance",
                "assignments.add_comment",
                "assignments.view_comment",
            },
        )

    def test_coordinators_hold_their_page_permissions_on_the_course_index(self):
        index = course_index()
        self.assertEqual(
            self.page_permissions(Group.objects.get(name=COORDINATORS)),
            {
                (index.pk, "add_page"),
                (index.pk, "change_page"),
                (index.pk, "publish_page"),
                (index.pk, "delete_page"),
            },
        )

    def test_trainers_group_holds_no_page_permissions(self):
        self.assertEqual(self.page_permissions(Group.objects.get(name=TRAINERS)), set())

    def test_each_cohort_group_lets_exactly_its_trainers_change_that_cohort(self):
        for trainer, own, _other in self.trainers:
            with self.subTest(cohort=own.title):
                group = own.trainer_group
                self.assertEqual(self.permissions(group), set())
                self.assertEqual(
                    self.page_permissions(group), {(own.pk, "change_page")}
                )
                self.assertEqual(list(group.user_set.all()), [trainer])
                self.assertEqual(
                    set(trainer.groups.values_list("name", flat=True)),
                    {TRAINERS, group.name},
                )


class TrainerCohortPageTest(PermissionTestCase):
    def test_cohort_listing_shows_the_trainers_own_cohort_only(self):
        for trainer, own, other in self.trainers:
            with self.subTest(trainer=trainer.email):
                rows = self.rows(self.login(trainer).get("/admin/cohorts/"))
                self.assertEqual(len(rows), 1)
                self.assertIn(own.title, rows[0])
                self.assertNotIn(other.title, rows[0])

    def test_course_explorer_sends_a_trainer_of_one_cohort_to_that_cohort(self):
        response = self.login(self.trainer_a).get(f"/admin/pages/{self.course.pk}/")
        self.assertRedirects(
            response, f"/admin/pages/{self.alpha.pk}/", fetch_redirect_response=False
        )

    def test_course_explorer_lists_the_cohorts_a_trainer_trains_and_no_other(self):
        charlie = make_cohort(self.course, "Cohort Charlie")
        make_trainer(charlie, self.trainer_a.email)
        response = self.login(self.trainer_a).get(f"/admin/pages/{self.course.pk}/")
        rows = self.rows(response)
        self.assertEqual(len(rows), 2)
        self.assertTrue(any("Cohort Alpha" in row for row in rows))
        self.assertTrue(any("Cohort Charlie" in row for row in rows))
        self.assertFalse(any("Cohort Bravo" in row for row in rows))

    def test_page_searches_find_the_trainers_cohort_and_not_others(self):
        searches = [
            "/admin/cohorts/?q=Cohort",
            f"/admin/pages/{self.alpha.pk}/?q=Cohort&search_all=1",
            "/admin/pages/search/?q=Cohort",
        ]
        for url in searches:
            with self.subTest(url=url):
                titles = " | ".join(self.rows(self.login(self.trainer_a).get(url)))
                self.assertIn("Cohort Alpha", titles)
                self.assertNotIn("Cohort Bravo", titles)
                # The same search finds both cohorts for a coordinator.
                titles = " | ".join(self.rows(self.login(self.coordinator).get(url)))
                self.assertIn("Cohort Bravo", titles)

    def test_trainer_can_open_their_own_cohort_for_editing(self):
        for trainer, own, _other in self.trainers:
            with self.subTest(trainer=trainer.email):
                response = self.login(trainer).get(f"/admin/pages/{own.pk}/edit/")
                self.assertEqual(response.status_code, 200)

    def test_trainer_is_denied_every_view_of_another_cohort_page(self):
        for trainer, _own, other in self.trainers:
            client = self.login(trainer)
            for action in ["edit", "history", "view_draft", "delete", "copy", "move"]:
                with self.subTest(trainer=trainer.email, action=action):
                    response = client.get(f"/admin/pages/{other.pk}/{action}/")
                    self.assertPermissionDenied(response)

    def test_trainer_exploring_another_cohort_is_sent_to_their_own(self):
        response = self.login(self.trainer_a).get(f"/admin/pages/{self.bravo.pk}/")
        self.assertRedirects(
            response, f"/admin/pages/{self.alpha.pk}/", fetch_redirect_response=False
        )

    def test_trainer_cannot_edit_the_course_page(self):
        response = self.login(self.trainer_a).get(
            f"/admin/pages/{self.course.pk}/edit/"
        )
        self.assertPermissionDenied(response)

    def test_trainer_cannot_add_a_cohort(self):
        client = self.login(self.trainer_a)
        url = f"/admin/pages/add/cohorts/cohortpage/{self.course.pk}/"
        self.assertPermissionDenied(client.get(url))
        self.assertPermissionDenied(client.post(url, {"title": "Cohort Delta"}))
        self.assertFalse(CohortPage.objects.filter(title="Cohort Delta").exists())


class TrainerPageChooserTest(PermissionTestCase):
    """What a trainer is shown when choosing a page (a link in their
    cohort's text): their own course and cohort, and the site's public
    pages, never another cohort or another organisation's course."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.other_course = make_course("Another organisation's course")
        cls.other_cohort = make_cohort(cls.other_course, "Their cohort")

    def chooser_text(self, user, url):
        response = self.login(user).get(url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_chooser_lists_a_trainer_their_own_cohort_and_no_other(self):
        browse = reverse("wagtailadmin_choose_page_child", args=[self.course.pk])
        text = self.chooser_text(self.trainer_a, browse)
        self.assertIn("Cohort Alpha", text)
        self.assertNotIn("Cohort Bravo", text)
        text = self.chooser_text(self.coordinator, browse)
        self.assertIn("Cohort Bravo", text)

    def test_the_chooser_names_no_other_organisations_course_to_a_trainer(self):
        index = reverse("wagtailadmin_choose_page_child", args=[course_index().pk])
        text = self.chooser_text(self.trainer_a, index)
        self.assertIn(self.course.title, text)
        self.assertNotIn("Another organisation", text)
        self.assertIn(
            "Another organisation", self.chooser_text(self.coordinator, index)
        )

    def test_the_chooser_search_finds_a_trainer_their_own_cohort_only(self):
        search = reverse("wagtailadmin_choose_page_search") + "?q=cohort"
        text = self.chooser_text(self.trainer_a, search)
        self.assertIn("Cohort Alpha", text)
        self.assertNotIn("Cohort Bravo", text)
        self.assertNotIn("Their cohort", text)
        self.assertIn("Their cohort", self.chooser_text(self.coordinator, search))

    def test_the_chooser_finds_a_trainer_the_sites_public_pages(self):
        # What a link in a cohort's text legitimately points to.
        make_statements()
        search = reverse("wagtailadmin_choose_page_search") + "?q=privacy"
        home = Site.objects.get(is_default_site=True).root_page
        browse = reverse("wagtailadmin_choose_page_child", args=[home.pk])
        for url in [search, browse]:
            with self.subTest(url=url):
                self.assertIn("Privacy", self.chooser_text(self.trainer_a, url))

    def test_browsing_another_cohort_in_the_chooser_names_it_to_no_trainer(self):
        # The browse view heads its listing with the page in its address:
        # the chooser opens at the top instead.
        client = self.login(self.trainer_a)
        for page in [self.bravo, self.other_cohort, self.other_course]:
            url = reverse("wagtailadmin_choose_page_child", args=[page.pk])
            with self.subTest(page=page.title):
                response = client.get(url + "?page_type=wagtailcore.page")
                self.assertRedirects(
                    response,
                    reverse("wagtailadmin_choose_page") + "?page_type=wagtailcore.page",
                    fetch_redirect_response=False,
                )
                response = client.get(url, follow=True)
                self.assertNotContains(response, page.title)

    def test_choosing_where_to_add_a_page_names_no_hidden_page(self):
        # Wagtail's "no permission to create a page under …" named any page
        # whose id was posted.
        client = self.login(self.trainer_a)
        for name in ["cohorts:choose_parent", "courses:choose_parent"]:
            for page in [self.other_course, self.other_cohort, self.bravo]:
                with self.subTest(view=name, page=page.title):
                    response = client.post(reverse(name), {"parent_page": page.pk})
                    self.assertNotContains(response, page.title)
        # A coordinator still chooses any course.
        response = self.login(self.coordinator).post(
            reverse("cohorts:choose_parent"), {"parent_page": self.other_course.pk}
        )
        self.assertEqual(response.status_code, 302)

    def test_the_chooser_shows_a_coordinator_the_sites_draft_pages(self):
        # Coordinators edit the course index only; other pages are shown
        # to them as Wagtail shows them, drafts too.
        home = Site.objects.get(is_default_site=True).root_page
        home.add_child(instance=Page(title="Zdraft news", live=False))
        search = reverse("wagtailadmin_choose_page_search") + "?q=Zdraft"
        self.assertIn("Zdraft news", self.chooser_text(self.coordinator, search))

    def test_the_chooser_leaves_anonymous_visitors_to_the_sign_in(self):
        chosen = reverse("wagtailadmin_choose_page_chosen_multiple")
        for page_id in [self.bravo.pk, 999999]:
            with self.subTest(page_id=page_id):
                response = Client().get(f"{chosen}?id={page_id}")
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("wagtailadmin_login"), response["Location"])

    def test_confirming_a_chosen_page_names_no_page_the_chooser_hides(self):
        # The chooser's "Confirm selection" answers with each page's title
        # and address, for whatever ids the address holds.
        chosen = reverse("wagtailadmin_choose_page_chosen_multiple")
        response = self.login(self.trainer_a).get(f"{chosen}?id={self.alpha.pk}")
        self.assertContains(response, "Cohort Alpha")
        for page in [self.bravo, self.other_cohort, self.other_course]:
            url = f"{chosen}?id={self.alpha.pk}&id={page.pk}"
            with self.subTest(page=page.title):
                response = self.login(self.trainer_a).get(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, page.title, status_code=404)
        url = f"{chosen}?id={self.other_cohort.pk}"
        self.assertContains(self.login(self.coordinator).get(url), "Their cohort")


class EnrolmentAddressTest(PermissionTestCase):
    """A new address moves a place in a cohort, with what its person wrote,
    to a new account: never to an account someone else has."""

    def edit(self, enrolment, email):
        return self.login(self.coordinator).post(
            reverse("enrollments:edit", args=[enrolment.pk]),
            {
                "cohort": enrolment.cohort_id,
                "email": email,
                "first_name": "",
                "last_name": "",
                "role": "participant",
                "organisation": "",
            },
        )

    def test_another_persons_address_is_refused(self):
        author = self.people_a[0]
        for owner in (self.people_b[1].user, self.coordinator):
            with self.subTest(owner=owner.email):
                response = self.edit(author, owner.email.upper())
                self.assertContains(response, "Another account has this address.")
        author.refresh_from_db()
        self.assertEqual(author.user, self.participant_a)
        response = self.login(self.people_b[1].user).get(
            reverse("participant:reflection", args=[self.reflection_a.experiment_id])
        )
        self.assertEqual(response.status_code, 404)

    def test_an_edit_that_keeps_the_address_keeps_the_account(self):
        """Even where an older account has the same address (accounts made
        before addresses were unique), the place stays with its own."""
        author = self.people_a[0]
        older = get_user_model().objects.create_user(
            "older", email=self.participant_a.email.upper()
        )
        # Older: a smaller id, so that a lookup by address finds it first.
        get_user_model().objects.filter(pk=older.pk).update(id=-1)
        response = self.edit(author, self.participant_a.email)
        self.assertEqual(response.status_code, 302)
        author.refresh_from_db()
        self.assertEqual(author.user, self.participant_a)

    def test_a_new_address_moves_the_place_to_a_new_account(self):
        author = self.people_a[0]
        response = self.edit(author, "alpha.new@example.fi")
        self.assertEqual(response.status_code, 302)
        author.refresh_from_db()
        self.assertEqual(author.user.email, "alpha.new@example.fi")
        self.assertEqual(author.reflections.get(), self.reflection_a)


class TrainerEnrolmentTest(PermissionTestCase):
    def test_enrolment_listing_shows_only_the_trainers_own_cohort(self):
        for trainer, own, _other in self.trainers:
            with self.subTest(trainer=trainer.email):
                rows = self.rows(self.login(trainer).get(ENROLMENTS))
                listed = {
                    email for row in rows for email in row.split() if "@" in email
                }
                self.assertEqual(listed, self.emails(own))

    def test_enrolment_exports_contain_only_the_trainers_own_cohort(self):
        for trainer, own, _other in self.trainers:
            for export_format in ["csv", "xlsx"]:
                with self.subTest(trainer=trainer.email, format=export_format):
                    response = self.login(trainer).get(
                        ENROLMENTS, {"export": export_format}
                    )
                    rows = self.exported_rows(response, export_format)
                    exported = {row[EMAIL_COLUMN] for row in rows}
                    self.assertEqual(exported, self.emails(own))

    def test_filtering_or_searching_enrolments_does_not_reach_another_cohort(self):
        client = self.login(self.trainer_a)
        for query in [{"cohort": self.bravo.pk}, {"q": "bravo"}]:
            with self.subTest(query=query):
                rows = self.rows(client.get(ENROLMENTS, query))
                self.assertFalse([row for row in rows if "bravo" in row.lower()])
                exported = self.exported_rows(
                    client.get(ENROLMENTS, {**query, "export": "csv"}), "csv"
                )
                self.assertFalse(
                    [row for row in exported if "bravo" in str(row).lower()]
                )

    def test_trainer_can_inspect_an_enrolment_in_their_own_cohort(self):
        enrolment = self.people_a[1]
        response = self.login(self.trainer_a).get(
            f"{ENROLMENTS}inspect/{enrolment.pk}/"
        )
        self.assertContains(response, enrolment.user.email)

    def test_guessed_urls_to_another_cohorts_enrolment_are_not_found(self):
        enrolment = self.people_b[1]
        client = self.login(self.trainer_a)
        for action in ["inspect", "delete"]:
            with self.subTest(action=action):
                response = client.get(f"{ENROLMENTS}{action}/{enrolment.pk}/")
                self.assertEqual(response.status_code, 404)
        response = client.post(f"{ENROLMENTS}delete/{enrolment.pk}/")
        self.assertEqual(response.status_code, 404)
        self.assertTrue(Enrollment.objects.filter(pk=enrolment.pk).exists())

    def test_guessed_urls_to_change_another_cohorts_enrolment_are_denied(self):
        # Trainers may change no enrolment at all, so these stop before the lookup.
        enrolment = self.people_b[1]
        client = self.login(self.trainer_a)
        for action in ["edit", "copy", "history", "usage"]:
            with self.subTest(action=action):
                response = client.get(f"{ENROLMENTS}{action}/{enrolment.pk}/")
                self.assertPermissionDenied(response)

    def test_trainer_cannot_add_change_or_delete_enrolments(self):
        client = self.login(self.trainer_a)
        own = self.people_a[1]
        for url in [
            f"{ENROLMENTS}new/",
            f"{ENROLMENTS}import/",
            f"{ENROLMENTS}edit/{own.pk}/",
            f"{ENROLMENTS}delete/{own.pk}/",
        ]:
            with self.subTest(url=url):
                self.assertPermissionDenied(client.get(url))
        response = client.post(
            f"{ENROLMENTS}new/",
            {
                "cohort": self.alpha.pk,
                "role": Enrollment.Role.TRAINER,
                "email": "friend@example.fi",
            },
        )
        self.assertPermissionDenied(response)
        self.assertFalse(Enrollment.objects.filter(user__email="friend@example.fi"))


class TrainerOutboxTest(PermissionTestCase):
    def test_only_coordinators_can_open_the_email_outbox(self):
        # Every cohort's people are in the outbox, so trainers get none of it.
        url = "/admin/training/outbox/"
        self.assertPermissionDenied(self.login(self.trainer_a).get(url))
        self.assertEqual(self.login(self.coordinator).get(url).status_code, 200)


class TrainerReflectionTest(PermissionTestCase):
    def test_a_draft_stays_with_its_author_until_submitted(self):
        draft = Reflection.objects.create(
            author=self.people_a[1],
            experiment=self.alpha.experiments.first(),
            answers=[{"prompt": "What did you try?", "answer": "Half a thought"}],
        )
        for user in [self.trainer_a, self.coordinator]:
            with self.subTest(user=user.email):
                client = self.login(user)
                self.assertNotIn(
                    "Half a thought",
                    client.get(REFLECTIONS, {"export": "csv"}).getvalue().decode(),
                )
                response = client.get(f"{REFLECTIONS}inspect/{draft.pk}/")
                self.assertEqual(response.status_code, 404)

    def test_reflection_listing_shows_only_the_trainers_own_cohort(self):
        for trainer, own, other in self.trainers:
            with self.subTest(trainer=trainer.email):
                rows = self.rows(self.login(trainer).get(REFLECTIONS))
                self.assertEqual(len(rows), 1)
                self.assertIn(own.title, rows[0])
                self.assertNotIn(other.title, rows[0])

    def test_reflection_exports_contain_only_the_trainers_own_cohort(self):
        for trainer, own, _other in self.trainers:
            for export_format in ["csv", "xlsx"]:
                with self.subTest(trainer=trainer.email, format=export_format):
                    response = self.login(trainer).get(
                        REFLECTIONS, {"export": export_format}
                    )
                    rows = self.exported_rows(response, export_format)
                    own_reflection = Reflection.objects.get(experiment__cohort=own)
                    self.assertEqual(
                        [row[ANSWERS_COLUMN] for row in rows], [own_reflection.text]
                    )

    def test_filtering_reflections_by_another_cohort_shows_nothing(self):
        client = self.login(self.trainer_a)
        rows = self.rows(client.get(REFLECTIONS, {"cohort": self.bravo.pk}))
        self.assertFalse([row for row in rows if "bravo" in row.lower()])

    def test_trainer_can_read_a_reflection_of_their_own_cohort(self):
        response = self.login(self.trainer_a).get(
            f"{REFLECTIONS}inspect/{self.reflection_a.pk}/"
        )
        self.assertContains(response, "Alpha tried a shared agenda.")

    def test_guessed_urls_to_another_cohorts_reflection_are_not_found(self):
        client = self.login(self.trainer_a)
        for action in ["inspect", "delete"]:
            with self.subTest(action=action):
                response = client.get(f"{REFLECTIONS}{action}/{self.reflection_b.pk}/")
                self.assertEqual(response.status_code, 404)

    def test_trainer_cannot_change_or_delete_reflections(self):
        client = self.login(self.trainer_a)
        for url in [
            f"{REFLECTIONS}edit/{self.reflection_a.pk}/",
            f"{REFLECTIONS}delete/{self.reflection_a.pk}/",
            f"{REFLECTIONS}edit/{self.reflection_b.pk}/",
            f"{REFLECTIONS}history/{self.reflection_b.pk}/",
        ]:
            with self.subTest(url=url):
                self.assertPermissionDenied(client.get(url))


class ExportFormulaTest(PermissionTestCase):
    """Text that people typed comes out of the enrolment and reflection
    exports as text, never as a spreadsheet formula."""

    FORMULA = '=HYPERLINK("http://evil.example","Open")'

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Enrollment.objects.filter(pk=cls.people_a[0].pk).update(organisation="=1+2")
        cls.reflection_a.answers = [{"prompt": "", "answer": cls.FORMULA}]
        cls.reflection_a.save()

    def export(self, url, export_format):
        response = self.login(self.trainer_a).get(url, {"export": export_format})
        self.assertEqual(response.status_code, 200)
        return response.getvalue()

    def test_csv_exports_turn_formulas_into_text(self):
        organisations = [
            row[ORGANISATION_COLUMN] for row in csv_rows(self.export(ENROLMENTS, "csv"))
        ]
        self.assertIn("'=1+2", organisations)
        self.assertNotIn("=1+2", organisations)
        answers = [
            row[ANSWERS_COLUMN] for row in csv_rows(self.export(REFLECTIONS, "csv"))
        ]
        self.assertEqual(answers[1:], ["'" + self.FORMULA])

    def test_xlsx_exports_keep_formula_like_text_as_text(self):
        for url, column, value in [
            (ENROLMENTS, ORGANISATION_COLUMN, "=1+2"),
            (REFLECTIONS, ANSWERS_COLUMN, self.FORMULA),
        ]:
            with self.subTest(url=url):
                sheet = openpyxl.load_workbook(
                    io.BytesIO(self.export(url, "xlsx"))
                ).active
                cells = [row[column] for row in sheet.iter_rows(min_row=2)]
                [cell] = [cell for cell in cells if cell.value == value]
                self.assertEqual(cell.data_type, "s")


class SiteHistoryTest(PermissionTestCase):
    def test_site_history_does_not_name_people_of_another_cohort(self):
        response = self.login(self.coordinator).post(
            f"{ENROLMENTS}new/",
            {
                "cohort": self.bravo.pk,
                "role": Enrollment.Role.PARTICIPANT,
                "email": "late.bravo@example.fi",
                "first_name": "Lotta",
                "last_name": "Latecomer",
            },
        )
        self.assertRedirects(response, ENROLMENTS, fetch_redirect_response=False)
        client = self.login(self.trainer_a)
        rows = self.rows(client.get("/admin/reports/site-history/"))
        # The publishing of their own cohort is there; nothing of Bravo is.
        self.assertTrue(any("Cohort Alpha" in row for row in rows))
        self.assertFalse(any("Bravo" in row or "Latecomer" in row for row in rows))
        exported = self.exported_rows(
            client.get("/admin/reports/site-history/", {"export": "csv"}), "csv"
        )
        self.assertFalse(any("Latecomer" in cell for row in exported for cell in row))


class CoordinatorTest(PermissionTestCase):
    def test_coordinator_sees_every_cohort_in_the_listing_and_the_explorer(self):
        client = self.login(self.coordinator)
        for url in ["/admin/cohorts/", f"/admin/pages/{self.course.pk}/"]:
            with self.subTest(url=url):
                titles = " | ".join(self.rows(client.get(url)))
                self.assertIn("Cohort Alpha", titles)
                self.assertIn("Cohort Bravo", titles)

    def test_coordinator_can_edit_every_cohort_and_add_one(self):
        client = self.login(self.coordinator)
        for cohort in [self.alpha, self.bravo]:
            with self.subTest(cohort=cohort.title):
                response = client.get(f"/admin/pages/{cohort.pk}/edit/")
                self.assertEqual(response.status_code, 200)
        response = client.get(f"/admin/pages/add/cohorts/cohortpage/{self.course.pk}/")
        self.assertEqual(response.status_code, 200)

    def test_coordinator_sees_and_exports_the_people_of_every_cohort(self):
        client = self.login(self.coordinator)
        everyone = self.emails(self.alpha, self.bravo)
        rows = self.rows(client.get(ENROLMENTS))
        listed = {email for row in rows for email in row.split() if "@" in email}
        self.assertEqual(listed, everyone)
        for export_format in ["csv", "xlsx"]:
            with self.subTest(format=export_format):
                response = client.get(ENROLMENTS, {"export": export_format})
                rows = self.exported_rows(response, export_format)
                self.assertEqual({row[EMAIL_COLUMN] for row in rows}, everyone)

    def test_coordinator_sees_exports_and_reads_every_reflection(self):
        client = self.login(self.coordinator)
        self.assertEqual(len(self.rows(client.get(REFLECTIONS))), 2)
        for export_format in ["csv", "xlsx"]:
            with self.subTest(format=export_format):
                response = client.get(REFLECTIONS, {"export": export_format})
                rows = self.exported_rows(response, export_format)
                self.assertEqual(
                    {row[ANSWERS_COLUMN] for row in rows},
                    {self.reflection_a.text, self.reflection_b.text},
                )
        for reflection in [self.reflection_a, self.reflection_b]:
            with self.subTest(reflection=reflection.pk):
                response = client.get(f"{REFLECTIONS}inspect/{reflection.pk}/")
                self.assertContains(response, reflection.answers[0]["answer"])


class NoAdminAccessTest(PermissionTestCase):
    urls = [
        "/admin/",
        "/admin/cohorts/",
        ENROLMENTS + "?export=csv",
        REFLECTIONS,
    ]

    def test_participant_is_sent_to_the_login_page_from_the_admin(self):
        client = self.login(self.participant_a)
        for url in [*self.urls, f"/admin/pages/{self.alpha.pk}/edit/"]:
            with self.subTest(url=url):
                self.assertSentToLogin(client.get(url), url)

    def test_inactive_user_loses_all_admin_access(self):
        for user in [self.trainer_a, self.coordinator]:
            client = self.login(user)
            self.assertEqual(client.get(ENROLMENTS).status_code, 200)
            user.is_active = False
            user.save(update_fields=["is_active"])
            for url in [*self.urls, f"/admin/pages/{self.alpha.pk}/edit/"]:
                with self.subTest(user=user.email, url=url):
                    self.assertSentToLogin(client.get(url), url)


class TrainerAccessFollowsEnrolmentTest(PermissionTestCase):
    def edit_alpha(self, client):
        return client.get(f"/admin/pages/{self.alpha.pk}/edit/")

    def trainer_enrolment(self):
        return Enrollment.objects.get(cohort=self.alpha, user=self.trainer_a)

    def test_making_a_trainer_a_participant_removes_their_access_to_the_cohort(self):
        trainer = self.login(self.trainer_a)
        self.assertEqual(self.edit_alpha(trainer).status_code, 200)
        response = self.login(self.coordinator).post(
            f"{ENROLMENTS}edit/{self.trainer_enrolment().pk}/",
            {
                "cohort": self.alpha.pk,
                "role": Enrollment.Role.PARTICIPANT,
                "organisation": "",
                "email": self.trainer_a.email,
                "first_name": self.trainer_a.first_name,
                "last_name": self.trainer_a.last_name,
            },
        )
        self.assertRedirects(response, ENROLMENTS, fetch_redirect_response=False)
        self.assertLeftTheAdmin(trainer)

    def test_deleting_a_trainers_enrolment_removes_their_access_to_the_cohort(self):
        trainer = self.login(self.trainer_a)
        self.assertEqual(self.edit_alpha(trainer).status_code, 200)
        response = self.login(self.coordinator).post(
            f"{ENROLMENTS}delete/{self.trainer_enrolment().pk}/"
        )
        self.assertRedirects(response, ENROLMENTS, fetch_redirect_response=False)
        self.assertLeftTheAdmin(trainer)
        self.assertFalse(self.alpha.trainer_group.user_set.exists())

    def test_trainer_of_two_cohorts_demoted_in_one_keeps_the_other(self):
        charlie = make_cohort(self.course, "Cohort Charlie")
        enrol(charlie, self.trainer_a.email, role=Enrollment.Role.TRAINER)
        self.trainer_enrolment().delete()
        trainer = self.login(self.trainer_a)
        self.assertPermissionDenied(self.edit_alpha(trainer))
        response = trainer.get(f"/admin/pages/{charlie.pk}/edit/")
        self.assertEqual(response.status_code, 200)

    def test_the_hourly_job_brings_access_changed_in_bulk_back_in_step(self):
        """An update() sends no signal: the job finds the cohorts whose
        trainer group differs from their trainers, and only those."""
        self.assertEqual(list(out_of_step_cohorts()), [])
        trainer = self.login(self.trainer_a)
        Enrollment.objects.filter(pk=self.trainer_enrolment().pk).update(
            withdrawn_at=timezone.now()
        )
        newcomer = self.people_b[1]
        Enrollment.objects.filter(pk=newcomer.pk).update(role=Enrollment.Role.TRAINER)
        self.assertEqual(set(out_of_step_cohorts()), {self.alpha, self.bravo})
        self.assertEqual(resync_trainer_access(), 2)
        self.assertLeftTheAdmin(trainer)
        response = self.login(newcomer.user).get(f"/admin/pages/{self.bravo.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(out_of_step_cohorts()), [])
        self.assertEqual(resync_trainer_access(), 0)

    def test_a_group_once_unlinked_is_linked_again(self):
        """Publishing an older revision used to unlink a cohort's group,
        which still gave its members edit access. The migration links it
        again, and the job then takes out whoever no longer trains there."""
        group = self.alpha.trainer_group
        CohortPage.objects.filter(pk=self.alpha.pk).update(trainer_group=None)
        Enrollment.objects.filter(pk=self.trainer_enrolment().pk).update(
            withdrawn_at=timezone.now()
        )
        trainer = self.login(self.trainer_a)
        self.assertEqual(self.edit_alpha(trainer).status_code, 200)  # the harm
        relink = import_module("cohorts.migrations.0011_relink_trainer_groups")
        relink.relink_trainer_groups(django_apps, None)
        self.assertEqual(CohortPage.objects.get(pk=self.alpha.pk).trainer_group, group)
        self.assertEqual(resync_trainer_access(), 1)
        self.assertLeftTheAdmin(trainer)
        # Unlinked while its trainer stays: the job finds the group itself.
        enrol(self.alpha, self.trainer_a.email, role=Enrollment.Role.TRAINER)
        CohortPage.objects.filter(pk=self.alpha.pk).update(trainer_group=None)
        self.assertEqual(resync_trainer_access(), 1)
        self.assertEqual(CohortPage.objects.get(pk=self.alpha.pk).trainer_group, group)
        self.assertEqual(self.edit_alpha(self.login(self.trainer_a)).status_code, 200)

    def test_a_cohort_the_job_cannot_sync_stops_no_other(self):
        for cohort in (self.alpha, self.bravo):
            Enrollment.objects.filter(
                cohort=cohort, role=Enrollment.Role.TRAINER
            ).update(withdrawn_at=timezone.now())
        real = sync_trainer_access

        def sync(cohort):
            if cohort.pk == self.alpha.pk:
                raise RuntimeError("the database went away")
            real(cohort)

        with (
            mock.patch("cohorts.permissions.sync_trainer_access", sync),
            self.assertLogs("cohorts.permissions", "ERROR"),
        ):
            self.assertEqual(resync_trainer_access(), 1)
        self.assertEqual(list(out_of_step_cohorts()), [self.alpha])

    def assertLeftTheAdmin(self, client):
        """Someone who trains no cohort any more is out of the admin."""
        for url in [f"/admin/pages/{self.alpha.pk}/edit/", ENROLMENTS, REFLECTIONS]:
            self.assertSentToLogin(client.get(url), url)

    def test_enrolling_someone_as_trainer_gives_them_access_to_that_cohort(self):
        response = self.login(self.coordinator).post(
            f"{ENROLMENTS}new/",
            {
                "cohort": self.bravo.pk,
                "role": Enrollment.Role.TRAINER,
                "email": "second.trainer@example.fi",
                "first_name": "Toinen",
                "last_name": "Trainer",
            },
        )
        self.assertRedirects(response, ENROLMENTS, fetch_redirect_response=False)
        newcomer = Enrollment.objects.get(user__email="second.trainer@example.fi")
        client = self.login(newcomer.user)
        response = client.get(f"/admin/pages/{self.bravo.pk}/edit/")
        self.assertEqual(response.status_code, 200)
        self.assertPermissionDenied(client.get(f"/admin/pages/{self.alpha.pk}/edit/"))
