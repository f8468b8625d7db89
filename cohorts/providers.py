"""The services that create a session's online meeting: a Jitsi room, a
Microsoft Teams meeting (Graph) or a Zoom meeting, each spoken to over HTTP.

Providers are configured in ``VIRTU_MEETINGS``, never from the page; which
meeting a session has is ``meetings.py``'s business.
"""

import secrets
from datetime import UTC, timedelta

import requests
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry
from wagtail.admin.panels import FieldPanel

from .conf import setting


class MeetingProvider(models.TextChoices):
    JITSI = "jitsi", "Jitsi"
    TEAMS = "teams", "Microsoft Teams"
    ZOOM = "zoom", "Zoom"


class MeetingProviderPanel(FieldPanel):
    """The menu of meeting services, shown only where one is set up (or the
    session already names one, so that its error can be seen)."""

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            if not super().is_shown():
                return False
            if configured_providers():
                return True
            if self.bound_field is not None:
                return bool(self.bound_field.value())
            # Bound without a form and a session, to compare two revisions
            # (History › Compare): compared where some session names a
            # service, as its editor would show the menu.
            sessions = self.panel.model._default_manager
            return sessions.exclude(**{self.field_name: ""}).exists()


class MeetingError(Exception):
    """A provider could not create, move or delete a meeting. ``message`` is for the
    coordinator; ``detail`` is for whoever reads the logs."""

    def __init__(self, message, detail=""):
        super().__init__(f"{message} ({detail})" if detail else str(message))
        self.message = message
        self.detail = detail


class Provider:
    """Creates, moves and deletes meetings on one service; one instance per
    publish, so a token is fetched once for all the cohort's sessions."""

    #: Settings a site must give before the provider is offered.
    required = ()
    #: Answers worth asking again after: the request was not carried out.
    retry_statuses = (429, 500, 502, 503, 504)

    def __init__(self, config):
        self.config = config
        self.http = requests.Session()
        retries = config.get("retries", 2)
        retry = Retry(
            total=None,
            connect=retries,
            # The request may have arrived: asking again could create twice,
            # and the coordinator is waiting. (False, not 0, keeps a read
            # timeout a ReadTimeout instead of a ConnectionError.)
            read=False,
            status=retries,
            other=0,
            allowed_methods=None,  # POST too; ``retry_statuses`` keep it safe
            status_forcelist=self.retry_statuses,
            backoff_factor=config.get("backoff", 0.5),
            # A Retry-After of minutes would hold the coordinator's request.
            respect_retry_after_header=False,
            raise_on_status=False,
        )
        self.http.mount("https://", HTTPAdapter(max_retries=retry))
        self.http.mount("http://", HTTPAdapter(max_retries=retry))
        self.timeout = (
            config.get("connect_timeout", 5),
            config.get("read_timeout", 15),
        )

    def create(self, session, cohort):
        """(external id, join link) of a new meeting for ``session``."""
        raise NotImplementedError

    def update(self, meeting, session, cohort):
        """Give the provider's meeting the session's time and subject."""

    def delete(self, meeting):
        """Delete the provider's meeting; one already gone counts as deleted."""

    def post(self, url, **kwargs):
        """The JSON answer to a POST, or a MeetingError saying what failed."""
        return self.request("POST", url, **kwargs)

    def request(self, method, url, *, missing_ok=False, **kwargs):
        """The JSON answer to a request (None for an empty one, or for a 404
        with ``missing_ok``), or a MeetingError saying what failed."""
        try:
            response = self.http.request(method, url, timeout=self.timeout, **kwargs)
        except requests.ReadTimeout as error:
            raise MeetingError(_("the service did not answer"), str(error)) from error
        except requests.RequestException as error:
            raise MeetingError(
                _("the service could not be reached"), str(error)
            ) from error
        detail = (
            f"{method} {url.split('?')[0]}: {response.status_code} "
            f"{response.text[:500]}"
        )
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code in (401, 403):
            raise MeetingError(_("the service refused this site's credentials"), detail)
        if response.status_code == 429:
            raise MeetingError(_("the service is busy"), detail)
        if response.status_code >= 500:
            raise MeetingError(_("the service had an error"), detail)
        if response.status_code >= 400:
            raise MeetingError(_("the service refused the request"), detail)
        if not response.content:
            return None  # 204 No Content, as PATCH and DELETE answer
        try:
            return response.json()
        except ValueError as error:
            raise MeetingError(
                _("the service gave an answer that was not understood"), detail
            ) from error

    def answer(self, data, *keys):
        """``keys`` of a provider's answer; the last one an https link."""
        values = [data.get(key) if isinstance(data, dict) else None for key in keys]
        if not all(values) or not str(values[-1]).startswith("https://"):
            raise MeetingError(
                _("the service gave an answer that was not understood"), str(data)[:500]
            )
        return [str(value) for value in values]

    def bearer(self, token):
        return {"Authorization": f"Bearer {token}"}


class Jitsi(Provider):
    """No API: a room exists once someone joins it, so its name must be
    impossible to guess. The cohort's name in front keeps it readable."""

    def create(self, session, cohort):
        server = self.config.get("server") or "https://meet.jit.si"
        prefix = slugify(cohort.title)[:40].strip("-") or "virtu"
        # Jitsi lowercases room names: hex keeps all 128 random bits.
        room = f"{prefix}-{secrets.token_hex(16)}"
        return room, f"{server.rstrip('/')}/{room}"


