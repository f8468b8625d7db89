"""Calendar files, read back as the clients people use read them.

Every file is parsed with icalendar, with ical.js (Thunderbird's parser)
under node, and with libical's check_restrictions() (Evolution's library)
under Debian's python3. Without node or libical the checks skip locally and
fail under CI (the CI environment variable set).
"""

import hashlib
import json
import os
import shutil
import subprocess
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import icalendar
from django.core.cache import cache as django_cache
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from wagtail.test.utils import WagtailTestUtils
from wagtail.users.models import UserProfile

from cohorts.calendar import ical
from cohorts.calendar.views import new_token
from cohorts.models import CalendarEntry, CalendarFeed, CohortPage, Meeting, Session

from .factories import (
    make_cohort,
    make_coordinator,
    make_course,
    make_participants,
    make_trainer,
    make_user,
)

HERE = Path(__file__).parent
JS = HERE / "js"
DEBIAN_PYTHON = "/usr/bin/python3"
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")

#: A 9:00 Helsinki session on each day, and the UTC instant it must be.
NINE_OCLOCK = {
    date(2038, 1, 11): "2038-01-11T07:00:00Z",  # winter
    date(2038, 3, 26): "2038-03-26T07:00:00Z",  # Friday before summer time
    date(2038, 3, 29): "2038-03-29T06:00:00Z",  # Monday after
    date(2038, 6, 7): "2038-06-07T06:00:00Z",  # summer
    date(2038, 10, 29): "2038-10-29T06:00:00Z",  # Friday before winter time
    date(2038, 11, 1): "2038-11-01T07:00:00Z",  # Monday after
}


def iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@cache
def missing_tool(name):
    """Why ``name`` cannot run here, or "" when it can."""
    if name == "ical.js":
        if not shutil.which("node"):
            return "node is not installed"
        if not (JS / "node_modules" / "ical.js").exists():
            return "ical.js is not installed: run npm ci --prefix tests/js"
        return ""
    probe = (
        subprocess.run(
            [DEBIAN_PYTHON, "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
            capture_output=True,
        )
        if Path(DEBIAN_PYTHON).exists()
        else None
    )
    if probe is None or probe.returncode:
        return "libical is not installed: apt-get install python3-gi gir1.2-ical-3.0"
    return ""


def run_tool(testcase, name, ics):
    """What ``name`` (ical.js or libical) reads in ``ics``, as a dict."""
    if reason := missing_tool(name):
        if os.environ.get("CI"):
            testcase.fail(f"{name} must run in CI: {reason}")
        testcase.skipTest(reason)
    command = (
        ["node", str(JS / "parse.mjs")]
        if name == "ical.js"
        else [DEBIAN_PYTHON, str(HERE / "libical_check.py")]
    )
    # Debian's python3 must not pick up the project's virtualenv.
    env = {key: value for key, value in os.environ.items() if "PYTHON" not in key}
    result = subprocess.run(
        command, input=ics, capture_output=True, timeout=60, env=env, check=False
    )
    testcase.assertEqual(result.returncode, 0, result.stderr.decode())
    return json.loads(result.stdout)


def make_cohorts(course, count):
    """``count`` live cohorts, with join links from each kind of source:
    pasted, from a provider, and none. Added without a revision, which is
    quicker and all the feed reads."""
    cohorts = []
    for number in range(count):
        cohort = CohortPage(title=f"Cohort {number}", start_date=date(2038, 3, 15))
        cohort.plan_from_course(course)
        first, second, _third = cohort.sessions.all()
        first.meeting_url = f"https://meet.example.fi/{number}"
        second.meeting_provider = "jitsi"
        course.add_child(instance=cohort)
        Meeting.objects.create(
            session_uid=second.uid,
            provider="jitsi",
            join_url=f"https://jitsi.example.fi/{number}",
        )
        cohorts.append(cohort)
    return cohorts


@override_settings(LANGUAGE_CODE="en")
class CalendarTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = CohortPage(title="Itä-Suomi", time_zone="Europe/Helsinki")
        cls.cohort.sessions = [
            Session(
                title=f"Session {number}",
                agenda=f"Agenda {number}",
                start=datetime.combine(day, time(9), tzinfo=HELSINKI),
                end=datetime.combine(day, time(12, 30), tzinfo=HELSINKI),
                meeting_url=f"https://meet.example.fi/room-{number}",
            )
            for number, day in enumerate(NINE_OCLOCK, start=1)
        ]
        cls.cohort.plan_from_course(cls.course)
        cls.course.add_child(instance=cls.cohort)
        cls.cohort.save_revision().publish()
        cls.participant = make_participants(cls.cohort, 1)[0]
        cls.trainer = make_trainer(cls.cohort)
        cls.other_cohort = make_cohort(cls.course, title="Länsi-Suomi")
        cls.outsider = make_participants(cls.other_cohort, 1, prefix="outsider")[0]

    def sessions(self):
        return list(self.cohort.sessions.all())

    def parse(self, ics, method):
        """The file as icalendar reads it, with the checks every file passes."""
        cal = icalendar.Calendar.from_ical(ics)
        self.assertEqual(cal["METHOD"], method)
        self.assertEqual(cal["PRODID"], ical.PRODID)
        self.assertNotIn("UID", cal)
        self.assertEqual(cal.get_missing_tzids(), set())
        self.assertNotIn(b"X-WR-TIMEZONE", ics)
        self.assertNotIn(b"X-MICROSOFT-CDO-APPT-SEQUENCE", ics)
        self.assertIn(b"\r\n", ics)
        for zone in cal.timezones:
            self.assertNotIn(b"RDATE", zone.to_ical())
            for observance in zone.walk("STANDARD") + zone.walk("DAYLIGHT"):
                self.assertIn("RRULE", observance)
        return cal

    def read_everywhere(self, ics, method):
        """(icalendar, ical.js, libical) readings of ``ics``; libical must
        find nothing against the rules of ``method``."""
        cal = self.parse(ics, method)
        thunderbird = run_tool(self, "ical.js", ics)
        evolution = run_tool(self, "libical", ics)
        self.assertEqual(thunderbird["method"], method)
        self.assertEqual(evolution["method"], method)
        self.assertEqual(evolution["errors"], [])
        return cal, thunderbird, evolution

    def uid(self, session):
        return f"session-{session.uid}@testserver"


class CalendarFileTest(CalendarTestCase):
    def file_kinds(self):
        """Each kind of file the site emits: (name, bytes, METHOD)."""
        session = self.sessions()[3]
        invite = ical.invite_calendar
        link = "https://meet.example.fi/room-4"
        return [
            ("session download", ical.session_file(session), "PUBLISH"),
            ("cohort download", ical.cohort_file(self.cohort), "PUBLISH"),
            ("feed", ical.feed_file(self.participant.user), "PUBLISH"),
            (
                "invite",
                invite(
                    session, self.participant.user, "REQUEST", sequence=0, join_url=link
                ),
                "REQUEST",
            ),
            (
                "update",
                invite(
                    session, self.participant.user, "REQUEST", sequence=1, join_url=link
                ),
                "REQUEST",
            ),
            (
                "cancel",
                invite(session, self.participant.user, "CANCEL", sequence=2),
                "CANCEL",
            ),
        ]

    def test_every_kind_of_file_reads_the_same_in_all_three_parsers(self):
        for name, ics, method in self.file_kinds():
            with self.subTest(name):
                cal, thunderbird, evolution = self.read_everywhere(ics, method)
                uids = [str(event["UID"]) for event in cal.events]
                self.assertEqual([e["uid"] for e in thunderbird["events"]], uids)
                self.assertEqual([e["uid"] for e in evolution["events"]], uids)
                starts = [iso(event.start) for event in cal.events]
                self.assertEqual([e["start"] for e in thunderbird["events"]], starts)
                for event in thunderbird["events"] + evolution["events"]:
                    self.assertEqual(event["zone"], "Europe/Helsinki")
                for event in cal.events:
                    self.assertTrue(event["DTSTAMP"].to_ical().endswith(b"Z"))
                    self.assertEqual(
                        event["ORGANIZER"], "mailto:virtu@localhost", event["UID"]
                    )

    def test_nine_oclock_in_helsinki_is_the_right_utc_instant_in_every_parser(self):
        expected = list(NINE_OCLOCK.values())
        for name, ics in [
            ("cohort download", ical.cohort_file(self.cohort)),
            ("feed", ical.feed_file(self.participant.user)),
        ]:
            with self.subTest(name):
                cal, thunderbird, evolution = self.read_everywhere(ics, "PUBLISH")
                sessions = [e for e in cal.events if e["UID"].startswith("session-")]
                self.assertEqual([iso(e.start) for e in sessions], expected)
                self.assertEqual(
                    [str(e["DTSTART"].to_ical(), "ascii") for e in sessions],
                    [f"{day:%Y%m%d}T090000" for day in NINE_OCLOCK],
                )
                js = [e for e in thunderbird["events"] if e["uid"].startswith("sess")]
                self.assertEqual([e["start"] for e in js], expected)
                libical = [
                    e for e in evolution["events"] if e["uid"].startswith("sess")
                ]
                self.assertEqual(
                    [
                        datetime.strptime(e["start"], "%Y%m%dT%H%M%SZ").strftime(
                            "%Y-%m-%dT%H:%M:%SZ"
                        )
                        for e in libical
                    ],
                    expected,
                )

    def test_an_invite_in_summer_is_at_the_same_instant_in_every_parser(self):
        summer = self.sessions()[3]
        ics = ical.invite_calendar(summer, self.participant.user, "REQUEST", sequence=0)
        cal, thunderbird, evolution = self.read_everywhere(ics, "REQUEST")
        self.assertEqual(iso(cal.events[0].start), "2038-06-07T06:00:00Z")
        self.assertEqual(thunderbird["events"][0]["start"], "2038-06-07T06:00:00Z")
        self.assertEqual(thunderbird["events"][0]["end"], "2038-06-07T09:30:00Z")
        self.assertEqual(evolution["events"][0]["start"], "20380607T060000Z")

    def test_uid_stays_when_the_file_is_made_again_and_the_cohort_is_edited(self):
        before = ical.cohort_file(self.cohort)
        self.assertEqual(
            [str(e["UID"]) for e in icalendar.Calendar.from_ical(before).events],
            [self.uid(session) for session in self.sessions()],
        )
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        cohort.title = "Itä-Suomi, kevät"
        sessions = list(cohort.sessions.all())
        sessions[0].title = "Opening"
        sessions[0].start += timedelta(hours=1)
        sessions[0].end += timedelta(hours=1)
        cohort.sessions = sessions
        cohort.save_revision().publish()

        again = icalendar.Calendar.from_ical(ical.cohort_file(self.cohort))
        self.assertEqual(
            [str(e["UID"]) for e in again.events],
            [str(e["UID"]) for e in icalendar.Calendar.from_ical(before).events],
        )
        self.assertEqual(again.events[0]["SUMMARY"], "Itä-Suomi, kevät – Opening")
        self.assertEqual(iso(again.events[0].start), "2038-01-11T08:00:00Z")
        thunderbird = run_tool(self, "ical.js", again.to_ical())
        self.assertEqual(thunderbird["events"][0]["uid"], self.uid(self.sessions()[0]))

    def test_files_carry_the_sequence_calendars_were_last_sent(self):
        moved = self.sessions()[1]
        CalendarEntry.objects.update_or_create(
            uid=moved.uid, defaults={"cohort": self.cohort, "sequence": 3}
        )
        cal, thunderbird, evolution = self.read_everywhere(
            ical.cohort_file(self.cohort), "PUBLISH"
        )
        expected = [3 if index == 1 else 0 for index in range(len(NINE_OCLOCK))]
        self.assertEqual([e["SEQUENCE"] for e in cal.events], expected)
        self.assertEqual([e["sequence"] for e in thunderbird["events"]], expected)
        self.assertEqual([e["sequence"] for e in evolution["events"]], expected)
        self.assertEqual(
            icalendar.Calendar.from_ical(ical.session_file(moved)).events[0][
                "SEQUENCE"
            ],
            3,
        )

    def test_update_and_cancel_keep_the_uid_and_raise_the_sequence(self):
        session = self.sessions()[0]
        readings = [
            self.read_everywhere(
                ical.invite_calendar(
                    session, self.participant.user, method, sequence=n
                ),
                method,
            )
            for n, method in enumerate(["REQUEST", "REQUEST", "CANCEL"])
        ]
        for parser in range(3):
            events = [
                reading[parser].events[0]
                if parser == 0
                else reading[parser]["events"][0]
                for reading in readings
            ]
            if parser == 0:
                self.assertEqual({str(e["UID"]) for e in events}, {self.uid(session)})
                self.assertEqual([e["SEQUENCE"] for e in events], [0, 1, 2])
            else:
                self.assertEqual({e["uid"] for e in events}, {self.uid(session)})
                self.assertEqual([e["sequence"] for e in events], [0, 1, 2])
        statuses = [reading[0].events[0]["STATUS"] for reading in readings]
        self.assertEqual(statuses, ["CONFIRMED", "CONFIRMED", "CANCELLED"])
        self.assertEqual(readings[2][1]["events"][0]["status"], "CANCELLED")

    def test_invite_names_the_recipient_as_attendee_and_the_site_as_organizer(self):
        session = self.sessions()[0]
        ics = ical.invite_calendar(
            session, self.participant.user, "REQUEST", sequence=0
        )
        cal, thunderbird, _evolution = self.read_everywhere(ics, "REQUEST")
        event = cal.events[0]
        attendee = event["ATTENDEE"]
        self.assertEqual(attendee, "mailto:participant0@example.fi")
        self.assertEqual(attendee.params["CN"], "Pat Participant0")
        self.assertEqual(attendee.params["ROLE"], "REQ-PARTICIPANT")
        self.assertEqual(attendee.params["PARTSTAT"], "NEEDS-ACTION")
        self.assertEqual(attendee.params["RSVP"], "TRUE")
        self.assertEqual(event["ORGANIZER"], "mailto:virtu@localhost")
        self.assertEqual(event["ORGANIZER"].params["CN"], "Virtu")
        self.assertEqual(
            thunderbird["events"][0]["attendees"], ["mailto:participant0@example.fi"]
        )
        self.assertEqual(len(event.walk("VALARM")), 1)

    def test_cancel_names_the_removed_person_and_has_no_alarm(self):
        ics = ical.invite_calendar(
            self.sessions()[0], self.participant.user, "CANCEL", sequence=1
        )
        cal, thunderbird, _evolution = self.read_everywhere(ics, "CANCEL")
        self.assertEqual(cal.events[0]["ATTENDEE"], "mailto:participant0@example.fi")
        self.assertEqual(cal.events[0].walk("VALARM"), [])
        self.assertEqual(thunderbird["events"][0]["alarms"], 0)

    def test_libical_check_reports_a_request_without_attendee(self):
        # The check is only worth trusting if it can fail.
        cal = ical.new_calendar("REQUEST", [ical.session_event(self.sessions()[0])])
        evolution = run_tool(self, "libical", cal.to_ical())
        self.assertEqual(len(evolution["errors"]), 1)
        self.assertIn("ATTENDEE", evolution["errors"][0])

    def test_event_carries_agenda_experiment_and_join_link(self):
        second = self.sessions()[1]
        event = icalendar.Calendar.from_ical(ical.session_file(second)).events[0]
        link = "https://meet.example.fi/room-2"
        self.assertEqual(
            event["DESCRIPTION"],
            "Agenda 2\n\n"
            "Bring what you learned from the experiment “Experiment 1”.\n\n"
            f"Join the session: {link}",
        )
        self.assertEqual(event["LOCATION"], link)
        self.assertEqual(event["URL"], link)
        conference = event["CONFERENCE"]
        self.assertEqual(conference, link)
        self.assertEqual(conference.params["VALUE"], "URI")
        self.assertEqual(conference.params["FEATURE"], "VIDEO")
        self.assertEqual(conference.params["LABEL"], "Join the session")
        self.assertEqual(event["SUMMARY"], "Itä-Suomi – Session 2")
        alarm = event.walk("VALARM")[0]
        self.assertEqual(alarm["ACTION"], "DISPLAY")
        self.assertEqual(alarm["TRIGGER"].dt, timedelta(minutes=-15))

    def test_first_session_brings_no_experiment(self):
        event = icalendar.Calendar.from_ical(
            ical.session_file(self.sessions()[0])
        ).events[0]
        self.assertNotIn("experiment", event["DESCRIPTION"])

    def test_join_link_from_a_provider_meeting_reaches_the_file(self):
        session = self.sessions()[2]
        Session.objects.filter(pk=session.pk).update(
            meeting_url="", meeting_provider="jitsi"
        )
        Meeting.objects.create(
            session_uid=session.uid,
            provider="jitsi",
            join_url="https://jitsi.example.fi/virtu-abc",
        )
        event = icalendar.Calendar.from_ical(
            ical.session_file(Session.objects.get(pk=session.pk))
        ).events[0]
        self.assertEqual(event["LOCATION"], "https://jitsi.example.fi/virtu-abc")

    def test_feed_is_named_refreshes_every_four_hours_and_has_no_attendee(self):
        ics = ical.feed_file(self.participant.user)
        cal, thunderbird, _evolution = self.read_everywhere(ics, "PUBLISH")
        self.assertEqual(cal["NAME"], "Virtu training")
        self.assertEqual(cal["X-WR-CALNAME"], "Virtu training")
        self.assertIn(b"REFRESH-INTERVAL;VALUE=DURATION:PT4H\r\n", ics)
        self.assertIn(b"X-PUBLISHED-TTL:PT4H\r\n", ics)
        self.assertNotIn(b"ATTENDEE", ics)
        self.assertEqual(
            [e["summary"] for e in thunderbird["events"]][-2:],
            ["Reflection due: Experiment 1", "Reflection due: Experiment 2"],
        )

    def test_feed_shows_when_each_reflection_is_due(self):
        cal = icalendar.Calendar.from_ical(ical.feed_file(self.participant.user))
        due = {
            str(e["SUMMARY"]): iso(e.start)
            for e in cal.events
            if e["UID"].startswith("experiment-")
        }
        # Due when the next session starts, unless a date is set.
        self.assertEqual(
            due,
            {
                "Reflection due: Experiment 1": "2038-03-26T07:00:00Z",
                "Reflection due: Experiment 2": "2038-03-29T06:00:00Z",
            },
        )

    def test_feed_holds_only_the_users_cohorts(self):
        cal = icalendar.Calendar.from_ical(ical.feed_file(self.outsider.user))
        uids = {str(e["UID"]) for e in cal.events}
        self.assertTrue(uids)
        self.assertFalse(uids & {self.uid(s) for s in self.sessions()})


class TimeZoneTest(TestCase):
    def test_helsinki_is_written_with_last_sunday_rules(self):
        zone = ical.vtimezone("Europe/Helsinki", 2038, 2038)
        daylight, standard = zone.walk("DAYLIGHT")[0], zone.walk("STANDARD")[0]
        self.assertEqual(
            daylight["RRULE"].to_ical(), b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"
        )
        self.assertEqual(
            standard["RRULE"].to_ical(), b"FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"
        )
        self.assertEqual(daylight["TZOFFSETTO"].td, timedelta(hours=3))
        self.assertEqual(standard["TZOFFSETTO"].td, timedelta(hours=2))

    def test_yearly_rules_agree_with_zoneinfo_hour_by_hour(self):
        for name in ["Europe/Helsinki", "America/New_York", "Australia/Sydney"]:
            with self.subTest(name):
                written = ical.vtimezone(name, 2038, 2029).to_tz()
                zone = zoneinfo.ZoneInfo(name)
                moment = datetime(2038, 1, 1, tzinfo=UTC)
                while moment.year < 2030:
                    self.assertEqual(
                        moment.astimezone(written).utcoffset(),
                        moment.astimezone(zone).utcoffset(),
                        moment,
                    )
                    moment += timedelta(hours=1)

    def test_zone_without_daylight_saving_has_one_fixed_offset(self):
        zone = ical.vtimezone("Asia/Tokyo", 2038, 2038)
        self.assertEqual(zone.walk("DAYLIGHT"), [])
        self.assertEqual(zone.walk("STANDARD")[0]["TZOFFSETTO"].td, timedelta(hours=9))

    def test_zone_without_yearly_rules_is_written_in_utc(self):
        # Morocco's clocks follow Ramadan, which no yearly rule describes.
        self.assertIsNone(ical.vtimezone("Africa/Casablanca", 2038, 2038))
        course = make_course()
        cohort = make_cohort(course, time_zone="Africa/Casablanca")
        ics = ical.cohort_file(cohort)
        cal = icalendar.Calendar.from_ical(ics)
        self.assertEqual(cal.timezones, [])
        self.assertEqual(cal.get_missing_tzids(), set())
        start = cohort.sessions.all()[0].start
        self.assertEqual(cal.events[0].start, start)
        self.assertIn(f"DTSTART:{start:%Y%m%dT%H%M%S}Z".encode(), ics)


class CalendarAccessTest(CalendarTestCase, WagtailTestUtils):
    def session_url(self, session):
        return reverse("calendar:session", args=[session.uid])

    def test_participant_downloads_a_session_of_their_cohort(self):
        self.client.force_login(self.participant.user)
        response = self.client.get(self.session_url(self.sessions()[0]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="session-1.ics"'
        )
        self.assertIn("private", response["Cache-Control"])
        self.parse(response.content, "PUBLISH")

    def test_session_of_another_cohort_is_not_found(self):
        self.client.force_login(self.outsider.user)
        response = self.client.get(self.session_url(self.sessions()[0]))
        self.assertEqual(response.status_code, 404)

    def test_cohort_file_of_another_cohort_is_not_found(self):
        self.client.force_login(self.outsider.user)
        response = self.client.get(reverse("calendar:cohort", args=[self.cohort.pk]))
        self.assertEqual(response.status_code, 404)

    def test_trainer_and_coordinator_download_the_cohort_file(self):
        for user in [self.trainer, make_coordinator()]:
            with self.subTest(user.email):
                self.client.force_login(user)
                response = self.client.get(
                    reverse("calendar:cohort", args=[self.cohort.pk])
                )
                self.assertEqual(response.status_code, 200)
                cal = self.parse(response.content, "PUBLISH")
                self.assertEqual(len(cal.events), len(NINE_OCLOCK))

    def test_trainer_of_another_cohort_cannot_download_it(self):
        self.client.force_login(make_trainer(self.other_cohort, "other@example.fi"))
        response = self.client.get(reverse("calendar:cohort", args=[self.cohort.pk]))
        self.assertEqual(response.status_code, 404)

    def test_participant_of_an_unpublished_cohort_gets_nothing(self):
        CohortPage.objects.filter(pk=self.cohort.pk).update(live=False)
        self.client.force_login(self.participant.user)
        response = self.client.get(self.session_url(self.sessions()[0]))
        self.assertEqual(response.status_code, 404)

    def test_downloads_need_a_sign_in(self):
        response = self.client.get(self.session_url(self.sessions()[0]))
        self.assertEqual(response.status_code, 302)

    def test_feed_answers_its_token(self):
        token = new_token(self.participant.user)
        response = self.client.get(reverse("calendar:feed", args=[token]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn("private", response["Cache-Control"])
        self.assertNotIn("Content-Disposition", response)
        cal = self.parse(response.content, "PUBLISH")
        self.assertIn(self.uid(self.sessions()[0]), [e["UID"] for e in cal.events])

    def test_guessed_token_is_not_found(self):
        new_token(self.participant.user)
        for guess in ["", "x" * 43, CalendarFeed.objects.get().token_hash]:
            with self.subTest(guess):
                response = self.client.get(f"/calendar/feed/{guess}.ics")
                self.assertEqual(response.status_code, 404)

    def test_only_a_hash_of_the_token_is_stored(self):
        token = new_token(self.participant.user)
        feed = CalendarFeed.objects.get(user=self.participant.user)
        self.assertEqual(feed.token_hash, hashlib.sha256(token.encode()).hexdigest())
        self.assertGreaterEqual(len(token), 43)

    def test_feed_of_a_deactivated_user_is_not_found(self):
        token = new_token(self.participant.user)
        self.participant.user.is_active = False
        self.participant.user.save()
        response = self.client.get(reverse("calendar:feed", args=[token]))
        self.assertEqual(response.status_code, 404)

    def test_subscription_page_shows_a_new_link_once(self):
        self.client.force_login(self.participant.user)
        response = self.client.get(reverse("calendar:subscription"))
        self.assertContains(response, "<h1>Calendar subscription</h1>", html=True)
        self.assertNotContains(response, "webcal://")

        response = self.client.post(reverse("calendar:subscription"), follow=True)
        soup = self.get_soup(response.content)
        https_url = soup.select_one("#feed-url")["value"]
        webcal = soup.select_one("a[href^='webcal://']")["href"]
        self.assertTrue(https_url.startswith("http://testserver/calendar/feed/"))
        self.assertEqual(webcal, "webcal://" + https_url.removeprefix("http://"))
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(self.client.get(https_url).status_code, 200)

        response = self.client.get(reverse("calendar:subscription"))
        self.assertNotContains(response, https_url.rsplit("/", 1)[1])
        self.assertContains(response, "Make a new subscription link")

    def test_resetting_the_link_breaks_the_old_one(self):
        old = new_token(self.participant.user)
        self.client.force_login(self.participant.user)
        response = self.client.post(reverse("calendar:subscription"), follow=True)
        new_url = self.get_soup(response.content).select_one("#feed-url")["value"]
        self.client.logout()
        self.assertEqual(
            self.client.get(reverse("calendar:feed", args=[old])).status_code, 404
        )
        self.assertEqual(self.client.get(new_url).status_code, 200)

    def test_subscription_page_needs_a_sign_in(self):
        response = self.client.post(reverse("calendar:subscription"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(CalendarFeed.objects.exists())


# Pages without a language prefix are in the site's default language, Finnish.
@override_settings(LANGUAGE_CODE="fi")
class CohortPageTest(CalendarTestCase, WagtailTestUtils):
    def test_enrolled_person_sees_local_times_and_downloads(self):
        self.client.force_login(self.participant.user)
        response = self.client.get(self.cohort.url)
        times = [
            (time["datetime"], time.text)
            for time in self.get_soup(response.content).select("li time")
        ]
        self.assertEqual(
            times[:2],
            [
                ("2038-01-11T07:00:00+00:00", "11. tammikuuta 2038 klo 9.00"),
                ("2038-01-11T10:30:00+00:00", "12.30"),
            ],
        )
        self.assertEqual(
            times[6], ("2038-06-07T06:00:00+00:00", "7. kesäkuuta 2038 klo 9.00")
        )
        links = {
            a["href"] for a in self.get_soup(response.content).select("a[download]")
        }
        self.assertIn(reverse("calendar:session", args=[self.sessions()[0].uid]), links)
        self.assertIn(reverse("calendar:cohort", args=[self.cohort.pk]), links)
        self.assertContains(response, "https://meet.example.fi/room-1")

    def test_visitor_is_asked_to_sign_in_and_sees_no_sessions(self):
        response = self.client.get(self.cohort.url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "/calendar/")
        self.assertNotContains(response, "meet.example.fi")
        self.assertContains(response, "?next=")

    def test_person_from_another_cohort_sees_no_sessions(self):
        self.client.force_login(self.outsider.user)
        response = self.client.get(self.cohort.url)
        self.assertNotContains(response, "/calendar/")
        self.assertNotContains(response, "meet.example.fi")


class FeedQueryTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cohorts = make_cohorts(make_course(), 50)
        cls.few = make_user("few@example.fi")
        cls.many = make_user("many@example.fi")
        for number, cohort in enumerate(cohorts):
            cohort.enrollments.create(user=cls.many)
            if number < 5:
                cohort.enrollments.create(user=cls.few)
        # Calendars were told of each first session's changes twice more.
        CalendarEntry.objects.filter(
            uid__in=[cohort.sessions.first().uid for cohort in cohorts]
        ).update(sequence=2)

    def test_feed_of_fifty_cohorts_takes_as_many_queries_as_of_five(self):
        few_url = reverse("calendar:feed", args=[new_token(self.few)])
        with CaptureQueriesContext(connection) as few:
            response = self.client.get(few_url)
        self.assertEqual(response.status_code, 200)
        cal = icalendar.Calendar.from_ical(response.content)
        self.assertEqual(len(cal.events), 5 * 5)  # 3 sessions, 2 due times

        many_url = reverse("calendar:feed", args=[new_token(self.many)])
        with self.assertNumQueries(len(few)):
            response = self.client.get(many_url)
        cal = icalendar.Calendar.from_ical(response.content)
        self.assertEqual(len(cal.events), 50 * 5)
        self.assertEqual([e["SEQUENCE"] for e in cal.events].count(2), 50)
        self.assertEqual(response.content.count(b"LOCATION:https://jitsi."), 50)
        self.assertEqual(response.content.count(b"LOCATION:https://meet."), 50)


class FeedServingTest(CalendarTestCase, WagtailTestUtils):
    """The feed is built once per change, answers conditional requests and
    speaks its reader's language."""

    def setUp(self):
        django_cache.clear()
        self.url = reverse("calendar:feed", args=[new_token(self.participant.user)])

    def test_a_second_request_with_the_etag_gets_304_without_a_body(self):
        first = self.client.get(self.url)
        self.assertEqual(first.status_code, 200)
        self.assertTrue(first["ETag"])
        self.assertTrue(first["Last-Modified"])
        self.assertIn("private", first["Cache-Control"])

        again = self.client.get(self.url, headers={"if-none-match": first["ETag"]})

        self.assertEqual(again.status_code, 304)
        self.assertEqual(again.content, b"")
        since = self.client.get(
            self.url, headers={"if-modified-since": first["Last-Modified"]}
        )
        self.assertEqual(since.status_code, 304)

    def test_the_feed_is_served_from_the_cache_until_something_changes(self):
        first = self.client.get(self.url)
        with self.assertNumQueries(1):  # the token, with its person
            cached = self.client.get(self.url)
        self.assertEqual(cached.content, first.content)
        # DTSTAMP stays: an unchanged event is the same event.
        django_cache.clear()
        self.assertEqual(self.client.get(self.url).content, first.content)

        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        cohort.title = "Itä-Suomi, kevät"
        cohort.save_revision().publish()

        changed = self.client.get(self.url, headers={"if-none-match": first["ETag"]})
        self.assertEqual(changed.status_code, 200)
        self.assertNotEqual(changed["ETag"], first["ETag"])
        self.assertIn(
            "SUMMARY:Itä-Suomi\\, kevät – Session 1", changed.content.decode()
        )

    @override_settings(WAGTAIL_SITE_NAME="Oma Akatemia")
    def test_the_feed_and_the_organizer_are_called_by_the_sites_name(self):
        """Outlook and Google list the feed by its name; a site that installs
        the apps is not called Virtu there, in any language."""
        names = {}
        for language in ["fi", "sv", "en"]:
            with translation.override(language):
                cal = self.parse(ical.feed_file(self.participant.user), "PUBLISH")
            names[language] = {str(cal["NAME"]), str(cal["X-WR-CALNAME"])}
        self.assertEqual(
            names,
            {
                "fi": {"Oma Akatemia: valmennus"},
                "sv": {"Oma Akatemia: utbildning"},
                "en": {"Oma Akatemia training"},
            },
        )
        invite = self.parse(
            ical.invite_calendar(
                self.sessions()[0], self.participant.user, "REQUEST", sequence=0
            ),
            "REQUEST",
        )
        self.assertEqual(invite.events[0]["ORGANIZER"].params["CN"], "Oma Akatemia")

    def test_a_person_who_leaves_gets_a_new_feed_without_the_cohort(self):
        first = self.client.get(self.url)
        self.participant.delete()

        changed = self.client.get(self.url, headers={"if-none-match": first["ETag"]})

        self.assertEqual(changed.status_code, 200)
        self.assertNotIn(b"session-", changed.content)

    def test_an_english_speaker_gets_the_feed_in_english(self):
        UserProfile.get_for_user(self.participant.user)
        UserProfile.objects.filter(user=self.participant.user).update(
            preferred_language="fi"
        )
        with override_settings(LANGUAGE_CODE="fi"):
            finnish = self.client.get(self.url).content.decode()
            UserProfile.objects.filter(user=self.participant.user).update(
                preferred_language="en"
            )
            english = self.client.get(self.url).content.decode()

        self.assertIn("NAME:Virtu: valmennus", finnish)
        self.assertIn("NAME:Virtu training", english)
        self.assertIn("Reflection due: Experiment 1", english)
        self.assertNotIn("Reflektio", english)

    def test_an_empty_feed_is_a_valid_calendar_in_every_parser(self):
        nobody = make_user("nobody@example.fi")
        response = self.client.get(reverse("calendar:feed", args=[new_token(nobody)]))

        cal, thunderbird, evolution = self.read_everywhere(response.content, "PUBLISH")
        self.assertEqual(cal.events, [])
        self.assertEqual(len(cal.subcomponents), 1)  # a VTIMEZONE: RFC 5545 wants one
        self.assertEqual(thunderbird["events"], [])
        self.assertEqual(evolution["events"], [])

    def test_a_due_time_that_moves_with_its_session_gets_a_higher_sequence(self):
        def due_sequences():
            django_cache.clear()
            cal = icalendar.Calendar.from_ical(self.client.get(self.url).content)
            return {
                str(e["SUMMARY"]): (e["SEQUENCE"], iso(e.start))
                for e in cal.events
                if e["UID"].startswith("experiment-")
            }

        def publish(change=None):
            cohort = CohortPage.objects.get(pk=self.cohort.pk)
            sessions = sorted(cohort.sessions.all(), key=lambda s: s.start)
            for number, session in enumerate(sessions):
                session.sort_order = number  # as the admin's form numbers them
            if change:
                change(sessions)
            cohort.sessions = sessions
            cohort.save_revision().publish()

        def move_second(sessions):
            sessions[1].start += timedelta(days=1)
            sessions[1].end += timedelta(days=1)

        publish()
        before = due_sequences()
        publish(move_second)
        publish()  # again, unchanged

        after = due_sequences()
        self.assertEqual(
            before["Reflection due: Experiment 1"], (0, "2038-03-26T07:00:00Z")
        )
        self.assertEqual(
            after["Reflection due: Experiment 1"], (1, "2038-03-27T07:00:00Z")
        )
        self.assertEqual(
            after["Reflection due: Experiment 2"],
            (0, before["Reflection due: Experiment 2"][1]),
        )
