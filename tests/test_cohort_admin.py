"""Creating and editing cohorts through the Wagtail admin page forms."""

import io
import json
import re
from datetime import UTC, date, datetime

import openpyxl
from django.contrib.auth.models import Group
from django.test import TestCase
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import inline_formset, nested_form_data
from wagtail.users.models import UserProfile

from cohorts.emails import Kind
from cohorts.enrolment import enrol, withdraw
from cohorts.models import Attendance, CohortPage, Enrollment
from courses.permissions import COORDINATORS, TRAINERS
from outbox.models import OutgoingEmail

from .factories import (
    cohort_edit_data,
    commission,
    impact_plan_data,
    make_cohort,
    make_commissioner,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    make_user,
)
from .test_local_formats import csv_rows
from .test_outbox import SMTPServerMixin
from .test_progress import in_english, reflect


def session(title, start, end, meeting_url="https://meet.example.fi/room", **extra):
    return {
        "title": title,
        "start": start,
        "end": end,
        "meeting_url": meeting_url,
        "agenda": "",
        **extra,
    }


def utc(*args):
    return datetime(*args, tzinfo=UTC)


class CohortAdminTestCase(WagtailTestUtils, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.coordinator = make_coordinator()

    def setUp(self):
        self.client.force_login(self.coordinator)

    def add_url(self):
        return reverse(
            "wagtailadmin_pages:add", args=("cohorts", "cohortpage", self.course.pk)
        )

    def post_cohort(self, sessions, experiments=(), **fields):
        data = {
            "title": "Itä-Suomi",
            "slug": "ita-suomi",
            "organisations": "Itä-Suomen aluehallintovirasto",
            "time_zone": "Europe/Helsinki",
            "start_date": "",
            "sessions": inline_formset(list(sessions)),
            "experiments": inline_formset(list(experiments)),
            **impact_plan_data([], []),
            "action-publish": "publish",
            **fields,
        }
        return self.client.post(self.add_url(), nested_form_data(data))

    def created_cohort(self):
        return CohortPage.objects.get(slug="ita-suomi")

    def assertNotCreated(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertFalse(CohortPage.objects.filter(slug="ita-suomi").exists())


def form_values(soup):
    """The values a browser would post from the page edit form in ``soup``."""
    data = {}
    for field in soup.select("#page-edit-form [name]"):
        name = field["name"]
        if field.name == "textarea":
            data[name] = field.get_text().removeprefix("\n")
        elif field.name == "select":
            option = field.select_one("option[selected]")
            data[name] = option["value"] if option else ""
        elif field.get("type") not in ("submit", "button", "checkbox", "radio"):
            data[name] = field.get("value", "")
    return data


class CreateCohortTest(CohortAdminTestCase):
    def test_coordinator_can_open_the_new_cohort_form(self):
        response = self.client.get(self.add_url())
        self.assertEqual(response.status_code, 200)

    def test_adding_a_cohort_asks_for_its_course_in_the_coordinators_words(self):
        # With two courses Wagtail asks where the new page goes; Finnish
        # Wagtail has no words for its "Choose parent".
        second = make_course("Etätyön johtaminen")
        UserProfile.objects.update_or_create(
            user=self.coordinator, defaults={"preferred_language": "fi"}
        )
        url = reverse("cohorts:choose_parent")

        page = self.get_soup(self.client.get(url).content)

        self.assertEqual(
            page.find("h1").get_text(strip=True), "Valitse valmennus: Ryhmä"
        )
        label = page.find("label", attrs={"for": "id_parent_page"})
        self.assertEqual(label.get_text(strip=True), "Valmennus*")
        self.assertIn("Uusi ryhmä on tämän valmennuksen ryhmä.", page.text)
        self.assertNotIn("Choose parent", page.text)
        # The chosen course is where the new cohort's form opens.
        response = self.client.post(url, {"parent_page": second.pk})
        self.assertRedirects(
            response,
            reverse(
                "wagtailadmin_pages:add", args=("cohorts", "cohortpage", second.pk)
            ),
        )

    def test_new_cohort_form_shows_the_planned_sessions_before_the_first_save(self):
        response = self.client.get(self.add_url() + "?start_date=2038-01-11")
        values = form_values(self.get_soup(response.content))
        self.assertEqual(values["start_date"], "2038-01-11")
        self.assertEqual(values["sessions-TOTAL_FORMS"], "3")
        self.assertEqual(
            [
                (values[f"sessions-{n}-title"], values[f"sessions-{n}-start"])
                for n in range(3)
            ],
            [
                ("Session 1", "2038-01-11 09:00"),
                ("Session 2", "2038-01-25 09:00"),
                ("Session 3", "2038-02-08 09:00"),
            ],
        )
        self.assertEqual(values["sessions-2-end"], "2038-02-08 12:30")
        self.assertEqual(values["experiments-TOTAL_FORMS"], "2")
        self.assertFalse(CohortPage.objects.exists())

    def test_new_cohort_form_without_a_date_plans_the_experiments_only(self):
        response = self.client.get(self.add_url() + "?start_date=next-monday")
        values = form_values(self.get_soup(response.content))
        self.assertEqual(values["sessions-TOTAL_FORMS"], "0")
        self.assertEqual(values["experiments-0-title"], "Experiment 1")

    def test_planned_sessions_changed_in_the_form_are_saved_as_changed(self):
        response = self.client.get(self.add_url() + "?start_date=2038-01-11")
        values = form_values(self.get_soup(response.content))
        values.update(
            {
                "title": "Itä-Suomi",
                "slug": "ita-suomi",
                "sessions-1-start": "2038-01-26 13:00",
                "sessions-1-end": "2038-01-26 16:30",
                "action-publish": "publish",
            }
        )
        response = self.client.post(self.add_url(), values)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            [s.start for s in self.created_cohort().sessions.all()],
            [utc(2038, 1, 11, 7, 0), utc(2038, 1, 26, 11, 0), utc(2038, 2, 8, 7, 0)],
        )
        self.assertEqual(self.created_cohort().experiments.count(), 2)

    def test_new_cohort_form_gives_the_browser_the_course_plan(self):
        response = self.client.get(self.add_url())
        field = self.get_soup(response.content).select_one("#id_start_date")
        plan = json.loads(field["data-session-plan"])
        self.assertEqual(
            [(s["days"], s["start"], s["minutes"]) for s in plan],
            [(0, "09:00", 210), (14, "09:00", 210), (28, "09:00", 210)],
        )
        self.assertContains(response, "cohorts/planning.js")

    def test_cohort_without_sessions_is_planned_from_course(self):
        response = self.post_cohort([], start_date="2038-01-11")
        self.assertEqual(response.status_code, 302)
        cohort = self.created_cohort()
        sessions = list(cohort.sessions.all())
        self.assertEqual(
            [(s.title, s.start, s.end) for s in sessions],
            [
                ("Session 1", utc(2038, 1, 11, 7, 0), utc(2038, 1, 11, 10, 30)),
                ("Session 2", utc(2038, 1, 25, 7, 0), utc(2038, 1, 25, 10, 30)),
                ("Session 3", utc(2038, 2, 8, 7, 0), utc(2038, 2, 8, 10, 30)),
            ],
        )
        # Numbered, so every database returns them in this order.
        self.assertEqual([s.sort_order for s in sessions], [0, 1, 2])
        self.assertEqual(
            list(cohort.experiments.values_list("title", "after_session")),
            [("Experiment 1", 1), ("Experiment 2", 2)],
        )
        self.assertTrue(cohort.live)

    def test_planned_sessions_can_then_be_edited(self):
        self.post_cohort([], start_date="2038-01-11")
        cohort = self.created_cohort()

        def afternoon(session):
            day = f"{session.start.astimezone(cohort.zone):%Y-%m-%d}"
            return {"start": f"{day} 12:30", "end": f"{day} 16:00"}

        data = cohort_edit_data(cohort, afternoon)
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=(cohort.pk,)), data
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            [s.start for s in cohort.sessions.all()],
            [
                utc(2038, 1, 11, 10, 30),
                utc(2038, 1, 25, 10, 30),
                utc(2038, 2, 8, 10, 30),
            ],
        )

    def test_sessions_entered_by_coordinator_replace_the_plan(self):
        response = self.post_cohort(
            [
                session("Kick-off", "2038-01-12 13:00", "2038-01-12 16:30"),
                session("Middle", "2038-01-26 13:00", "2038-01-26 16:30"),
            ]
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            list(self.created_cohort().sessions.values_list("title", "start")),
            [
                ("Kick-off", utc(2038, 1, 12, 11, 0)),
                ("Middle", utc(2038, 1, 26, 11, 0)),
            ],
        )

    def test_cohort_needs_a_start_date_or_sessions(self):
        response = self.post_cohort([])
        self.assertNotCreated(response)
        self.assertContains(
            response,
            "Pick the date of the first session, or add the sessions yourself.",
        )


