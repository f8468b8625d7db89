"""Meetings created by Jitsi, Microsoft Teams and Zoom, tested against a local
HTTP server that answers like Microsoft's and Zoom's token and meeting APIs."""

import base64
import itertools
import json
import socket
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qs

from django.core.management import call_command
from django.db import connection
from django.test import (
    TestCase,
    TransactionTestCase,
    override_settings,
    skipUnlessDBFeature,
)
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from cohorts.meetings import ensure_meeting, ensure_meetings, sync_meetings
from cohorts.models import CohortPage, Meeting, Session, join_urls
from cohorts.providers import Jitsi, MeetingError, Zoom

from .factories import (
    cohort_edit_data,
    impact_plan_data,
    make_cohort,
    make_coordinator,
    make_course,
)

GRAPH_TOKEN = "/tenant-1/oauth2/v2.0/token"
GRAPH_MEETING = "/v1.0/users/organizer-1/onlineMeetings/createOrGet"
ZOOM_TOKEN = "/oauth/token"
ZOOM_MEETING = "/v2/users/host@example.fi/meetings"


class Answer:
    """What the fake provider answers: a status, a JSON body (or a function
    of the request's JSON body), after ``delay`` seconds."""

    def __init__(self, status, body, delay=0):
        self.status, self.body, self.delay = status, body, delay


class FakeProviders(ThreadingHTTPServer):
    """Microsoft login and Graph, and Zoom OAuth and API, on one port."""

    daemon_threads = True
    block_on_close = False  # a handler still sleeping must not hold teardown

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FakeProviderHandler)
        self.received = []
        self.answers = {}

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_port}"

    def answer(self, path, *answers):
        """Answer ``path`` with these in turn; the last one from then on."""
        self.answers[path] = list(answers)

    def reset(self):
        self.received.clear()
        ids = itertools.count(85746065432)
        self.answer(GRAPH_TOKEN, Answer(200, {"access_token": "graph-token"}))
        self.answer(
            GRAPH_MEETING,
            Answer(
                201,
                lambda body: {
                    "id": f"MSo1N2Y5ZGFj-{body['externalId']}",
                    "joinWebUrl": "https://teams.microsoft.com/l/meetup-join/"
                    f"19%3ameeting_{body['externalId']}%40thread.v2/0",
                },
            ),
        )
        self.answer(ZOOM_TOKEN, Answer(200, {"access_token": "zoom-token"}))
        self.answer(ZOOM_MEETING, Answer(201, lambda body: zoom_meeting(next(ids))))

    def requests_to(self, path, method=None):
        return [
            request
            for request in self.received
            if request["path"] == path and method in (None, request["method"])
        ]


def zoom_meeting(id):
    return {"id": id, "join_url": f"https://zoom.us/j/{id}?pwd=x"}


class FakeProviderHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.answer("POST")

    def do_PATCH(self):
        # Graph and Zoom answer a PATCH or DELETE with 204 No Content.
        self.answer("PATCH", Answer(204, None))

    def do_DELETE(self):
        self.answer("DELETE", Answer(204, None))

    def answer(self, method, default=None):
        server = self.server
        path, _, query = self.path.partition("?")
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        request = {
            "method": method,
            "path": path,
            "query": parse_qs(query),
            "headers": dict(self.headers),
            "body": raw,
        }
        server.received.append(request)
        answers = (
            server.answers.get((method, path))
            or server.answers.get(path)
            or [default or Answer(404, {"error": "no route"})]
        )
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        time.sleep(answer.delay)
        body = answer.body
        if callable(body):
            body = body(json.loads(raw))
        payload = b"" if body is None else json.dumps(body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as it should

    def log_message(self, *args):
        pass


def meetings_setting(url, **zoom):
    """Every provider configured, pointed at ``url``, with short timeouts."""
    quick = {"connect_timeout": 0.5, "read_timeout": 0.5, "backoff": 0}
    return {
        "jitsi": {"server": "https://jitsi.example.fi"},
        "teams": {
            "tenant_id": "tenant-1",
            "client_id": "teams-client",
            "client_secret": "teams-secret",
            "organizer_user_id": "organizer-1",
            "login_url": url,
            "graph_url": url,
            **quick,
        },
        "zoom": {
            "account_id": "zoom-account",
            "client_id": "zoom-client",
            "client_secret": "zoom-secret",
            "user_id": "host@example.fi",
            "oauth_url": url,
            "api_url": url,
            **quick,
            **zoom,
        },
    }


class ProviderTestCase(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = FakeProviders()
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)

    def setUp(self):
        self.server.reset()
        self.enterContext(
            override_settings(VIRTU_MEETINGS=meetings_setting(self.server.url))
        )
        self.enterContext(translation.override("en"))

    def sessions(self, provider="", **fields):
        """The cohort's published sessions, all set to ``provider``."""
        sessions = Session.objects.filter(page=self.cohort)
        sessions.update(meeting_provider=provider, **fields)
        return list(sessions)


class JitsiTest(ProviderTestCase):
    def test_room_is_on_the_configured_server_with_an_unguessable_name(self):
        session = self.sessions("jitsi")[0]
        meeting = ensure_meeting(session)
        self.assertRegex(
            meeting.join_url, r"^https://jitsi\.example\.fi/cohort-a-[0-9a-f]{32}$"
        )
        self.assertEqual(meeting.external_id, meeting.join_url.rsplit("/", 1)[1])
        self.assertEqual(join_urls([session]), {session.uid: meeting.join_url})
        self.assertEqual(self.server.received, [])

    def test_rooms_never_repeat(self):
        # 32 lowercase hex digits: 128 random bits, whatever case Jitsi keeps.
        jitsi = Jitsi({"server": "https://jitsi.example.fi/"})
        session = self.sessions()[0]
        rooms = {jitsi.create(session, self.cohort)[1] for _ in range(1000)}
        self.assertEqual(len(rooms), 1000)
        self.assertTrue(all("fi/cohort-a-" in room for room in rooms))


class TeamsTest(ProviderTestCase):
    def test_meeting_is_created_with_the_session_uid_as_external_id(self):
        session = self.sessions("teams")[0]
        meeting = ensure_meeting(session)

        (token,) = self.server.requests_to(GRAPH_TOKEN)
        self.assertEqual(
            parse_qs(token["body"]),
            {
                "grant_type": ["client_credentials"],
                "client_id": ["teams-client"],
                "client_secret": ["teams-secret"],
                "scope": [f"{self.server.url}/.default"],
            },
        )
        (create,) = self.server.requests_to(GRAPH_MEETING)
        self.assertEqual(create["headers"]["Authorization"], "Bearer graph-token")
        self.assertEqual(
            json.loads(create["body"]),
            {
                "externalId": str(session.uid),
                "startDateTime": "2038-03-15T07:00:00Z",
                "endDateTime": "2038-03-15T10:30:00Z",
                "subject": "Cohort A: Session 1",
            },
        )
        self.assertEqual(meeting.external_id, f"MSo1N2Y5ZGFj-{session.uid}")
        self.assertEqual(Meeting.objects.get(), meeting)
        self.assertEqual(meeting.attempts, 1)
        self.assertEqual(
            join_urls([session])[session.uid],
            f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{session.uid}"
            "%40thread.v2/0",
        )

    def test_server_error_is_retried_and_the_meeting_then_created(self):
        # createOrGet with the same externalId cannot make a second meeting.
        self.server.answer(
            GRAPH_MEETING,
            Answer(503, {"error": {"code": "ServiceUnavailable", "message": "Busy"}}),
            Answer(201, {"id": "m-1", "joinWebUrl": "https://teams.example/m-1"}),
        )
        meeting = ensure_meeting(self.sessions("teams")[0])
        self.assertEqual(len(self.server.requests_to(GRAPH_MEETING)), 2)
        self.assertEqual(meeting.join_url, "https://teams.example/m-1")

    def test_refused_credentials_stop_before_any_meeting_is_asked_for(self):
        self.server.answer(
            GRAPH_TOKEN,
            Answer(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret.",
                },
            ),
        )
        self.sessions("teams")
        with self.assertLogs("cohorts.meetings", "WARNING") as logs:
            (failure,) = ensure_meetings(self.cohort)
        self.assertEqual(
            failure.error.message, "the service refused this site's credentials"
        )
        self.assertEqual(self.server.requests_to(GRAPH_MEETING), [])
        # The service's answer is for the log; the page shows the reason.
        self.assertIn("AADSTS7000215", "\n".join(logs.output))
        self.assertNotIn("teams-secret", "\n".join(logs.output))
        self.assertEqual(
            set(Meeting.objects.values_list("last_error", flat=True)),
            {"the service refused this site's credentials"},
        )

    def test_answer_without_a_join_link_is_an_error(self):
        self.server.answer(GRAPH_MEETING, Answer(201, {"id": "m-1"}))
        with self.assertRaisesMessage(MeetingError, "not understood"):
            ensure_meeting(self.sessions("teams")[0])
        self.assertEqual(Meeting.objects.get().join_url, "")


