"""Finding due reminder slots and recording one delivery per (schedule, slot, channel)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from reminders import dispatch
from reminders.models import Channel, Delivery, PushSubscription, ReminderSchedule, Status
from tests.reminders.conftest import at, make_plan, set_next_runs


def deliveries(**filters):
    return list(
        Delivery.objects.filter(**filters)
        .order_by("slot", "channel")
        .values_list("slot", "channel", "status")
    )


def test_it_records_an_email_delivery_when_the_morning_slot_comes(plan):
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert dispatch.dispatch_due(at("2026-06-01 06:59")) == []
    ids = dispatch.dispatch_due(at("2026-06-01 07:00"))  # 08:00 in London (BST)
    assert len(ids) == 1
    assert deliveries() == [(at("2026-06-01 07:00"), Channel.EMAIL, Status.QUEUED)]
    schedule = ReminderSchedule.objects.get(time_of_day=dt.time(8))
    assert schedule.next_run_at == at("2026-06-02 07:00")


def test_it_finds_every_due_slot_with_one_query(
    plan, other_plan, django_assert_num_queries, physiotherapist
):
    set_next_runs(plan, at("2026-06-01 06:00"))
    set_next_runs(other_plan, at("2026-06-01 06:00"))
    ReminderSchedule.objects.update(next_run_at=at("2026-06-01 11:00"))
    with django_assert_num_queries(1):
        due = list(dispatch.due_schedules(at("2026-06-01 12:00")))
    assert len(due) == 3
    with django_assert_num_queries(1):
        assert {schedule.plan.patient.email for schedule in due} == {
            "patient@test.example",
            "other-patient@test.example",
        } and [schedule.has_push for schedule in due] == [False] * 3
        ReminderSchedule.objects.count()


def test_with_push_and_email_on_a_patient_with_a_phone_gets_the_push_only(plan, patient):
    """Email is the fallback (tests/reminders/test_push_fallback.py), not a second copy."""
    patient.remind_by_push = True
    patient.save()
    PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/abc", p256dh="x" * 87, auth="y" * 22
    )
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert len(dispatch.dispatch_due(at("2026-06-01 07:00"))) == 1
    assert {channel for _, channel, _ in deliveries()} == {Channel.PUSH}


def test_a_slot_offered_again_is_recorded_once(plan):
    set_next_runs(plan, at("2026-06-01 06:00"))
    now = at("2026-06-01 07:00")
    [first] = dispatch.dispatch_due(now)
    # A clock set back or a restored backup offers the same slot again: the unique
    # (schedule, slot, channel) row stands, and only the still-queued row is handed on.
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert dispatch.dispatch_due(now) == [first]
    Delivery.objects.update(status=Status.SENT)
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert dispatch.dispatch_due(now) == []
    assert Delivery.objects.count() == 1


def test_a_pass_takes_as_many_queries_for_30_due_reminders_as_for_3(plan, patient):
    patient.remind_by_email, patient.remind_by_push = False, True
    patient.save()
    PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/abc", p256dh="x" * 87, auth="y" * 22
    )
    for minute in range(28):
        ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time(9, minute))
    pks = list(ReminderSchedule.objects.order_by("pk").values_list("pk", flat=True))
    counts = {}
    for due, now in ((3, at("2026-06-01 12:00")), (30, at("2026-06-02 12:00"))):
        ReminderSchedule.objects.update(next_run_at=at("2027-01-01 00:00"))
        ReminderSchedule.objects.filter(pk__in=pks[:due]).update(next_run_at=now)
        with CaptureQueriesContext(connection) as queries:
            ids = dispatch.dispatch_due(now)
        assert len(ids) == due
        counts[due] = len(queries)
    assert counts[3] == counts[30]


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_in_parallel_threads_record_each_slot_once(patient, physiotherapist):
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL (the CI's second run); SQLite serialises")
    plan = make_plan(patient, physiotherapist)
    set_next_runs(plan, at("2026-06-01 06:00"))
    ReminderSchedule.objects.update(next_run_at=at("2026-06-01 07:00"))
    now = at("2026-06-01 07:00")
    results, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        try:
            results.append(dispatch.dispatch_due(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Both schedules were due: each was claimed by exactly one of the four dispatchers.
    found = [pk for ids in results for pk in ids]
    assert len(results) == 4
    assert len(found) == len(set(found)) == Delivery.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_passes_over_the_slots_another_is_recording(patient, physiotherapist):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (the CI's second run); SQLite serialises")
    plan = make_plan(patient, physiotherapist)
    now = at("2026-06-01 07:00")
    ReminderSchedule.objects.update(next_run_at=now)
    holding, release = threading.Event(), threading.Event()

    def other_dispatcher_midway():
        try:
            with transaction.atomic():
                list(dispatch.due_schedules(now).select_for_update(of=("self",)))
                holding.set()
                release.wait(timeout=30)
                raise RuntimeError("crashed before recording anything")
        except RuntimeError:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=other_dispatcher_midway)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        assert dispatch.dispatch_due(now) == []  # skipped the locked rows, did not wait
    finally:
        release.set()
        thread.join()
    # The other one rolled back: both slots are still due, and are recorded now.
    assert len(dispatch.dispatch_due(now)) == Delivery.objects.count() == 2
    assert plan.schedules.filter(next_run_at__lte=now).count() == 0


def test_a_reminder_in_quiet_hours_is_queued_for_the_sender_to_hold(plan, patient):
    # The sender holds it until the quiet hours end (tests/reminders/test_timing.py).
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(22), dt.time(8, 30)
    patient.save()
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert len(dispatch.dispatch_due(at("2026-06-01 07:00"))) == 1  # 08:00 local: quiet
    assert deliveries() == [(at("2026-06-01 07:00"), Channel.EMAIL, Status.QUEUED)]


def test_a_patient_in_new_york_gets_their_reminder_at_their_own_half_past_seven(other_plan):
    set_next_runs(other_plan, at("2026-06-01 00:00"))
    assert dispatch.dispatch_due(at("2026-06-01 11:29")) == []
    assert len(dispatch.dispatch_due(at("2026-06-01 11:30"))) == 1  # 07:30 EDT


def test_a_slot_found_hours_late_is_skipped(plan):
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert dispatch.dispatch_due(at("2026-06-01 10:00")) == []
    assert deliveries() == [(at("2026-06-01 07:00"), Channel.EMAIL, Status.SKIPPED)]
    schedule = ReminderSchedule.objects.get(time_of_day=dt.time(8))
    assert schedule.next_run_at == at("2026-06-02 07:00")


def test_a_patient_who_wants_no_reminders_gets_no_delivery(plan, patient):
    patient.remind_by_email = False
    patient.save()
    set_next_runs(plan, at("2026-06-01 06:00"))
    assert dispatch.dispatch_due(at("2026-06-01 07:00")) == []
    assert Delivery.objects.count() == 0


def simulate_day(start: dt.datetime, minutes: int = 24 * 60) -> list[int]:
    ids = []
    for minute in range(minutes):
        ids += dispatch.dispatch_due(start + dt.timedelta(minutes=minute))
    return ids


@pytest.mark.parametrize(
    "day",
    ["2026-03-29", "2026-10-25"],
    ids=["clocks-forward", "clocks-back"],
)
def test_every_minute_of_a_day_run_twice_sends_each_reminder_exactly_once(
    plan, other_plan, patient, day
):
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(1), dt.time(1, 30)
    patient.save()
    start = at(f"{day} 00:00")
    set_next_runs(plan, start - dt.timedelta(seconds=1))
    set_next_runs(other_plan, start - dt.timedelta(seconds=1))
    first = simulate_day(start)
    # Everything again, as a second beat host or a replayed day would.
    assert simulate_day(start) == []
    sent = Delivery.objects.filter(pk__in=first).select_related("schedule__plan__patient")
    local = sorted((d.schedule.plan.patient.email, d.local_slot.strftime("%H:%M")) for d in sent)
    assert local == [
        ("other-patient@test.example", "07:30"),
        ("patient@test.example", "08:00"),
        ("patient@test.example", "19:00"),
    ]
    assert len(first) == len(set(first)) == Delivery.objects.count() == 3