class SessionRulesTest(CohortAdminTestCase):
    def test_session_must_end_after_it_starts(self):
        response = self.post_cohort(
            [session("Backwards", "2038-01-12 12:00", "2038-01-12 09:00")]
        )
        self.assertNotCreated(response)
        self.assertContains(response, "The session must end after it starts.")

    def test_session_shorter_than_course_allows_is_refused(self):
        response = self.post_cohort(
            [session("Too short", "2038-01-12 09:00", "2038-01-12 10:00")]
        )
        self.assertNotCreated(response)
        self.assertContains(response, "A session lasts at least 120 minutes.")

    def test_session_longer_than_course_allows_is_refused(self):
        response = self.post_cohort(
            [session("Too long", "2038-01-12 08:00", "2038-01-12 14:00")]
        )
        self.assertNotCreated(response)
        self.assertContains(response, "A session lasts at most 300 minutes.")

    def test_course_sets_the_session_length_bounds(self):
        self.course.min_session_minutes = 60
        self.course.save()
        response = self.post_cohort(
            [session("One hour", "2038-01-12 09:00", "2038-01-12 10:00")]
        )
        self.assertEqual(response.status_code, 302)

    def test_sessions_must_be_in_chronological_order(self):
        response = self.post_cohort(
            [
                session("Second", "2038-01-26 09:00", "2038-01-26 12:30"),
                session("First", "2038-01-12 09:00", "2038-01-12 12:30"),
            ]
        )
        self.assertNotCreated(response)
        self.assertContains(response, "Sessions must be in chronological order")

    def test_sessions_must_not_overlap(self):
        response = self.post_cohort(
            [
                session("Morning", "2038-01-12 09:00", "2038-01-12 12:30"),
                session("Overlapping", "2038-01-12 12:00", "2038-01-12 15:30"),
            ]
        )
        self.assertNotCreated(response)
        self.assertContains(response, "This session overlaps the session above it.")

    def test_meeting_link_must_be_https(self):
        for link in ["http://meet.example.fi/room", "javascript:alert(1)", "teams"]:
            with self.subTest(link=link):
                response = self.post_cohort(
                    [session("S", "2038-01-12 09:00", "2038-01-12 12:30", link)]
                )
                self.assertNotCreated(response)
                self.assertContains(
                    response, "Enter a meeting link that starts with https://."
                )

    def test_deleted_session_is_not_checked(self):
        response = self.post_cohort(
            [
                session("Kept", "2038-01-12 09:00", "2038-01-12 12:30"),
                session("Removed", "2038-01-12 10:00", "2038-01-12 11:00", DELETE="1"),
            ]
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            list(self.created_cohort().sessions.values_list("title", flat=True)),
            ["Kept"],
        )

    def test_model_validation_applies_the_same_rules(self):
        from django.core.exceptions import ValidationError

        from cohorts.models import Session

        cohort = CohortPage(title="Direct")
        cohort.sessions = [
            Session(title="A", start=utc(2038, 1, 12, 7), end=utc(2038, 1, 12, 10)),
            Session(title="B", start=utc(2038, 1, 12, 9), end=utc(2038, 1, 12, 12)),
        ]
        with (
            translation.override("en"),
            self.assertRaisesMessage(
                ValidationError, "This session overlaps the session above it."
            ),
        ):
            self.course.add_child(instance=cohort)