class ZoomTest(ProviderTestCase):
    def test_meeting_is_created_in_the_cohort_time_zone(self):
        session = self.sessions("zoom")[1]  # the Monday after clocks go forward
        meeting = ensure_meeting(session)

        (token,) = self.server.requests_to(ZOOM_TOKEN)
        self.assertEqual(
            token["query"],
            {"grant_type": ["account_credentials"], "account_id": ["zoom-account"]},
        )
        credentials = base64.b64encode(b"zoom-client:zoom-secret").decode()
        self.assertEqual(token["headers"]["Authorization"], f"Basic {credentials}")
        (create,) = self.server.requests_to(ZOOM_MEETING)
        self.assertEqual(create["headers"]["Authorization"], "Bearer zoom-token")
        self.assertEqual(
            json.loads(create["body"]),
            {
                "topic": "Cohort A: Session 2",
                "type": 2,
                "start_time": "2038-03-29T09:00:00",
                "timezone": "Europe/Helsinki",
                "duration": 210,
                "agenda": "Agenda 2",
            },
        )
        self.assertEqual(meeting.external_id, "85746065432")
        self.assertEqual(
            join_urls([session])[session.uid], "https://zoom.us/j/85746065432?pwd=x"
        )

    def test_a_meeting_across_the_clock_change_lasts_the_time_that_passes(self):
        # 00:30-05:45 on the night clocks go forward: 4 h 15 min, not 5 h 15.
        cohort = self.cohort
        helsinki = cohort.zone
        session = Session(
            title="Yöllinen",
            start=datetime(2038, 3, 28, 0, 30, tzinfo=helsinki),
            end=datetime(2038, 3, 28, 5, 45, tzinfo=helsinki),
        )

        details = Zoom.details(session, cohort)

        self.assertEqual(details["duration"], 255)
        self.assertEqual(details["start_time"], "2038-03-28T00:30:00")

    def test_second_ensure_asks_zoom_for_nothing(self):
        session = self.sessions("zoom")[0]
        first = ensure_meeting(session)
        self.assertEqual(ensure_meeting(session), first)
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 1)
        self.assertEqual(Meeting.objects.count(), 1)

    def test_one_token_serves_all_sessions_of_a_cohort(self):
        self.sessions("zoom")
        self.assertEqual(ensure_meetings(self.cohort), [])
        self.assertEqual(len(self.server.requests_to(ZOOM_TOKEN)), 1)
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 3)
        self.assertEqual(
            len(set(Meeting.objects.values_list("external_id", flat=True))), 3
        )

    def test_server_error_is_not_retried_as_the_meeting_may_exist(self):
        self.server.answer(
            ZOOM_MEETING, Answer(500, {"code": 500, "message": "Internal error"})
        )
        session = self.sessions("zoom")[0]
        with self.assertRaisesMessage(MeetingError, "the service had an error"):
            ensure_meeting(session)
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 1)
        meeting = Meeting.objects.get()
        # The service's answer is not kept for the page editor to show.
        self.assertEqual(meeting.last_error, "the service had an error")
        self.assertEqual((meeting.attempts, meeting.join_url), (1, ""))
        self.assertEqual(join_urls([session]), {session.uid: ""})

    def test_rate_limit_is_retried(self):
        self.server.answer(
            ZOOM_MEETING,
            Answer(429, {"code": 429, "message": "Too many requests"}),
            Answer(201, {"id": 1, "join_url": "https://zoom.us/j/1"}),
        )
        self.assertEqual(
            ensure_meeting(self.sessions("zoom")[0]).join_url, "https://zoom.us/j/1"
        )
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 2)

    def test_service_that_does_not_answer_times_out_without_a_retry(self):
        self.server.answer(
            ZOOM_MEETING, Answer(201, {"id": 1, "join_url": "https://z/1"}, delay=2)
        )
        started = time.monotonic()
        with self.assertRaisesMessage(MeetingError, "the service did not answer"):
            ensure_meeting(self.sessions("zoom")[0])
        self.assertLess(time.monotonic() - started, 1.5)
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 1)

    def test_unreachable_service_is_reported(self):
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        setting = meetings_setting(self.server.url, api_url=f"http://127.0.0.1:{port}")
        with (
            override_settings(VIRTU_MEETINGS=setting),
            self.assertLogs("urllib3", "WARNING") as logs,
            self.assertRaisesMessage(MeetingError, "the service could not be reached"),
        ):
            ensure_meeting(self.sessions("zoom")[0])
        # Nothing reached Zoom, so asking again was safe: twice, then give up.
        self.assertEqual(len(logs.records), 2)

    def test_failing_service_is_not_asked_again_for_the_other_sessions(self):
        self.server.answer(
            ZOOM_MEETING, Answer(201, {"id": 1, "join_url": "https://z/1"}, delay=2)
        )
        self.sessions("zoom")
        with self.assertLogs("cohorts.meetings", "WARNING"):
            (failure,) = ensure_meetings(self.cohort)
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 1)
        self.assertEqual(
            str(failure),
            "The Zoom meetings for “Session 1”, “Session 2”, “Session 3” could not "
            "be created: the service did not answer. Publish the cohort again to "
            "retry.",
        )


