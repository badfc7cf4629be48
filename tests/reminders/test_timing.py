"""Deferral: a reminder due in quiet hours is held until they end, on the slot's own day, once
(reminders/timing.py). Time travels through the explicit ``now`` of dispatch, send and sweep."""

import datetime as dt

import pytest
from django.core import mail

from reminders import adherence, dispatch, sending, timing
from reminders.models import Completion, Delivery, Kind, ReminderSchedule, Status
from tests.reminders.conftest import at, make_plan, set_next_runs


def quiet(patient, start="22:00", end="07:00"):
    patient.quiet_hours_start = dt.time.fromisoformat(start)
    patient.quiet_hours_end = dt.time.fromisoformat(end)
    patient.save()


@pytest.fixture
def early(patient, physiotherapist):
    """A 06:30 reminder (London) for a patient quiet 22:00 to 07:00, across midnight."""
    quiet(patient)
    return make_plan(patient, physiotherapist, times=("06:30",))


def due(plan, slot: dt.datetime) -> Delivery:
    set_next_runs(plan, slot - dt.timedelta(hours=1))
    [delivery_id] = dispatch.dispatch_due(slot)
    return Delivery.objects.get(pk=delivery_id)


def held(early) -> Delivery:
    """The 06:30 BST reminder of ``early``, due and held until its quiet hours end (07:00)."""
    delivery = due(early, at("2026-06-01 05:30"))
    sending.send_batch([delivery.pk], now=at("2026-06-01 05:30"))
    return delivery


def row(delivery: Delivery) -> tuple:
    delivery.refresh_from_db()
    return delivery.status, delivery.not_before, delivery.attempts, delivery.error


def test_a_reminder_due_in_quiet_hours_is_held_until_they_end_then_sent_once(early):
    delivery = due(early, at("2026-06-01 05:30"))  # 06:30 BST, quiet until 07:00 BST
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 05:30")) == (0, [])
    assert row(delivery) == (Status.QUEUED, at("2026-06-01 06:00"), 0, "")
    assert mail.outbox == []
    # Not handed over, nor claimable, before its time; handed over once it has come.
    assert delivery.pk not in sending.stranded(at("2026-06-01 05:59"))
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 05:59")) == (0, [])
    assert delivery.pk in sending.stranded(at("2026-06-01 06:00"))
    sending.mark_enqueued([delivery.pk], at("2026-06-01 06:00"))
    assert delivery.pk not in sending.stranded(at("2026-06-01 06:01"))  # handed over once
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 06:00")) == (1, [])
    assert row(delivery) == (Status.SENT, at("2026-06-01 06:00"), 1, "")
    [message] = mail.outbox
    assert message.subject == "Time to stretch"
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 06:05")) == (0, [])
    assert len(mail.outbox) == 1


def test_quiet_hours_that_end_on_the_next_day_drop_the_reminder(patient, physiotherapist):
    quiet(patient)
    plan = make_plan(patient, physiotherapist, times=("23:00",))
    delivery = due(plan, at("2026-06-01 22:00"))  # 23:00 BST: quiet until tomorrow 07:00
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 22:00")) == (0, [])
    assert row(delivery) == (
        Status.SKIPPED,
        None,
        1,
        "quiet hours, until after the slot's day",
    )
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("day", "slot", "end"),
    [
        ("2026-03-29", "05:30", "06:00"),  # clocks forward at 01:00 UTC: 06:30 and 07:00 BST
        ("2026-10-25", "06:30", "07:00"),  # clocks back at 01:00 UTC: 06:30 and 07:00 GMT
    ],
    ids=["clocks-forward", "clocks-back"],
)
def test_on_the_day_the_clocks_change_the_hold_ends_at_seven_on_the_patients_clock(
    early, day, slot, end
):
    delivery = due(early, at(f"{day} {slot}"))
    sending.send_batch([delivery.pk], now=at(f"{day} {slot}"))
    assert row(delivery)[:2] == (Status.QUEUED, at(f"{day} {end}"))
    assert sending.send_batch([delivery.pk], now=at(f"{day} {end}")) == (1, [])


