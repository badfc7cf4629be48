"""Demo data, the diary's plan hooks, and deletion with the account."""

import datetime as dt

from django.core.management import call_command

from diary import extensions
from kneeapp.models import User
from reminders import diary_hooks
from reminders.models import Completion, Delivery, ReminderSchedule, StretchPlan
from tests.reminders.conftest import at, stretch_delivery


def test_seed_demo_gives_the_demo_patient_a_plan_with_morning_and_evening_email(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (idempotent)
    patient = User.objects.get(email="patient@example.com")
    plan = StretchPlan.objects.get(patient=patient)
    assert plan.physiotherapist.email == "physio@example.com"
    assert [str(item) for item in plan.items.all()] == [
        "Calf stretch against a wall",
        "Seated hamstring stretch",
        "Standing quadriceps stretch",
    ]
    times = ReminderSchedule.objects.filter(plan=plan).values_list("time_of_day", flat=True)
    assert sorted(times) == [dt.time(8), dt.time(19)]
    assert patient.remind_by_email


def test_the_diary_offers_the_patients_plan_items_as_stretches_done(patient, plan, other_plan):
    assert diary_hooks.plan_stretch_choices in extensions.stretch_choices_providers
    choices = extensions.stretch_choices(patient)
    assert [label for _, label in choices] == [str(item) for item in plan.items.all()]


def test_the_doctors_report_gets_a_plan_adherence_section(patient, plan):
    before_the_plan = (dt.date(2025, 6, 1), dt.date(2025, 6, 14))
    assert diary_hooks.plan_adherence_section(patient, *before_the_plan) is None
    morning = plan.schedules.get(time_of_day=dt.time(8))
    Completion.objects.create(patient=patient, schedule=morning, date=dt.date(2026, 6, 2))
    Completion.objects.create(patient=patient, schedule=morning, date=dt.date(2026, 7, 2))
    section = diary_hooks.plan_adherence_section(patient, dt.date(2026, 6, 1), dt.date(2026, 6, 14))
    # Two reminder times on each of 14 days; the mark of July is not in June's report.
    assert "Stretch sessions due: 28. Marked done: 1." in section.html


def test_deleting_the_account_deletes_its_plans_and_deliveries(patient, plan):
    stretch_delivery(plan.schedules.first(), at("2026-06-02 07:00"))
    patient.delete()
    assert not StretchPlan.objects.exists() and not Delivery.objects.exists()