class SessionChoiceTest(ProviderTestCase):
    def test_pasted_link_is_used_and_no_service_is_asked(self):
        session = self.sessions("", meeting_url="https://meet.example.fi/room")[0]
        self.assertIsNone(ensure_meeting(session))
        self.assertEqual(ensure_meetings(self.cohort), [])
        self.assertFalse(Meeting.objects.exists())
        self.assertEqual(self.server.received, [])

    def test_picking_another_service_replaces_the_meeting_and_deletes_the_old(self):
        zoom = ensure_meeting(self.sessions("zoom")[0])
        session = self.sessions("jitsi")[0]

        self.assertEqual(sync_meetings(self.cohort), [])

        meeting = Meeting.objects.get(session_uid=session.uid)
        self.assertEqual(meeting.provider, "jitsi")
        self.assertEqual(join_urls([session])[session.uid], meeting.join_url)
        [deleted] = self.server.requests_to(f"/v2/meetings/{zoom.external_id}")
        self.assertEqual(deleted["method"], "DELETE")

    def test_meeting_of_a_cleared_service_is_no_longer_the_join_link(self):
        ensure_meeting(self.sessions("zoom")[0])
        session = self.sessions("")[0]
        self.assertEqual(join_urls([session]), {session.uid: ""})


class MeetingAdminTest(WagtailTestUtils, ProviderTestCase):
    """Coordinators pick a service in the cohort form; publishing creates the
    meetings and tells them what failed."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.coordinator = make_coordinator()

    def setUp(self):
        super().setUp()
        self.client.force_login(self.coordinator)

    def edit_url(self):
        return reverse("wagtailadmin_pages:edit", args=(self.cohort.pk,))

    def publish(self, providers, extra_sessions=()):
        """Post the edit form, giving the sessions named in ``providers``
        that service, and publish."""
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        data = cohort_edit_data(
            cohort,
            lambda s: {"meeting_provider": providers.get(s.title, s.meeting_provider)},
            extra_sessions,
        )
        return self.client.post(self.edit_url(), data, follow=True)

    def published_session(self, title):
        return Session.objects.get(page=self.cohort, title=title)

    def test_publishing_creates_the_meeting_and_the_form_shows_its_link(self):
        response = self.publish({"Session 1": "teams"})
        self.assertContains(response, "has been published")
        session = self.published_session("Session 1")
        link = join_urls([session])[session.uid]
        self.assertTrue(link.startswith("https://teams.microsoft.com/"))

        form = self.get_soup(self.client.get(self.edit_url()).content)
        self.assertIsNotNone(form.find("a", href=link))

    def test_failed_service_warns_and_publishing_again_retries(self):
        self.server.answer(
            ZOOM_MEETING, Answer(201, {"id": 1, "join_url": "https://z/1"}, delay=2)
        )
        with self.assertLogs("cohorts.meetings", "WARNING"):
            response = self.publish({"Session 2": "zoom"})
        self.assertContains(response, "has been published")
        self.assertContains(
            response,
            "The Zoom meeting for “Session 2” could not be created: the service "
            "did not answer. Publish the cohort again to retry.",
        )
        session = self.published_session("Session 2")
        self.assertEqual(session.meeting_provider, "zoom")
        self.assertEqual(join_urls([session]), {session.uid: ""})
        self.assertIn("did not answer", Meeting.objects.get().last_error)
        self.assertContains(
            self.client.get(self.edit_url()),
            "Not created yet (publish again to retry): the service did not answer",
        )

        self.server.reset()  # the service is back
        response = self.publish({})
        self.assertNotContains(response, "could not be created")
        meeting = Meeting.objects.get()
        self.assertEqual((meeting.attempts, meeting.last_error), (2, ""))
        self.assertEqual(join_urls([session])[session.uid], meeting.join_url)

        self.publish({})
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 1)

    def test_unconfigured_service_is_refused(self):
        setting = meetings_setting(self.server.url)
        del setting["zoom"]
        with override_settings(VIRTU_MEETINGS=setting):
            response = self.publish({"Session 1": "zoom"})
            self.assertContains(response, "Zoom is not set up on this site.")
            options = self.get_soup(self.client.get(self.edit_url()).content).select(
                "select[name=sessions-0-meeting_provider] option"
            )
        self.assertEqual(
            [option["value"] for option in options], ["", "jitsi", "teams"]
        )
        self.assertEqual(self.published_session("Session 1").meeting_provider, "")
        self.assertEqual(self.server.received, [])

    def test_link_and_service_together_are_refused(self):
        Session.objects.filter(page=self.cohort, title="Session 1").update(
            meeting_url="https://meet.example.fi/room"
        )
        response = self.publish({"Session 1": "jitsi"})
        self.assertContains(response, "Paste a link or pick a service, not both.")
        self.assertFalse(Meeting.objects.exists())

    def test_session_added_to_a_live_cohort_gets_a_meeting_under_its_own_uid(self):
        new = {
            "title": "Session 4",
            "start": "2038-04-26 09:00",
            "end": "2038-04-26 12:30",
            "meeting_url": "",
            "meeting_provider": "jitsi",
            "agenda": "",
        }
        self.publish({}, extra_sessions=[new])
        session = self.published_session("Session 4")
        self.assertEqual(Meeting.objects.get().session_uid, session.uid)
        self.assertTrue(join_urls([session])[session.uid].startswith("https://jitsi"))

    def test_creating_a_cohort_creates_its_meetings(self):
        data = {
            "title": "Itä-Suomi",
            "slug": "ita-suomi",
            "organisations": "",
            "time_zone": "Europe/Helsinki",
            "start_date": "",
            "sessions": inline_formset(
                [
                    {
                        "title": "Kick-off",
                        "start": "2038-01-12 09:00",
                        "end": "2038-01-12 12:30",
                        "meeting_url": "",
                        "meeting_provider": "jitsi",
                        "agenda": "",
                    }
                ]
            ),
            "experiments": inline_formset([]),
            **impact_plan_data([], []),
            "action-publish": "publish",
        }
        self.client.post(
            reverse(
                "wagtailadmin_pages:add", args=("cohorts", "cohortpage", self.course.pk)
            ),
            nested_form_data(data),
        )
        session = Session.objects.get(page__slug="ita-suomi")
        self.assertRegex(
            join_urls([session])[session.uid],
            r"^https://jitsi\.example\.fi/ita-suomi-[0-9a-f]{32}$",
        )

    def test_a_copy_gets_meetings_of_its_own_from_the_same_service(self):
        self.publish({f"Session {n}": "zoom" for n in (1, 2, 3)})
        originals = {m.pk: m.join_url for m in Meeting.objects.all()}
        self.assertEqual(len(originals), 3)

        response = self.client.post(
            reverse("wagtailadmin_pages:copy", args=(self.cohort.pk,)),
            {
                "new_title": "Cohort B",
                "new_slug": "cohort-b",
                "new_parent_page": self.course.pk,
                "publish_copies": "on",
            },
        )

        self.assertEqual(response.status_code, 302)
        copied = list(Session.objects.filter(page__slug="cohort-b"))
        self.assertEqual({s.meeting_provider for s in copied}, {"zoom"})
        links = join_urls(copied)
        self.assertEqual(len(set(links.values()) - {""}), 3)
        self.assertFalse(set(links.values()) & set(originals.values()))
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 6)
        # The original's meetings are its own still.
        self.assertEqual(
            {m.pk: m.join_url for m in Meeting.objects.filter(cohort=self.cohort)},
            originals,
        )


class MeetingFollowsSessionTest(WagtailTestUtils, ProviderTestCase):
    """Meetings move with their session and go with it."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.coordinator = make_coordinator()

    def setUp(self):
        super().setUp()
        self.client.force_login(self.coordinator)

    def publish(self, session_changes=None, **fields):
        cohort = CohortPage.objects.get(pk=self.cohort.pk)
        data = cohort_edit_data(
            cohort.get_latest_revision_as_object(), session_changes, **fields
        )
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=(self.cohort.pk,)), data
        )
        self.assertEqual(response.status_code, 302)

    def meeting_of(self, title):
        session = Session.objects.get(page=self.cohort, title=title)
        return Meeting.objects.get(session_uid=session.uid)

    def test_moving_a_session_patches_its_teams_meeting(self):
        self.publish(lambda s: {"meeting_provider": "teams"})
        meeting = self.meeting_of("Session 2")
        self.server.received.clear()

        self.publish(
            lambda s: (
                {"start": "2038-03-30 10:00", "end": "2038-03-30 13:00"}
                if s.title == "Session 2"
                else {}
            )
        )

        path = f"/v1.0/users/organizer-1/onlineMeetings/{meeting.external_id}"
        [patch] = self.server.requests_to(path, "PATCH")
        self.assertEqual(patch["headers"]["Authorization"], "Bearer graph-token")
        self.assertEqual(
            json.loads(patch["body"]),
            {
                "startDateTime": "2038-03-30T07:00:00Z",
                "endDateTime": "2038-03-30T10:00:00Z",
                "subject": "Cohort A: Session 2",
            },
        )
        # Only the moved one; the meeting and its link stay.
        self.assertEqual([r["method"] for r in self.server.received], ["POST", "PATCH"])
        self.assertEqual(self.meeting_of("Session 2").join_url, meeting.join_url)

        self.publish()
        self.assertEqual(len(self.server.received), 2)  # nothing more to say

    def test_moving_a_session_patches_its_zoom_meeting(self):
        self.publish(lambda s: {"meeting_provider": "zoom"})
        meeting = self.meeting_of("Session 1")

        self.publish(
            lambda s: (
                {"start": "2038-03-15 13:00", "end": "2038-03-15 16:00"}
                if s.title == "Session 1"
                else {}
            )
        )

        [patch] = self.server.requests_to(f"/v2/meetings/{meeting.external_id}")
        self.assertEqual(patch["method"], "PATCH")
        self.assertEqual(
            json.loads(patch["body"]),
            {
                "topic": "Cohort A: Session 1",
                "start_time": "2038-03-15T13:00:00",
                "timezone": "Europe/Helsinki",
                "duration": 180,
                "agenda": "Agenda 1",
            },
        )

    def test_a_deleted_session_deletes_its_meeting_and_unpublishing_the_rest(self):
        self.publish(lambda s: {"meeting_provider": "zoom"})
        first, second, third = (
            self.meeting_of(f"Session {n}").external_id for n in (1, 2, 3)
        )

        self.publish(
            lambda s: {"DELETE": "1"} if s.title == "Session 3" else {},
            # With Experiment 2, as the form asks.
            experiment_changes=lambda e: (
                {"DELETE": "1"} if e.after_session == 2 else {}
            ),
        )
        self.assertEqual(
            [r["method"] for r in self.server.requests_to(f"/v2/meetings/{third}")],
            ["DELETE"],
        )
        self.client.post(reverse("wagtailadmin_pages:unpublish", args=[self.cohort.pk]))

        for external_id in (first, second):
            [request] = self.server.requests_to(f"/v2/meetings/{external_id}")
            self.assertEqual(request["method"], "DELETE")
        self.assertFalse(Meeting.objects.exists())

    def test_a_meeting_that_cannot_be_moved_warns_and_the_next_publish_retries(self):
        self.publish(lambda s: {"meeting_provider": "zoom"})
        meeting = self.meeting_of("Session 1")
        path = f"/v2/meetings/{meeting.external_id}"
        self.server.answer(
            ("PATCH", path), Answer(500, {"code": 500, "message": "Internal error"})
        )

        with self.assertLogs("cohorts.meetings", "WARNING"):
            response = self.client.post(
                reverse("wagtailadmin_pages:edit", args=(self.cohort.pk,)),
                cohort_edit_data(
                    CohortPage.objects.get(pk=self.cohort.pk),
                    lambda s: (
                        {"start": "2038-03-15 13:00", "end": "2038-03-15 16:30"}
                        if s.title == "Session 1"
                        else {}
                    ),
                ),
                follow=True,
            )

        self.assertContains(response, "has been published")
        self.assertContains(
            response,
            "The Zoom meeting for “Session 1” could not be moved to its new time: "
            "the service had an error. Publish the cohort again to retry.",
        )
        self.server.answer(("PATCH", path), Answer(204, None))
        self.publish()
        self.assertEqual(len(self.server.requests_to(path, "PATCH")), 2)
        self.assertEqual(self.meeting_of("Session 1").last_error, "")

    def test_a_scheduled_publish_creates_the_meetings(self):
        go_live = timezone.localtime(timezone.now() + timedelta(hours=1))
        self.publish(
            lambda s: {"meeting_provider": "teams"},
            go_live_at=go_live.strftime("%Y-%m-%d %H:%M"),
        )
        self.assertFalse(Meeting.objects.exists())

        later = timezone.now() + timedelta(hours=2)
        with mock.patch("django.utils.timezone.now", return_value=later):
            call_command("publish_scheduled", verbosity=0)

        self.assertEqual(len(self.server.requests_to(GRAPH_MEETING)), 3)
        self.assertEqual(Meeting.objects.exclude(join_url="").count(), 3)


