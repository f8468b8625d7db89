"""Dates and times as texts in Finland write them, one way for each kind
(FORMAT_MODULE_PATH): a date, a date and time, a time, in the pages, the
emails and the exports alike. What is not set here is Django's."""
