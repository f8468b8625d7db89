"""Online meetings that a provider (``providers.py``) creates for a session.

What a provider created is stored in ``Meeting``, outside the page
revisions, and a session gets at most one: the provider is asked again only
while no join link is stored.
"""

from django.utils.translation import ngettext

from .models import Meeting
from .providers import MeetingError, MeetingProvider, get_provider


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


def sessions_without_link(cohort):
    """The sessions that have neither a meeting link nor a service to create
    one: their invites and reminders go out without a way to join."""
    return [
        session
        for session in cohort.sessions.all()
        if not session.meeting_url and not session.meeting_provider
    ]


def missing_links_warning(cohort):
    """What to tell the coordinator publishing ``cohort``, or ""."""
    missing = sessions_without_link(cohort)
    if not missing:
        return ""
    return ngettext(
        "Published without a meeting link for %(sessions)s. Add the link so "
        "that participants know how to join; they get an updated invite.",
        "Published without meeting links for %(sessions)s. Add the links so "
        "that participants know how to join; they get updated invites.",
        len(missing),
    ) % {"sessions": ", ".join(session.title for session in missing)}


def session_has_meeting(session):
    return (
        Meeting.objects.filter(
            session_uid=session.uid, provider=session.meeting_provider
        )
        .exclude(join_url="")
        .exists()
    )
