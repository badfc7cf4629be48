"""Local reminder times through time zones and both daylight-saving changes."""

import datetime as dt
import zoneinfo

from reminders.slots import next_slot
from tests.reminders.conftest import at

LONDON = zoneinfo.ZoneInfo("Europe/London")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
EVERY_DAY = 0b1111111


def slots(after, time, zone, count, weekdays=EVERY_DAY):
    found = []
    for _ in range(count):
        after = next_slot(after, dt.time.fromisoformat(time), zone, weekdays)
        found.append(after)
    return found


def test_it_keeps_eight_in_the_morning_on_the_local_clock_when_clocks_go_forward():
    # UK clocks go forward at 01:00 UTC on Sunday 29 March 2026.
    found = slots(at("2026-03-27 12:00"), "08:00", LONDON, 3)
    assert found == [at("2026-03-28 08:00"), at("2026-03-29 07:00"), at("2026-03-30 07:00")]
    assert {moment.astimezone(LONDON).hour for moment in found} == {8}


def test_it_keeps_eight_in_the_morning_on_the_local_clock_when_clocks_go_back():
    # UK clocks go back at 01:00 UTC on Sunday 25 October 2026.
    found = slots(at("2026-10-23 12:00"), "08:00", LONDON, 3)
    assert found == [at("2026-10-24 07:00"), at("2026-10-25 08:00"), at("2026-10-26 08:00")]


def test_a_time_that_does_not_exist_is_sent_once_an_hour_later():
    found = slots(at("2026-03-28 12:00"), "01:30", LONDON, 2)
    # 01:30 never shows on 29 March: it goes out at 02:30 BST (01:30 UTC), once.
    assert found == [at("2026-03-29 01:30"), at("2026-03-30 00:30")]
    assert found[0].astimezone(LONDON).time() == dt.time(2, 30)


def test_a_time_that_happens_twice_is_sent_only_the_first_time():
    found = slots(at("2026-10-24 12:00"), "01:30", LONDON, 2)
    assert found == [at("2026-10-25 00:30"), at("2026-10-26 01:30")]


def test_it_follows_the_patients_own_time_zone():
    assert slots(at("2026-06-01 00:00"), "08:00", NEW_YORK, 1) == [at("2026-06-01 12:00")]
    # New York changes its clocks on other dates (8 March 2026).
    found = slots(at("2026-03-07 00:00"), "08:00", NEW_YORK, 2)
    assert found == [at("2026-03-07 13:00"), at("2026-03-08 12:00")]


def test_it_only_picks_the_chosen_weekdays():
    monday_and_thursday = 0b0001001
    found = slots(at("2026-06-01 09:00"), "08:00", LONDON, 3, monday_and_thursday)
    assert [moment.astimezone(LONDON).strftime("%a") for moment in found] == ["Thu", "Mon", "Thu"]


def test_it_stops_when_the_plan_ends_and_waits_for_it_to_start():
    time = dt.time(8)
    assert (
        next_slot(at("2026-06-01 09:00"), time, LONDON, EVERY_DAY, ends_on=dt.date(2026, 6, 1))
        is None
    )
    starts = next_slot(
        at("2026-06-01 09:00"), time, LONDON, EVERY_DAY, starts_on=dt.date(2026, 7, 1)
    )
    assert starts == at("2026-07-01 07:00")
