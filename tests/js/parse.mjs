// Reads an iCalendar file on stdin and prints what ical.js, the parser in
// Thunderbird, makes of it, as JSON: the method and each event's UID,
// SEQUENCE, summary, zone and UTC start and end.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));

// "2038-06-07T06:00:00Z", the instant the client puts the event at.
const utc = (time) => (time ? time.toJSDate().toISOString().replace(".000Z", "Z") : null);
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    sequence: event.sequence,
    summary: event.summary,
    status: component.getFirstPropertyValue("status"),
    zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    start: utc(event.startDate),
    end: utc(event.endDate),
    organizer: component.getFirstPropertyValue("organizer"),
    attendees: event.attendees.map((attendee) => attendee.getFirstValue()),
    alarms: component.getAllSubcomponents("valarm").length,
  };
});

process.stdout.write(
  JSON.stringify({
    method: calendar.getFirstPropertyValue("method"),
    name: calendar.getFirstPropertyValue("name"),
    timezones: calendar.getAllSubcomponents("vtimezone").map((zone) => zone.getFirstPropertyValue("tzid")),
    events,
  }),
);
