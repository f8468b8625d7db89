"""How a cohort's sessions are laid out and which layouts are allowed."""

from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: Shortest and longest session in minutes where no course says otherwise.
DEFAULT_SESSION_BOUNDS = (120, 300)


def local_datetime(day, at, zone):
    """The instant of a wall-clock time on a day in ``zone``.

    Built from the local date and time each time, so a session stays at 9:00
    local time on both sides of a daylight-saving change.
    """
    return datetime.combine(day, at, tzinfo=zone)


def planned_times(course, first_day, zone):
    """(start, end) of each planned session of ``course``, one interval apart."""
    times = []
    for index, plan in enumerate(course.session_plans.all()):
        day = first_day + timedelta(days=index * course.session_interval_days)
        start = local_datetime(day, plan.start_time, zone)
        times.append((start, start + timedelta(minutes=plan.length_minutes)))
    return times


def session_plan(course):
    """The course's session plan as the new cohort form lays it out in the
    browser from a first date (``cohorts/planning.js``, the same rule as
    ``planned_times``): days after the first session, wall-clock start,
    length in minutes, title and agenda of each session."""
    return [
        {
            "days": index * course.session_interval_days,
            "start": plan.start_time.strftime("%H:%M"),
            "minutes": plan.length_minutes,
            "title": plan.title,
            "agenda": plan.agenda,
        }
        for index, plan in enumerate(course.session_plans.all())
    ]


def schedule_errors(sessions, min_minutes, max_minutes):
    """Check ``sessions``, a list of (start, end) in their listed order.

    Returns {index: [message, ...]} for the sessions that break a rule:
    a session ends after it starts, lasts between the course's bounds,
    starts after the one before it and does not overlap it.
    """
    errors = {}
    previous = None
    for index, (start, end) in enumerate(sessions):
        messages = []
        if start is None or end is None:
            previous = None
            continue
        # Compared as instants: Python subtracts and compares two times of
        # one zone by their clock faces, an hour off across a
        # daylight-saving change.
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            messages.append(_("The session must end after it starts."))
        else:
            minutes = (end - start) / timedelta(minutes=1)
            if minutes < min_minutes:
                messages.append(
                    ngettext(
                        "A session lasts at least %(count)d minute.",
                        "A session lasts at least %(count)d minutes.",
                        min_minutes,
                    )
                    % {"count": min_minutes}
                )
            elif minutes > max_minutes:
                messages.append(
                    ngettext(
                        "A session lasts at most %(count)d minute.",
                        "A session lasts at most %(count)d minutes.",
                        max_minutes,
                    )
                    % {"count": max_minutes}
                )
        if previous is not None:
            previous_start, previous_end = previous
            if start < previous_start:
                messages.append(
                    _(
                        "Sessions must be in chronological order: this one starts "
                        "before the session above it."
                    )
                )
            elif start < previous_end:
                messages.append(_("This session overlaps the session above it."))
        if messages:
            errors[index] = messages
        previous = (start, end)
    return errors
