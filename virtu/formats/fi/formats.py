# "klo 9.00", as the emails and the autosave say it, not Django's "kello".
from django.conf.locale.fi.formats import *  # noqa: F403

DATETIME_FORMAT = r"j. E Y \k\l\o G.i"
