"""Online meetings that a provider creates for a session: a Jitsi room, a
Microsoft Teams meeting (Graph) or a Zoom meeting.

Providers are configured in ``VIRTU_MEETINGS``, never from the page. What a
provider created is stored in ``Meeting``, outside the page revisions, and a
session gets at most one: the provider is asked again only while no join link
is stored.
"""

import secrets
from datetime import UTC

import requests
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .conf import setting
from .models import Meeting, MeetingProvider


class MeetingError(Exception):
    """A provider could not create a meeting. ``message`` is for the
    coordinator; ``detail`` is for whoever reads the logs."""

    def __init__(self, message, detail=""):
        super().__init__(f"{message} ({detail})" if detail else str(message))
        self.message = message
        self.detail = detail


class Provider:
    """Creates meetings on one service; one instance per publish, so a
    token is fetched once for all the cohort's sessions."""

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

    def post(self, url, **kwargs):
        """The JSON answer to a POST, or a MeetingError saying what failed."""
        try:
            response = self.http.post(url, timeout=self.timeout, **kwargs)
        except requests.ReadTimeout as error:
            raise MeetingError(_("the service did not answer"), str(error)) from error
        except requests.RequestException as error:
            raise MeetingError(
                _("the service could not be reached"), str(error)
            ) from error
        detail = (
            f"POST {url.split('?')[0]}: {response.status_code} {response.text[:500]}"
        )
        if response.status_code in (401, 403):
            raise MeetingError(_("the service refused this site's credentials"), detail)
        if response.status_code == 429:
            raise MeetingError(_("the service is busy"), detail)
        if response.status_code >= 500:
            raise MeetingError(_("the service had an error"), detail)
        if response.status_code >= 400:
            raise MeetingError(_("the service refused the request"), detail)
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
                "subject": f"{cohort.title}: {session.title}",
            },
        )
        return self.answer(data, "id", "joinWebUrl")

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
        api = self.config.get("api_url", "https://api.zoom.us").rstrip("/")
        start = session.start.astimezone(cohort.zone)
        data = self.post(
            f"{api}/v2/users/{self.config['user_id']}/meetings",
            headers=self.bearer(self.token()),
            json={
                "topic": f"{cohort.title}: {session.title}"[:200],
                "type": 2,  # scheduled
                "start_time": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "timezone": cohort.time_zone,
                "duration": int((session.end - session.start).total_seconds() // 60),
                "agenda": session.agenda[:2000],
            },
        )
        return self.answer(data, "id", "join_url")

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


def ensure_meeting(session, cohort=None, provider=None):
    """The meeting the session's provider created, created now if there is
    none yet; ``None`` when the session has its own link or no provider.
    A failure is stored on the Meeting and raised as MeetingError."""
    if session.meeting_url or not session.meeting_provider:
        return None
    meeting = Meeting.objects.filter(session_uid=session.uid).first()
    if meeting and meeting.provider != session.meeting_provider:
        # Another service was picked: its meeting no longer counts.
        meeting.delete()
        meeting = None
    if meeting is None:
        meeting = Meeting(session_uid=session.uid, provider=session.meeting_provider)
    elif meeting.join_url:
        return meeting
    meeting.attempts += 1
    try:
        provider = provider or get_provider(session.meeting_provider)
        meeting.external_id, meeting.join_url = provider.create(
            session, cohort or session.page
        )
    except MeetingError as error:
        meeting.last_error = str(error)
        meeting.save()
        raise
    meeting.last_error = ""
    meeting.save()
    return meeting


class MeetingFailure:
    """Sessions of a cohort left without a meeting by one provider's error."""

    def __init__(self, provider, error, session):
        self.provider = provider
        self.error = error
        self.sessions = [session]

    def __str__(self):
        titles = ", ".join(f"“{session.title}”" for session in self.sessions)
        return ngettext(
            "The %(provider)s meeting for %(sessions)s could not be created: "
            "%(reason)s. Publish the cohort again to retry.",
            "The %(provider)s meetings for %(sessions)s could not be created: "
            "%(reason)s. Publish the cohort again to retry.",
            len(self.sessions),
        ) % {
            "provider": MeetingProvider(self.provider).label,
            "sessions": titles,
            "reason": self.error.message,
        }


def ensure_meetings(cohort):
    """Create the meetings the cohort's sessions still lack. Once a provider
    fails, its other sessions wait for the next publish rather than keep
    the coordinator waiting for the same error. Returns the failures."""
    providers, failures = {}, {}
    for session in cohort.sessions.all():
        name = session.meeting_provider
        if session.meeting_url or not name:
            continue
        if name in failures:
            if not session_has_meeting(session):
                failures[name].sessions.append(session)
            continue
        try:
            if name not in providers:
                providers[name] = get_provider(name)
            ensure_meeting(session, cohort, providers[name])
        except MeetingError as error:
            failures[name] = MeetingFailure(name, error, session)
    return list(failures.values())


def session_has_meeting(session):
    return (
        Meeting.objects.filter(
            session_uid=session.uid, provider=session.meeting_provider
        )
        .exclude(join_url="")
        .exists()
    )


def utc_iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def show_meetings(session_forms):
    """Offer only the configured providers, and show each session's created
    meeting (or why it is missing) under its provider field."""
    configured = configured_providers()
    forms = [form for form in session_forms if "meeting_provider" in form.fields]
    meetings = Meeting.objects.in_bulk(
        [form.instance.uid for form in forms], field_name="session_uid"
    )
    for form in forms:
        field = form.fields["meeting_provider"]
        current = form.instance.meeting_provider
        # Only the widget's choices shrink: a posted unconfigured provider
        # then gets Session.clean's message instead of "not a valid choice".
        field.widget.choices = [
            (value, label)
            for value, label in field.choices
            if not value or value in configured or value == current
        ]
        meeting = meetings.get(form.instance.uid)
        if not meeting or meeting.provider != current or form.instance.meeting_url:
            continue
        if meeting.join_url:
            field.help_text = format_html(
                '{} <a href="{}" target="_blank" rel="noopener">{}</a>',
                _("Meeting created:"),
                meeting.join_url,
                meeting.join_url,
            )
        elif meeting.last_error:
            field.help_text = format_html(
                "{} {}",
                _("Not created yet (publish again to retry):"),
                meeting.last_error,
            )