class DaylightSavingTest(CohortAdminTestCase):
    """Helsinki moves from UTC+2 to UTC+3 on the last Sunday of March (28 March
    2038) and back on the last Sunday of October (31 October 2038)."""

    def test_plan_keeps_nine_o_clock_across_spring_change(self):
        self.post_cohort([], start_date="2038-03-15")
        starts = list(self.created_cohort().sessions.values_list("start", flat=True))
        self.assertEqual(
            starts,
            [
                utc(2038, 3, 15, 7, 0),  # 9:00 EET
                utc(2038, 3, 29, 6, 0),  # Monday after the change: 9:00 EEST
                utc(2038, 4, 12, 6, 0),
            ],
        )

    def test_plan_keeps_nine_o_clock_across_autumn_change(self):
        self.post_cohort([], start_date="2038-10-18")
        starts = list(self.created_cohort().sessions.values_list("start", flat=True))
        self.assertEqual(
            starts,
            [utc(2038, 10, 18, 6, 0), utc(2038, 11, 1, 7, 0), utc(2038, 11, 15, 7, 0)],
        )

    def test_entered_time_on_monday_after_spring_change_is_local(self):
        self.post_cohort([session("S", "2038-03-29 09:00", "2038-03-29 12:30")])
        cohort = self.created_cohort()
        self.assertEqual(cohort.sessions.get().start, utc(2038, 3, 29, 6, 0))

        response = self.client.get(
            reverse("wagtailadmin_pages:edit", args=(cohort.pk,))
        )
        start = self.get_soup(response.content).find(
            "input", {"name": "sessions-0-start"}
        )
        self.assertEqual(start["value"], "2038-03-29 09:00")

    def test_times_are_entered_in_the_cohort_zone_not_the_users(self):
        self.post_cohort(
            [session("S", "2038-01-12 09:00", "2038-01-12 12:30")],
            time_zone="Europe/Stockholm",
        )
        self.assertEqual(
            self.created_cohort().sessions.get().start, utc(2038, 1, 12, 8, 0)
        )

    def test_session_across_spring_change_lasts_the_time_that_passes(self):
        # 00:30 EET to 05:45 EEST is 4 h 15 min, not the 5 h 15 min the
        # clock faces differ by: within the course's 300 minutes.
        self.post_cohort([session("S", "2038-03-28 00:30", "2038-03-28 05:45")])
        self.assertEqual(
            self.created_cohort().sessions.get().end, utc(2038, 3, 28, 2, 45)
        )

    def test_session_across_autumn_change_lasts_the_time_that_passes(self):
        # 01:00 EEST to 05:30 EET is 5 h 30 min, longer than the course's
        # 300 minutes, though the clock faces differ by 4 h 30 min.
        response = self.post_cohort(
            [session("S", "2038-10-31 01:00", "2038-10-31 05:30")]
        )
        self.assertNotCreated(response)
        self.assertContains(response, "A session lasts at most 300 minutes.")

    def field_errors(self, response, name):
        """The error messages shown on the session field ``name``."""
        field = self.get_soup(response.content).find("input", {"name": name})
        wrapper = field.find_parent(attrs={"data-field-wrapper": True})
        return [
            error.get_text(strip=True) for error in wrapper.select(".error-message")
        ]

    def test_time_that_does_not_exist_locally_is_refused_saying_why(self):
        # 03:30 on 28 March 2038 is skipped when Helsinki clocks jump to 04:00.
        response = self.post_cohort(
            [session("S", "2038-03-28 03:30", "2038-03-28 07:00")]
        )
        self.assertNotCreated(response)
        self.assertEqual(
            self.field_errors(response, "sessions-0-start"),
            [
                "2038-03-28 at 3:30 a.m. does not exist in Europe/Helsinki: "
                "clocks go forward at 3 a.m. that night. Choose another time."
            ],
        )

    def test_time_that_happens_twice_locally_is_refused_saying_why(self):
        # 03:30 on 31 October 2038 comes twice as Helsinki clocks go back
        # from 04:00 to 03:00: which of them is meant cannot be told.
        cohort = make_cohort(self.course)
        url = reverse("wagtailadmin_pages:edit", args=(cohort.pk,))
        values = form_values(self.get_soup(self.client.get(url).content))
        values["sessions-0-start"] = "2038-10-31 01:00"
        values["sessions-0-end"] = "2038-10-31 03:30"

        response = self.client.post(url, values)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.field_errors(response, "sessions-0-end"),
            [
                "2038-10-31 at 3:30 a.m. happens twice in Europe/Helsinki as "
                "clocks go back. Choose another time."
            ],
        )
        self.assertEqual(cohort.sessions.first().start, utc(2038, 3, 15, 7, 0))

    def test_a_time_that_does_not_exist_is_told_in_the_cohorts_own_zone(self):
        # Stockholm's clocks go forward an hour before Helsinki's, at 02:00
        # local time; the coordinator reads Finnish or Swedish.
        for language, expected in [
            (
                "fi",
                "Aikaa 28.3.2038 klo 2.30 ei ole aikavyöhykkeellä "
                "Europe/Stockholm: kellot siirretään eteenpäin klo 2.00. "
                "Valitse toinen aika.",
            ),
            (
                "sv",
                "28.3.2038 kl. 2.30 finns inte i tidszonen Europe/Stockholm: "
                "klockan ställs fram kl. 2.00. Välj en annan tid.",
            ),
        ]:
            with self.subTest(language):
                UserProfile.objects.filter(user=self.coordinator).update(
                    preferred_language=language
                )
                response = self.post_cohort(
                    [session("S", "2038-03-28 02:30", "2038-03-28 05:00")],
                    time_zone="Europe/Stockholm",
                )
                self.assertNotCreated(response)
                self.assertEqual(
                    self.field_errors(response, "sessions-0-start"), [expected]
                )

    def test_cohort_starting_on_summer_monday_is_stored_in_utc(self):
        self.post_cohort([], start_date=str(date(2038, 6, 7)))
        self.assertEqual(
            self.created_cohort().sessions.first().start, utc(2038, 6, 7, 6, 0)
        )


