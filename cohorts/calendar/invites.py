"""Calendar invites by email (iMIP), kept true as a cohort changes.

One invite per session and person, from the organiser to the person as
attendee. Moving a session sends an update with the same UID and a higher
SEQUENCE; deleting it, or removing the person, sends a cancellation.
``CalendarEntry`` holds what calendars were last told about each session
(outside the page revisions, which can be republished); the outbox holds what
each person was last sent. Keys make every message unique, so replaying a
change sends nothing twice.
"""

import hashlib
import json
from datetime import UTC

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from outbox.models import OutgoingEmail
from outbox.rendering import preferred_languages
from outbox.sending import queue_email

from ..emails import Kind, render_session_email
from ..models import CalendarEntry, CohortPage, Enrollment, Session, join_urls
from .ical import invite_calendar

REQUEST, CANCEL = "REQUEST", "CANCEL"


def sync_cohort(cohort_id, now=None):
    """Invite everyone enrolled in a live cohort to the sessions calendars do
    not know yet, and send an update for each session that changed."""
    now = now or timezone.now()
    with transaction.atomic():
        # The lock keeps two publishes from announcing the same session twice.
        cohort = (
            CohortPage.objects.select_for_update()
            .filter(pk=cohort_id, live=True)
            .prefetch_related("sessions")
            .first()
        )
        if cohort is None:
            return
        sessions = upcoming(cohort, now)
        links = join_urls(sessions)
        entries = CalendarEntry.objects.select_for_update().in_bulk(
            [session.uid for session in sessions], field_name="uid"
        )
        people = None  # loaded only when some session has news for everyone
        messages = []
        for session in sessions:
            digest = fingerprint(session, links[session.uid])
            entry = entries.get(session.uid)
            if entry is None:
                entry = CalendarEntry.objects.create(
                    uid=session.uid, cohort=cohort, fingerprint=digest
                )
                kind = Kind.INVITE
            elif entry.fingerprint != digest or entry.cancelled_at:
                entry.sequence += 1
                entry.fingerprint, entry.cancelled_at = digest, None
                entry.save()
                kind = Kind.UPDATE
            else:
                continue
            if people is None:
                people = recipients(cohort.pk)
            messages += [(session, person, entry.sequence, kind) for person in people]
        queue_invites(messages, links)


def invite_person(enrollment, now=None):
    """Invite a person just enrolled in a live cohort to its sessions."""
    now = now or timezone.now()
    sync_cohort(enrollment.cohort_id, now)
    with transaction.atomic():
        cohort = (
            CohortPage.objects.filter(pk=enrollment.cohort_id, live=True)
            .prefetch_related("sessions")
            .first()
        )
        if cohort is None or not enrollment.user.email:
            return
        sessions = upcoming(cohort, now)
        last = last_sent([session.uid for session in sessions], [enrollment.user_id])
        entries = CalendarEntry.objects.select_for_update().in_bulk(
            [session.uid for session in sessions], field_name="uid"
        )
        messages = []
        for session in sessions:
            entry = entries[session.uid]
            sent = last.get((str(session.uid), enrollment.user_id))
            if sent == (entry.sequence, REQUEST):
                continue  # their calendar is up to date
            if sent and sent[1] == CANCEL and sent[0] >= entry.sequence:
                # Back after being removed: only a higher SEQUENCE than the
                # cancellation puts the event back in their calendar.
                entry.sequence = sent[0] + 1
                entry.save(update_fields=["sequence", "updated_at"])
            messages.append((session, enrollment, entry.sequence, Kind.INVITE))
        queue_invites(messages, join_urls(sessions))


def uninvite_person(cohort_id, user, now=None):
    """Take a person removed from a cohort out of its sessions."""
    now = now or timezone.now()
    with transaction.atomic():
        cohort = (
            CohortPage.objects.filter(pk=cohort_id).prefetch_related("sessions").first()
        )
        if cohort is None:
            return
        sessions = upcoming(cohort, now)
        last = last_sent([session.uid for session in sessions], [user.pk])
        entries = CalendarEntry.objects.select_for_update().in_bulk(
            [session.uid for session in sessions], field_name="uid"
        )
        enrollment = Enrollment(cohort=cohort, user=user)  # the deleted one's stand-in
        messages = []
        for session in sessions:
            sent = last.get((str(session.uid), user.pk))
            if session.uid in entries and sent and sent[1] == REQUEST:
                entry = entries[session.uid]
                entry.sequence += 1
                entry.save(update_fields=["sequence", "updated_at"])
                messages.append((session, enrollment, entry.sequence, Kind.REMOVED))
        queue_invites(messages, join_urls(sessions), method=CANCEL)


