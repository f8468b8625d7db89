"""Calendar files for sessions: downloads, the personal feed and the emailed
invites, all built with icalendar.

Outlook, Google, Apple and Thunderbird each break on something different, so
every event carries a stored UID, UTC DTSTAMP, SEQUENCE, and times with a
TZID whose VTIMEZONE is written with yearly rules (Outlook ignores RDATE
lists, ical.js misreads them), or plain UTC when the zone has no such rules.
"""

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from .. import conf
from ..models import (
    DEFAULT_TIME_ZONE,
    CalendarEntry,
    CohortPage,
    Enrollment,
    Session,
    join_urls,
)

PRODID = "-//Virtu//Virtu//FI"
#: How often subscribed clients should fetch the feed again.
FEED_REFRESH = timedelta(hours=4)
ALARM_BEFORE = timedelta(minutes=15)
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
#: Changed whenever what the feed holds changes shape, so that feeds kept in
#: a cache from before are not served.
FEED_FORMAT = 2
#: The DTSTAMP of an event no message was ever sent about.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# Time zones ----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A change of UTC offset in a zone."""

    at: datetime  # UTC
    before: timedelta
    after: timedelta
    name: str

    @property
    def wall_time(self):
        """Local time just before the change, as VTIMEZONE's DTSTART wants it."""
        return (self.at + self.before).replace(tzinfo=None)


@dataclass(frozen=True)
class YearlyRule:
    """A change on the n-th (or, with week -1, the last) weekday of a month."""

    month: int
    week: int
    weekday: int
    time: time
    before: timedelta
    after: timedelta
    name: str

    @classmethod
    def candidates(cls, change):
        local = change.wall_time
        weeks = []
        if local.day + 7 > calendar.monthrange(local.year, local.month)[1]:
            weeks.append(-1)
        if local.day <= 28:
            weeks.append((local.day - 1) // 7 + 1)
        for week in weeks:
            yield cls(
                local.month,
                week,
                local.weekday(),
                local.time(),
                change.before,
                change.after,
                change.name,
            )

    def day(self, year):
        if self.week == -1:
            last = calendar.monthrange(year, self.month)[1]
            weekday = date(year, self.month, last).weekday()
            return date(year, self.month, last - (weekday - self.weekday) % 7)
        first = date(year, self.month, 1).weekday()
        return date(
            year, self.month, 1 + (self.weekday - first) % 7 + 7 * self.week - 7
        )

    def change(self, year):
        local = datetime.combine(self.day(year), self.time, tzinfo=UTC)
        return Change(local - self.before, self.before, self.after, self.name)

    def rrule(self):
        return {
            "FREQ": "YEARLY",
            "BYMONTH": self.month,
            "BYDAY": f"{self.week}{WEEKDAYS[self.weekday]}",
        }


def offset_changes(zone, year):
    """The offset changes ``zone`` makes in ``year``, to the minute."""

    def offset(moment):
        return moment.astimezone(zone).utcoffset()

    changes = []
    for day in range(366 if calendar.isleap(year) else 365):
        start = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=day)
        if offset(start) == offset(start + timedelta(days=1)):
            continue
        low, high = 0, 24 * 60  # minutes; low has the old offset, high the new
        while high - low > 1:
            middle = (low + high) // 2
            if offset(start + timedelta(minutes=middle)) == offset(start):
                low = middle
            else:
                high = middle
        at = start + timedelta(minutes=high)
        changes.append(
            Change(at, offset(start), offset(at), at.astimezone(zone).tzname())
        )
    return changes


@lru_cache(maxsize=128)
def yearly_rules(zone_name, first_year, last_year):
    """The zone's offset changes from ``first_year`` to ``last_year`` as at
    most two yearly rules, or None if no such rules describe them all."""
    zone = zoneinfo.ZoneInfo(zone_name)
    years = range(first_year, last_year + 1)
    changes = [offset_changes(zone, year) for year in years]
    if not any(changes):
        return ()
    if any(len(in_year) != 2 for in_year in changes):
        return None
    rules = []
    for index in (0, 1):
        actual = [in_year[index] for in_year in changes]
        rule = next(
            (
                rule
                for rule in YearlyRule.candidates(actual[0])
                if [rule.change(year) for year in years] == actual
            ),
            None,
        )
        if rule is None:
            return None
        rules.append(rule)
    return tuple(rules)


