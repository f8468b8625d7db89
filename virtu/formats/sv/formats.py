# Finland-Swedish, as the Swedish of public bodies in Finland is written
# (Institutet för de inhemska språken): "7 december 2026", "7.12.2026",
# "kl. 9.00–12.30". Django's Swedish is Sweden's ("2026-12-07", "09:00"),
# which put two forms of a date side by side and times written otherwise
# than in the emails ("kl. …") and in Finnish.
from django.conf.locale.sv.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"
TIME_FORMAT = "G.i"
DATETIME_FORMAT = r"j F Y \k\l. G.i"
SHORT_DATE_FORMAT = "j.n.Y"
SHORT_DATETIME_FORMAT = "j.n.Y G.i"
