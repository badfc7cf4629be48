"""The progress charts: weekly pain (average and worst) and the PSFS average over time, as
inline SVG drawn on the server in the style of the pain chart (diary/chart.py): no script,
no ``style`` attribute, a ``<title>``, a ``<desc>`` and a sentence saying the same.

Each chart marks the minimal clinically important difference (2 points) as a band around
the first value: a later value inside the band is a change too small to count, one outside
it is a change that matters to patients.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from diary import chart as pain_chart
from diary.chart import BOTTOM, HEIGHT, LEFT, RIGHT, WIDTH, x_of, y_of
from diary.progress import MCID, Change, psfs_changes, psfs_history, weekly_pain


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    date: dt.date
    value: float
    label: str


@dataclass(frozen=True)
class Series:
    name: str  # "average", "worst", "psfs": the CSS class is chart-line-<name>
    points: list[Point]

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


@dataclass(frozen=True)
class Band:
    """The values within the minimal clinically important difference of ``baseline``."""

    baseline: float
    low: float
    high: float

    @property
    def y(self) -> float:  # the top edge: the higher value
        return y_of(self.high)

    @property
    def height(self) -> float:
        return y_of(self.low) - y_of(self.high)


@dataclass(frozen=True)
class ProgressChart:
    title: str
    start: dt.date
    end: dt.date
    series: list[Series]
    band: Band | None
    summary: str
    legend: list[tuple[str, str]] = field(default_factory=list)  # (series name, words)
    mcid: int = 2

    width = WIDTH
    height = HEIGHT
    left = LEFT
    right = WIDTH - RIGHT
    bottom = HEIGHT - BOTTOM

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def grid(self) -> list[dict]:
        return [{"pain": value, "y": y_of(value)} for value in (0, 5, 10)]

    @property
    def band_label(self) -> str:
        return _(
            "Shaded: within %(mcid)d points of the first value, too small a change to count."
        ) % {"mcid": self.mcid}

    @property
    def empty(self) -> bool:
        return not any(series.points for series in self.series)


def band_around(baseline: float | None, mcid: int) -> Band | None:
    if baseline is None:
        return None
    return Band(baseline, max(0.0, baseline - mcid), min(10.0, baseline + mcid))


def weekly_pain_chart(
    patient, *, weeks: int = 12, today: dt.date | None = None, summaries: list | None = None
) -> ProgressChart:
    """Weekly pain of the last ``weeks`` weeks: the same numbers as ``weekly_pain`` (pass
    ``summaries`` when the page has them already)."""
    if summaries is None:
        summaries = weekly_pain(patient, weeks=weeks, today=today)
    start, end = summaries[0].start, summaries[-1].start
    recorded = [week for week in summaries if week.days]

    def point(week, value, words):
        label = words % {"date": date_format(week.start, "DATE_FORMAT"), "pain": f"{value:g}"}
        return Point(x_of(week.start, start, end), y_of(value), week.start, value, label)

    average = Series(
        "average",
        [point(w, w.average, _("Week of %(date)s: average pain %(pain)s")) for w in recorded],
    )
    worst = Series(
        "worst", [point(w, w.worst, _("Week of %(date)s: worst pain %(pain)s")) for w in recorded]
    )
    mcid = MCID["pain"]
    if not recorded:
        summary = _("No diary entries in these weeks.")
    elif len(recorded) == 1:
        summary = _("One week recorded: average pain %(pain)s.") % {
            "pain": f"{recorded[0].average:g}"
        }
    else:
        first, last = recorded[0].average, recorded[-1].average
        summary = _("Average pain %(first)s → %(last)s a week, %(change)s.") % {
            "first": f"{first:g}",
            "last": f"{last:g}",
            "change": Change(first, last, mcid).words(better_is_higher=False),
        }
    return ProgressChart(
        title=_("Weekly pain from %(start)s") % {"start": date_format(start, "DATE_FORMAT")},
        start=start,
        end=end,
        series=[worst, average],
        band=band_around(recorded[0].average if recorded else None, mcid),
        summary=summary,
        legend=[("average", _("average pain")), ("worst", _("worst day"))],
        mcid=mcid,
    )


def psfs_chart(patient, history: list | None = None) -> ProgressChart:
    """The PSFS average of each assessment, oldest first: the numbers of ``psfs_history``
    (pass ``history`` when the page has it already)."""
    if history is None:
        history = psfs_history(patient)
    today = patient.today()
    start = history[0][0] if history else today
    end = max(history[-1][0], start + dt.timedelta(days=14)) if history else today
    points = [
        Point(
            x_of(day, start, end),
            y_of(average),
            day,
            average,
            _("%(date)s: activities %(score)s out of 10")
            % {"date": date_format(day, "DATE_FORMAT"), "score": f"{average:g}"},
        )
        for day, average in history
    ]
    mcid = MCID["psfs"]
    if not history:
        summary = _("No activities rated yet.")
    elif len(history) == 1:
        summary = _("Rated once: %(score)s out of 10.") % {"score": f"{history[0][1]:g}"}
    else:
        first, last = history[0][1], history[-1][1]
        summary = _("Activities %(first)s → %(last)s out of 10 over %(span)s, %(change)s.") % {
            "first": f"{first:g}",
            "last": f"{last:g}",
            "span": pain_chart.span_words((history[-1][0] - history[0][0]).days),
            "change": Change(first, last, mcid).words(better_is_higher=True),
        }
    return ProgressChart(
        title=_("How well you manage your activities (0 unable, 10 as before)"),
        start=start,
        end=end,
        series=[Series("psfs", points)],
        band=band_around(history[0][1] if history else None, mcid),
        summary=summary,
        legend=[("psfs", _("average of your activities"))],
        mcid=mcid,
    )


__all__ = ["ProgressChart", "psfs_changes", "psfs_chart", "render", "weekly_pain_chart"]


def render(chart: ProgressChart, chart_id: str) -> str:
    """The chart's SVG and words, for a page or the admin."""
    from django.template.loader import render_to_string

    return render_to_string(
        "diary/_progress_chart_svg.html", {"chart": chart, "chart_id": chart_id}
    )