@skipUnlessDBFeature("has_select_for_update")
class ConcurrentPublishTest(TransactionTestCase):
    """Two publishes at once ask Zoom, which is not idempotent, once.

    On PostgreSQL: SQLite's in-memory test database cannot hold two
    connections that wait for each other (a file database with the
    shipped IMMEDIATE transactions waits as PostgreSQL does)."""

    serialized_rollback = True  # the pages the migrations make

    def setUp(self):
        self.server = FakeProviders()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.server.reset()
        # A slow answer: the second publish arrives while the first waits.
        self.server.answer(
            ZOOM_MEETING, Answer(201, {"id": 7, "join_url": "https://z/7"}, delay=0.3)
        )
        setting = meetings_setting(self.server.url, read_timeout=5)
        self.enterContext(override_settings(VIRTU_MEETINGS=setting))
        self.cohort = make_cohort(make_course())
        Session.objects.filter(page=self.cohort).update(meeting_provider="zoom")

    def test_two_publishes_at_once_create_one_meeting(self):
        session = Session.objects.filter(page=self.cohort).first()
        results, errors = [], []

        def publish():
            try:
                cohort = CohortPage.objects.get(pk=self.cohort.pk)
                results.append(ensure_meeting(session, cohort).join_url)
            except Exception as error:  # reported below
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=publish) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        self.assertEqual(errors, [])
        self.assertEqual(results, ["https://z/7", "https://z/7"])
        self.assertEqual(len(self.server.requests_to(ZOOM_MEETING)), 1)
        self.assertEqual(Meeting.objects.count(), 1)


