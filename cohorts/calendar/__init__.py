"""Everything about calendars: the .ics files (``ical``), the emailed
invites that keep people's calendars in step with their cohort
(``invites``) and the downloads and subscription feed (``views``)."""