def cancel_session(session, now=None):
    """Cancel a session being deleted, for everyone who was invited to it."""
    now = now or timezone.now()
    if session.end <= now:
        return
    with transaction.atomic():
        entry = (
            CalendarEntry.objects.select_for_update()
            .filter(uid=session.uid, cancelled_at__isnull=True)
            .first()
        )
        if entry is None:
            return  # calendars were never told about it
        entry.sequence += 1
        entry.cancelled_at = now
        entry.save()
        people = recipients(entry.cohort_id)
        last = last_sent([session.uid], [person.user_id for person in people])
        messages = [
            (session, person, entry.sequence, Kind.CANCEL)
            for person in people
            if last.get((str(session.uid), person.user_id), (0, ""))[1] == REQUEST
        ]
        queue_invites(messages, join_urls([session]), method=CANCEL)


def upcoming(cohort, now):
    """The cohort's sessions that have not ended: past ones are not sent."""
    sessions = [session for session in cohort.sessions.all() if session.end > now]
    for session in sessions:
        session.page = cohort  # the invite reads the cohort's sessions
    return sessions


def recipients(cohort_id):
    return list(
        Enrollment.objects.filter(cohort_id=cohort_id)
        .exclude(user__email="")
        .select_related("user")
    )


def fingerprint(session, join_url):
    """Digest of what an invite says; a change means an update is due."""
    data = [
        session.title,
        session.start.astimezone(UTC).isoformat(),
        session.end.astimezone(UTC).isoformat(),
        join_url,
        session.agenda,
    ]
    return hashlib.sha256(json.dumps(data).encode()).hexdigest()


def invite_key(uid, user_id, sequence, method):
    return f"invite:{uid}:{user_id}:{sequence}:{method}"


def last_sent(uids, user_ids):
    """What each person was last sent about each session, read from the
    outbox: {(session uid, user id): (sequence, method)}."""
    if not uids or not user_ids:
        return {}
    prefixes = Q()
    for uid in uids:
        prefixes |= Q(key__startswith=f"invite:{uid}:")
    users = {str(user_id) for user_id in user_ids}
    last = {}
    keys = OutgoingEmail.objects.filter(prefixes).order_by("pk")
    for key in keys.values_list("key", flat=True):
        __, uid, user_id, sequence, method = key.split(":")
        if user_id in users:
            last[uid, int(user_id)] = (int(sequence), method)
    return last


def queue_invites(messages, links, method=REQUEST):
    """Queue the invite or cancellation of each (session, enrolment,
    sequence, kind), in its recipient's language; a key already queued is
    not built again."""
    keys = {
        invite_key(session.uid, person.user_id, sequence, method)
        for session, person, sequence, __ in messages
    }
    queued = set(
        OutgoingEmail.objects.filter(key__in=keys).values_list("key", flat=True)
    )
    languages = preferred_languages([person.user for __, person, __, __ in messages])
    preparations = Session.preparations([session for session, *__ in messages])
    for session, person, sequence, kind in messages:
        key = invite_key(session.uid, person.user_id, sequence, method)
        if key in queued:
            continue
        join_url = links.get(session.uid, "")
        preparation = preparations.get(session.uid, "")
        with translation.override(languages[person.user_id]):
            ics = invite_calendar(
                session,
                person,
                method,
                sequence=sequence,
                join_url=join_url,
                preparation=preparation,
            )
            subject, text, html = render_session_email(
                "invite",
                SUBJECTS[kind],
                session,
                kind=kind,
                join_url=join_url,
                show_join_url=method == REQUEST,
                preparation=preparation,
                person=person.user,
            )
        queue_email(key, kind, person.user.email, subject, text, html, ics, method)


#: Subject lines, formatted with the session and its time.
SUBJECTS = {
    Kind.INVITE: gettext_lazy("Invitation: %(title)s, %(when)s"),
    Kind.UPDATE: gettext_lazy("Updated: %(title)s, %(when)s"),
    Kind.CANCEL: gettext_lazy("Cancelled: %(title)s, %(when)s"),
    Kind.REMOVED: gettext_lazy("Cancelled: %(title)s, %(when)s"),
}
