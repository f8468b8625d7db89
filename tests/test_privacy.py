"""Privacy: the registry of personal data, a person's export, erasure that
leaves the cohort's discussion readable, and the access log."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from assignments.models import Comment, Reflection
from cohorts.models import Attendance, Enrollment, Invitation
from impact.models import CohortStatement, Rating, Response
from outbox.sending import send_pending
from privacy import erasure
from privacy.exporting import build_archive
from privacy.models import AccessLogEntry, DataExport, ErasureRequest
from privacy.registry import Person, registered
from signin.links import new_link

from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
)
from .test_local_formats import csv_rows
from .test_outbox import SMTPServerMixin

User = get_user_model()


class RegistryTest(TestCase):
    def test_every_model_with_a_key_to_a_person_or_an_enrolment_is_registered(self):
        covered = {}
        for entry in registered():
            names = covered.setdefault(entry.model, set())
            names.update(entry.references, entry.covers)
            if entry.subject:
                names.add(entry.subject.split("__")[0])
        missing = [
            f"{model._meta.label}.{field.name}"
            for model in apps.get_models(include_auto_created=True)
            for field in model._meta.concrete_fields
            if field.is_relation
            and field.model is model
            and field.related_model in (User, Enrollment)
            and field.name not in covered.get(model, ())
        ]
        self.assertEqual(missing, [])
        self.assertIn("pk", covered[User])

    def test_every_entry_says_why_and_how_long(self):
        for entry in registered():
            with self.subTest(entry.label):
                self.assertTrue(str(entry.purpose))
                self.assertTrue(str(entry.retention))


class PrivacyDataMixin:
    """A cohort where the person has something in every table that holds
    people, and another participant has the same things, in other words."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.trainer = make_trainer(cls.cohort)
        cls.coordinator = make_coordinator()
        me, other = make_participants(cls.cohort, 2, organisation="Virasto")
        Enrollment.objects.filter(pk=other.pk).update(organisation="Muuvirasto")
        User.objects.filter(pk=other.user_id).update(
            first_name="Oona", last_name="Otherperson"
        )
        cls.me, cls.other = me, Enrollment.objects.get(pk=other.pk)
        cls.person = cls.me.user
        UserProfile.get_for_user(cls.person)
        experiments = list(cls.cohort.experiments.all())
        now = timezone.now()
        cls.shared = Reflection.objects.create(
            experiment=experiments[0],
            author=cls.me,
            answers=[{"prompt": "What did you try?", "answer": "My shared try"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=now,
            visibility=Reflection.Visibility.COHORT,
            feedback="Nice work, Pat",
            feedback_by=cls.trainer,
            feedback_at=now,
        )
        cls.private = Reflection.objects.create(
            experiment=experiments[1],
            author=cls.me,
            answers=[{"prompt": "What did you try?", "answer": "My private try"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=now,
        )
        cls.others = Reflection.objects.create(
            experiment=experiments[0],
            author=cls.other,
            answers=[{"prompt": "What did you try?", "answer": "Oonas secret try"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=now - timedelta(hours=1),
            visibility=Reflection.Visibility.COHORT,
        )
        Comment.objects.create(
            reflection=cls.others, author=cls.person, text="My comment to Oona"
        )
        Comment.objects.create(
            reflection=cls.shared, author=cls.other.user, text="Oonas comment"
        )
        Comment.objects.create(
            reflection=cls.others, author=cls.other.user, text="Oonas own note"
        )
        session = cls.cohort.sessions.first()
        for enrolment in (cls.me, cls.other):
            Attendance.objects.create(
                session=session,
                enrollment=enrolment,
                status=Attendance.Status.PRESENT,
                marked_by=cls.trainer,
            )
            new_link(enrolment.user)
        from cohorts.models import CalendarFeed

        for user in (cls.person, cls.other.user):
            CalendarFeed.objects.create(user=user, token_hash=f"hash-{user.pk}")


def archive_files(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


class ExportTest(PrivacyDataMixin, TestCase):
    def export_as(self, user):
        self.client.force_login(user)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("privacy:request_export"))
        export = DataExport.objects.latest("pk")
        return export, self.client.get(reverse("privacy:download", args=[export.pk]))

    def test_export_holds_every_registered_field_of_the_person(self):
        __, response = self.export_as(self.person)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/zip")
        files = archive_files(response.content)
        data = json.loads(files["data.json"])
        sections = {section["model"]: section["rows"] for section in data["data"]}
        person = Person.of(self.person)
        expected = [e for e in registered() if e.fields and e.rows(person).exists()]
        for label in [
            "auth.User",
            "wagtailusers.UserProfile",
            "cohorts.Enrollment",
            "cohorts.Attendance",
            "cohorts.Invitation",
            "cohorts.CalendarFeed",
            "assignments.Reflection",
            "assignments.Comment",
            "signin.SignInLink",
            "outbox.OutgoingEmail",
            "privacy.DataExport",
            "privacy.AccessLogEntry",
        ]:
            self.assertIn(label, {entry.label for entry in expected})
        for entry in expected:
            with self.subTest(entry.label):
                rows = sections[entry.label]
                count = entry.rows(person)
                if entry.model is AccessLogEntry:  # the download came after
                    count = count.exclude(action=AccessLogEntry.Action.DOWNLOAD_DATA)
                self.assertEqual(len(rows), count.count())
                for row in rows:
                    self.assertEqual(set(row), set(entry.fields))
        user_row = sections["auth.User"][0]
        self.assertEqual(user_row["email"], self.person.email)
        self.assertEqual(sections["cohorts.Enrollment"][0]["organisation"], "Virasto")
        answers = [r["answers"] for r in sections["assignments.Reflection"]]
        self.assertIn("My shared try", json.dumps(answers))
        self.assertIn("My private try", json.dumps(answers))
        self.assertIn("My comment to Oona", files["index.html"])
        self.assertIn("Nice work, Pat", files["index.html"])

    def test_export_holds_nothing_of_anyone_else(self):
        __, response = self.export_as(self.person)

        content = "\n".join(archive_files(response.content).values())
        other = self.other.user
        for text in [
            other.email,
            "Otherperson",
            "Muuvirasto",
            "Oonas secret try",
            "Oonas comment",
            "Oonas own note",
            self.trainer.email,
            "Trainer",
        ]:
            self.assertNotIn(text, content)

    def test_only_its_requester_downloads_an_export_and_only_until_it_expires(self):
        export, __ = self.export_as(self.person)
        url = reverse("privacy:download", args=[export.pk])

        self.client.force_login(self.other.user)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.person)
        DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_downloaded_file_is_named_with_the_day_the_page_shows(self):
        # Asked for at 1.30 on 7 December in Helsinki, still the 6th in UTC:
        # the page says "7 December", and so does the file's name.
        # (Set on the row: its default is the clock's own function, which
        # patching django.utils.timezone.now does not reach.)
        asked = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
        export, __ = self.export_as(self.person)
        DataExport.objects.filter(pk=export.pk).update(requested_at=asked)
        response = self.client.get(reverse("privacy:download", args=[export.pk]))

        self.assertIn(
            f'filename="henkilotiedot-{self.person.pk}-20261207.zip"',
            response["Content-Disposition"],
        )

    def test_a_privacy_officer_exports_anyones_data_from_the_admin(self):
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("data_exports:add"), {"email": self.person.email}
            )
        self.assertEqual(response.status_code, 302)
        export = DataExport.objects.get()
        self.assertEqual(export.subject, self.person)
        listing = self.client.get(reverse("data_exports:index"))
        self.assertContains(listing, reverse("privacy:download", args=[export.pk]))
        download = self.client.get(reverse("privacy:download", args=[export.pk]))
        self.assertIn("My private try", archive_files(download.content)["data.json"])
        self.assertTrue(
            AccessLogEntry.objects.filter(
                actor=self.coordinator,
                subject=self.person,
                action=AccessLogEntry.Action.DOWNLOAD_DATA,
            ).exists()
        )

    def test_an_officer_who_lost_the_role_no_longer_downloads_anothers_data(self):
        # The role's permissions come from a group: taken out of it, the
        # coordinator's export of someone else's data stays theirs to read
        # no longer, though it has not expired yet.
        self.client.force_login(self.coordinator)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("data_exports:add"), {"email": self.person.email})
        url = reverse("privacy:download", args=[DataExport.objects.get().pk])
        self.assertEqual(self.client.get(url).status_code, 200)

        self.coordinator.groups.clear()
        self.coordinator = get_user_model().objects.get(pk=self.coordinator.pk)

        self.assertEqual(self.client.get(url).status_code, 404)
        # Their own data they download whatever their role.
        __, response = self.export_as(self.coordinator)
        self.assertEqual(response.status_code, 200)

    def test_a_coordinator_cannot_reach_the_account_of_anyone_using_the_admin(self):
        admin = get_user_model().objects.create_superuser(
            "root", "root@example.org", "x"
        )
        other_coordinator = make_coordinator("koordinaattori2@example.fi")
        self.client.force_login(self.coordinator)
        for name in ("data_exports:add", "erasure_requests:add"):
            for staff in (admin, self.trainer, other_coordinator):
                with self.subTest(name=name, staff=staff.email):
                    response = self.client.post(reverse(name), {"email": staff.email})
                    self.assertContains(
                        response,
                        "Only a superuser can export or erase the data of someone "
                        "who uses the admin.",
                    )
        self.assertFalse(DataExport.objects.exists())
        self.assertFalse(ErasureRequest.objects.exists())
        # A superuser can; the people themselves ask on their own data page.
        self.client.force_login(admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("data_exports:add"), {"email": self.trainer.email}
            )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(DataExport.objects.get().subject, self.trainer)

    def test_a_trainer_cannot_export_anyones_data(self):
        self.client.force_login(self.trainer)
        response = self.client.post(
            reverse("data_exports:add"), {"email": self.person.email}
        )
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(DataExport.objects.exists())

    def test_the_page_of_ones_data_asks_as_many_queries_however_many_exports(self):
        self.client.force_login(self.person)
        url = reverse("privacy:my_data")
        self.client.get(url)
        DataExport.objects.create(subject=self.person, requested_by=self.person)
        with self.assertNumQueries(4):
            self.client.get(url)
        for __ in range(4):
            DataExport.objects.create(subject=self.person, requested_by=self.person)
        with self.assertNumQueries(4):
            self.client.get(url)


def shown_under(page, heading):
    """What the page to read shows under ``heading``, in each row."""
    return [
        dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.find_all("dt", string=heading)
    ]


class ExportPageTest(PrivacyDataMixin, TestCase):
    """The archive's index.html, the page a person reads in a browser."""

    def read_export(self, language, time_zone="", now=None):
        """(index.html as soup, data.json) of the person's archive, as they
        get it in ``language`` with ``time_zone`` chosen in their profile."""
        UserProfile.objects.filter(user=self.person).update(
            preferred_language=language, current_time_zone=time_zone
        )
        files = archive_files(build_archive(self.person, now))
        page = WagtailTestUtils.get_soup(files["index.html"])
        return page, json.loads(files["data.json"])

    def test_answers_read_as_each_question_and_its_answer(self):
        Response.objects.create(enrollment=self.me, wave="baseline", open_answers=[])

        page, data = self.read_export("en")

        question = page.find("dt", string="What did you try?")
        self.assertEqual(question.find_next_sibling("dd").text, "My shared try")
        self.assertEqual(
            shown_under(page, "Answers"),
            ["What did you try? My shared try", "What did you try? My private try"],
        )
        self.assertEqual(shown_under(page, "Open answers"), ["–"])
        self.assertNotIn("prompt", page.text)
        self.assertNotIn("[", page.text)
        rows = {s["model"]: s["rows"] for s in data["data"]}
        self.assertEqual(
            rows["assignments.Reflection"][0]["answers"],
            [{"prompt": "What did you try?", "answer": "My shared try"}],
        )
        self.assertEqual(rows["impact.Response"][0]["open_answers"], [])

    def test_times_read_in_the_persons_time_zone_and_language(self):
        sent = datetime(2025, 6, 16, 10, 28, 20, 614000, tzinfo=UTC)
        Reflection.objects.filter(pk=self.shared.pk).update(submitted_at=sent)

        page, data = self.read_export("fi")

        self.assertIn("16. kesäkuuta 2025 klo 13.28", shown_under(page, "Lähetetty"))
        self.assertNotIn("2025-06-16T10:28", page.text)
        rows = {s["model"]: s["rows"] for s in data["data"]}
        submitted = [r["submitted_at"] for r in rows["assignments.Reflection"]]
        self.assertIn("2025-06-16T10:28:20.614Z", submitted)

        page, __ = self.read_export("fi", time_zone="Asia/Tokyo")

        self.assertIn("16. kesäkuuta 2025 klo 19.28", shown_under(page, "Lähetetty"))

    def test_the_date_of_the_export_ends_its_sentence_with_one_full_stop(self):
        now = datetime(2025, 6, 16, 14, 5, tzinfo=UTC)

        page, __ = self.read_export("en", now=now)

        introduction = page.find("h1").find_next("p").get_text(" ", strip=True)
        self.assertIn("June 16, 2025, 5:05 p.m.", introduction)
        self.assertNotIn("p.m..", introduction)

    def test_choices_and_yes_or_no_read_as_words_of_the_persons_language(self):
        Response.objects.create(enrollment=self.me, wave="baseline")

        page, data = self.read_export("sv")

        self.assertIn("Inlämnad", shown_under(page, "Status"))
        self.assertIn("Delad med gruppen", shown_under(page, "Synlig för"))
        self.assertEqual(shown_under(page, "Försenad"), ["nej", "nej"])
        self.assertEqual(shown_under(page, "Närvaro"), ["Närvarande"])
        self.assertEqual(shown_under(page, "Roll"), ["Deltagare"])
        self.assertEqual(shown_under(page, "Enkätomgång"), ["Före utbildningen"])
        self.assertIn("Inbjudan", shown_under(page, "Typ"))
        self.assertIn("Inbjudan eller uppdatering", shown_under(page, "Meddelande"))
        shown = {dd.get_text(strip=True) for dd in page.find_all("dd")}
        for code in [
            "submitted",
            "cohort",
            "False",
            "present",
            "participant",
            "baseline",
            "invite",
            "REQUEST",
        ]:
            self.assertNotIn(code, shown)
        rows = {s["model"]: s["rows"] for s in data["data"]}
        self.assertEqual(rows["assignments.Reflection"][0]["status"], "submitted")
        self.assertEqual(rows["cohorts.Attendance"][0]["status"], "present")

    def test_a_statement_in_another_language_than_the_page_is_marked_with_it(self):
        statement = CohortStatement.objects.create(
            cohort=self.cohort,
            text_fi="Kokouksissani kaikki pääsevät ääneen.",
            text_sv="På mina möten kommer alla till tals.",
            text_en="",
        )
        response = Response.objects.create(enrollment=self.me, wave="baseline")
        Rating.objects.create(response=response, statement=statement, value=6)

        page, __ = self.read_export("sv")

        self.assertEqual(page.html["lang"], "sv")
        finnish = page.find("dd", string="Kokouksissani kaikki pääsevät ääneen.")
        self.assertEqual(finnish["lang"], "fi")
        swedish = page.find("dd", string="På mina möten kommer alla till tals.")
        self.assertFalse(swedish.has_attr("lang"))
        # Nothing else: not the missing English wording, nor what the
        # person wrote, whose language nothing records.
        self.assertEqual(
            [dd.text for dd in page.find_all("dd", lang=True)], [finnish.text]
        )

        page, __ = self.read_export("en")

        swedish = page.find("dd", string="På mina möten kommer alla till tals.")
        self.assertEqual(swedish["lang"], "sv")

    def test_the_chosen_language_reads_as_its_name_in_that_language(self):
        page, data = self.read_export("fi")

        self.assertEqual(shown_under(page, "Mieluisin kieli"), ["suomi"])

        page, data = self.read_export("sv")

        self.assertEqual(shown_under(page, "Föredraget språk"), ["svenska"])
        rows = {s["model"]: s["rows"] for s in data["data"]}
        self.assertEqual(
            rows["wagtailusers.UserProfile"][0]["preferred_language"], "sv"
        )

    def test_permissions_of_ones_own_read_as_their_names(self):
        # A participant has none: they are given to people in the admin.
        self.assertFalse(self.person.user_permissions.exists())
        self.person.user_permissions.add(
            Permission.objects.get(codename="access_admin"),
            Permission.objects.get(codename="view_erasurerequest"),
        )
        erasures = Permission.objects.get(codename="view_erasurerequest").name

        page, data = self.read_export("fi")

        self.assertEqual(
            sorted(shown_under(page, "Oikeudet")),
            [erasures, "Pääsy Wagtail-ylläpitoon"],
        )
        self.assertNotIn("access_admin", page.text)
        self.assertNotIn("view_erasurerequest", page.text)
        rows = {s["model"]: s["rows"] for s in data["data"]}
        self.assertEqual(
            sorted(
                row["permission__codename"]
                for row in rows["auth.User_user_permissions"]
            ),
            ["access_admin", "view_erasurerequest"],
        )

    def test_an_answer_to_a_removed_question_says_so(self):
        answers = [
            {"prompt": "What did you try?", "answer": "My private try"},
            {"prompt": "What went wrong?", "answer": "Nothing", "removed": True},
        ]
        Reflection.objects.filter(pk=self.private.pk).update(answers=answers)

        page, data = self.read_export("sv")

        question = page.find(
            "dt", string="Svar på en fråga som har tagits bort: What went wrong?"
        )
        self.assertEqual(question.find_next_sibling("dd").text, "Nothing")
        self.assertIsNone(page.find("dt", string="What went wrong?"))
        rows = {s["model"]: s["rows"] for s in data["data"]}
        self.assertEqual(rows["assignments.Reflection"][1]["answers"], answers)


class ErasureTest(SMTPServerMixin, PrivacyDataMixin, TestCase):
    def approved_erasure(self):
        self.client.force_login(self.person)
        self.client.post(reverse("privacy:request_erasure"))
        request = ErasureRequest.objects.get()
        self.client.force_login(self.coordinator)
        response = self.client.post(
            reverse("erasure_requests:edit", args=[request.pk]),
            {"decision": "approve"},
        )
        self.assertEqual(response.status_code, 302)
        request.refresh_from_db()
        self.assertEqual(request.state, ErasureRequest.State.APPROVED)
        return request

    def test_only_a_superuser_approves_the_erasure_of_someone_using_the_admin(self):
        # A trainer asks on their own data page; a privacy officer who is no
        # superuser may not close an account that reaches the admin.
        self.client.force_login(self.trainer)
        self.client.post(reverse("privacy:request_erasure"))
        request = ErasureRequest.objects.get(subject=self.trainer)
        url = reverse("erasure_requests:edit", args=[request.pk])
        self.client.force_login(self.coordinator)

        response = self.client.post(url, {"decision": "approve"})

        self.assertContains(
            response,
            "Only a superuser can export or erase the data of someone "
            "who uses the admin.",
        )
        request.refresh_from_db()
        self.assertEqual(request.state, ErasureRequest.State.REQUESTED)
        # A superuser may approve it.
        admin = User.objects.create_superuser("root", "root@example.org", "x")
        self.client.force_login(admin)
        response = self.client.post(url, {"decision": "approve"})
        self.assertEqual(response.status_code, 302)
        request.refresh_from_db()
        self.assertEqual(request.state, ErasureRequest.State.APPROVED)
        self.assertEqual(request.approved_by, admin)

    def erase(self, request):
        """Run the erasure after its cool-off, as the periodic job does,
        letting the outbox send what it queued, until it is done."""
        later = request.run_after + timedelta(minutes=1)
        state = erasure.run(request.pk, now=later)
        if state == ErasureRequest.State.WAITING:
            send_pending()
            state = erasure.run(request.pk, now=later)
        return state

    def assertNoTrace(self, person):
        for entry in registered():
            with self.subTest(entry.label):
                self.assertEqual(entry.traces(person), 0)

    def test_nothing_happens_during_the_cool_off(self):
        request = self.approved_erasure()

        self.assertIsNone(erasure.run(request.pk))
        self.assertTrue(User.objects.filter(pk=self.person.pk, is_active=True).exists())

    def test_a_withdrawn_request_is_never_run(self):
        request = self.approved_erasure()
        self.client.force_login(self.person)
        self.client.post(reverse("privacy:withdraw_erasure"))

        self.assertIsNone(erasure.run(request.pk, now=request.run_after))
        self.assertTrue(User.objects.filter(pk=self.person.pk).exists())

    def test_erasure_leaves_no_trace_in_any_registered_table(self):
        person = Person.of(self.person)
        request = self.approved_erasure()

        self.assertEqual(self.erase(request), ErasureRequest.State.DONE)

        self.assertNoTrace(person)
        request.refresh_from_db()
        self.assertEqual(request.subject_email, "")
        self.assertFalse(Reflection.objects.filter(pk=self.private.pk).exists())
        self.assertFalse(Invitation.objects.filter(email=person.email).exists())
        # The other participant keeps everything.
        self.assertEqual(
            Reflection.objects.get(pk=self.others.pk).answers[0]["answer"],
            "Oonas secret try",
        )
        self.assertTrue(Attendance.objects.filter(enrollment=self.other).exists())

    def test_the_calendar_gets_its_cancellations(self):
        request = self.approved_erasure()

        self.erase(request)

        cancelled = [
            part.get_content()
            for message in self.mailbox.messages
            if message["To"] == self.person.email
            for part in message.walk()
            if part.get_content_type() == "text/calendar"
            and "METHOD:CANCEL" in part.get_content()
        ]
        self.assertEqual(len(cancelled), self.cohort.sessions.count())

    def test_the_cohort_space_still_reads_in_order_with_placeholders(self):
        self.erase(self.approved_erasure())
        reader = self.other.user
        self.client.force_login(reader)

        for language, deleted, removed in [
            ("en", "Deleted user", "This reflection was removed"),
            ("fi", "Poistettu käyttäjä", "Tämä reflektio poistettiin"),
            ("sv", "Raderad användare", "Den här reflektionen togs bort"),
        ]:
            with self.subTest(language), translation.override(language):
                page = self.client.get(
                    reverse("participant:cohort", args=[self.cohort.pk])
                ).content.decode()
                self.assertLess(page.index(deleted), page.index("Oona Otherperson"))
                self.assertIn(removed, page)
                self.assertNotIn("My shared try", page)
                shared = self.client.get(
                    reverse("participant:shared_reflection", args=[self.shared.pk])
                )
                self.assertContains(shared, "Oonas comment")
                other = self.client.get(
                    reverse("participant:shared_reflection", args=[self.others.pk])
                ).content.decode()
                self.assertIn(deleted, other)
                self.assertNotIn("My comment to Oona", other)
                self.assertLess(other.index(deleted), other.index("Oonas own note"))

    def test_rerunning_after_a_crash_halfway_finishes_it(self):
        person = Person.of(self.person)
        request = self.approved_erasure()
        later = request.run_after + timedelta(minutes=1)

        with (
            mock.patch(
                "privacy.declarations.erase_emails", side_effect=RuntimeError("cut")
            ),
            self.assertRaises(RuntimeError),
        ):
            erasure.run(request.pk, now=later)

        request.refresh_from_db()
        self.assertEqual(request.state, ErasureRequest.State.RUNNING)
        self.assertFalse(Enrollment.objects.filter(user=self.person).exists())
        self.assertFalse(User.objects.get(pk=self.person.pk).is_active)
        self.assertEqual(self.erase(request), ErasureRequest.State.DONE)
        self.assertNoTrace(person)

    def test_the_periodic_job_runs_due_erasures_as_tasks_until_done(self):
        from outbox.scheduling import registered as periodic_jobs

        request = self.approved_erasure()
        ErasureRequest.objects.filter(pk=request.pk).update(
            run_after=timezone.now() - timedelta(minutes=1)
        )
        job = periodic_jobs()["privacy.erasures"]

        self.assertEqual(job.run(), 1)
        request.refresh_from_db()
        self.assertEqual(request.state, ErasureRequest.State.WAITING)
        send_pending()
        job.run()
        request.refresh_from_db()
        self.assertEqual(request.state, ErasureRequest.State.DONE)
        self.assertEqual(job.run(), 0)
        self.assertFalse(User.objects.filter(pk=self.person.pk).exists())

    def test_each_step_is_in_the_access_log(self):
        request = self.approved_erasure()
        self.erase(request)

        actions = set(AccessLogEntry.objects.values_list("action", flat=True))
        Action = AccessLogEntry.Action
        self.assertLessEqual(
            {Action.REQUEST_ERASURE, Action.APPROVE_ERASURE, Action.ERASE}, actions
        )
        # The person's name is gone from the log, the entries stay.
        self.assertFalse(
            AccessLogEntry.objects.filter(
                subject_name__icontains=self.person.last_name
            ).exists()
        )


class AccessLogTest(PrivacyDataMixin, TestCase):
    def test_reading_another_persons_reflection_is_logged_never_its_text(self):
        self.client.force_login(self.other.user)
        self.client.get(reverse("participant:shared_reflection", args=[self.shared.pk]))

        entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.VIEW_REFLECTION)
        self.assertEqual((entry.actor, entry.subject), (self.other.user, self.person))
        self.assertNotIn("My shared try", str(entry.__dict__))

    def test_reading_ones_own_reflection_is_not_logged(self):
        self.client.force_login(self.person)
        self.client.get(reverse("participant:shared_reflection", args=[self.shared.pk]))

        self.assertFalse(AccessLogEntry.objects.exists())

    def test_a_trainer_reading_a_reflection_in_the_admin_is_logged(self):
        self.client.force_login(self.trainer)
        self.client.get(reverse("reflections:review", args=[self.private.pk]))

        self.assertTrue(
            AccessLogEntry.objects.filter(
                actor=self.trainer,
                subject=self.person,
                action=AccessLogEntry.Action.VIEW_REFLECTION,
            ).exists()
        )

    def test_a_trainer_opening_a_reflection_in_the_admin_listing_is_logged(self):
        # "Inspect" in the reflections listing shows the answers as the
        # review page does, so it is logged as the review page is.
        self.client.force_login(self.trainer)
        response = self.client.get(
            reverse("reflections:inspect", args=[self.private.pk])
        )

        self.assertEqual(response.status_code, 200)
        entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.VIEW_REFLECTION)
        self.assertEqual((entry.actor, entry.subject), (self.trainer, self.person))
        self.assertEqual(entry.target, self.private.experiment.title)

    def test_an_export_of_a_listing_is_logged(self):
        self.client.force_login(self.coordinator)
        self.client.get(reverse("enrollments:index") + "?export=csv")

        self.assertTrue(
            AccessLogEntry.objects.filter(
                actor=self.coordinator, action=AccessLogEntry.Action.EXPORT_LISTING
            ).exists()
        )

    def test_the_log_exports_in_the_readers_words_and_local_time(self):
        # A person who asks who has read their data gets the log as a file:
        # in the officer's language, Helsinki time, no name a formula.
        User.objects.filter(pk=self.other.user_id).update(
            first_name='=HYPERLINK("http://example.com")'
        )
        self.client.force_login(self.other.user)
        self.client.get(reverse("participant:shared_reflection", args=[self.shared.pk]))
        AccessLogEntry.objects.update(timestamp=datetime(2026, 3, 16, 7, 5, tzinfo=UTC))
        UserProfile.objects.update_or_create(
            user=self.coordinator, defaults={"preferred_language": "fi"}
        )
        self.client.force_login(self.coordinator)

        response = self.client.get(reverse("access_log:index") + "?export=csv")
        content = b"".join(response.streaming_content)

        self.assertEqual(
            response["Content-Disposition"],
            f'attachment; filename="kayttoloki-{timezone.localdate():%Y-%m-%d}.csv"',
        )
        rows = csv_rows(content)
        self.assertEqual(rows[0], ["Aika", "Kuka", "Toiminto", "Kenen tiedot", "Mitä"])
        self.assertEqual(
            rows[1][:3],
            [
                "16.3.2026 9.05",
                '\'=HYPERLINK("http://example.com") Otherperson',
                "Luki toisen henkilön reflektion",
            ],
        )
        # The export is itself in the log.
        self.assertTrue(
            AccessLogEntry.objects.filter(
                actor=self.coordinator, action=AccessLogEntry.Action.EXPORT_LISTING
            ).exists()
        )

    def test_coordinators_search_the_log_and_trainers_do_not_see_it(self):
        self.client.force_login(self.other.user)
        self.client.get(reverse("participant:shared_reflection", args=[self.shared.pk]))

        self.client.force_login(self.coordinator)
        found = self.client.get(reverse("access_log:index"), {"q": "Otherperson"})
        self.assertContains(found, "Oona Otherperson")
        nothing = self.client.get(reverse("access_log:index"), {"q": "Nobody"})
        self.assertNotContains(nothing, "Oona Otherperson")
        self.client.force_login(self.trainer)
        self.assertNotEqual(
            self.client.get(reverse("access_log:index")).status_code, 200
        )

    def test_old_entries_are_forgotten(self):
        from privacy.access import forget_old

        AccessLogEntry.objects.create(
            action=AccessLogEntry.Action.VIEW_PERSON,
            timestamp=timezone.now() - timedelta(days=800),
        )
        kept = AccessLogEntry.objects.create(action=AccessLogEntry.Action.VIEW_PERSON)

        self.assertEqual(forget_old(), 1)
        self.assertEqual(list(AccessLogEntry.objects.all()), [kept])


class RetentionTest(PrivacyDataMixin, TestCase):
    def setUp(self):
        super().setUp()
        # A second cohort whose sessions ended six months ago keeps its data.
        self.recent = make_cohort(self.course, title="Cohort B")
        [self.recent_person] = make_participants(self.recent, 1, prefix="b")
        self.last_end = max(s.end for s in self.cohort.sessions.all())
        last_recent = max(s.end for s in self.recent.sessions.all())
        self.now = self.last_end + timedelta(days=370)
        shift = self.now - timedelta(days=180) - last_recent
        from cohorts.models import Session

        for session in self.recent.sessions.all():
            Session.objects.filter(pk=session.pk).update(
                start=session.start + shift, end=session.end + shift
            )

    def test_retention_lists_the_cohorts_past_it_and_erases_them_once_confirmed(self):
        from cohorts import retention
        from cohorts.models import RetentionReview

        self.assertEqual(retention.run(self.now), {"listed": 1, "erased": 0})
        review = RetentionReview.objects.get()
        self.assertEqual(review.cohort_id, self.cohort.pk)
        # Nothing goes until a coordinator confirms.
        self.assertTrue(Reflection.objects.filter(pk=self.shared.pk).exists())

        self.client.force_login(self.coordinator)
        listing = self.client.get(reverse("retention:index"))
        self.assertContains(listing, self.cohort.title)
        response = self.client.post(
            reverse("retention:edit", args=[review.pk]), {"confirm": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(retention.run(self.now), {"listed": 0, "erased": 1})

        for entry in registered():
            if entry.cohort:
                with self.subTest(entry.label):
                    self.assertEqual(entry.rows_of_cohort(self.cohort.pk).count(), 0)
        self.assertTrue(self.cohort.sessions.exists())
        self.assertTrue(Enrollment.objects.filter(pk=self.recent_person.pk).exists())
        self.assertEqual(retention.run(self.now), {"listed": 0, "erased": 0})

    def test_participants_whom_nothing_else_keeps_lose_their_accounts_too(self):
        from cohorts import retention
        from cohorts.enrolment import enrol
        from cohorts.models import RetentionReview

        # Oona is in the recent cohort too: her account stays, as does the
        # trainer's, a coordinator's and Pat's until his erasure runs.
        enrol(self.recent, self.other.user.email, "Oona", "Otherperson")
        # A third, in this cohort alone, holds a permission of their own.
        [officer] = make_participants(self.cohort, 1, prefix="officer")
        officer.user.user_permissions.add(
            Permission.objects.get(codename="view_erasurerequest")
        )
        retention.run(self.now)
        retention.confirm(RetentionReview.objects.get(), self.coordinator, self.now)
        self.assertEqual(retention.run(self.now)["erased"], 1)

        [request] = ErasureRequest.objects.all()
        self.assertEqual(request.subject, self.person)
        self.assertEqual(request.state, ErasureRequest.State.APPROVED)
        self.assertEqual(request.approved_by, self.coordinator)
        self.assertIn(self.cohort.title, request.reason)
        # His calendar's cancellations go out first; then the account goes.
        self.assertEqual(
            erasure.run(request.pk, self.now), ErasureRequest.State.WAITING
        )
        send_pending()
        self.assertEqual(erasure.run(request.pk, self.now), ErasureRequest.State.DONE)
        self.assertFalse(User.objects.filter(pk=self.person.pk).exists())
        for kept in [self.other.user, self.trainer, self.coordinator, officer.user]:
            self.assertTrue(User.objects.filter(pk=kept.pk, is_active=True).exists())
        # Another run asks for nothing more.
        retention.run(self.now)
        self.assertEqual(ErasureRequest.objects.count(), 1)

    def test_a_trainer_cannot_confirm(self):
        from cohorts import retention
        from cohorts.models import RetentionReview

        retention.run(self.now)
        review = RetentionReview.objects.get()
        self.client.force_login(self.trainer)
        self.client.post(reverse("retention:edit", args=[review.pk]), {"confirm": "on"})

        review.refresh_from_db()
        self.assertIsNone(review.confirmed_at)


class OpeningAPersonTest(PrivacyDataMixin, TestCase):
    def test_opening_a_persons_enrolment_in_the_admin_is_logged(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("enrollments:inspect", args=[self.me.pk]))

        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            AccessLogEntry.objects.filter(
                actor=self.coordinator,
                subject=self.person,
                action=AccessLogEntry.Action.VIEW_PERSON,
            ).exists()
        )
