"""Issue #12: adherence counts, per plan and per reminder slot, what was due and what was done,
from the plan's dates, the schedule's weekdays and its local times, never more done than due.
"""

import datetime as dt

import pytest

from reminders.adherence import adherence, last_days, per_slot
from reminders.models import Completion
from tests.reminders.conftest import at, make_plan

pytestmark = pytest.mark.django_db

JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 7))  # Monday to Sunday


def mark(plan, time: str, *days: int) -> None:
    schedule = plan.schedules.get(time_of_day=dt.time.fromisoformat(time))
    for day in days:
        Completion.objects.create(
            patient=plan.patient, schedule=schedule, date=dt.date(2026, 6, day)
        )


def test_each_slot_counts_its_own_days_due_and_done(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist)  # 08:00 and 19:00 every day
    mark(plan, "08:00", 1, 2, 3)
    mark(plan, "19:00", 1)
    slots = per_slot(plan, *JUNE, now=at("2026-07-01 00:00"))
    assert [(s.label, s.due, s.done) for s in slots] == [("08:00", 7, 3), ("19:00", 7, 1)]
    assert adherence(patient, *JUNE, now=at("2026-07-01 00:00")).percent == round(100 * 4 / 14)


def test_done_without_a_reminder_sent_still_counts_against_what_was_due(patient, physiotherapist):
    """Version 1 said "1 done of 0 sent": it counted deliveries sent, not slots due."""
    plan = make_plan(patient, physiotherapist, times=("08:00",))
    mark(plan, "08:00", 2)
    result = adherence(patient, *JUNE, now=at("2026-07-01 00:00"))
    assert (result.due, result.done) == (7, 1)


def test_weekdays_and_the_plans_dates_limit_what_was_due(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist, times=("08:00",), starts_on=dt.date(2026, 6, 3))
    plan.ends_on = dt.date(2026, 6, 6)
    plan.save()
    plan.schedules.update(weekdays=(1 << 3) | (1 << 4) | (1 << 6))  # Thursday, Friday, Sunday
    [slot] = per_slot(plan, *JUNE, now=at("2026-07-01 00:00"))
    assert slot.due == 2  # Thursday 4th and Friday 5th: Sunday 7th is after the plan's end


def test_a_slot_not_yet_come_today_is_not_due(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist, starts_on=dt.date(2026, 6, 1))
    # 12:00 in London on 1 June (BST): the 08:00 slot has come, the 19:00 one has not.
    slots = last_days(plan, 1, now=at("2026-06-01 11:00"))
    assert [(s.label, s.due) for s in slots] == [("08:00", 1), ("19:00", 0)]


def test_a_mark_on_a_day_that_was_not_due_is_not_counted(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist, times=("08:00",), starts_on=dt.date(2026, 6, 5))
    mark(plan, "08:00", 2)  # before the plan started (an old entry moved, a clock wrong)
    result = adherence(patient, *JUNE, now=at("2026-07-01 00:00"))
    assert (result.due, result.done) == (3, 0)
