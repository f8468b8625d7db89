"""Online meetings that a provider (``providers.py``) creates for a session,
kept in step with it.

What a provider created is stored in ``Meeting``, outside the page
revisions. A session has at most one meeting per provider: created once
(the unique key, and the row locked while the provider is asked, so that two
publishes at once ask once), moved when the session moves or is renamed,
and deleted at the provider when the session is cancelled (deleted, its
cohort unpublished or deleted) or another service or a pasted link takes
its place. Sessions that have ended are left as they were.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from .kept import KeptForTheView
from .models import Meeting
from .providers import MeetingError, MeetingProvider, get_provider

logger = logging.getLogger(__name__)

CREATE, MOVE, DELETE = "create", "move", "delete"

#: The failures of each cohort's last sync of meetings, for the admin view
#: that published or unpublished the cohort to show (``take_failures``).
kept_failures = KeptForTheView("kept_failures")


def shown_reason(error):
    """What is kept on a meeting, and shown in the page editor to everyone
    who edits the cohort (trainers too): the reason in words. The service's
    own answer (ids, tenant, its message) goes to the log alone."""
    return str(error.message)


def subject(session, cohort):
    """What a meeting is called at the provider."""
    return f"{cohort.title}: {session.title}"[:255]


def ensure_meeting(session, cohort=None, provider=None):
    """The meeting the session's provider created, created now if there is
    none yet; ``None`` when the session has its own link or no provider.
    A failure is stored on the Meeting and raised as MeetingError."""
    if session.meeting_url or not session.meeting_provider:
        return None
    cohort = cohort or session.page
    name = session.meeting_provider
    failure = None
    with transaction.atomic():
        Meeting.objects.get_or_create(
            session_uid=session.uid, provider=name, defaults={"cohort": cohort}
        )
        # Another publish of the same session waits here until this one has
        # stored the meeting, and then finds it.
        meeting = Meeting.objects.select_for_update().get(
            session_uid=session.uid, provider=name
        )
        if meeting.join_url:
            if meeting.cancelled_at:  # chosen again before it was deleted
                meeting.cancelled_at = None
                meeting.save(update_fields=["cancelled_at", "updated_at"])
            return meeting
        meeting.cohort = cohort
        meeting.attempts += 1
        try:
            provider = provider or get_provider(name)
            meeting.external_id, meeting.join_url = provider.create(session, cohort)
        except MeetingError as error:
            meeting.last_error, failure = shown_reason(error), error
        else:
            meeting.last_error = ""
            meeting.start, meeting.end = session.start, session.end
            meeting.subject = subject(session, cohort)
        meeting.save()
    if failure is not None:
        raise failure
    return meeting


def move_meeting(meeting, session, cohort, provider):
    """Give the provider's meeting the session's time and name, if it has
    not got them yet."""
    wanted = (session.start, session.end, subject(session, cohort))
    if (meeting.start, meeting.end, meeting.subject) == wanted:
        return
    try:
        provider.update(meeting, session, cohort)
    except MeetingError as error:
        meeting.last_error = shown_reason(error)
        meeting.save(update_fields=["last_error", "updated_at"])
        raise
    meeting.start, meeting.end, meeting.subject = wanted
    meeting.last_error = ""
    meeting.save(update_fields=["start", "end", "subject", "last_error", "updated_at"])


def cancel_meeting(meeting, provider_for):
    """Delete the meeting at its provider, then here. Kept, marked as
    cancelled, while the provider cannot be reached."""
    try:
        if meeting.external_id and meeting.join_url:
            provider_for(meeting.provider).delete(meeting)
    except MeetingError as error:
        meeting.cancelled_at = meeting.cancelled_at or timezone.now()
        meeting.last_error = shown_reason(error)
        meeting.save(update_fields=["cancelled_at", "last_error", "updated_at"])
        raise
    meeting.delete()


class MeetingFailure:
    """Sessions of a cohort whose meetings one provider failed to create,
    move or delete."""

    def __init__(self, provider, error, title, action=CREATE):
        self.provider = provider
        self.error = error
        self.action = action
        self.sessions = [title]

    def __str__(self):
        titles = ", ".join(f"“{title}”" for title in self.sessions)
        values = {
            "provider": MeetingProvider(self.provider).label,
            "sessions": titles,
            "reason": self.error.message,
        }
        count = len(self.sessions)
        if self.action == MOVE:
            return (
                ngettext(
                    "The %(provider)s meeting for %(sessions)s could not be moved to "
                    "its new time: %(reason)s. Publish the cohort again to retry.",
                    "The %(provider)s meetings for %(sessions)s could not be moved to "
                    "their new times: %(reason)s. Publish the cohort again to retry.",
                    count,
                )
                % values
            )
        if self.action == DELETE:
            return (
                ngettext(
                    "The %(provider)s meeting for %(sessions)s could not be deleted: "
                    "%(reason)s. It is tried again when the cohort is next published "
                    "or unpublished.",
                    "The %(provider)s meetings for %(sessions)s could not be deleted: "
                    "%(reason)s. They are tried again when the cohort is next "
                    "published or unpublished.",
                    count,
                )
                % values
            )
        return (
            ngettext(
                "The %(provider)s meeting for %(sessions)s could not be created: "
                "%(reason)s. Publish the cohort again to retry.",
                "The %(provider)s meetings for %(sessions)s could not be created: "
                "%(reason)s. Publish the cohort again to retry.",
                count,
            )
            % values
        )


class Sync:
    """One pass over a cohort's meetings: a provider is asked for a token
    once, and once it fails, its other meetings wait for the next pass
    rather than keep the coordinator waiting for the same error."""

    def __init__(self):
        self.providers, self.errors, self.failures = {}, {}, {}

    def provider(self, name):
        if name not in self.providers:
            self.providers[name] = get_provider(name)
        return self.providers[name]

    def attempt(self, name, action, title, work):
        error = self.errors.get(name)
        if error is None:
            try:
                work()
                return
            except MeetingError as failed:
                error = self.errors[name] = failed
        if (name, action) in self.failures:
            self.failures[name, action].sessions.append(title)
        else:
            self.failures[name, action] = MeetingFailure(name, error, title, action)


def sync_meetings(cohort, *, cancelled=False, now=None):
    """Bring the providers' meetings in step with the cohort's sessions:
    create the missing ones, move the ones whose session moved, and delete
    those no longer wanted (all of them when ``cancelled``: the cohort
    unpublished or deleted). Returns the failures, also kept for the admin
    view that made the change (``take_failures``)."""
    now = now or timezone.now()
    sessions = list(cohort.sessions.all())
    ends = {session.uid: session.end for session in sessions}
    wanted = {
        (session.uid, session.meeting_provider): session
        for session in ([] if cancelled else sessions)
        if session.meeting_provider and not session.meeting_url and session.end > now
    }
    meetings = {
        (meeting.session_uid, meeting.provider): meeting
        for meeting in (
            Meeting.objects.filter(cohort=cohort)
            | Meeting.objects.filter(session_uid__in=list(ends))
        ).distinct()
    }
    sync = Sync()
    for key, meeting in meetings.items():
        end = meeting.end or ends.get(meeting.session_uid)
        if key in wanted or (end and end <= now):
            continue
        sync.attempt(
            meeting.provider,
            DELETE,
            meeting.subject or str(meeting.session_uid),
            lambda meeting=meeting: cancel_meeting(meeting, sync.provider),
        )
    for key, session in wanted.items():
        meeting = meetings.get(key)
        if meeting is None or not meeting.join_url or meeting.cancelled_at:
            action = CREATE
        elif (meeting.start, meeting.end, meeting.subject) != (
            session.start,
            session.end,
            subject(session, cohort),
        ):
            action = MOVE
        else:
            continue
        name = session.meeting_provider
        if action == CREATE and name in sync.errors:
            # The form shows why it has no meeting.
            record_skipped(session, cohort, sync.errors[name])

        def create_and_move(session=session, name=name):
            meeting = ensure_meeting(session, cohort, sync.provider(name))
            move_meeting(meeting, session, cohort, sync.provider(name))

        sync.attempt(name, action, session.title, create_and_move)
    failures = list(sync.failures.values())
    for failure in failures:
        logger.warning("Cohort %s: %s (%s)", cohort.pk, failure, failure.error)
    kept_failures.keep(cohort.pk, failures)
    return failures


def take_failures(cohort):
    """The failures of the last sync of ``cohort`` in this thread, once."""
    return kept_failures.take(cohort.pk, [])


def record_skipped(session, cohort, error):
    meeting, __ = Meeting.objects.get_or_create(
        session_uid=session.uid,
        provider=session.meeting_provider,
        defaults={"cohort": cohort},
    )
    if not meeting.join_url:
        meeting.last_error = shown_reason(error)
        meeting.save(update_fields=["last_error", "updated_at"])


def ensure_meetings(cohort):
    """Create and move the meetings of a cohort's sessions; the failures."""
    return sync_meetings(cohort)


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
