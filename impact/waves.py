"""When each wave of a cohort's impact survey is open, from its sessions:
the baseline before the first session, the end from the last session on,
and the follow-up some weeks after it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from . import conf
from .models import Wave


@dataclass(frozen=True)
class Opening:
    """One wave of one cohort and the time it is open, [opens, closes)."""

    wave: str
    opens: datetime
    closes: datetime

    @property
    def label(self):
        return Wave(self.wave).label

    def is_open(self, now):
        return self.opens <= now < self.closes

    def has_opened(self, now):
        return self.opens <= now

    def is_over(self, now):
        return self.closes <= now


def on_the_clock(moment, days, zone):
    """``moment`` moved by ``days`` as clocks in ``zone`` read it: a wave
    that closes two weeks after a session ending at 12.30 closes at 12.30,
    also across a change to or from summer time (adding days to the UTC
    instant would move it an hour)."""
    wall = moment.astimezone(zone).replace(tzinfo=None) + days
    return wall.replace(tzinfo=zone).astimezone(UTC)


def schedule(sessions, zone):
    """The waves of a cohort with ``sessions`` (in order) and time ``zone``;
    none without sessions."""
    if not sessions:
        return []
    first, last = sessions[0], sessions[-1]
    days = conf.open_days()
    follow_up = on_the_clock(last.end, timedelta(days=conf.follow_up_days()), zone)
    return [
        Opening(Wave.BASELINE, on_the_clock(first.start, -days, zone), first.start),
        Opening(Wave.END, last.start, on_the_clock(last.end, days, zone)),
        Opening(Wave.FOLLOW_UP, follow_up, on_the_clock(follow_up, days, zone)),
    ]


def opening(sessions, zone, wave):
    """The ``Opening`` of ``wave`` for a cohort with ``sessions`` and time
    ``zone``, or None."""
    return next((o for o in schedule(sessions, zone) if o.wave == wave), None)
