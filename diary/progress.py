"""Progress measures: the weekly pain summary from the diary and the PSFS over time.

Weeks run Monday to Sunday in the patient's own calendar (``User.today``, their profile's
time zone), so "this week" is the same week on their phone and on the physio's screen.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Max
from django.utils.translation import gettext as _

from diary.models import PSFS_MCID, DiaryEntry, PsfsActivity, PsfsAssessment

# The minimal clinically important difference of pain (0–10), in points, and of the PSFS.
PAIN_MCID = 2
MCID = {"pain": PAIN_MCID, "psfs": PSFS_MCID}


@dataclass(frozen=True)
class Change:
    """From a first measure to the latest, against the smallest change that matters to a
    patient (``mcid``, in points): the one rule for "a change that matters" on every page."""

    first: float
    latest: float
    mcid: int

    @property
    def change(self) -> float:
        """``latest - first`` to one decimal (the measures have one), so 3.3 → 1.3 is -2, not
        -1.9999999999999998."""
        return round(self.latest - self.first, 1)

    @property
    def important(self) -> bool:
        return abs(self.change) >= self.mcid

    def words(self, *, better_is_higher: bool) -> str:
        if not self.important:
            return _("a change smaller than %(mcid)d points") % {"mcid": self.mcid}
        better = self.change > 0 if better_is_higher else self.change < 0
        return _("a real improvement") if better else _("a real worsening")


@dataclass(frozen=True)
class WeekSummary:
    """One week of diary pain: the Monday it starts, the mean and the worst day's pain, and
    how many days have an entry (0: ``average`` and ``worst`` are None)."""

    start: dt.date
    average: float | None
    worst: int | None
    days: int

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def weekly_pain(patient, *, weeks: int = 12, today: dt.date | None = None) -> list[WeekSummary]:
    """The last ``weeks`` weeks of ``patient``'s diary, oldest first, the current week last
    (weeks without an entry included, with ``days=0``). ``average`` is rounded to one decimal."""
    today = today or patient.today()
    last = week_start(today)
    first = last - dt.timedelta(weeks=weeks - 1)
    entries = DiaryEntry.objects.of(patient).between(first, today).order_by()
    by_day = {
        row["date"]: (float(row["mean"]), row["worst"])
        for row in entries.values("date").annotate(mean=Avg("pain"), worst=Max("pain"))
    }
    summaries = []
    for index in range(weeks):
        start = first + dt.timedelta(weeks=index)
        days = [by_day[day] for day in _days(start) if day in by_day]
        if days:
            average = round(sum(mean for mean, _worst in days) / len(days), 1)
            worst = max(worst for _mean, worst in days)
        else:
            average = worst = None
        summaries.append(WeekSummary(start=start, average=average, worst=worst, days=len(days)))
    return summaries


def _days(start: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=offset) for offset in range(7)]


def psfs_assessments(patient):
    """``patient``'s PSFS assessments oldest first, each with its ratings and activities."""
    return PsfsAssessment.objects.of(patient).with_ratings().order_by("date", "created_at")


def latest_activities(patient) -> list[PsfsActivity]:
    """The activities of the patient's latest assessment, in its order: offered again next time."""
    latest = psfs_assessments(patient).last()
    if latest is None:
        return []
    return [rating.activity for rating in latest.ratings.all()]


@dataclass(frozen=True)
class ActivityChange:
    """One activity from its first rating to its latest: ``change`` > 0 is better."""

    activity: PsfsActivity
    first: int
    latest: int
    first_date: dt.date
    latest_date: dt.date

    @property
    def change(self) -> int:
        return self.latest - self.first

    @property
    def important(self) -> bool:
        """Whether the change reaches the minimal clinically important difference."""
        return Change(self.first, self.latest, PSFS_MCID).important


def psfs_changes(patient) -> list[ActivityChange]:
    """Each activity the patient has rated, from its first score to its latest."""
    seen: dict = {}
    for assessment in psfs_assessments(patient):
        for rating in assessment.ratings.all():
            first = seen.get(rating.activity_id)
            seen[rating.activity_id] = ActivityChange(
                activity=rating.activity,
                first=first.first if first else rating.score,
                latest=rating.score,
                first_date=first.first_date if first else assessment.date,
                latest_date=assessment.date,
            )
    return list(seen.values())


def psfs_history(patient) -> list[tuple[dt.date, float]]:
    """``[(date, PSFS average)]`` oldest first: what the PSFS chart draws."""
    return [
        (assessment.date, assessment.average)
        for assessment in psfs_assessments(patient)
        if assessment.average is not None
    ]


__all__ = [
    "MCID",
    "PAIN_MCID",
    "ActivityChange",
    "Change",
    "WeekSummary",
    "latest_activities",
    "psfs_assessments",
    "psfs_changes",
    "psfs_history",
    "week_start",
    "weekly_pain",
]
