"""The pain chart: daily pain as an inline SVG drawn on the server, and its words.

No chart library and no script: the SVG uses presentation attributes and classes only
(the CSP refuses ``style`` attributes), carries a ``<title>`` and ``<desc>``, and comes
with a sentence that says the same for screen readers and for print
("pain 6 → 3 over 2 weeks, improving").
"""

import datetime
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from diary.models import DiaryEntry

PERIODS = (30, 90, 365)
WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 28, 8, 10, 24  # room for the axis labels
# A change of less than a point between the first and last days reads as "about the same".
TREND_THRESHOLD = 1.0


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    date: datetime.date
    pain: float

    @property
    def label(self) -> str:
        return _("%(date)s: pain %(pain)s") % {
            "date": date_format(self.date, "DATE_FORMAT"),
            "pain": f"{self.pain:g}",
        }


@dataclass(frozen=True)
class Chart:
    start: datetime.date
    end: datetime.date
    points: list[Point]
    summary: str

    width = WIDTH
    height = HEIGHT

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)

    @property
    def grid(self) -> list[dict]:
        return [{"pain": pain, "y": y_of(pain)} for pain in (0, 5, 10)]

    @property
    def left(self):
        return LEFT

    @property
    def right(self):
        return WIDTH - RIGHT

    @property
    def bottom(self):
        return HEIGHT - BOTTOM


def y_of(pain: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - pain / 10)


def x_of(day: datetime.date, start: datetime.date, end: datetime.date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span


def span_words(days: int) -> str:
    if days >= 14:
        weeks = round(days / 7)
        return ngettext("%(count)d week", "%(count)d weeks", weeks) % {"count": weeks}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def summarise(daily: list[tuple[datetime.date, float]]) -> str:
    if not daily:
        return _("No diary entries in this period.")
    if len(daily) == 1:
        return _("One day recorded: pain %(pain)s.") % {"pain": f"{daily[0][1]:.0f}"}
    (first_day, first), (last_day, last) = daily[0], daily[-1]
    if last - first <= -TREND_THRESHOLD:
        trend = _("improving")
    elif last - first >= TREND_THRESHOLD:
        trend = _("getting worse")
    else:
        trend = _("about the same")
    return _("Pain %(first)s → %(last)s over %(span)s, %(trend)s.") % {
        "first": f"{first:.0f}",
        "last": f"{last:.0f}",
        "span": span_words((last_day - first_day).days),
        "trend": trend,
    }


def last_days(patient, days: int) -> Chart:
    """The chart of ``patient``'s last ``days`` local days, today included."""
    end = patient.today()
    start = end - datetime.timedelta(days=days - 1)
    return build(DiaryEntry.objects.of(patient).between(start, end).daily_pain(), start, end)


def build(daily: list[tuple[datetime.date, float]], start, end) -> Chart:
    """``daily`` is ``[(date, mean pain)]`` oldest first, as ``daily_pain()`` gives it."""
    points = [Point(x_of(day, start, end), y_of(pain), day, pain) for day, pain in daily]
    return Chart(start=start, end=end, points=points, summary=summarise(daily))