def vtimezone(zone_name, first_year, last_year):
    """A VTIMEZONE for ``zone_name`` written with yearly RRULEs, checked
    against zoneinfo for every year from ``first_year`` to ``last_year``.

    The rules start in the year before ``first_year``, so that January
    events fall inside them. Returns None when the zone's changes in those
    years are not one yearly pair (events are then written in UTC).
    """
    start_year = first_year - 1
    rules = yearly_rules(zone_name, start_year, last_year)
    if rules is None:
        return None
    zone = icalendar.Timezone()
    zone.add("TZID", zone_name)
    if not rules:  # one fixed offset all along
        start = datetime(start_year, 1, 1)
        local = start.replace(tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(zone_name))
        offset = local.utcoffset()
        zone.add_component(
            observance(
                icalendar.TimezoneStandard, start, offset, offset, local.tzname()
            )
        )
        return zone
    for rule in rules:
        kind = (
            icalendar.TimezoneDaylight
            if rule.after > rule.before
            else icalendar.TimezoneStandard
        )
        component = observance(
            kind,
            rule.change(start_year).wall_time,
            rule.before,
            rule.after,
            rule.name,
        )
        component.add("RRULE", rule.rrule())
        zone.add_component(component)
    return zone


def observance(kind, start, before, after, name):
    component = kind()
    component.add("DTSTART", start)
    component.add("TZOFFSETFROM", before)
    component.add("TZOFFSETTO", after)
    if name:
        component.add("TZNAME", name)
    return component


# Events --------------------------------------------------------------------


def organizer():
    return icalendar.vCalAddress.new(
        conf.organizer_email(), cn=conf.organizer_name() or None
    )


def session_event(
    session,
    *,
    sequence=0,
    join_url="",
    preparation="",
    attendee=None,
    status=None,
    stamp=None,
):
    """One session as a VEVENT. ``preparation`` says what participants bring
    (``Session.preparations``); ``attendee`` is a user (an invite's
    recipient); ``status`` is "CONFIRMED" (the default) or "CANCELLED"."""
    cohort = session.page
    summary = f"{cohort.title} – {session.title}"
    status = status or "CONFIRMED"
    agenda = session.agenda.replace("\r\n", "\n").replace("\r", "\n").strip()
    description = [agenda, str(preparation)]
    if join_url:
        description.append(_("Join the session: %(url)s") % {"url": join_url})
    event = icalendar.Event.new(
        uid=f"session-{session.uid}@{conf.calendar_domain()}",
        stamp=stamp or timezone.now(),
        sequence=sequence,
        start=session.start.astimezone(cohort.zone),
        end=session.end.astimezone(cohort.zone),
        summary=summary,
        description="\n\n".join(part for part in description if part) or None,
        location=join_url or None,
        url=join_url or None,
        conferences=[
            icalendar.Conference(join_url, feature="VIDEO", label=_("Join the session"))
        ]
        if join_url
        else None,
        organizer=organizer(),
        status=status,
    )
    if attendee is not None:
        invited = status != "CANCELLED"
        event.add(
            "ATTENDEE",
            icalendar.vCalAddress.new(
                attendee.email,
                cn=attendee.get_full_name() or None,
                role="REQ-PARTICIPANT",
                partstat="NEEDS-ACTION" if invited else None,
                rsvp=True if invited else None,
            ),
        )
    if status != "CANCELLED":  # RFC 5546 allows no alarm in a cancel
        event.add_component(
            icalendar.Alarm.new_display(description=summary, trigger=-ALARM_BEFORE)
        )
    return event


# Calendars -----------------------------------------------------------------


