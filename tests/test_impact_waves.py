"""The survey's waves keep the cohort's clock time across a change to or
from summer time."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase, override_settings

from impact.models import Wave
from impact.waves import opening, schedule

HELSINKI = ZoneInfo("Europe/Helsinki")


def session(start, hours=3.5):
    """A session as the database gives it: in UTC."""
    start = start.astimezone(UTC)
    return SimpleNamespace(start=start, end=start + timedelta(hours=hours))


def local(moment):
    return moment.astimezone(HELSINKI).strftime("%Y-%m-%d %H:%M")


@override_settings(VIRTU_IMPACT_OPEN_DAYS=14, VIRTU_IMPACT_FOLLOW_UP_DAYS=75)
class WaveClockTests(SimpleTestCase):
    # Summer time begins in Helsinki on 28 March 2038 and ends on 31 October.
    sessions = [
        session(datetime(2038, 3, 1, 9, 0, tzinfo=HELSINKI)),
        session(datetime(2038, 3, 15, 9, 0, tzinfo=HELSINKI)),
        session(datetime(2038, 3, 22, 9, 0, tzinfo=HELSINKI)),
    ]

    def test_the_end_wave_closes_at_the_sessions_clock_time_after_summer_time_begins(
        self,
    ):
        end = opening(self.sessions, HELSINKI, Wave.END)
        self.assertEqual(local(end.opens), "2038-03-22 09:00")
        self.assertEqual(local(end.closes), "2038-04-05 12:30")
        # One hour less than fourteen days of 24 hours: the clocks went on.
        self.assertEqual(
            end.closes - self.sessions[-1].end, timedelta(days=14, hours=-1)
        )

    def test_the_follow_up_opens_and_closes_at_the_sessions_clock_time(self):
        follow_up = opening(self.sessions, HELSINKI, Wave.FOLLOW_UP)
        self.assertEqual(local(follow_up.opens), "2038-06-05 12:30")
        self.assertEqual(local(follow_up.closes), "2038-06-19 12:30")

    def test_the_baseline_opens_at_the_sessions_clock_time_before_summer_time_ends(
        self,
    ):
        first = session(datetime(2038, 11, 8, 9, 0, tzinfo=HELSINKI))
        baseline = opening([first], HELSINKI, Wave.BASELINE)
        self.assertEqual(local(baseline.opens), "2038-10-25 09:00")
        self.assertEqual(baseline.closes, first.start)

    def test_times_are_kept_in_utc(self):
        for wave in schedule(self.sessions, HELSINKI):
            self.assertEqual(wave.opens.tzinfo, UTC)
            self.assertEqual(wave.closes.tzinfo, UTC)

    def test_a_cohort_in_another_zone_keeps_its_own_clock(self):
        stockholm = ZoneInfo("Europe/Stockholm")
        last = session(datetime(2038, 3, 22, 9, 0, tzinfo=stockholm))
        end = opening([last], stockholm, Wave.END)
        self.assertEqual(end.closes.astimezone(stockholm).strftime("%H:%M"), "12:30")