class DeleteCohortTest(CohortAdminTestCase):
    """Deleting a cohort deletes what belongs to it, its trainers' access
    with it, and leaves nothing that points at it."""

    def test_a_cohort_with_trainers_and_participants_is_deleted_whole(self):
        from django.db import connection

        from .factories import make_cohort, make_participants, make_trainer

        cohort = make_cohort(self.course, "Deleted")
        trainer = make_trainer(cohort)
        make_participants(cohort, 2)
        group = CohortPage.objects.get(pk=cohort.pk).trainer_group
        self.assertTrue(trainer.groups.filter(pk=group.pk).exists())
        url = reverse("wagtailadmin_pages:delete", args=[cohort.pk])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(CohortPage.objects.filter(pk=cohort.pk).exists())
        # Nothing is left pointing at the deleted page (SQLite and
        # PostgreSQL check foreign keys only when the transaction commits).
        from wagtail.models import GroupPagePermission

        self.assertFalse(GroupPagePermission.objects.filter(page_id=cohort.pk).exists())
        connection.check_constraints()
        # The cohort's trainer group goes, and its trainer, who trains
        # nothing else, leaves the admin.
        self.assertFalse(Group.objects.filter(pk=group.pk).exists())
        self.assertFalse(trainer.groups.filter(name=TRAINERS).exists())

    def test_a_trainer_of_another_cohort_keeps_that_one(self):
        from .factories import make_cohort, make_trainer

        deleted = make_cohort(self.course, "Deleted")
        kept = make_cohort(self.course, "Kept")
        trainer = make_trainer(deleted)
        make_trainer(kept, trainer.email)
        url = reverse("wagtailadmin_pages:delete", args=[deleted.pk])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertTrue(trainer.groups.filter(name=TRAINERS).exists())
        self.client.force_login(trainer)
        edit = reverse("wagtailadmin_pages:edit", args=[kept.pk])
        self.assertEqual(self.client.get(edit).status_code, 200)

    def test_deleting_the_course_deletes_its_cohorts_and_their_trainers_access(self):
        from django.db import connection

        from .factories import make_cohort, make_trainer

        cohort = make_cohort(self.course, "Under the course")
        trainer = make_trainer(cohort)
        # Training a second cohort of the course, deleted with it.
        make_trainer(make_cohort(self.course, "Also under it"), trainer.email)
        # Coordinators delete only pages without children: a superuser.
        from .factories import make_user

        self.client.force_login(make_user("admin@example.fi", is_superuser=True))
        url = reverse("wagtailadmin_pages:delete", args=[self.course.pk])
        self.assertEqual(self.client.post(url).status_code, 302)
        self.assertFalse(CohortPage.objects.filter(pk=cohort.pk).exists())
        connection.check_constraints()
        self.assertFalse(trainer.groups.exists())


class RevisionBeforeNumberingTest(CohortAdminTestCase):
    """A draft saved before sessions were numbered opens and publishes with
    its sessions in the order of their start, whatever order its revision
    lists them in (PostgreSQL returned them in any)."""

    def test_unnumbered_sessions_of_a_revision_come_in_the_order_of_their_start(self):
        from .factories import make_cohort

        cohort = make_cohort(self.course, "Old")
        revision = cohort.latest_revision
        content = dict(revision.content)
        # The times of the first and last sessions swapped, none numbered:
        # "Session 3" is now the first to start.
        listed = content["sessions"]
        times = [(s["start"], s["end"]) for s in listed]
        content["sessions"] = [
            {**session, "sort_order": None, "start": start, "end": end}
            for session, (start, end) in zip(listed, reversed(times), strict=True)
        ]
        revision.content = content
        revision.save(update_fields=["content"])
        # A draft: the editor opens the revision, not the live rows (which
        # the migration numbers).
        CohortPage.objects.filter(pk=cohort.pk).update(has_unpublished_changes=True)

        page = CohortPage.objects.get(pk=cohort.pk).get_latest_revision_as_object()
        sessions = list(page.sessions.all())
        self.assertEqual(
            [s.title for s in sessions], ["Session 3", "Session 2", "Session 1"]
        )
        self.assertEqual([s.sort_order for s in sessions], [0, 1, 2])
        edit = reverse("wagtailadmin_pages:edit", args=[cohort.pk])
        response = self.client.get(edit)
        self.assertEqual(response.status_code, 200)
        self.assertLess(
            response.content.index(b'value="Session 3"'),
            response.content.index(b'value="Session 1"'),
        )
        response = self.client.post(edit, cohort_edit_data(page))
        self.assertEqual(response.status_code, 302)