def test_a_held_reminder_whose_plan_ended_meanwhile_is_dropped(early):
    delivery = held(early)
    early.ends_on = dt.date(2026, 5, 31)
    early.save()
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 06:00")) == (0, [])
    assert row(delivery)[0::3] == (Status.SKIPPED, "held for quiet hours; its plan ended meanwhile")
    assert mail.outbox == []


def test_a_held_reminder_already_marked_done_is_dropped(early, patient):
    delivery = held(early)
    Completion.objects.create(patient=patient, schedule=delivery.schedule, date=dt.date(2026, 6, 1))
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 06:00")) == (0, [])
    assert row(delivery)[0::3] == (Status.SKIPPED, "held for quiet hours; already marked done")
    assert mail.outbox == []


def test_a_reminder_is_held_once_only(early, patient):
    delivery = held(early)
    quiet(patient, "22:00", "09:00")  # the patient moved the end of quiet hours meanwhile
    assert sending.send_batch([delivery.pk], now=at("2026-06-01 06:00")) == (0, [])
    assert row(delivery)[0::3] == (Status.SKIPPED, "quiet hours (held once already)")


def test_a_held_reminder_is_too_late_an_hour_after_the_quiet_hours_end_not_the_slot(early):
    delivery = held(early)
    sending.stranded(at("2026-06-01 06:45"))  # 75 minutes after the slot, 45 after the end
    assert row(delivery)[0] == Status.QUEUED
    sending.stranded(at("2026-06-01 07:01"))
    assert row(delivery)[0::3] == (
        Status.SKIPPED,
        "found too late (not handed to a worker in time)",
    )


def test_in_one_batch_the_quiet_patient_waits_and_the_other_is_sent(
    early, other_patient, other_physiotherapist
):
    night_owl = make_plan(other_patient, other_physiotherapist, times=("01:30",))  # New York
    set_next_runs(night_owl, at("2026-06-01 04:00"))
    set_next_runs(early, at("2026-06-01 04:00"))
    ids = dispatch.dispatch_due(at("2026-06-01 05:30"))  # 01:30 EDT is 05:30 UTC too
    held = Delivery.objects.get(patient__quiet_hours_start__isnull=False)
    other_id = Delivery.objects.get(patient=other_patient).pk
    assert sorted(ids) == sorted([held.pk, other_id])
    assert sending.send_batch([held.pk, other_id], now=at("2026-06-01 05:30")) == (1, [])
    assert [m.to for m in mail.outbox] == [["other-patient@test.example"]]
    assert row(held)[:2] == (Status.QUEUED, at("2026-06-01 06:00"))


def test_adherence_counts_a_held_slot_once_whatever_its_rows(early, patient):
    delivery = due(early, at("2026-06-01 05:30"))
    Delivery.objects.create(  # the same slot on a second channel
        patient=patient,
        kind=Kind.STRETCH,
        schedule=delivery.schedule,
        slot=delivery.slot,
        channel="push",
    )
    sending.send_batch(list(Delivery.objects.values_list("pk", flat=True)), now=delivery.slot)
    sending.send_batch([delivery.pk], now=at("2026-06-01 06:00"))
    day = dt.date(2026, 6, 1)
    [slot] = adherence.per_slot(early, day, day, at("2026-06-01 12:00"))
    assert (slot.due, slot.done) == (1, 0)


def test_the_rule_on_its_own(early, patient):
    schedule = ReminderSchedule.objects.get(plan=early)
    reminder = Delivery(
        patient=patient, kind=Kind.STRETCH, schedule=schedule, slot=at("2026-06-01 05:30")
    )
    assert timing.hold(reminder, at("2026-06-01 05:30")) == timing.Decision(
        timing.HOLD, at("2026-06-01 06:00")
    )
    assert timing.hold(reminder, at("2026-06-01 06:00")) == timing.Decision(timing.SEND)
    nudge = Delivery(patient=patient, kind=Kind.NUDGE, slot=at("2026-06-01 21:30"))
    # 22:30 BST: a nudge waits for the end of quiet hours, the next morning.
    assert timing.hold(nudge, at("2026-06-01 21:30")) == timing.Decision(
        timing.HOLD, at("2026-06-02 06:00")
    )
    assert timing.quiet_hours_end(patient, at("2026-06-01 12:00")) is None
