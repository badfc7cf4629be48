"""Local wall-clock times turned into UTC moments, through daylight-saving changes.

A reminder at 08:00 means 08:00 on the patient's clock, every day, whatever the offset.
We walk local dates, never add 24 hours: on the day clocks go forward a time that does not
exist (01:30 in London) is sent when the clock shows it would have been (02:30, the gap's
length later); on the day they go back a time that happens twice is sent the first time only.
"""

import datetime as dt
import zoneinfo

UTC = dt.UTC


def local_moment(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC moment of ``time`` on ``day`` in ``zone``; fold=0 picks the first of two."""
    return dt.datetime.combine(day, time, tzinfo=zone).replace(fold=0).astimezone(UTC)


def next_slot(
    after: dt.datetime,
    time: dt.time,
    zone: zoneinfo.ZoneInfo,
    weekdays: int,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
) -> dt.datetime | None:
    """The first moment strictly after ``after`` at local ``time`` on one of ``weekdays``.

    ``weekdays`` is a bit mask, Monday = bit 0. None when the plan ends before that.
    """
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    day = after.astimezone(zone).date() - dt.timedelta(days=1)
    if starts_on and day < starts_on:
        day = starts_on
    for _day in range(9):
        if ends_on and day > ends_on:
            return None
        if weekdays & (1 << day.weekday()):
            moment = local_moment(day, time, zone)
            if moment > after:
                return moment
        day += dt.timedelta(days=1)
    return None