class UnpublishWarningTests(WagtailTestUtils, TestCase):
    """Unpublishing a cohort cancels its sessions in everyone's calendar and
    takes it off the site: the confirmation says so, with how many people,
    before the coordinator confirms."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.other = make_cohort(cls.course, "Cohort B")
        people = make_participants(cls.cohort, 3, "unpublish")
        make_participants(cls.other, 2, "other")
        make_trainer(cls.cohort)
        cls.coordinator = make_coordinator()
        withdraw(people[0], by=cls.coordinator)  # no longer theirs: not counted

    def confirmation(self, page, language="en"):
        self.client.force_login(self.coordinator)
        with translation.override(language):
            url = reverse("wagtailadmin_pages:unpublish", args=[page.pk])
        response = self.client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        self.assertEqual(response.status_code, 200)
        notes = self.get_soup(response.content).select(".help-warning")
        return " ".join(" ".join(note.get_text().split()) for note in notes)

    def test_unpublishing_a_cohort_says_who_loses_it_and_gets_cancellations(self):
        self.assertIn(
            "Unpublishing this cohort takes it off the site for everyone in it "
            "(participants: 2, trainers: 1)",
            self.confirmation(self.cohort),
        )

    def test_unpublishing_a_course_counts_the_people_of_its_live_cohorts(self):
        self.other.unpublish()
        self.assertIn(
            "If you unpublish its cohorts too, everyone in them (participants: 2, "
            "trainers: 1)",
            self.confirmation(self.course),
        )

    def test_someone_in_two_of_the_courses_cohorts_is_counted_once(self):
        trainer = Enrollment.objects.get(cohort=self.cohort, role="trainer").user
        enrol(self.other, trainer.email, role=Enrollment.Role.TRAINER)
        self.assertIn(
            "(participants: 4, trainers: 1)",  # 2 + 2 participants, 1 trainer
            self.confirmation(self.course),
        )

    def test_a_cohort_nobody_is_in_has_no_warning(self):
        empty = make_cohort(self.course, "Cohort C")
        self.assertEqual(self.confirmation(empty), "")

    def test_the_warning_is_in_the_coordinators_language(self):
        UserProfile.get_for_user(self.coordinator).__class__.objects.filter(
            user=self.coordinator
        ).update(preferred_language="fi")
        self.assertIn(
            "(osallistujia: 2, valmentajia: 1)",
            self.confirmation(self.cohort),
        )


class PeoplePanelTests(CohortAdminTestCase):
    def test_the_editor_links_to_the_cohorts_own_enrolments(self):
        cohort = make_cohort(self.course)
        response = self.client.get(reverse("wagtailadmin_pages:edit", args=[cohort.pk]))
        self.assertContains(
            response,
            f'<a href="{reverse("enrollments:index")}?cohort={cohort.pk}">'
            "Open this cohort&#x27;s enrolments</a>",
            html=True,
        )

    def test_a_new_cohort_has_no_enrolments_to_link_to_yet(self):
        response = self.client.get(self.add_url())
        self.assertContains(response, "enrolled under Training › Enrolments")
        self.assertNotContains(response, "Open this cohort")


class WithdrawFromListingTests(CohortAdminTestCase):
    def test_withdrawing_from_a_cohorts_list_returns_to_that_list(self):
        cohort = make_cohort(self.course)
        make_cohort(self.course, title="Cohort B")
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        listing = f"{reverse('enrollments:index')}?cohort={cohort.pk}"

        soup = self.get_soup(self.client.get(listing).content)
        withdraw_link = soup.find("a", href=re.compile(r"/delete/"))
        confirm = self.get_soup(self.client.get(withdraw_link["href"]).content)
        form = confirm.select_one("main form[method=POST]")
        data = {
            field["name"]: field.get("value", "")
            for field in form.select("input[name]")
        }
        response = self.client.post(form["action"], data)

        self.assertRedirects(response, listing, fetch_redirect_response=False)
        anna.refresh_from_db()
        self.assertIsNotNone(anna.withdrawn_at)
        self.assertEqual(form.select_one("a.button-secondary")["href"], listing)

    def test_a_list_refreshed_by_its_filters_still_returns_to_the_list(self):
        cohort = make_cohort(self.course)
        enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        results = reverse("enrollments:index_results") + f"?cohort={cohort.pk}"

        soup = self.get_soup(self.client.get(results).content)

        withdraw_link = soup.find("a", href=re.compile(r"/delete/"))
        self.assertTrue(
            withdraw_link["href"].endswith(
                "?"
                + urlencode({"next": f"/admin/training/enrolments/?cohort={cohort.pk}"})
            ),
            withdraw_link["href"],
        )


class EnrolAgainTests(CohortAdminTestCase):
    """A withdrawn person is enrolled again by enrolling them anew; the
    admin says so where a coordinator would look for it."""

    def messages_of(self, response):
        # The text, without the "Edit" button Wagtail adds after it.
        return [
            str(message).partition("\n")[0] for message in response.context["messages"]
        ]

    def test_editing_a_withdrawn_place_says_it_is_withdrawn_and_how_to_undo_it(self):
        cohort = make_cohort(self.course, title="Kevät")
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        withdraw(anna, self.coordinator)

        response = self.client.get(reverse("enrollments:edit", args=[anna.pk]))

        self.assertEqual(
            self.messages_of(response),
            [
                "Anna Aalto has been withdrawn from Kevät. Saving this form "
                "does not enrol them again: add an enrolment for their email "
                "address in Kevät, and their earlier work comes back."
            ],
        )

    def test_editing_an_active_place_says_nothing_of_withdrawal(self):
        cohort = make_cohort(self.course, title="Kevät")
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")

        response = self.client.get(reverse("enrollments:edit", args=[anna.pk]))

        self.assertEqual(self.messages_of(response), [])

    def test_enrolling_a_withdrawn_person_says_they_are_back(self):
        cohort = make_cohort(self.course, title="Kevät")
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        withdraw(anna, self.coordinator)

        response = self.client.post(
            reverse("enrollments:add"),
            {
                "cohort": cohort.pk,
                "role": Enrollment.Role.PARTICIPANT,
                "organisation": "",
                "email": "anna@example.fi",
                "first_name": "",
                "last_name": "",
            },
            follow=True,
        )

        self.assertEqual(
            self.messages_of(response),
            ["Anna Aalto enrolled in Kevät again, with their earlier work."],
        )
        anna.refresh_from_db()
        self.assertIsNone(anna.withdrawn_at)

    def test_enrolling_a_new_person_says_they_are_enrolled(self):
        cohort = make_cohort(self.course, title="Kevät")

        response = self.client.post(
            reverse("enrollments:add"),
            {
                "cohort": cohort.pk,
                "role": Enrollment.Role.PARTICIPANT,
                "organisation": "",
                "email": "bertil@example.fi",
                "first_name": "Bertil",
                "last_name": "Berg",
            },
            follow=True,
        )

        self.assertEqual(self.messages_of(response), ["Bertil Berg enrolled in Kevät."])


class ListingExportTests(CohortAdminTestCase):
    """A coordinator's export says what the listing says, in their language:
    a role as "Osallistuja", not the code "participant" stored for it."""

    def test_enrolment_export_names_the_role_in_the_coordinators_language(self):
        UserProfile.objects.filter(user=self.coordinator).update(
            preferred_language="fi"
        )
        cohort = make_cohort(self.course)
        enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        enrol(cohort, "tiina@example.fi", "Tiina", "Tamm", role=Enrollment.Role.TRAINER)

        for export_format in ["csv", "xlsx"]:
            with self.subTest(format=export_format):
                response = self.client.get(
                    reverse("enrollments:index"),
                    {"cohort": cohort.pk, "export": export_format},
                )
                rows = exported_rows(response, export_format)
                role = rows[0].index("Rooli")
                self.assertEqual(
                    sorted(row[role] for row in rows[1:]),
                    ["Osallistuja", "Valmentaja"],
                )

    def test_enrolment_export_gives_times_in_local_time_to_the_minute(self):
        cohort = make_cohort(self.course)
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        withdraw(anna, by=self.coordinator)
        Enrollment.objects.filter(pk=anna.pk).update(
            withdrawn_at=utc(2038, 3, 15, 7, 0)
        )

        for export_format, expected in [
            ("csv", "2038-03-15 09:00"),
            ("xlsx", datetime(2038, 3, 15, 9, 0)),
        ]:
            with self.subTest(format=export_format):
                response = self.client.get(
                    reverse("enrollments:index"),
                    {"cohort": cohort.pk, "export": export_format},
                )
                heading, row = exported_rows(response, export_format)
                self.assertEqual(row[heading.index("Withdrawn")], expected)

    def test_reflection_export_says_yes_or_no_in_the_coordinators_language(self):
        UserProfile.objects.filter(user=self.coordinator).update(
            preferred_language="fi"
        )
        cohort = make_cohort(self.course)
        anna = enrol(cohort, "anna@example.fi", "Anna", "Aalto")
        reflect(anna, cohort.experiments.first(), is_late=True)

        response = self.client.get(
            reverse("reflections:index"), {"cohort": cohort.pk, "export": "csv"}
        )

        heading, row = exported_rows(response, "csv")
        self.assertEqual(row[heading.index("Myöhässä")], "Kyllä")
        self.assertEqual(row[heading.index("Tila")], "Lähetetty")


def exported_rows(response, export_format):
    """The rows of a CSV or XLSX export, its heading first."""
    content = b"".join(response.streaming_content)
    if export_format == "csv":
        return csv_rows(content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


#: What the confirmation of deleting cohorts says of the people in them,
#: with (participants, trainers).
PLACES_LOST_IN_ONE = (
    "Everyone enrolled in this cohort (participants: %s, trainers: %s) loses "
    "their place in it when it is deleted, and they are sent a cancellation of "
    "each of its sessions still to come."
)
PLACES_LOST_IN_MANY = (
    "The cohorts among the pages to be deleted have people enrolled "
    "(participants: %s, trainers: %s). They lose their places when the cohorts "
    "are deleted, and those in published cohorts are sent a cancellation of "
    "each of their sessions still to come."
)


class DeleteCohortTests(CohortAdminTestCase):
    """Wagtail's confirmation says only how often a page is referred to;
    deleting a cohort deletes what its people did in it, and their places,
    and cancels its sessions in their calendars."""

    def warnings(self, cohort):
        response = self.client.get(
            reverse("wagtailadmin_pages:delete", args=[cohort.pk])
        )
        self.assertEqual(response.status_code, 200)
        return [
            str(message)
            for message in response.context["messages"]
            if message.level_tag == "warning"
        ]

    def test_deleting_a_cohort_with_work_says_what_goes_with_it(self):
        cohort = make_cohort(self.course)
        anna = enrol(cohort, "anna@example.fi", "Anna")
        session = cohort.sessions.first()
        Attendance.objects.create(
            session=session, enrollment=anna, status=Attendance.Status.PRESENT
        )

        self.assertEqual(
            self.warnings(cohort),
            [
                # In the coordinator's language (English), as the rest.
                "Deleting this cohort also deletes what its people did in it: "
                "attendance (1), and what hangs on them, such as comments and "
                "library stories. To end the cohort and keep them, unpublish it "
                "instead.",
                PLACES_LOST_IN_ONE % (1, 0),
            ],
        )

    def test_deleting_a_cohort_nobody_has_worked_in_says_who_loses_their_place(
        self,
    ):
        # Nothing of theirs is deleted, but their places are, and their
        # calendars are sent a cancellation of every session to come.
        cohort = make_cohort(self.course)
        enrol(cohort, "anna@example.fi", "Anna")
        enrol(cohort, "bertil@example.fi", "Bertil")
        enrol(cohort, "tero@example.fi", "Tero", role=Enrollment.Role.TRAINER)
        withdraw(enrol(cohort, "cecilia@example.fi", "Cecilia"), by=self.coordinator)

        self.assertEqual(self.warnings(cohort), [PLACES_LOST_IN_ONE % (2, 1)])

    def test_the_coordinator_is_told_who_loses_their_place_in_their_language(self):
        UserProfile.objects.filter(user=self.coordinator).update(
            preferred_language="fi"
        )
        cohort = make_cohort(self.course)
        enrol(cohort, "anna@example.fi", "Anna")

        self.assertEqual(
            self.warnings(cohort),
            [
                "Kaikki tähän ryhmään ilmoittautuneet (osallistujia: 1, "
                "valmentajia: 0) menettävät paikkansa siinä, kun ryhmä "
                "poistetaan, ja heille lähetetään peruutus jokaisesta sen "
                "tulevasta tuokiosta."
            ],
        )

    def test_deleting_a_draft_cohort_sends_no_cancellations_and_says_none(self):
        # Nobody was invited to a cohort never published.
        cohort = make_cohort(self.course)
        enrol(cohort, "anna@example.fi", "Anna")
        cohort.unpublish()

        self.assertEqual(
            self.warnings(cohort),
            [
                "Everyone enrolled in this cohort (participants: 1, trainers: 0) "
                "loses their place in it when it is deleted."
            ],
        )

    def test_deleting_a_cohort_nobody_is_in_says_nothing_more(self):
        cohort = make_cohort(self.course)
        withdraw(enrol(cohort, "anna@example.fi", "Anna"), by=self.coordinator)

        self.assertEqual(self.warnings(cohort), [])


class DeleteManyCohortsTests(CohortAdminTestCase):
    """Deleting several pages at once in the page explorer, or a page with
    cohorts beneath it, deletes those cohorts and what their people did in
    them too; the confirmation says so first, as deleting one cohort does."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.north = make_cohort(cls.course, title="North")
        cls.south = make_cohort(cls.course, title="South")
        cls.empty = make_cohort(cls.course, title="Nobody yet")
        for cohort in (cls.north, cls.south):
            anna = enrol(cohort, "anna@example.fi", "Anna")
            Attendance.objects.create(
                session=cohort.sessions.first(),
                enrollment=anna,
                status=Attendance.Status.PRESENT,
            )
        enrol(cls.south, "tero@example.fi", "Tero", role=Enrollment.Role.TRAINER)

    def warnings(self, response):
        self.assertEqual(response.status_code, 200)
        return [
            str(message)
            for message in response.context["messages"]
            if message.level_tag == "warning"
        ]

    def bulk_delete_url(self, *pages):
        return (
            reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
            + "?"
            + urlencode(
                {
                    "id": [page.pk for page in pages],
                    "next": reverse("wagtailadmin_explore", args=[self.course.pk]),
                },
                doseq=True,
            )
        )

    def test_deleting_cohorts_in_bulk_says_what_goes_with_them(self):
        response = self.client.get(
            self.bulk_delete_url(self.north, self.south, self.empty)
        )

        self.assertEqual(
            self.warnings(response),
            [
                "The pages to be deleted include 2 cohorts whose people have "
                "work in them. Deleting them also deletes that work: "
                "attendance (2), and what hangs on it, such as comments and "
                "library stories. To end a cohort and keep its people's work, "
                "unpublish it instead.",
                # Anna, in both, is one person; Tero trains South.
                PLACES_LOST_IN_MANY % (1, 1),
            ],
        )
        # Only said: nothing is deleted before the coordinator confirms.
        self.assertEqual(
            CohortPage.objects.filter(
                pk__in=[self.north.pk, self.south.pk, self.empty.pk]
            ).count(),
            3,
        )

    def test_deleting_one_cohort_in_bulk_says_what_goes_with_it(self):
        response = self.client.get(self.bulk_delete_url(self.north))

        self.assertEqual(
            self.warnings(response),
            [
                "Deleting this cohort also deletes what its people did in it: "
                "attendance (1), and what hangs on them, such as comments and "
                "library stories. To end the cohort and keep them, unpublish it "
                "instead.",
                PLACES_LOST_IN_ONE % (1, 0),
            ],
        )

    def test_deleting_cohorts_nobody_is_in_says_nothing_more(self):
        response = self.client.get(self.bulk_delete_url(self.empty))

        self.assertEqual(self.warnings(response), [])

    def test_deleting_a_course_says_what_goes_with_the_cohorts_beneath_it(self):
        expected = [
            "The pages to be deleted include 2 cohorts whose people have "
            "work in them. Deleting them also deletes that work: "
            "attendance (2), and what hangs on it, such as comments and "
            "library stories. To end a cohort and keep its people's work, "
            "unpublish it instead.",
            PLACES_LOST_IN_MANY % (1, 1),
        ]
        # A page with pages beneath it is deleted by those with Wagtail's
        # bulk delete permission, which coordinators do not have.
        self.client.force_login(make_user("admin@example.fi", is_superuser=True))
        for way, url in [
            ("alone", reverse("wagtailadmin_pages:delete", args=[self.course.pk])),
            ("in bulk", self.bulk_delete_url(self.course)),
        ]:
            with self.subTest(way):
                self.assertEqual(self.warnings(self.client.get(url)), expected)
        self.assertTrue(CohortPage.objects.filter(pk=self.north.pk).exists())

    def test_deleting_in_bulk_still_deletes_when_confirmed(self):
        response = self.client.post(self.bulk_delete_url(self.north, self.empty))

        self.assertEqual(response.status_code, 302)
        self.assertFalse(
            CohortPage.objects.filter(pk__in=[self.north.pk, self.empty.pk]).exists()
        )
        self.assertTrue(CohortPage.objects.filter(pk=self.south.pk).exists())


