"""The "see a doctor" rule: persisting or worsening pain, once per episode; check-ins."""

import datetime as dt
import uuid

import pytest
from django.core import mail

from diary.models import DiaryEntry
from reminders import doctor_alerts, tasks
from reminders.models import AlertKind, Delivery, DoctorAlert, Kind
from tests.reminders.conftest import at
from triage.models import Assessment, Urgency

# 10:00 in London (BST): daytime, so the patient may be told.
MORNING = dt.time(9)


def write_diary(patient, first_day: str, pains: list[int]):
    day = dt.date.fromisoformat(first_day)
    for offset, pain in enumerate(pains):
        DiaryEntry.objects.create(
            patient=patient,
            date=day + dt.timedelta(days=offset),
            pain=pain,
            client_updated_at=at(f"{day + dt.timedelta(days=offset)} 20:00"),
        )


def morning(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), MORNING, tzinfo=dt.UTC)


def test_pain_on_three_days_is_not_yet_enough(patient):
    write_diary(patient, "2026-06-01", [5, 5, 5])
    assert doctor_alerts.check(morning("2026-06-03")) == []
    assert not DoctorAlert.objects.exists()


def test_pain_on_more_than_three_days_without_improvement_alerts_once(patient):
    write_diary(patient, "2026-06-01", [4, 5, 4, 5])
    [delivery_id] = doctor_alerts.check(morning("2026-06-04"))
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.kind == Kind.PERSISTING and delivery.channel == "email"
    alert = DoctorAlert.objects.get()
    assert (alert.kind, alert.started_on) == (AlertKind.PERSISTING, dt.date(2026, 6, 1))
    # Same day again, the next days, still in pain: the same episode, no new reminder.
    assert doctor_alerts.check(morning("2026-06-04")) == []
    write_diary(patient, "2026-06-05", [5, 6])
    assert doctor_alerts.check(morning("2026-06-06")) == []
    assert DoctorAlert.objects.count() == 1


def test_pain_that_is_improving_does_not_alert(patient):
    write_diary(patient, "2026-06-01", [7, 6, 5, 4])
    assert doctor_alerts.check(morning("2026-06-04")) == []


def test_pain_getting_worse_on_three_days_alerts(patient):
    write_diary(patient, "2026-06-01", [3, 5, 7])
    assert len(doctor_alerts.check(morning("2026-06-03"))) == 1


def test_a_new_episode_alerts_again_only_after_the_quiet_period(patient):
    write_diary(patient, "2026-06-01", [5, 5, 5, 5])
    assert len(doctor_alerts.check(morning("2026-06-04"))) == 1
    write_diary(patient, "2026-06-05", [1])  # better: the episode ends
    doctor_alerts.check(morning("2026-06-05"))
    assert DoctorAlert.objects.get().ended_on == dt.date(2026, 6, 5)
    write_diary(patient, "2026-06-06", [5, 5, 5, 5])  # a second episode, within 14 days
    assert doctor_alerts.check(morning("2026-06-09")) == []
    write_diary(patient, "2026-06-10", [5, 5, 5, 5, 5, 5, 5, 5])
    assert doctor_alerts.check(morning("2026-06-17")) == []
    assert len(doctor_alerts.check(morning("2026-06-18"))) == 1  # 14 days after the first alert
    assert DoctorAlert.objects.count() == 2


def test_it_waits_for_the_patients_daytime_and_quiet_hours(patient):
    write_diary(patient, "2026-06-01", [5, 5, 5, 5])
    assert doctor_alerts.check(at("2026-06-04 03:00")) == []  # 04:00 in London
    patient.quiet_hours_start, patient.quiet_hours_end = dt.time(9), dt.time(11)
    patient.save()
    assert doctor_alerts.check(morning("2026-06-04")) == []
    assert len(doctor_alerts.check(at("2026-06-04 12:00"))) == 1


def test_another_patients_diary_does_not_count(patient, other_patient):
    write_diary(other_patient, "2026-06-01", [5, 5])
    write_diary(patient, "2026-06-03", [5, 5])
    assert doctor_alerts.check(at("2026-06-04 14:00")) == []


def assess(user, urgency, created_at):
    assessment = Assessment.objects.create(
        id=uuid.uuid4(), user=user, answers={}, result={}, urgency=urgency, knowledge_version="1"
    )
    Assessment.objects.filter(pk=assessment.pk).update(created_at=created_at)
    return assessment


def test_a_check_in_follows_three_days_after_a_see_a_doctor_result(patient):
    assess(patient, Urgency.SEE_DOCTOR, at("2026-06-01 10:00"))
    assert doctor_alerts.check(morning("2026-06-03")) == []
    [delivery_id] = doctor_alerts.check(at("2026-06-04 10:00"))
    assert Delivery.objects.get(pk=delivery_id).kind == Kind.CHECK_IN
    assert doctor_alerts.check(at("2026-06-04 11:00")) == []
    assert doctor_alerts.check(at("2026-06-05 11:00")) == []


def test_no_check_in_after_a_self_care_result_or_for_anonymous_use(patient):
    assess(patient, Urgency.SELF_CARE, at("2026-06-01 10:00"))
    assess(None, Urgency.URGENT, at("2026-06-01 10:00"))
    assert doctor_alerts.check(at("2026-06-04 11:00")) == []


def test_the_daily_task_sends_the_see_a_doctor_email(
    patient, eager_sends, django_capture_on_commit_callbacks
):
    write_diary(patient, "2026-06-01", [5, 5, 5, 5])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.check_doctor_alerts(morning("2026-06-04").isoformat()) == 1
    [message] = mail.outbox
    assert message.subject == "Your knee pain is not settling"
    assert "doctor" in message.body


@pytest.mark.parametrize("pains", [[2, 2, 2, 2], [5, 5, 0, 5, 5]])
def test_mild_or_interrupted_pain_does_not_alert(patient, pains):
    write_diary(patient, "2026-06-01", pains)
    last = dt.date(2026, 6, 1) + dt.timedelta(days=len(pains) - 1)
    assert doctor_alerts.check(morning(last.isoformat())) == []


def test_an_alert_for_a_patient_with_no_channel_waits_for_one(patient):
    patient.remind_by_email = False
    patient.save()
    write_diary(patient, "2026-06-01", [4, 5, 4, 5])
    assert doctor_alerts.check(morning("2026-06-04")) == []
    assert not DoctorAlert.objects.exists()  # not spent on nobody
    patient.remind_by_email = True
    patient.save()
    [delivery_id] = doctor_alerts.check(morning("2026-06-04") + dt.timedelta(hours=1))
    assert Delivery.objects.get(pk=delivery_id).channel == "email"
    assert DoctorAlert.objects.count() == 1
