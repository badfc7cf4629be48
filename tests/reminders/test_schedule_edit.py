"""Editing a reminder's time of day neither loses nor doubles today's reminder
(``ReminderSchedule.next_run_after_save``, called by every save, here with an explicit now)."""

import datetime as dt

from reminders import dispatch
from reminders.models import Delivery, ReminderSchedule, Status
from tests.reminders.conftest import at, set_next_runs, stretch_delivery

# 08:30 BST in London.
HALF_PAST_EIGHT = at("2026-06-01 07:30")


def eight(plan) -> ReminderSchedule:
    return plan.schedules.get(time_of_day=dt.time(8))


def test_moving_a_reminder_that_went_today_to_later_today_does_not_send_it_twice(plan):
    schedule = eight(plan)
    stretch_delivery(schedule, at("2026-06-01 07:00"), status=Status.SENT)
    schedule.time_of_day = dt.time(9)
    # Not today at 09:00 (that would be today's reminder twice): tomorrow at 09:00 BST.
    assert schedule.next_run_after_save(HALF_PAST_EIGHT) == at("2026-06-02 08:00")


def test_moving_a_reminder_not_yet_sent_to_a_time_just_past_sends_it_now(plan):
    schedule = eight(plan)
    schedule.time_of_day = dt.time(9)
    schedule.save()
    set_next_runs(plan, at("2026-06-01 06:00"))
    schedule.refresh_from_db()
    schedule.time_of_day = dt.time(8, 15)  # at 08:30, before the 09:00 went
    moment = schedule.next_run_after_save(HALF_PAST_EIGHT)
    assert moment == at("2026-06-01 07:15")  # today's, due now: not lost until tomorrow
    ReminderSchedule.objects.filter(pk=schedule.pk).update(
        time_of_day=dt.time(8, 15), next_run_at=moment
    )
    [delivery_id] = dispatch.dispatch_due(HALF_PAST_EIGHT)
    assert Delivery.objects.get(pk=delivery_id).status == Status.QUEUED
    schedule.refresh_from_db()
    assert schedule.next_run_at == at("2026-06-02 07:15")  # and tomorrow as usual


def test_a_save_that_keeps_the_time_keeps_the_next_slot(plan):
    schedule = eight(plan)
    stretch_delivery(schedule, at("2026-06-01 07:00"), status=Status.SENT)
    assert schedule.next_run_after_save(HALF_PAST_EIGHT) == at("2026-06-02 07:00")
    assert schedule.next_run_after_save(at("2026-06-01 06:00")) == at("2026-06-01 07:00")


def test_moving_to_an_earlier_time_tomorrow_when_today_went_already(plan):
    schedule = eight(plan)
    stretch_delivery(schedule, at("2026-06-01 07:00"), status=Status.SENT)
    schedule.time_of_day = dt.time(7)
    assert schedule.next_run_after_save(HALF_PAST_EIGHT) == at("2026-06-02 06:00")