class PublishSaysWhoIsToldTests(SMTPServerMixin, CohortAdminTestCase):
    """Publishing (or unpublishing) a cohort sends its people's calendars the
    difference; Wagtail says only "Page published", so the coordinator is
    told how many people the updates and cancellations go to."""

    def setUp(self):
        super().setUp()
        self.cohort = make_cohort(self.course)
        make_participants(self.cohort, 2, "told")
        make_trainer(self.cohort)

    def publish(self, session_changes=None, language="en", **changes):
        UserProfile.objects.filter(user=self.coordinator).update(
            preferred_language=language
        )
        page = CohortPage.objects.get(pk=self.cohort.pk)
        edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                edit, cohort_edit_data(page, session_changes, **changes), follow=True
            )
        self.assertEqual(response.status_code, 200)
        return successes(response)

    def test_moving_a_session_and_deleting_another_says_who_is_told(self):
        first, second, __ = self.cohort.sessions.all()

        def move_one_delete_another(session):
            if session == first:
                return {"start": "2038-03-16 09:00", "end": "2038-03-16 12:30"}
            if session == second:
                return {"DELETE": "1"}
            return {}

        seen = len(self.mailbox.messages)
        self.assertIn(
            "Updated invitations are on their way to 3 people. "
            "Cancellations are on their way to 3 people.",
            # The experiment that followed the deleted session goes too.
            self.publish(
                move_one_delete_another,
                experiment_changes=lambda e: {"DELETE": "1"} if "2" in e.title else {},
            ),
        )
        # As many cancellations reached the mail server.
        cancelled = {
            message["To"]
            for message in self.mailbox.messages[seen:]
            if any(
                part.get_param("method") == "CANCEL"
                for part in message.walk()
                if part.get_content_type() == "text/calendar"
            )
        }
        self.assertEqual(len(cancelled), 3)

    def test_the_coordinator_is_told_in_their_language(self):
        def rename(session):
            return {"title": f"{session.title} (renamed)"}

        self.assertIn(
            "Päivitetyt kalenterikutsut lähetetään 3 henkilölle.",
            self.publish(rename, language="fi"),
        )
        self.assertIn(
            "Uppdaterade kalenderinbjudningar skickas till 3 personer.",
            self.publish(
                lambda session: {"title": f"{session.title} (2)"}, language="sv"
            ),
        )

    def test_publishing_what_no_calendar_shows_says_nothing_more(self):
        # Wagtail's "Page published" alone.
        self.assertEqual(len(self.publish()), 1)

    def test_publishing_a_cohort_nobody_is_in_says_nothing_more(self):
        Enrollment.objects.filter(cohort=self.cohort).delete()

        def rename(session):
            return {"title": f"{session.title} (renamed)"}

        self.assertEqual(len(self.publish(rename)), 1)

    def test_unpublishing_says_who_gets_cancellations(self):
        url = reverse("wagtailadmin_pages:unpublish", args=[self.cohort.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, follow=True)
        self.assertIn(
            "Cancellations are on their way to 3 people.", successes(response)
        )

    def test_unpublishing_a_course_with_its_cohorts_says_who_gets_cancellations(self):
        # A second cohort of the course; one person is in both.
        other = make_cohort(self.course, "Second cohort")
        make_participants(other, 1, "other")
        make_participants(other, 1, "told")  # told0@, in both cohorts
        url = reverse("wagtailadmin_pages:unpublish", args=[self.course.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"include_descendants": "on"}, follow=True)
        self.assertIn(
            "Cancellations are on their way to 4 people.", successes(response)
        )

    def test_a_sync_no_admin_view_followed_is_not_told_to_a_later_request(self):
        # A publish outside the admin's views (scheduled, or a workflow's
        # approval) in this thread, then the course alone unpublished: its
        # cohort stays live and nobody is sent anything.
        page = CohortPage.objects.get(pk=self.cohort.pk)
        sessions = list(page.sessions.all())
        sessions[0].title = "Renamed by the schedule"
        page.sessions = sessions
        with self.captureOnCommitCallbacks(execute=True):
            page.save_revision().publish()
        self.assertTrue(OutgoingEmail.objects.filter(kind=Kind.UPDATE).exists())
        url = reverse("wagtailadmin_pages:unpublish", args=[self.course.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, follow=True)
        self.assertTrue(CohortPage.objects.get(pk=self.cohort.pk).live)
        self.assertEqual(
            [told for told in successes(response) if "on their way" in told], []
        )

    def test_unpublishing_cohorts_in_the_explorer_says_who_gets_cancellations(self):
        url = (
            reverse("wagtail_bulk_action", args=["wagtailcore", "page", "unpublish"])
            + f"?id={self.cohort.pk}"
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, follow=True)
        self.assertIn(
            "Cancellations are on their way to 3 people.", successes(response)
        )


def successes(response):
    return [
        str(message).partition("\n")[0].strip()
        for message in response.context["messages"]
        if message.level_tag == "success"
    ]


class MoveCohortWarningTests(CohortAdminTestCase):
    """A cohort's figures are read by its course's commissioners: moving it
    to another course changes who reads them, said before it is moved."""

    def setUp(self):
        super().setUp()
        self.cohort = make_cohort(self.course)
        self.other = make_course("Hybrid work")

    def warnings(self, destination):
        url = reverse(
            "wagtailadmin_pages:move_confirm", args=[self.cohort.pk, destination.pk]
        )
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return [
            str(message)
            for message in response.context["messages"]
            if message.level_tag == "warning"
        ]

    def test_moving_a_cohort_says_how_many_commissioners_gain_and_lose_it(self):
        shared = make_commissioner("shared@example.fi")
        commission(self.course, shared)
        commission(self.course, make_commissioner("old@example.fi"))
        commission(self.other, shared)
        commission(self.other, make_commissioner("new1@example.fi"))
        commission(self.other, make_commissioner("new2@example.fi"))

        [warning] = self.warnings(self.other)
        self.assertIn("2 commissioners of “Hybrid work”", warning)
        self.assertIn("1 commissioner of “Virtual work”", warning)
        self.assertNotIn("new1@example.fi", warning)

    def test_moving_between_courses_with_the_same_commissioners_says_nothing(self):
        shared = make_commissioner("shared@example.fi")
        commission(self.course, shared)
        commission(self.other, shared)
        # A commissioner whose account is closed reads nothing.
        closed = make_commissioner("closed@example.fi")
        closed.is_active = False
        closed.save()
        commission(self.other, closed)
        self.assertEqual(self.warnings(self.other), [])

    def test_the_warning_is_in_the_coordinators_language(self):
        commission(self.other, make_commissioner())
        UserProfile.objects.filter(user=self.coordinator).update(
            preferred_language="fi"
        )
        [warning] = self.warnings(self.other)
        self.assertIn("1 valmennuksen ”Hybrid work” tilaaja", warning)


class DraftOfALiveCohortTests(CohortAdminTestCase):
    """A draft of a live cohort reaches its people's pages and calendars
    only when it is published: whoever saves one is told who publishes it,
    themselves or a coordinator (a trainer may edit their cohort but not
    publish it), or an approval where one is under way."""

    PUBLISH = (
        "Saved as a draft: participants and trainers still see the published "
        "cohort, and their calendars are not updated, until you publish it."
    )
    COORDINATOR_PUBLISHES = (
        "Saved as a draft: participants and trainers still see the published "
        "cohort, and their calendars are not updated, until a coordinator "
        "publishes it."
    )
    APPROVED = (
        "Participants and trainers still see the published cohort, and their "
        "calendars are not updated, until it is approved and published."
    )
    APPROVED_OR_PUBLISHED = (
        "Participants and trainers still see the published cohort, and their "
        "calendars are not updated, until it is approved and published, or "
        "you publish it."
    )

    def setUp(self):
        super().setUp()
        self.cohort = make_cohort(self.course)
        self.trainer = make_trainer(self.cohort)
        in_english(self.trainer)

    def save(self, user, action="save"):
        """``user`` saves the cohort as it stands with its first session
        renamed: as a draft, or with ``action`` "publish" or "submit"."""
        self.client.force_login(user)
        data = cohort_edit_data(
            CohortPage.objects.get(pk=self.cohort.pk).get_latest_revision_as_object(),
            lambda s: {"title": "Opening"} if s.sort_order == 0 else {},
        )
        del data["action-publish"]
        if action != "save":
            data[f"action-{action}"] = action
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
            data,
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        return [
            str(message)
            for message in response.context["messages"]
            if message.level_tag == "warning"
        ]

    def approval_by_coordinators(self):
        """A workflow on the cohort's course: a coordinator approves."""
        workflow = Workflow.objects.create(name="Training approval")
        task = GroupApprovalTask.objects.create(name="Coordinator approves")
        task.groups.set([Group.objects.get(name=COORDINATORS)])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
        WorkflowPage.objects.create(workflow=workflow, page=self.course)

    def test_a_coordinator_is_told_the_draft_waits_for_them_to_publish_it(self):
        self.assertEqual(self.save(self.coordinator), [self.PUBLISH])

    def test_a_trainer_is_told_the_draft_waits_for_a_coordinator_to_publish_it(
        self,
    ):
        self.assertFalse(self.cohort.permissions_for_user(self.trainer).can_publish())
        self.assertEqual(self.save(self.trainer), [self.COORDINATOR_PUBLISHES])

    def test_a_trainer_asking_to_publish_is_told_the_draft_waits_all_the_same(
        self,
    ):
        # Wagtail saves a draft for one who may not publish.
        self.assertEqual(
            self.save(self.trainer, "publish"), [self.COORDINATOR_PUBLISHES]
        )
        self.assertTrue(
            CohortPage.objects.get(pk=self.cohort.pk).has_unpublished_changes
        )

    def test_a_trainer_who_submits_for_approval_is_told_it_waits_for_the_approval(
        self,
    ):
        self.approval_by_coordinators()
        self.assertEqual(self.save(self.trainer, "submit"), [self.APPROVED])
        self.assertTrue(CohortPage.objects.get(pk=self.cohort.pk).workflow_in_progress)

    def test_a_coordinator_who_submits_for_approval_is_told_they_may_also_publish(
        self,
    ):
        self.approval_by_coordinators()
        self.assertEqual(
            self.save(self.coordinator, "submit"), [self.APPROVED_OR_PUBLISHED]
        )

    def test_publishing_says_nothing_of_a_draft(self):
        warnings = self.save(self.coordinator, "publish")
        self.assertFalse([w for w in warnings if "still see the published" in w])

    def test_a_trainer_is_told_in_their_language(self):
        for language, words in [
            ("fi", "ennen kuin koordinaattori julkaisee sen"),
            ("sv", "förrän en koordinator publicerar den"),
        ]:
            with self.subTest(language):
                UserProfile.objects.filter(user=self.trainer).update(
                    preferred_language=language
                )
                [warning] = self.save(self.trainer)
                self.assertIn(words, warning)
