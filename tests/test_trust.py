"""What independent testing found (issue 10): each class is one finding,
and each test fails without its fix."""

import io
import logging
import re
import time
import tracemalloc
import zipfile
from datetime import timedelta
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.core.mail import get_connection
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import GroupPagePermission
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from assignments.feedback import give_feedback
from assignments.models import Comment, Reflection
from cohorts.audit import ATTENDANCE, EXPORT, IMPORT
from cohorts.enrolment import enrol, withdraw
from cohorts.importing import read_people
from cohorts.models import Attendance, Enrollment, TrainingLogEntry
from outbox.models import OutgoingEmail
from outbox.sending import build_message
from signin import links as signin
from signin.logging import redact

from .factories import (
    cohort_edit_data,
    commission,
    make_cohort,
    make_commissioner,
    make_coordinator,
    make_course,
    make_trainer,
    make_user,
)
from .test_progress import start_now

ENROLMENTS = "/admin/training/enrolments/"
LOGIN = "/en/accounts/login/"


def workbook(parts):
    """An .xlsx archive of ``parts`` ({name: bytes or a chunk iterator})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if isinstance(data, bytes):
                archive.writestr(name, data)
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in data:
                    part.write(chunk)
    return buffer.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="xml" ContentType='
    b'"application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main'
    b'+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet'
    b'+xml"/></Types>'
)


def sheet_parts(rows_xml, shared_strings=None):
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="r1" '
        b'Type="' + rel + b'/officeDocument" Target="xl/workbook.xml"/>'
        b"</Relationships>",
        "xl/workbook.xml": b"<workbook " + ns + b' xmlns:r="' + rel + b'"><sheets>'
        b'<sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships '
        b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="r1" Type="' + rel + b'/worksheet" '
        b'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": rows_xml,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return parts


def upload(data, name="people.xlsx"):
    return SimpleUploadedFile(name, data)


class SpreadsheetBombTests(TestCase):
    """Finding 1: a small workbook that unpacks to a gigabyte."""

    def setUp(self):
        translation.activate("en")
        self.addCleanup(translation.activate, settings.LANGUAGE_CODE)

    def read_measured(self, data):
        tracemalloc.start()
        started = time.perf_counter()
        try:
            people, problems = read_people(upload(data))
            took = time.perf_counter() - started
            __, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return people, problems, took, peak

    def test_shared_strings_that_unpack_to_a_gigabyte_are_refused_at_once(self):
        chunk = b"<si><t>" + b"A" * 1_000_000 + b"</t></si>"
        strings = iter(
            [
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                b'2006/main">',
                *([chunk] * 1024),
                b"</sst>",
            ]
        )
        rows = (
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
            b'<c r="B1" t="inlineStr"><is><t>email</t></is></c></row>'
            b"</sheetData></worksheet>"
        )
        data = workbook(sheet_parts(rows, strings))
        self.assertLess(len(data), 3 * 1024 * 1024)

        people, problems, took, peak = self.read_measured(data)

        self.assertEqual(people, [])
        self.assertIn("too large to import", problems[0].message)
        self.assertLess(took, 2)
        self.assertLess(peak, 100 * 1024 * 1024)

    def test_a_sheet_of_a_million_empty_rows_is_refused_at_once(self):
        rows = iter(
            [
                b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>',
                *(
                    b"".join(b'<row r="%d"/>' % n for n in range(start, start + 10_000))
                    for start in range(1, 1_048_577, 10_000)
                ),
                b"</sheetData></worksheet>",
            ]
        )
        people, problems, took, peak = self.read_measured(workbook(sheet_parts(rows)))
        self.assertEqual(people, [])
        self.assertIn("too large to import", problems[0].message)
        self.assertLess(took, 2)

    def test_rows_beyond_the_limit_are_refused_even_when_small(self):
        ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        rows = (
            b'<worksheet xmlns="'
            + ns
            + b'"><sheetData>'
            + b"".join(b'<row r="%d"/>' % n for n in range(1, 6_000))
            + b"</sheetData></worksheet>"
        )
        people, problems, took, __ = self.read_measured(workbook(sheet_parts(rows)))
        self.assertEqual(people, [])
        self.assertIn("more than 5", problems[0].message)

    def test_a_cell_longer_than_any_name_is_refused(self):
        csv = "name,email\n" + "A" * 5000 + ",anna@example.fi\n"
        people, problems = read_people(upload(csv.encode(), "people.csv"))
        self.assertEqual(people, [])
        self.assertIn("row 2 is longer than", problems[0].message)


class StaffAccountsTests(WagtailTestUtils, TestCase):
    """Finding 2: email alone never yields an admin session."""

    @classmethod
    def setUpTestData(cls):
        cls.cohort = make_cohort(make_course())

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    def link_for(self, user):
        __, token = signin.new_link(user)
        return reverse("signin:link", args=[token])

    def test_a_link_of_a_superuser_does_not_sign_in_and_says_use_the_password(self):
        boss = make_user("boss@example.fi", is_superuser=True, is_staff=True)
        url = self.link_for(boss)
        response = self.client.post(url)
        self.assertContains(response, "signs in with its", status_code=403)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_enrolling_a_superuser_as_trainer_sends_no_sign_in_link(self):
        boss = make_user("boss@example.fi", is_superuser=True, first_name="Bo")
        with self.captureOnCommitCallbacks(execute=True):
            enrol(self.cohort, "BOSS@example.fi", "Someone", "Else", "trainer")
        boss.refresh_from_db()
        self.assertEqual((boss.first_name, boss.last_name), ("Bo", ""))
        from outbox.sending import render

        welcome = OutgoingEmail.objects.get(key__startswith="welcome:")
        render(welcome)
        message = build_message(welcome)
        self.assertNotIn("/accounts/link/", message.body)
        self.assertIn("sign-in page", message.body)

    def test_a_new_trainer_sets_a_password_through_an_expiring_link(self):
        from outbox.sending import render

        with self.captureOnCommitCallbacks(execute=True):
            trainer = enrol(self.cohort, "tero@example.fi", "Tero", "T", "trainer")
        welcome = OutgoingEmail.objects.get(key=f"welcome:{trainer.pk}")
        render(welcome)
        self.assertNotIn("/accounts/link/", welcome.text)
        [url] = re.findall(
            r"http://testserver(/accounts/password_reset/\S+/)", welcome.text
        )
        response = self.client.get(url, follow=True)
        form_url = response.redirect_chain[-1][0]
        self.client.post(
            form_url,
            {
                "new_password1": "a long new pass 42",
                "new_password2": "a long new pass 42",
            },
        )
        trainer.user.refresh_from_db()
        self.assertTrue(trainer.user.check_password("a long new pass 42"))
        # A used link does not work again, nor does one past its time.
        fresh = signin.password_setting_url(trainer.user).removeprefix(
            "http://testserver"
        )
        self.assertContains(self.client.get(fresh, follow=True), "new_password1")
        self.client.logout()
        later = timezone.localtime().replace(tzinfo=None) + timedelta(days=4)
        with mock.patch(
            "django.contrib.auth.tokens.PasswordResetTokenGenerator._now",
            return_value=later,
        ):
            expired = self.client.get(fresh, follow=True)
        self.assertNotContains(expired, "new_password1")

    def test_a_participant_who_becomes_a_trainer_is_asked_for_a_password(self):
        enrollment = enrol(self.cohort, "anna@example.fi", "Anna", "A")
        self.client.post(self.link_for(enrollment.user))
        self.assertIn("_auth_user_id", self.client.session)
        enrol(self.cohort, "anna@example.fi", role="trainer")

        response = self.client.get("/admin/")

        self.assertRedirects(
            response, "/admin/login/?next=/admin/", fetch_redirect_response=False
        )
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_nor_does_a_link_session_keep_reading_as_a_trainer_on_the_site(self):
        """Made a trainer while signed in by link: the session ends, so it
        never reads the cohort's private reflections (a trainer's right) on
        the public site, where the admin's check does not run."""
        enrollment = enrol(self.cohort, "anna@example.fi", "Anna", "A")
        olli = enrol(self.cohort, "olli@example.fi", "Olli", "O")
        private = Reflection.objects.create(
            author=olli,
            experiment=self.cohort.experiments.first(),
            answers=[{"prompt": "What?", "answer": "Only for the trainers"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=timezone.now(),
            visibility=Reflection.Visibility.TRAINERS,
        )
        path = reverse("participant:shared_reflection", args=[private.pk])
        self.client.post(self.link_for(enrollment.user))
        self.assertEqual(self.client.get(path).status_code, 404)

        enrol(self.cohort, "anna@example.fi", role="trainer")

        response = self.client.get(path)
        self.assertRedirects(
            response, f"{reverse('login')}?next={path}", fetch_redirect_response=False
        )
        self.assertNotIn("_auth_user_id", self.client.session)
        # An admin account stays as it is: only a link-only account's
        # password (unusable) is renewed, and a usable one is never touched.
        coordinator = make_coordinator()
        coordinator.set_password("a long pass 42")
        coordinator.save()
        enrol(self.cohort, coordinator.email, role="trainer")
        coordinator.refresh_from_db()
        self.assertTrue(coordinator.check_password("a long pass 42"))

    def private_reflection(self, cohort):
        author = enrol(cohort, "olli@example.fi", "Olli", "O")
        private = Reflection.objects.create(
            author=author,
            experiment=cohort.experiments.first(),
            answers=[{"prompt": "What?", "answer": "Only for the trainers"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=timezone.now(),
            visibility=Reflection.Visibility.TRAINERS,
        )
        return reverse("participant:shared_reflection", args=[private.pk])

    def test_a_link_session_reads_as_a_participant_whatever_it_is_given(self):
        """Rights given to the account while it is signed in by link, other
        than by joining a group with admin access (which ends its sessions),
        do not reach the public site either: a group given admin access or
        the trainers' permissions, or a permission of the account's own."""
        other = make_cohort(self.cohort.get_parent().specific, "Other")
        path = self.private_reflection(other)
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "A").user
        mentors = Group.objects.create(name="Mentors")
        mentors.user_set.add(anna)
        self.client.post(self.link_for(anna))
        self.assertEqual(self.client.get(path).status_code, 404)

        for app, codename in [
            ("wagtailadmin", "access_admin"),
            ("cohorts", "view_enrollment"),
            ("assignments", "view_reflection"),
        ]:
            permission = Permission.objects.get(
                content_type__app_label=app, codename=codename
            )
            mentors.permissions.add(permission)
            anna.user_permissions.add(permission)
        GroupPagePermission.objects.create(
            group=mentors,
            page=other,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename="change_page"
            ),
        )
        self.assertTrue(
            signin.can_reach_admin(get_user_model().objects.get(pk=anna.pk))
        )

        self.assertEqual(self.client.get(path).status_code, 404)
        # Still signed in, as the participant they are on the site.
        self.assertEqual(
            self.client.get(reverse("participant:my_training")).status_code, 200
        )
        # The same account signed in with a password reads as a trainer.
        anna.set_password("a long pass 42")
        anna.save()
        password = self.client_class()
        password.force_login(anna)
        self.assertContains(password.get(path), "Only for the trainers")

    def test_signing_in_with_a_password_ends_the_link_sessions_limits(self):
        """A participant with a password of their own, signed in by link,
        is made a trainer (their session goes on) and signs in with the
        password on the same browser: they read as the trainer they are."""
        path = self.private_reflection(self.cohort)
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "A").user
        anna.set_password("a long pass 42")
        anna.save()
        self.client.post(self.link_for(anna))
        enrol(self.cohort, "anna@example.fi", role="trainer")
        self.assertEqual(self.client.get(path).status_code, 404)

        response = self.client.post(
            reverse("login"), {"username": anna.email, "password": "a long pass 42"}
        )

        self.assertEqual(response.status_code, 302)
        self.assertContains(self.client.get(path), "Only for the trainers")

    def test_a_link_session_of_an_account_made_superuser_ends(self):
        """A superuser has every permission: a link session of an account
        with a password of its own (whose sessions are not ended on
        promotion) is signed out when it is made one."""
        path = self.private_reflection(self.cohort)
        anna = enrol(self.cohort, "anna@example.fi", "Anna", "A").user
        anna.set_password("a long pass 42")
        anna.save()
        self.client.post(self.link_for(anna))
        self.assertEqual(self.client.get(path).status_code, 404)

        get_user_model().objects.filter(pk=anna.pk).update(is_superuser=True)

        self.assertEqual(self.client.get(path).status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_a_coordinator_asking_for_a_link_is_told_to_use_the_password(self):
        from outbox.sending import send_pending

        coordinator = make_coordinator()
        enrol(self.cohort, coordinator.email)
        self.client.post(LOGIN, {"link-email": coordinator.email})
        send_pending()
        self.assertFalse(coordinator.sign_in_links.exists())
        email = OutgoingEmail.objects.get(kind="sign_in")
        self.assertEqual(email.subject, "Sign in to Virtu with your password")


class LogRedactionTests(TestCase):
    """Finding 3: no token in Django's logs."""

    def test_redact_keeps_the_address_and_drops_the_secret(self):
        line = (
            '"GET /en/accounts/link/abcDEF_123-x/ HTTP/1.1" 410 | '
            "/calendar/feed/Zz9_token.ics | /admin/password_reset/confirm/MQ/"
            "cx2-abc123/"
        )
        self.assertEqual(
            redact(line),
            '"GET /en/accounts/link/[redacted]/ HTTP/1.1" 410 | '
            "/calendar/feed/[redacted].ics | /admin/password_reset/confirm/MQ/"
            "[redacted]/",
        )

    def test_not_found_and_gone_warnings_print_no_token(self):
        # The test settings keep these warnings quiet; a site prints them.
        request_logger = logging.getLogger("django.request")
        self.addCleanup(request_logger.setLevel, request_logger.level)
        request_logger.setLevel(logging.WARNING)
        [handler] = logging.getLogger("django").handlers
        stream = io.StringIO()
        previous = handler.setStream(stream)
        self.addCleanup(handler.setStream, previous)
        user = make_user("anna@example.fi")
        link, token = signin.new_link(user)
        link.used_at = timezone.now()
        link.save()
        self.client.get(f"/accounts/link/{token}/")
        self.client.get("/accounts/link/not-a-known-token-value/")
        self.client.get("/calendar/feed/secret-feed-token.ics")
        output = stream.getvalue()
        self.assertIn("Gone: /accounts/link/[redacted]/", output)
        for secret in [token, "not-a-known-token-value", "secret-feed-token"]:
            self.assertNotIn(secret, output)


class EqualWorkTests(TestCase):
    """Finding 4: asking for a link does the same work for any address."""

    @override_settings(
        TASKS={
            "default": {
                "BACKEND": (
                    "django.tasks.backends.dummy.DummyBackend"
                    if __import__("django").VERSION >= (6, 0)
                    else "django_tasks.backends.dummy.DummyBackend"
                )
            }
        }
    )
    def test_an_enrolled_and_an_unknown_address_make_the_same_queries(self):
        cache.clear()
        self.addCleanup(cache.clear)
        cohort = make_cohort(make_course())
        enrol(cohort, "anna@example.fi", "Anna")
        queries = []
        for address in ["anna@example.fi", "nobody@example.fi"]:
            with CaptureQueriesContext(connection) as captured:
                response = self.client.post(LOGIN, {"link-email": address})
            self.assertEqual(response.status_code, 302)
            queries.append([query["sql"] for query in captured.captured_queries])
        self.assertEqual(queries[0], queries[1])


class LineBreakTests(WagtailTestUtils, TestCase):
    """Finding 5: a line break in a title."""

    def test_a_title_with_line_breaks_is_kept_on_one_line(self):
        cohort = make_cohort(make_course(), title="Ryhmä\r\nA")
        self.assertEqual(cohort.title, "Ryhmä A")
        session = cohort.sessions.first()
        session.title = "Day\none"
        session.clean()
        self.assertEqual(session.title, "Day one")

    def test_an_email_whose_subject_has_a_line_break_is_sent(self):
        email = OutgoingEmail.objects.create(
            key="x", kind="invite", to="a@example.fi", subject="Hi\r\nthere", text="."
        )
        connection_ = get_connection("django.core.mail.backends.locmem.EmailBackend")
        connection_.send_messages([build_message(email)])
        from django.core import mail

        self.assertEqual(mail.outbox[-1].subject, "Hi there")


class SessionOrderTests(WagtailTestUtils, TestCase):
    """Finding 6: moving a session with the arrows, times unchanged."""

    def test_moving_a_session_up_is_refused_with_a_message_not_a_500(self):
        cohort = make_cohort(make_course())
        self.client.force_login(make_coordinator())
        data = cohort_edit_data(cohort)
        data["sessions-0-ORDER"], data["sessions-1-ORDER"] = "1", "0"
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=[cohort.pk]), data
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Check the session times below.")


class WithdrawalTests(WagtailTestUtils, TestCase):
    """Finding 11: removing a participant keeps their work."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.coordinator = make_coordinator()
        cls.anna = enrol(cls.cohort, "anna@example.fi", "Anna", "A")
        cls.bert = enrol(cls.cohort, "bert@example.fi", "Bert", "B")
        experiment = cls.cohort.experiments.first()
        cls.reflection = Reflection.objects.create(
            experiment=experiment,
            author=cls.anna,
            answers=[{"prompt": "Q", "answer": "What I tried"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=timezone.now(),
            visibility=Reflection.Visibility.COHORT,
        )
        Comment.objects.create(
            reflection=cls.reflection, author=cls.bert.user, text="Nice"
        )
        Attendance.objects.create(
            session=cls.cohort.sessions.first(),
            enrollment=cls.anna,
            status=Attendance.Status.PRESENT,
        )

    def test_the_enrolment_editor_offers_to_withdraw_not_to_delete(self):
        self.client.force_login(self.coordinator)
        edit = f"{ENROLMENTS}edit/{self.anna.pk}/"
        withdraw_url = f"{ENROLMENTS}delete/{self.anna.pk}/"
        soup = self.get_soup(self.client.get(edit).content)
        link = soup.find("a", href=withdraw_url)
        self.assertEqual(" ".join(link.get_text().split()), "Withdraw")
        # Someone withdrawn already is not offered it (it would not be found).
        withdraw(self.anna, by=self.coordinator)
        soup = self.get_soup(self.client.get(edit).content)
        self.assertIsNone(soup.find("a", href=withdraw_url))

    def test_removing_in_the_admin_withdraws_and_enrolling_again_restores(self):
        self.client.force_login(self.coordinator)
        url = f"{ENROLMENTS}delete/{self.anna.pk}/"
        self.assertContains(self.client.get(url), "Yes, withdraw")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url)

        self.anna.refresh_from_db()
        self.assertIsNotNone(self.anna.withdrawn_at)
        self.assertEqual(self.anna.withdrawn_by, self.coordinator)
        self.assertTrue(Reflection.objects.filter(pk=self.reflection.pk).exists())
        self.assertEqual(Comment.objects.filter(reflection=self.reflection).count(), 1)
        self.assertEqual(Attendance.objects.filter(enrollment=self.anna).count(), 1)
        # They lose access, and their calendars are told.
        self.assertFalse(self.cohort.shows_sessions_to(self.anna.user))
        self.assertFalse(Reflection.objects.visible_to(self.anna.user).exists())
        self.assertTrue(
            OutgoingEmail.objects.filter(
                to="anna@example.fi", key__endswith=":CANCEL"
            ).exists()
        )
        # They leave the grid, which counts them apart.
        grid = self.client.get(reverse("cohorts:progress", args=[self.cohort.pk]))
        names = [
            row.find(["td", "th"]).get_text(strip=True)
            for row in self.get_soup(grid.content).select("table.listing tbody tr")
        ]
        self.assertEqual(names, ["Bert B"])
        self.assertContains(grid, 'data-withdrawn-count="1"')
        overview = self.client.get(reverse("courses:overview", args=[self.course.pk]))
        row = self.get_soup(overview.content).select("table.listing tbody tr")[0]
        cells = [cell.get_text(strip=True) for cell in row.find_all(["td", "th"])]
        self.assertEqual(cells[1:3], ["1", "1"])  # in the cohort, withdrawn

        response = self.client.post(
            f"{ENROLMENTS}new/",
            {
                "cohort": self.cohort.pk,
                "role": Enrollment.Role.PARTICIPANT,
                "email": "anna@example.fi",
                "organisation": "",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.anna.refresh_from_db()
        self.assertIsNone(self.anna.withdrawn_at)
        self.assertEqual(Enrollment.objects.filter(user=self.anna.user).count(), 1)
        self.assertTrue(self.cohort.shows_sessions_to(self.anna.user))
        self.assertIn(self.reflection, Reflection.objects.visible_to(self.anna.user))
        self.assertEqual(
            list(
                TrainingLogEntry.objects.filter(object_id=str(self.anna.pk))
                .order_by("pk")
                .values_list("action", "user", "cohort")
            ),
            [
                ("virtu.withdraw", self.coordinator.pk, self.cohort.pk),
                ("virtu.restore", self.coordinator.pk, self.cohort.pk),
                ("wagtail.create", self.coordinator.pk, self.cohort.pk),
            ],
        )

    def listing_rows(self, user):
        """{name: (link of the name, {action label: url})} of the enrolment
        listing as ``user`` sees it."""
        self.client.force_login(user)
        soup = self.get_soup(self.client.get(ENROLMENTS).content)
        rows = {}
        for row in soup.select("table.listing tbody tr"):
            title = row.select_one("td.title a")
            actions = {
                " ".join(link.get_text().split()): link["href"]
                for link in row.select("td.title [data-controller='w-dropdown'] a")
            }
            rows[title.get_text(strip=True)] = (title["href"], actions)
        return rows

    def test_the_listing_opens_each_person_and_offers_to_withdraw_them(self):
        withdraw(self.bert, self.coordinator)
        rows = self.listing_rows(self.coordinator)
        anna_link, anna_actions = rows["Anna A"]
        self.assertEqual(anna_link, f"{ENROLMENTS}edit/{self.anna.pk}/")
        # Back to this listing when done.
        self.assertEqual(
            anna_actions["Withdraw"],
            f"{ENROLMENTS}delete/{self.anna.pk}/?next=%2Fadmin%2Ftraining%2Fenrolments%2F",
        )
        self.assertNotIn("Delete", anna_actions)
        # Someone withdrawn already opens, but is not offered it again.
        bert_link, bert_actions = rows["Bert B"]
        self.assertEqual(bert_link, f"{ENROLMENTS}edit/{self.bert.pk}/")
        self.assertNotIn("Withdraw", bert_actions)
        self.assertNotIn(f"{ENROLMENTS}delete/{self.bert.pk}/", bert_actions.values())

    def test_a_persons_page_shows_no_none_where_nothing_is_recorded(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(f"{ENROLMENTS}inspect/{self.anna.pk}/")
        fields = {
            " ".join(term.get_text().split()): " ".join(
                term.find_next_sibling("dd").get_text().split()
            )
            for term in self.get_soup(response.content).select("dl dt")
        }
        self.assertEqual(fields["Withdrawn"], "—")
        self.assertEqual(fields["Withdrawn by"], "—")
        self.assertNotIn("None", fields.values())

    def test_the_enrolment_form_labels_its_fields_as_the_admin_does(self):
        self.client.force_login(self.coordinator)
        soup = self.get_soup(
            self.client.get(f"{ENROLMENTS}edit/{self.anna.pk}/").content
        )
        labels = [" ".join(label.get_text().split()) for label in soup.select("label")]
        for name in ["Email address", "First name", "Last name", "Organisation"]:
            self.assertTrue(any(label.startswith(name) for label in labels), labels)

    def test_a_place_with_work_is_not_moved_to_another_cohort(self):
        """Moving Anna's place to cohort B left her reflection and attendance
        under cohort A's experiments and sessions: she could not open her
        own reflection, and cohort A's figures counted Bert's as hers."""
        self.client.force_login(self.coordinator)
        other = make_cohort(self.course, "Cohort B")
        form = {
            "cohort": other.pk,
            "role": Enrollment.Role.PARTICIPANT,
            "organisation": "",
            "email": "anna@example.fi",
            "first_name": "Anna",
            "last_name": "A",
        }
        response = self.client.post(f"{ENROLMENTS}edit/{self.anna.pk}/", form)
        self.assertContains(response, "Withdraw them there and enrol them")
        self.anna.refresh_from_db()
        self.assertEqual(self.anna.cohort_id, self.cohort.pk)

        # A place with nothing on it yet is simply moved (enrolled in the
        # wrong cohort by mistake).
        response = self.client.post(
            f"{ENROLMENTS}edit/{self.bert.pk}/",
            {**form, "email": "bert@example.fi", "first_name": "Bert"},
        )
        self.assertEqual(response.status_code, 302)
        self.bert.refresh_from_db()
        self.assertEqual(self.bert.cohort_id, other.pk)

    def test_a_participant_with_work_is_not_made_a_trainer(self):
        """Making Anna a trainer took her reflection and attendance out of
        the trainers' grid, her own My training page and the cohort's
        figures, which all count participants; enrolling her again as a
        trainer after a withdrawal did the same."""
        self.client.force_login(self.coordinator)
        form = {
            "cohort": self.cohort.pk,
            "role": Enrollment.Role.TRAINER,
            "organisation": "",
            "email": "anna@example.fi",
            "first_name": "Anna",
            "last_name": "A",
        }
        refused = "They stay a participant."
        response = self.client.post(f"{ENROLMENTS}edit/{self.anna.pk}/", form)
        self.assertContains(response, refused)
        self.anna.refresh_from_db()
        self.assertEqual(self.anna.role, Enrollment.Role.PARTICIPANT)

        withdraw(self.anna, self.coordinator)
        response = self.client.post(reverse("enrollments:add"), form)
        self.assertContains(response, refused)
        self.anna.refresh_from_db()
        self.assertEqual(self.anna.role, Enrollment.Role.PARTICIPANT)
        self.assertIsNotNone(self.anna.withdrawn_at)

        # A place with nothing on it yet takes the role (a trainer listed
        # as a participant by mistake).
        response = self.client.post(
            f"{ENROLMENTS}edit/{self.bert.pk}/",
            {**form, "email": "bert@example.fi", "first_name": "Bert"},
        )
        self.assertEqual(response.status_code, 302)
        self.bert.refresh_from_db()
        self.assertEqual(self.bert.role, Enrollment.Role.TRAINER)

    def test_the_enrolment_form_corrects_a_participants_name_not_an_admins(self):
        """The name fields were shown and silently ignored: a coordinator had
        no way to correct a misspelt name."""
        self.client.force_login(self.coordinator)
        other_place = enrol(make_cohort(self.course, "Cohort B"), "anna@example.fi")
        form = {
            "cohort": self.cohort.pk,
            "role": Enrollment.Role.PARTICIPANT,
            "organisation": "",
            "email": "anna@example.fi",
            "first_name": "Anna-Maria",
            "last_name": "Korhonen",
        }
        response = self.client.post(f"{ENROLMENTS}edit/{self.anna.pk}/", form)
        self.assertEqual(response.status_code, 302)
        anna = get_user_model().objects.get(pk=self.anna.user_id)
        self.assertEqual(anna.get_full_name(), "Anna-Maria Korhonen")
        self.assertEqual(other_place.user_id, anna.pk)  # one person, one name

        # A trainer who is also a coordinator: the fields are disabled, and
        # a name posted anyway changes nothing.
        tero = enrol(self.cohort, self.coordinator.email, "Tero", "T", "trainer")
        soup = self.get_soup(self.client.get(f"{ENROLMENTS}edit/{tero.pk}/").content)
        self.assertTrue(
            soup.find("input", attrs={"name": "first_name"}).has_attr("disabled")
        )
        self.assertIn("own account settings", soup.get_text())
        response = self.client.post(
            f"{ENROLMENTS}edit/{tero.pk}/",
            {**form, "email": self.coordinator.email, "role": "trainer"},
        )
        self.assertEqual(response.status_code, 302)
        self.coordinator.refresh_from_db()
        self.assertNotEqual(self.coordinator.last_name, "Korhonen")

        # Nor when the account is deactivated: Django gives it no permission
        # then, but it is an admin account again once reactivated.
        tina = make_trainer(self.cohort, "tina@example.fi")
        get_user_model().objects.filter(pk=tina.pk).update(is_active=False)
        place = Enrollment.objects.get(user=tina, cohort=self.cohort)
        soup = self.get_soup(self.client.get(f"{ENROLMENTS}edit/{place.pk}/").content)
        self.assertTrue(
            soup.find("input", attrs={"name": "first_name"}).has_attr("disabled")
        )
        self.client.post(
            f"{ENROLMENTS}edit/{place.pk}/",
            {**form, "email": tina.email, "role": "trainer"},
        )
        tina.refresh_from_db()
        self.assertNotEqual(tina.last_name, "Korhonen")

    def test_the_cohort_lists_tell_a_copy_from_its_original(self):
        """A copy keeps its name, course and start: the lists say which is
        the draft, and of which course."""
        copy = self.cohort.copy(update_attrs={"slug": "cohort-a-copy"}, keep_live=False)
        self.client.force_login(self.coordinator)
        for path in (f"{ENROLMENTS}new/", f"{ENROLMENTS}import/"):
            soup = self.get_soup(self.client.get(path).content)
            options = {
                option["value"]: option.get_text(strip=True)
                for option in soup.select("select[name=cohort] option")
                if option["value"]
            }
            with self.subTest(path=path):
                self.assertEqual(
                    options[str(self.cohort.pk)], "Cohort A (Virtual work, 2038-03-15)"
                )
                self.assertEqual(
                    options[str(copy.pk)], "Cohort A (Virtual work, 2038-03-15, draft)"
                )

    def test_a_trainer_opens_their_people_to_read_only(self):
        trainer = make_trainer(self.cohort)
        rows = self.listing_rows(trainer)
        anna_link, anna_actions = rows["Anna A"]
        self.assertEqual(anna_link, f"{ENROLMENTS}inspect/{self.anna.pk}/")
        self.assertNotIn("Withdraw", anna_actions)

    def test_withdrawn_people_read_nothing_of_the_cohort(self):
        self.client.force_login(self.anna.user)
        withdraw(self.anna, self.coordinator)
        for url in [
            reverse("participant:cohort", args=[self.cohort.pk]),
            reverse("participant:shared_reflection", args=[self.reflection.pk]),
            reverse(
                "participant:reflection", args=[self.cohort.experiments.first().pk]
            ),
        ]:
            self.assertEqual(self.client.get(url).status_code, 404, url)


class SiteHistoryTests(WagtailTestUtils, TestCase):
    """Finding 12: who did what, in Wagtail's Site history, per cohort."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course, "Cohort A")
        cls.other = make_cohort(cls.course, "Cohort B")
        cls.coordinator = make_coordinator()
        cls.trainer = make_trainer(cls.cohort)
        cls.other_trainer = make_trainer(cls.other, "other@example.fi")
        for trainer in [cls.trainer, cls.other_trainer]:
            profile = UserProfile.get_for_user(trainer)
            profile.preferred_language = "en"
            profile.save()
        cls.anna = enrol(cls.cohort, "anna@example.fi", "Anna", "A")
        cls.reflection = Reflection.objects.create(
            experiment=cls.cohort.experiments.first(),
            author=cls.anna,
            answers=[{"prompt": "Q", "answer": "A secret thought"}],
            status=Reflection.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )

    def history(self, user, **filters):
        self.client.force_login(user)
        response = self.client.get("/admin/reports/site-history/", filters)
        self.assertEqual(response.status_code, 200)
        return " ".join(self.get_soup(response.content).get_text(" ").split())

    def test_feedback_attendance_import_and_export_are_in_site_history(self):
        self.client.force_login(self.trainer)
        give_feedback(self.reflection, "Well tried", self.trainer)
        start_now(self.cohort)  # marked once it has started
        session = self.cohort.sessions.first()
        url = reverse("cohorts:session_attendance", args=[self.cohort.pk, session.pk])
        self.client.post(url, {f"person-{self.anna.pk}": "present"})
        self.client.get(
            reverse("cohorts:progress", args=[self.cohort.pk]), {"export": "csv"}
        )
        self.client.force_login(self.coordinator)
        preview = self.client.post(
            f"{ENROLMENTS}import/",
            {
                "cohort": self.cohort.pk,
                "file": SimpleUploadedFile(
                    "people.csv", b"name,email\nBert B,bert@example.fi\n"
                ),
            },
        )
        self.client.post(preview["Location"])  # the import confirmed
        actions = set(TrainingLogEntry.objects.values_list("action", flat=True))
        self.assertTrue({"virtu.feedback", ATTENDANCE, IMPORT, EXPORT} <= actions)

        page = self.history(self.coordinator)
        for text in [
            "Gave feedback on a reflection",
            "Marked attendance: 1 change",
            "Imported a file of 1 people: 1 added",
            "Cohort A as CSV: 1 row",
        ]:
            self.assertIn(text, page)
        self.assertNotIn("A secret thought", page)
        self.assertNotIn("Well tried", page)
        filtered = self.history(self.coordinator, action=ATTENDANCE)
        self.assertIn("Marked attendance", filtered)
        self.assertNotIn("Gave feedback", filtered)
        # The trainer of their cohort reads it; the other cohort's does not.
        self.assertIn("Marked attendance", self.history(self.trainer))
        other = self.history(self.other_trainer)
        for text in ["Marked attendance", "Gave feedback", "Anna", "Imported"]:
            self.assertNotIn(text, other)


@override_settings(VIRTU_PASSWORD_FAILURES_PER_ACCOUNT=3)
class PasswordThrottleTests(TestCase):
    """Finding 7: wrong passwords are counted on both sign-in forms."""

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)
        self.user = make_coordinator()

    def test_after_three_wrong_passwords_even_the_right_one_is_refused(self):
        for url in [LOGIN, "/admin/login/"]:
            cache.clear()
            for __ in range(3):
                self.client.post(
                    url, {"username": self.user.username, "password": "wrong"}
                )
            response = self.client.post(
                url,
                {"username": self.user.username, "password": "correct horse battery"},
            )
            [error] = response.context["form"].non_field_errors().as_data()
            self.assertEqual(error.code, "throttled", url)
            self.assertNotIn("_auth_user_id", self.client.session)
        # Another account from elsewhere is not held up.
        other = make_user("other@example.fi", is_staff=True)
        response = self.client.post(
            "/admin/login/",
            {"username": other.username, "password": "correct horse battery"},
            REMOTE_ADDR="192.0.2.7",
        )
        self.assertEqual(response.status_code, 302)


