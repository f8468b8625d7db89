"""When each wave of a cohort's impact survey is open, from its sessions:
the baseline before the first session, the end from the last session on,
and the follow-up some weeks after it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

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

    def is_over(self, now):
        return self.closes <= now


def schedule(sessions):
    """The waves of a cohort with ``sessions`` (in order); none without
    sessions."""
    if not sessions:
        return []
    first, last = sessions[0], sessions[-1]
    days = conf.open_days()
    follow_up = last.end + timedelta(days=conf.follow_up_days())
    return [
        Opening(Wave.BASELINE, first.start - days, first.start),
        Opening(Wave.END, last.start, last.end + days),
        Opening(Wave.FOLLOW_UP, follow_up, follow_up + days),
    ]


def opening(sessions, wave):
    """The ``Opening`` of ``wave`` for a cohort with ``sessions``, or None."""
    return next((o for o in schedule(sessions) if o.wave == wave), None)