class MeetingServiceMenuTest(WagtailTestUtils, TestCase):
    """The menu of meeting services shows only where one is set up, and a
    cohort published without meeting links says which sessions lack one."""

    @classmethod
    def setUpTestData(cls):
        cls.course = make_course()
        cls.cohort = make_cohort(cls.course)
        cls.coordinator = make_coordinator()

    def setUp(self):
        self.client.force_login(self.coordinator)

    def edit_form(self):
        return self.client.get(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk])
        ).content.decode()

    @override_settings(VIRTU_MEETINGS={})
    def test_no_service_menu_when_none_is_set_up(self):
        self.assertNotIn('name="sessions-0-meeting_provider"', self.edit_form())

    @override_settings(VIRTU_MEETINGS={"jitsi": {"server": "https://meet.example.fi"}})
    def test_the_menu_offers_a_service_that_is_set_up(self):
        self.assertIn('name="sessions-0-meeting_provider"', self.edit_form())

    @override_settings(VIRTU_MEETINGS={})
    def test_publishing_without_meeting_links_warns_which_sessions_lack_one(self):
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.cohort.pk]),
            cohort_edit_data(
                self.cohort,
                lambda session: (
                    {"meeting_url": ""}
                    if session.title != "Session 1"
                    else {"meeting_url": "https://meet.example.fi/one"}
                ),
            ),
            follow=True,
        )
        messages = [str(m) for m in response.context["messages"]]
        self.assertIn(
            "Published without meeting links for Session 2, Session 3. Add the "
            "links so that participants know how to join; they get updated "
            "invites.",
            messages,
        )
