"""Calendar invites by email (iMIP): one rule keeps every person's calendar
true to their cohort.

``reconcile`` compares what each person's calendar was last sent about each
session (``Invitation``; ``CalendarEntry`` holds the SEQUENCE and the event
last announced) with what it should now show: the sessions, not yet ended
(or announced as still to come), of a live cohort, for the people
``Enrollment.objects.invited()`` names. It sends exactly the difference:
an invite or update (METHOD:REQUEST) for an event that is new or changed, a
cancellation (METHOD:CANCEL) for one that is gone, nothing for one that is
the same. Events are compared as calendars read them (the VEVENT built from
the session), not as typed, so a line ending or a trailing space changes
nothing. ``signals.py`` runs it after every change that can alter a
calendar.

A closed account (``is_active`` false) is sent nothing, not even a
cancellation: its calendar stays as it was, so that closing it does not
read as a removal from the training, and opening it again (``signals.py``)
sends what it missed. Only when nothing would be left to catch up from, its
place in the cohort or the cohort itself deleted (erasure, a deleted
account), does its calendar get the cancellations at once.

The request only records the messages: one outbox row each, holding what
the message must say as decided now (UID, SEQUENCE, method and the event),
all queued with one task. The worker builds each email and its calendar
file in the recipient's language when it sends it (``render_invite``).
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail import hooks

from outbox.kinds import Rendered
from outbox.models import OutgoingEmail
from outbox.sending import queue_emails

from ..emails import Kind, local_times, render_session_email
from ..kept import KeptForTheView
from ..models import (
    CalendarEntry,
    CalendarFeed,
    CohortPage,
    Enrollment,
    Invitation,
    Session,
    join_urls,
)
from .ical import invite_calendar, session_event

REQUEST, CANCEL = Invitation.Method.REQUEST, Invitation.Method.CANCEL
#: The DTSTAMP of the event whose digest is compared: any fixed moment.
DIGEST_STAMP = datetime(2000, 1, 1, tzinfo=UTC)
#: {kind: recipients} of each cohort's last run for the whole cohort, for
#: the admin view that published or unpublished it to say (``take_told``).
kept_told = KeptForTheView("kept_told")


def reconcile(
    cohort_id, user_ids=None, *, live=None, deleting=False, now=None, also=()
):
    """Send each person exactly what their calendar lacks about the cohort's
    sessions. ``user_ids`` narrows it to those people (a change of
    enrolment); ``live=False`` treats the cohort as unpublished whatever its
    row says (it is being unpublished or deleted); ``deleting`` says it is
    being deleted, so closed accounts get their cancellations too. ``also``
    are more unsaved outbox rows (welcomes) to queue in the same batch: one
    task sends them all. Returns how many messages were queued."""
    now = now or timezone.now()
    with transaction.atomic():
        # The lock keeps two changes of one cohort from announcing twice.
        cohort = (
            CohortPage.objects.select_for_update()
            .filter(pk=cohort_id)
            .prefetch_related("sessions")
            .first()
        )
        if cohort is None:
            queue_emails(also)
            return len(also)
        plan = Plan(
            cohort,
            user_ids,
            now,
            live=cohort.live and live is not False,
            deleting=deleting,
        )
        plan.compare()
        plan.save()
        if user_ids is None:
            for sync in hooks.get_hooks("sync_cohort_calendar"):
                sync(cohort)
        emails = [*plan.emails, *also]
        for email in emails:  # sent in this order: invites, then welcomes
            email.next_attempt_at = now
        queue_emails(emails)
        if user_ids is None:
            remember_told(cohort.pk, plan.emails)
        return len(emails)


def remember_told(cohort_id, emails):
    """Keep who ``emails`` (a cohort's queued invites) go to, by kind."""
    told = {}
    for email in emails:
        who = email.user_id or email.to.lower()
        told.setdefault(email.kind, set()).add(who)
    kept_told.keep(cohort_id, told)


def take_told(cohorts):
    """What the last run for each of ``cohorts`` (whole) in this thread
    queued, in words for the coordinator, once; "" when it queued nothing.
    A person told of two cohorts counts once."""
    told = {}
    for cohort in cohorts:
        for kind, people in kept_told.take(cohort.pk, {}).items():
            told.setdefault(kind, set()).update(people)
    cancelled = told.get(Kind.CANCEL, set()) | told.get(Kind.REMOVED, set())
    return " ".join(
        told_sentences(
            len(told.get(Kind.INVITE, ())),
            len(told.get(Kind.UPDATE, ())),
            len(cancelled),
        )
    )


def told_sentences(invited, updated, cancelled):
    """A sentence for each kind of message queued, none for a kind not."""
    if invited:
        yield ngettext(
            "Invitations are on their way to %(count)s person.",
            "Invitations are on their way to %(count)s people.",
            invited,
        ) % {"count": invited}
    if updated:
        yield ngettext(
            "Updated invitations are on their way to %(count)s person.",
            "Updated invitations are on their way to %(count)s people.",
            updated,
        ) % {"count": updated}
    if cancelled:
        yield ngettext(
            "Cancellations are on their way to %(count)s person.",
            "Cancellations are on their way to %(count)s people.",
            cancelled,
        ) % {"count": cancelled}


class Plan:
    """What one run of the rule finds and sends for one cohort."""

    def __init__(self, cohort, user_ids, now, live, deleting=False):
        self.cohort, self.now = cohort, now
        self.scoped = user_ids is not None
        self.entries = {
            entry.uid: entry
            for entry in CalendarEntry.objects.select_for_update().filter(cohort=cohort)
        }
        #: Sessions that have ended are history: nothing is sent about them,
        #: unless calendars were last told of a time still to come (a session
        #: moved to the past date it was held on): those get the update.
        self.ended = {
            s.uid
            for s in cohort.sessions.all()
            if s.end <= now and not self.announced_to_come(s.uid)
        }
        sessions = (
            [s for s in cohort.sessions.all() if s.uid not in self.ended]
            if live
            else []
        )
        for session in sessions:
            session.page = cohort
        self.sessions = {session.uid: session for session in sessions}
        self.events = snapshots(cohort, sessions)
        people = Enrollment.objects.invited().filter(cohort=cohort)
        records = Invitation.objects.filter(entry__cohort=cohort)
        if self.scoped:
            people = people.filter(user__in=user_ids)
            # An account deleted since leaves its invitations without a user.
            records = records.filter(Q(user__in=user_ids) | Q(user__isnull=True))
        self.people = (
            {
                enrolment.user_id: enrolment.user
                for enrolment in people.select_related("user")
            }
            if live
            else {}
        )
        # Whether the person still has a place (withdrawn or not) in the
        # cohort: a closed account's calendar waits only while it has one.
        records = records.annotate(
            placed=Exists(
                Enrollment.objects.filter(cohort=cohort, user=OuterRef("user"))
            )
        )
        self.records = {}
        for record in records.select_related("entry", "user"):
            record.frozen = (
                not deleting
                and record.placed
                and record.user is not None
                and not record.user.is_active
            )
            self.records.setdefault(record.entry.uid, []).append(record)
        self.emails, self.changed_records, self.new_records = [], [], []
        self.changed_entries = []

    def compare(self):
        for uid, session in self.sessions.items():
            self.compare_session(uid, session)
        for uid, entry in self.entries.items():
            if uid in self.sessions or uid in self.ended or self.has_ended(entry):
                continue
            self.compare_gone(entry)

    def compare_session(self, uid, session):
        event, digest = self.events[uid]
        entry = self.entries.get(uid)
        every_record = self.records.get(uid, [])
        records = {r.user_id: r for r in every_record if r.user_id is not None}
        if entry is None:
            entry = CalendarEntry.objects.create(
                uid=uid, cohort=self.cohort, fingerprint=digest, event=event
            )
        elif not entry.event:
            upgrade_legacy(entry, session, digest, every_record)
        messages = []  # (record or None, kind, method, address, user)
        for user_id, user in self.people.items():
            record = records.get(user_id)
            if record is None or record.method == CANCEL:
                if session.end <= self.now:
                    continue  # only calendars that have it hear it is past
                messages.append((record, Kind.INVITE, REQUEST, user.email, user))
            elif record.email.lower() != user.email.lower():
                # A new address: the old one's calendar loses the event and
                # the new one's gets it.
                messages.append((record, Kind.REMOVED, CANCEL, record.email, user))
                messages.append((record, Kind.INVITE, REQUEST, user.email, user))
            elif record.fingerprint != digest:
                messages.append((record, Kind.UPDATE, REQUEST, user.email, user))
        for record in every_record:
            if (
                record.user_id not in self.people
                and record.method == REQUEST
                and not record.frozen
            ):
                messages.append((record, Kind.REMOVED, CANCEL, record.email, None))
        changed = entry.fingerprint != digest or entry.cancelled_at is not None
        # What the calendars that hold the last version were told before:
        # an update says what changed to those.
        before = (entry.fingerprint, entry.event)
        # A new SEQUENCE whenever the event changes, and whenever someone
        # who was sent it before gets a message: it must outrank theirs.
        if changed or any(record is not None for record, *__ in messages):
            entry.sequence += 1
        if changed or entry.event != event:
            entry.fingerprint, entry.event, entry.cancelled_at = digest, event, None
            self.changed_entries.append(entry)
        elif messages:
            self.changed_entries.append(entry)
        for record, kind, method, address, user in messages:
            previous = (
                before[1]
                if kind == Kind.UPDATE and record.fingerprint == before[0]
                else None
            )
            self.send(entry, record, kind, method, address, user, digest, previous)

    def compare_gone(self, entry):
        """A session deleted, or the cohort unpublished or deleted: cancel
        it for everyone whose calendar has it."""
        if not entry.event:
            return  # announced before events were kept, and cancelled then
        holders = [
            r
            for r in self.records.get(entry.uid, [])
            if r.method == REQUEST and not r.frozen
        ]
        if entry.cancelled_at is None:
            entry.cancelled_at = self.now
            entry.sequence += 1
            self.changed_entries.append(entry)
        elif holders:
            entry.sequence += 1
            self.changed_entries.append(entry)
        for record in holders:
            self.send(
                entry,
                record,
                Kind.CANCEL,
                CANCEL,
                record.email,
                None,
                entry.fingerprint,
            )

    def announced_to_come(self, uid):
        entry = self.entries.get(uid)
        return (
            entry is not None
            and bool(entry.event)
            and entry.cancelled_at is None
            and not self.has_ended(entry)
        )

    def has_ended(self, entry):
        end = entry.event.get("end")
        return bool(end) and datetime.fromisoformat(end) <= self.now

    def send(self, entry, record, kind, method, address, user, digest, previous=None):
        """Record one message and what the person's calendar then holds;
        ``previous``, for an update, is the event their calendar held."""
        user = user or (record.user if record else None)
        who = user.pk if user else f"x{record.pk}"
        params = {
            "uid": str(entry.uid),
            "sequence": entry.sequence,
            "method": method,
            "event": entry.event,
            "attendee": attendee_params(address, user),
        }
        if previous:
            params["previous"] = previous
        self.emails.append(
            OutgoingEmail(
                key=invite_key(entry.uid, who, entry.sequence, method),
                kind=kind,
                to=address,
                user=user,
                params=params,
            )
        )
        if record is None:
            record = Invitation(entry=entry, user=user)
            self.new_records.append(record)
        elif record not in self.changed_records:
            self.changed_records.append(record)
        record.method, record.sequence, record.email = method, entry.sequence, address
        if method == REQUEST:
            record.fingerprint = digest

    def save(self):
        for entry in unique(self.changed_entries):
            entry.save()
        Invitation.objects.bulk_create(self.new_records)
        Invitation.objects.bulk_update(
            self.changed_records, ["method", "sequence", "email", "fingerprint"]
        )
        feeds = CalendarFeed.objects.all()
        if self.scoped:
            feeds = feeds.filter(user__in=[*self.people, *self.record_users()])
        else:
            feeds = feeds.filter(
                Q(user__enrollments__cohort=self.cohort)
                | Q(user__in=self.record_users())
            )
        # The feeds built before now are out of date (views.feed).
        CalendarFeed.objects.filter(pk__in=feeds.values("pk")).update(
            changed_at=self.now
        )

    def record_users(self):
        return {
            record.user_id
            for records in self.records.values()
            for record in records
            if record.user_id
        }


def unique(items):
    seen, kept = set(), []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            kept.append(item)
    return kept


def attendee_params(address, user):
    return {
        "email": address,
        "first_name": user.first_name if user else "",
        "last_name": user.last_name if user else "",
    }


def invite_key(uid, who, sequence, method):
    return f"invite:{uid}:{who}:{sequence}:{method}"


# Events as calendars see them ------------------------------------------------


def snapshots(cohort, sessions):
    """{session uid: (event, digest)}: what each session's invite says, as a
    dict to keep with the messages, and the digest of its VEVENT."""
    links = join_urls(sessions)
    preparations = Session.preparations(sessions)
    found = {}
    for session in sessions:
        event = {
            "cohort": cohort.title,
            "title": session.title,
            "start": session.start.astimezone(UTC).isoformat(),
            "end": session.end.astimezone(UTC).isoformat(),
            "zone": cohort.time_zone,
            "join_url": links.get(session.uid, ""),
            "agenda": plain(session.agenda),
            "preparation": in_every_language(preparations.get(session.uid, "")),
        }
        with translation.override(None):
            source = str(preparations.get(session.uid, ""))
        found[session.uid] = (event, digest_of(session.uid, event, source))
    return found


def plain(text):
    """Text as a calendar shows it: line breaks are line breaks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def in_every_language(text):
    """{language: text} of a lazy text, for the worker to pick the
    recipient's from; {} for none."""
    if not text:
        return {}
    found = {}
    for code, __ in settings.LANGUAGES:
        with translation.override(code):
            found[code] = str(text)
    return found


def preparation_in(event, language=None):
    """The preparation in ``language`` (the active one unless given), else in
    the site's own. Either may be a variant of a language the site offers:
    "en-us" (``wagtail start``'s ``LANGUAGE_CODE``) is read in "en"."""
    texts = event.get("preparation") or {}
    for code in filter(
        None, (language or translation.get_language(), settings.LANGUAGE_CODE)
    ):
        try:
            code = translation.get_supported_language_variant(code)
        except LookupError:
            pass
        if texts.get(code):
            return texts[code]
    return ""


def session_of(uid, event):
    """An unsaved session (in an unsaved cohort) that says what ``event``
    says, to build files and emails from."""
    cohort = CohortPage(title=event["cohort"], time_zone=event["zone"])
    session = Session(
        uid=uuid.UUID(str(uid)),
        title=event["title"],
        start=datetime.fromisoformat(event["start"]),
        end=datetime.fromisoformat(event["end"]),
        agenda=event["agenda"],
    )
    session.page = cohort
    return session


def digest_of(uid, event, preparation=""):
    """Digest of the VEVENT that ``event`` makes, without what is the same
    for every version of it (UID, DTSTAMP, SEQUENCE, attendee, organiser).
    Made in the source language, so that a better translation of the text
    around the coordinator's is not news to anyone."""
    with translation.override(None):
        vevent = session_event(
            session_of(uid, event),
            join_url=event["join_url"],
            preparation=preparation,
            stamp=DIGEST_STAMP,
        )
    for name in ("UID", "ORGANIZER"):
        del vevent[name]
    return hashlib.sha256(vevent.to_ical()).hexdigest()


def legacy_fingerprints(session, join_url):
    """The digests that entries made before events were kept hold for an
    unchanged session (of its raw text, as typed and as a calendar reads it)."""
    digests = set()
    for agenda in (session.agenda, plain(session.agenda)):
        data = [
            session.title,
            session.start.astimezone(UTC).isoformat(),
            session.end.astimezone(UTC).isoformat(),
            join_url,
            agenda,
        ]
        digests.add(hashlib.sha256(json.dumps(data).encode()).hexdigest())
    return digests


def upgrade_legacy(entry, session, digest, records):
    """Give an entry from before events were kept today's digest, if the
    session is as it was announced then, so that nothing is sent for it."""
    old = entry.fingerprint
    links = join_urls([session])
    if old and old in legacy_fingerprints(session, links.get(session.uid, "")):
        entry.fingerprint = digest
        for record in records:
            if record.fingerprint == old:
                record.fingerprint = digest
        Invitation.objects.filter(entry=entry, fingerprint=old).update(
            fingerprint=digest
        )


# Sending -------------------------------------------------------------------


def render_invite(email):
    """The invite, update or cancellation of a queued row, in the active
    language (the recipient's): what it says was decided when it was queued."""
    params = email.params
    event, method = params["event"], params["method"]
    session = session_of(params["uid"], event)
    person = params["attendee"]
    attendee = get_user_model()(
        email=person["email"],
        first_name=person["first_name"],
        last_name=person["last_name"],
    )
    preparation = preparation_in(event)
    previous = params.get("previous")
    renamed = email.kind == Kind.UPDATE and renamed_only(previous, event)
    ics = invite_calendar(
        session,
        attendee,
        method,
        sequence=params["sequence"],
        join_url=event["join_url"],
        preparation=preparation,
    )
    subject, text, html = render_session_email(
        "invite",
        RENAMED_SUBJECT if renamed else SUBJECTS[email.kind],
        session,
        kind=email.kind,
        join_url=event["join_url"],
        show_join_url=method == REQUEST,
        preparation=preparation,
        person=attendee,
        changes=changes(previous, event, params["uid"]),
        renamed=renamed,
        cohort_renamed=bool(previous) and previous.get("cohort") != event.get("cohort"),
    )
    return Rendered(subject, text, html, ics.decode(), method)


def renamed_only(previous, event):
    """Whether the names (the cohort's, the session's) are all that differ
    between the ``previous`` event and ``event``: a renamed cohort updates
    every coming session, and its emails must not read as a new time."""
    if not previous:
        return False
    names = ("cohort", "title")
    return any(previous.get(name) != event.get(name) for name in names) and {
        key: value for key, value in previous.items() if key not in names
    } == {key: value for key, value in event.items() if key not in names}


def changes(previous, event, uid):
    """What an update changed, in the active language, for its email: a
    line for each of the time, the names, the meeting link and the agenda
    that differ from the ``previous`` event (None: not known)."""
    if not previous:
        return []
    found = []
    before = session_of(uid, previous)
    if (previous["start"], previous["end"], previous["zone"]) != (
        event["start"],
        event["end"],
        event["zone"],
    ):
        found.append(_("The time was %(when)s.") % {"when": local_times(before)})
    if (previous["cohort"], previous["title"]) != (event["cohort"], event["title"]):
        found.append(
            _("It was called %(title)s.")
            % {"title": f"{before.page.title} – {before.title}"}
        )
    if previous["join_url"] != event["join_url"]:
        found.append(_("The meeting link has changed."))
    if previous["agenda"] != event["agenda"]:
        found.append(_("The agenda has changed."))
    return found or [_("Details of the calendar entry have changed.")]


#: Subject lines, formatted with the session and its time.
SUBJECTS = {
    Kind.INVITE: gettext_lazy("Invitation: %(title)s, %(when)s"),
    Kind.UPDATE: gettext_lazy("Updated: %(title)s, %(when)s"),
    Kind.CANCEL: gettext_lazy("Cancelled: %(title)s, %(when)s"),
    Kind.REMOVED: gettext_lazy("Cancelled: %(title)s, %(when)s"),
}
#: The subject of an update that only renames the session.
RENAMED_SUBJECT = gettext_lazy("New name, same time: %(title)s, %(when)s")
