"""How well a patient keeps to their plan: per plan and per reminder slot, what was due and
what was done.

A slot is due on each local day that its plan was current, on the schedule's weekdays, once
its time has passed, whether or not a reminder went out (quiet hours, no channel, a failed
send): the stretches were still asked for. Done counts the "done" marks of those same slots
only, so done can never exceed due ("1 done of 0 sent" in version 1). A slot is done when it
was marked done as a whole, or when every exercise of its plan was marked done on its own
(``CompletionQuerySet.done_slots``: an exercise session with one skipped is not done).
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from reminders.models import Completion, StretchPlan
from reminders.slots import local_moment


@dataclass(frozen=True)
class Adherence:
    start: dt.date
    end: dt.date
    due: int
    done: int
    label: str = ""  # the reminder time, for one slot

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.due) if self.due else None


def due_days(schedule, plan, start: dt.date, end: dt.date, now: dt.datetime) -> list[dt.date]:
    """The local days ``start``..``end`` on which ``schedule``'s slot was due by ``now``."""
    first = max(start, plan.starts_on)
    last = min(end, plan.ends_on or end)
    zone = schedule.zone
    days = []
    day = first
    while day <= last:
        on_weekday = schedule.weekdays & (1 << day.weekday())
        if on_weekday and local_moment(day, schedule.time_of_day, zone) <= now:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def per_slot(plan, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> list[Adherence]:
    """One ``Adherence`` per reminder time of ``plan``, ``start``..``end``."""
    now = now or timezone.now()
    schedules = list(plan.schedules.order_by("time_of_day", "pk"))
    marks = Completion.objects.done_slots(schedules, start, end)
    result = []
    for schedule in schedules:
        days = due_days(schedule, plan, start, end, now)
        done = sum((schedule.pk, day) in marks for day in days)
        result.append(Adherence(start, end, len(days), done, str(schedule)))
    return result


def total(slots: list[Adherence], start: dt.date, end: dt.date) -> Adherence:
    return Adherence(start, end, sum(s.due for s in slots), sum(s.done for s in slots))


def adherence(patient, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> Adherence:
    """Every plan of ``patient`` that ran ``start``..``end``, all its slots together."""
    plans = StretchPlan.objects.of(patient).filter(starts_on__lte=end).exclude(ends_on__lt=start)
    slots = [
        slot for plan in plans.select_related("patient") for slot in per_slot(plan, start, end, now)
    ]
    return total(slots, start, end)


def last_days(plan, days: int = 14, now: dt.datetime | None = None) -> list[Adherence]:
    """``plan``'s slots over the patient's last ``days`` local days."""
    today = plan.patient.today(now)
    return per_slot(plan, today - dt.timedelta(days=days - 1), today, now)