class Teams(Provider):
    """Microsoft Graph online meetings, organised by one user of the tenant
    (the app needs an application access policy for that user)."""

    required = ("tenant_id", "client_id", "client_secret", "organizer_user_id")

    def create(self, session, cohort):
        data = self.post(
            f"{self.graph}/v1.0/users/{self.config['organizer_user_id']}"
            "/onlineMeetings/createOrGet",
            headers=self.bearer(self.token()),
            json={
                # createOrGet returns the meeting made before for this id,
                # so asking again after a lost answer is safe.
                "externalId": str(session.uid),
                "startDateTime": utc_iso(session.start),
                "endDateTime": utc_iso(session.end),
                "subject": self.subject(session, cohort),
            },
        )
        return self.answer(data, "id", "joinWebUrl")

    def update(self, meeting, session, cohort):
        self.request(
            "PATCH",
            self.meeting_url(meeting),
            headers=self.bearer(self.token()),
            json={
                "startDateTime": utc_iso(session.start),
                "endDateTime": utc_iso(session.end),
                "subject": self.subject(session, cohort),
            },
        )

    def delete(self, meeting):
        self.request(
            "DELETE",
            self.meeting_url(meeting),
            headers=self.bearer(self.token()),
            missing_ok=True,
        )

    def meeting_url(self, meeting):
        return (
            f"{self.graph}/v1.0/users/{self.config['organizer_user_id']}"
            f"/onlineMeetings/{meeting.external_id}"
        )

    @staticmethod
    def subject(session, cohort):
        return f"{cohort.title}: {session.title}"

    @property
    def graph(self):
        return self.config.get("graph_url", "https://graph.microsoft.com").rstrip("/")

    def token(self):
        if not hasattr(self, "_token"):
            login = self.config.get("login_url", "https://login.microsoftonline.com")
            data = self.post(
                f"{login.rstrip('/')}/{self.config['tenant_id']}/oauth2/v2.0/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.config["client_id"],
                    "client_secret": self.config["client_secret"],
                    "scope": f"{self.graph}/.default",
                },
            )
            self._token = access_token(data)
        return self._token


class Zoom(Provider):
    """Zoom meetings through a server-to-server OAuth app."""

    required = ("account_id", "client_id", "client_secret", "user_id")
    #: Creating a meeting is not idempotent: only ask again when Zoom says
    #: it did nothing.
    retry_statuses = (429, 503)

    def create(self, session, cohort):
        data = self.post(
            f"{self.api}/v2/users/{self.config['user_id']}/meetings",
            headers=self.bearer(self.token()),
            json={"type": 2, **self.details(session, cohort)},  # 2: scheduled
        )
        return self.answer(data, "id", "join_url")

    def update(self, meeting, session, cohort):
        self.request(
            "PATCH",
            f"{self.api}/v2/meetings/{meeting.external_id}",
            headers=self.bearer(self.token()),
            json=self.details(session, cohort),
        )

    def delete(self, meeting):
        self.request(
            "DELETE",
            f"{self.api}/v2/meetings/{meeting.external_id}",
            headers=self.bearer(self.token()),
            missing_ok=True,
        )

    @property
    def api(self):
        return self.config.get("api_url", "https://api.zoom.us").rstrip("/")

    @staticmethod
    def details(session, cohort):
        start = session.start.astimezone(cohort.zone)
        return {
            "topic": f"{cohort.title}: {session.title}"[:200],
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": cohort.time_zone,
            # In UTC: two times of one zone subtract by their clock faces,
            # an hour off across a daylight-saving change.
            "duration": int(
                (session.end.astimezone(UTC) - session.start.astimezone(UTC))
                // timedelta(minutes=1)
            ),
            "agenda": session.agenda[:2000],
        }

    def token(self):
        if not hasattr(self, "_token"):
            oauth = self.config.get("oauth_url", "https://zoom.us").rstrip("/")
            data = self.post(
                f"{oauth}/oauth/token",
                params={
                    "grant_type": "account_credentials",
                    "account_id": self.config["account_id"],
                },
                auth=(self.config["client_id"], self.config["client_secret"]),
            )
            self._token = access_token(data)
        return self._token


def access_token(data):
    if not isinstance(data, dict) or not data.get("access_token"):
        raise MeetingError(
            _("the service refused this site's credentials"), str(data)[:500]
        )
    return data["access_token"]


PROVIDERS = {
    MeetingProvider.JITSI: Jitsi,
    MeetingProvider.TEAMS: Teams,
    MeetingProvider.ZOOM: Zoom,
}


def configured_providers():
    """The providers this site has settings for, by name."""
    meetings = setting("MEETINGS", {})
    return [
        name
        for name, provider in PROVIDERS.items()
        if name in meetings
        and all(meetings[name].get(key) for key in provider.required)
    ]


def get_provider(name):
    if name not in configured_providers():
        raise MeetingError(_("the service is not set up on this site"), name)
    return PROVIDERS[name](setting("MEETINGS", {})[name])


def utc_iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
