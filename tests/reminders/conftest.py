"""Plans for the personas: ``patient`` (London) and ``other_patient`` (New York)."""

import datetime as dt

import pytest

from reminders.library import ensure_library
from reminders.models import Delivery, Kind, PlanItem, ReminderSchedule, StretchPlan

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """An aware UTC datetime from ``"2026-03-02 08:00"``."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def make_plan(patient, physiotherapist, times=("08:00", "19:00"), starts_on=dt.date(2026, 1, 1)):
    library = ensure_library()
    plan = StretchPlan.objects.create(
        patient=patient, physiotherapist=physiotherapist, starts_on=starts_on, notes="Gently."
    )
    for position, slug in enumerate(
        ["calf-wall-stretch", "seated-hamstring-stretch", "standing-quad-stretch"]
    ):
        PlanItem.objects.create(plan=plan, exercise=library[slug], position=position)
    for text in times:
        ReminderSchedule.objects.create(plan=plan, time_of_day=dt.time.fromisoformat(text))
    return plan


def stretch_delivery(schedule, slot: dt.datetime, **fields) -> Delivery:
    """A stretch reminder of ``schedule``'s patient for ``slot``, by email unless told."""
    fields = {"channel": "email", **fields}
    return Delivery.objects.create(
        patient=schedule.plan.patient, kind=Kind.STRETCH, schedule=schedule, slot=slot, **fields
    )


def set_next_runs(plan, after: dt.datetime) -> None:
    """Put the plan's schedules where they would be if created at ``after``."""
    plan.schedules.reschedule(after)


@pytest.fixture
def plan(patient, physiotherapist):
    return make_plan(patient, physiotherapist)


@pytest.fixture
def other_plan(other_patient, other_physiotherapist):
    return make_plan(other_patient, other_physiotherapist, times=("07:30",))
