"""Reads an iCalendar file on stdin and prints, as JSON, what libical (the
library under Evolution) makes of it: each violation check_restrictions()
finds (RFC 5546 rules for the file's METHOD) and each event's UTC times.

Run with Debian's own python3 and its gir1.2-ical-3.0 and python3-gi
packages, not with the project's virtualenv:
    /usr/bin/python3 tests/libical_check.py < file.ics
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

UTC = ICalGLib.Timezone.get_utc_timezone()


def errors(component):
    """The X-LIC-ERROR texts libical attached to ``component`` and below."""
    found = []
    prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        kind = ICalGLib.Component.kind_to_string(component.isa())
        found.append(f"{kind}: {prop.get_xlicerror()}")
        prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found += errors(child)
        child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    return found


def utc(moment):
    if moment is None or moment.is_null_time():
        return None
    zone = moment.get_timezone()
    return {
        "zone": zone.get_tzid() if zone is not None else None,
        "utc": moment.convert_to_zone(UTC).as_ical_string(),
    }


def main():
    calendar = ICalGLib.Parser.parse_string(sys.stdin.read())
    if calendar is None:
        print(json.dumps({"errors": ["libical could not parse the file"]}))
        return
    calendar.check_restrictions()
    events = []
    event = calendar.get_first_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        start, end = utc(event.get_dtstart()), utc(event.get_dtend())
        events.append(
            {
                "uid": event.get_uid(),
                "sequence": event.get_sequence(),
                "zone": start and start["zone"],
                "start": start and start["utc"],
                "end": end and end["utc"],
            }
        )
        event = calendar.get_next_component(ICalGLib.ComponentKind.VEVENT_COMPONENT)
    method = calendar.get_method()
    print(
        json.dumps(
            {
                "method": ICalGLib.Property.method_to_string(method),
                "errors": errors(calendar),
                "events": events,
            }
        )
    )


if __name__ == "__main__":
    main()
