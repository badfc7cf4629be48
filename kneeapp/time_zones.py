"""Time zones: the names the tz database knows, the readable grouped list the forms offer,
and the zone a name stands for (kept for the life of the process).

``kneeapp.models`` imports ``validate_time_zone`` from here: the migrations name it there.
"""

import datetime as dt
import time
import zoneinfo
from functools import cache, lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# The regions of the tz database that name places; other names (UTC, Etc/GMT+5, US/Eastern,
# GB) are old aliases or offsets, listed last so that a stored one can still be chosen.
TIME_ZONE_REGIONS = (
    "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
    "Indian", "Pacific",
)  # fmt: skip


def time_zone_choices() -> list:
    """Every known zone for a form's list (the sign-up, the settings, the admin's), grouped
    by region, each named so that a person finds theirs: "Europe/London — London (GMT+0)".

    The raw name comes first so that typing it in a closed list finds it; the offset is the
    one in force now (recomputed each hour: summer time moves it)."""
    return _time_zone_choices(int(time.time()) // 3600)


@lru_cache(maxsize=2)  # this hour's, and the last one's while a request still uses it
def _time_zone_choices(hour: int) -> list:
    now = dt.datetime.fromtimestamp(hour * 3600, tz=dt.UTC)
    groups: dict[str, list[tuple[str, str]]] = {region: [] for region in TIME_ZONE_REGIONS}
    others = []
    for name in sorted(time_zone_names()):
        region, _slash, place = name.partition("/")
        if region in groups:
            groups[region].append((name, time_zone_label(name, now, place)))
        elif name != "UTC":
            others.append((name, time_zone_label(name, now)))
    return [
        ("UTC", time_zone_label("UTC", now)),
        *((region, zones) for region, zones in groups.items()),
        (_("Other names"), others),
    ]


def time_zone_label(name: str, now: dt.datetime, place: str = "") -> str:
    offset = now.astimezone(zone_named(name)).utcoffset() or dt.timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    gmt = f"GMT{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")
    if not place:
        return f"{name} ({gmt})"
    # "America/Argentina/Buenos_Aires": "Buenos Aires, Argentina".
    readable = ", ".join(reversed(place.replace("_", " ").split("/")))
    return f"{name} — {readable} ({gmt})"


@cache
def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """``ZoneInfo(name)``, kept for the life of the process. ZoneInfo's own cache keeps only
    eight zones alive: a dispatch pass over schedules in more zones than that read a zone file
    again for most schedules (half a millisecond each: seconds for 10,000 due)."""
    return zoneinfo.ZoneInfo(name)


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})
