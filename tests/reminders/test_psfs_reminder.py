"""The PSFS reminder: at the start of a plan, then every 2 weeks, once each, by the usual
dispatch and sending."""

import datetime as dt
import uuid

from django.core import mail

from diary.models import PsfsAssessment
from reminders import doctor_alerts, psfs, tasks
from reminders.models import AlertKind, Delivery, DoctorAlert, Kind
from tests.reminders.conftest import at, make_plan

START = dt.date(2026, 6, 1)


def psfs_deliveries(patient):
    return Delivery.objects.filter(patient=patient, kind=Kind.PSFS)


def test_due_dates_are_the_first_day_then_every_two_weeks():
    assert psfs.due_date(START, START - dt.timedelta(days=1)) is None
    assert psfs.due_date(START, START) == START
    assert psfs.due_date(START, START + dt.timedelta(days=13)) == START
    assert psfs.due_date(START, START + dt.timedelta(days=14)) == dt.date(2026, 6, 15)
    assert psfs.due_date(START, START + dt.timedelta(days=27)) == dt.date(2026, 6, 15)


def test_asked_at_the_start_of_a_plan_then_after_fourteen_days_never_twice(
    patient, physiotherapist
):
    make_plan(patient, physiotherapist, starts_on=START)
    [first] = doctor_alerts.check(at("2026-06-01 10:00"))
    assert Delivery.objects.get(pk=first).kind == Kind.PSFS
    # Not twice: later the same day, the next days, up to day 13.
    for moment in ("2026-06-01 11:00", "2026-06-02 10:00", "2026-06-14 10:00"):
        assert doctor_alerts.check(at(moment)) == []
    [second] = doctor_alerts.check(at("2026-06-15 10:00"))
    assert doctor_alerts.check(at("2026-06-15 12:00")) == []
    alerts = DoctorAlert.objects.filter(patient=patient, kind=AlertKind.PSFS)
    assert sorted(alert.started_on for alert in alerts) == [START, dt.date(2026, 6, 15)]
    assert psfs_deliveries(patient).count() == 2
    assert second != first


def test_no_reminder_when_already_rated_since_the_due_date(patient, physiotherapist):
    make_plan(patient, physiotherapist, starts_on=START)
    PsfsAssessment.objects.record(
        patient, uuid.uuid4(), START, [{"name": "Stairs", "score": 4}], at("2026-06-01 07:00")
    )
    assert doctor_alerts.check(at("2026-06-01 10:00")) == []
    assert psfs_deliveries(patient).count() == 0


def test_no_reminder_at_night_in_quiet_hours_or_without_a_current_plan(
    patient, physiotherapist, other_patient
):
    make_plan(patient, physiotherapist, starts_on=START)
    assert doctor_alerts.check(at("2026-06-01 23:30")) == []  # 00:30 in London
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(10), dt.time(12)
    patient.save()
    assert doctor_alerts.check(at("2026-06-01 10:00")) == []  # 11:00 in London
    assert doctor_alerts.check(at("2026-05-31 14:00")) == []  # before the plan starts
    assert psfs_deliveries(other_patient).count() == 0  # no plan at all


def test_an_ended_plan_asks_no_more(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist, starts_on=START)
    plan.ends_on = dt.date(2026, 6, 10)
    plan.save()
    assert len(doctor_alerts.check(at("2026-06-01 10:00"))) == 1
    assert doctor_alerts.check(at("2026-06-15 10:00")) == []


def test_the_hourly_task_emails_the_psfs_reminder(
    patient, physiotherapist, eager_sends, django_capture_on_commit_callbacks
):
    make_plan(patient, physiotherapist, starts_on=START)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.check_doctor_alerts(at("2026-06-01 10:00").isoformat()) == 1
    [message] = mail.outbox
    assert message.subject == "How are your activities going?"
    assert "/diary/progress/" in message.body
    assert psfs_deliveries(patient).get().status == "sent"
