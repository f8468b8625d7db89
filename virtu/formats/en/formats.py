# The short forms day first, never Django's American month first: in a
# Finnish public body "12/07/2026" reads as 12 July. ISO's "2026-12-07" is
# read one way everywhere, and spreadsheets take it as a date.
from django.conf.locale.en.formats import *  # noqa: F403

SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