def new_calendar(method, events, **fields):
    """A calendar of ``events`` with the VTIMEZONEs their times refer to."""
    cal = icalendar.Calendar.new(prodid=PRODID, method=method, **fields)
    del cal["UID"]  # Calendar.new() makes a random one; a feed's would change
    for event in events:
        cal.add_component(event)
    timezones = []
    for zone_name in sorted(cal.get_used_tzids() - {"UTC"}):
        times = [
            (event, name)
            for event in cal.events
            for name in ("DTSTART", "DTEND")
            if name in event and getattr(event[name].dt.tzinfo, "key", "") == zone_name
        ]
        years = [event[name].dt.year for event, name in times]
        zone = vtimezone(zone_name, min(years), max(years))
        if zone is None:
            for event, name in times:
                utc = event[name].dt.astimezone(UTC)
                del event[name]
                event.add(name, utc)
        else:
            timezones.append(zone)
    # Timezones first: some clients read the file top to bottom.
    cal.subcomponents[:0] = timezones
    return cal


def invite_calendar(
    session, attendee, method, *, sequence, join_url="", preparation=""
):
    """An iMIP invite (METHOD:REQUEST) or cancellation (METHOD:CANCEL) of
    one session for one person (a user: their address and name)."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"Unsupported method {method!r}")
    event = session_event(
        session,
        sequence=sequence,
        join_url=join_url,
        preparation=preparation,
        attendee=attendee,
        status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
    )
    return new_calendar(method, [event]).to_ical()


def published_events(sessions):
    """The VEVENTs of ``sessions`` as last announced, in two queries. Their
    DTSTAMP is when calendars were last told about them, so that a file
    made again for an unchanged event is the same file."""
    sessions = list(sessions)
    entries = {
        uid: (sequence, updated_at)
        for uid, sequence, updated_at in CalendarEntry.objects.filter(
            uid__in=[session.uid for session in sessions]
        ).values_list("uid", "sequence", "updated_at")
    }
    links = join_urls(sessions)
    preparations = Session.preparations(sessions)
    events = []
    for session in sessions:
        sequence, stamp = entries.get(session.uid, (0, None))
        events.append(
            session_event(
                session,
                sequence=sequence,
                join_url=links.get(session.uid, ""),
                preparation=preparations.get(session.uid, ""),
                stamp=stamp or session.page.last_published_at or EPOCH,
            )
        )
    return events


def session_file(session):
    return new_calendar("PUBLISH", published_events([session])).to_ical()


def cohort_file(cohort):
    cohort = CohortPage.objects.filter(pk=cohort.pk).prefetch_related("sessions").get()
    sessions = list(cohort.sessions.all())
    for session in sessions:
        session.page = cohort
    return new_calendar(
        "PUBLISH", published_events(sessions), name=cohort.title
    ).to_ical()


def feed_file(user):
    """Every session of every live cohort ``user`` is enrolled in, and the
    events the apps built on cohorts add (the ``calendar_feed_events`` hook:
    a function that takes the cohorts and the person and returns VEVENTs,
    such as when their reflections are due), in a constant number of
    queries, in the active
    language. A person with no such event still gets a valid calendar: one
    with the site's time zone in it (RFC 5545 wants one component)."""
    cohorts = list(
        CohortPage.objects.live()
        .filter(enrollments__in=Enrollment.objects.invited().filter(user=user))
        .distinct()
        .order_by("pk")
        .prefetch_related("sessions")
    )
    sessions = []
    for cohort in cohorts:
        for session in cohort.sessions.all():
            session.page = cohort
            sessions.append(session)
    events = published_events(sessions)
    for get_events in hooks.get_hooks("calendar_feed_events"):
        events += get_events(cohorts, user)
    name = _("%(site)s training") % {"site": conf.site_name()}
    cal = new_calendar("PUBLISH", events, name=name)
    if not events:
        year = timezone.now().year
        cal.subcomponents.append(
            vtimezone(DEFAULT_TIME_ZONE, year, year) or vtimezone("UTC", year, year)
        )
    cal.add("REFRESH-INTERVAL", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_REFRESH))
    return cal.to_ical()