class CourseFiguresTests(WagtailTestUtils, TestCase):
    """Finding 8: Wagtail's Editors read no course figures or join links."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.editor = make_user("editor@example.fi", groups=["Editors"])

    def test_an_editor_gets_no_overview_export_or_sessions(self):
        self.client.force_login(self.editor)
        url = reverse("courses:overview", args=[self.course.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(url, {"export": "csv"}).status_code, 404)
        home = self.client.get("/admin/")
        self.assertNotContains(home, self.cohort.sessions.first().title)
        self.assertFalse(self.cohort.shows_sessions_to(self.editor))

    def test_editors_and_moderators_cannot_open_a_cohort_in_the_page_editor(self):
        session = self.cohort.sessions.first()
        Session = type(session)
        Session.objects.filter(pk=session.pk).update(
            meeting_url="https://meet.example.fi/secret-room"
        )
        url = reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        moderator = make_user("moderator@example.fi", groups=["Moderators"])
        for user in [self.editor, moderator]:
            with self.subTest(group=user.groups.get().name):
                self.client.force_login(user)
                response = self.client.get(url)
                self.assertNotEqual(response.status_code, 200)
                self.assertNotContains(
                    response, "secret-room", status_code=response.status_code
                )
        self.client.force_login(make_coordinator())
        self.assertContains(self.client.get(url), "secret-room")

    def test_a_commissioner_reads_the_overview(self):
        commissioner = make_commissioner()
        self.client.force_login(commissioner)
        url = reverse("courses:overview", args=[self.course.pk])
        # Only the courses that name them as commissioner.
        self.assertEqual(self.client.get(url).status_code, 404)
        commission(self.course, commissioner)
        self.assertContains(self.client.get(url), self.cohort.title)


class UploadLimitTests(TestCase):
    """Finding 10: a large upload is refused before it reaches the disk."""

    def test_a_fifty_megabyte_upload_is_refused_without_a_temporary_file(self):
        self.client.force_login(make_coordinator())
        big = SimpleUploadedFile("people.csv", b"x" * (50 * 1024 * 1024))
        with mock.patch.object(
            TemporaryUploadedFile, "__init__", side_effect=AssertionError("disk")
        ):
            response = self.client.post(f"{ENROLMENTS}import/", {"file": big})
        self.assertEqual(response.status_code, 400)

    def test_no_avatar_is_loaded_from_another_site(self):
        self.client.force_login(make_coordinator())
        response = self.client.get("/admin/")
        self.assertNotContains(response, "gravatar")


class SignInLinkLogTests(TestCase):
    def test_a_link_made_is_logged_without_the_link(self):
        from wagtail.models import ModelLogEntry

        from outbox.sending import render

        cohort = make_cohort(make_course())
        with self.captureOnCommitCallbacks(execute=True):
            enrollment = enrol(cohort, "anna@example.fi", "Anna", "A")
        welcome = OutgoingEmail.objects.get(key=f"welcome:{enrollment.pk}")
        render(welcome)
        # Sent once by the worker, and made once more here.
        entries = ModelLogEntry.objects.filter(action="virtu.sign_in_link")
        self.assertEqual(len(entries), 2)
        token = re.search(r"/accounts/link/([^/]+)/", welcome.text)[1]
        for entry in entries:
            self.assertEqual(entry.object_id, str(enrollment.user.pk))
            self.assertEqual(entry.data["reason"], "welcome")
            self.assertNotIn(token, str(entry.data) + entry.label)
