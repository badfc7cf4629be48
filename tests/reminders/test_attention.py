"""Issue #12: the physiotherapist's patients as a list of who needs attention, ordered by need,
each with the reason shown; "mark reviewed" clears a patient until something new happens.
Another physiotherapist's patient is never on it.
"""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from diary.models import DiaryEntry
from reminders import attention
from reminders.models import AlertKind, Completion, Delivery, DoctorAlert, Kind, Status
from tests.conftest import make_person
from tests.reminders.conftest import make_plan
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = pytest.mark.django_db

LIST = "admin:reminders_patientneedingattention_changelist"


def entry(patient, days_ago: int, pain: int, flags=()):
    return DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date=patient.today() - dt.timedelta(days=days_ago),
        pain=pain,
        red_flags=list(flags),
        client_updated_at=timezone.now(),
    )


def texts(patient, physio) -> list[str]:
    return [reason.text for reason in attention.reasons_for(patient, physio)]


def test_a_patient_with_nothing_new_needs_no_attention(patient, physiotherapist):
    entry(patient, 1, 3)
    assert texts(patient, physiotherapist) == []


def test_warning_signs_in_the_diary_come_first(patient, physiotherapist):
    entry(patient, 6, 2)
    entry(patient, 0, 6, flags=["calf_swelling"])
    found = texts(patient, physiotherapist)
    assert found[0] == "1 diary entry with warning signs"
    assert "pain up 4 points in 7 days" in found


def test_a_rise_of_one_point_is_not_a_reason(patient, physiotherapist):
    entry(patient, 5, 3)
    entry(patient, 0, 4)
    assert texts(patient, physiotherapist) == []


def test_an_urgent_checker_result_and_a_see_a_doctor_reminder_are_reasons(patient, physiotherapist):
    answers = {"calf_swelling": True}  # a possible clot: get help today
    result = assess(load_knowledge(), answers)
    assert result["urgency"] in ("urgent", "emergency")
    Assessment.objects.record(result, answers, user=patient)
    alert = DoctorAlert.objects.create(
        patient=patient, kind=AlertKind.PERSISTING, started_on=patient.today(),
        alerted_at=timezone.now(),
    )  # fmt: skip
    Delivery.objects.create(
        patient=patient, kind=Kind.PERSISTING, doctor_alert=alert, channel="email",
        slot=timezone.now(), status=Status.SENT, sent_at=timezone.now(),
    )  # fmt: skip
    found = texts(patient, physiotherapist)
    assert "a symptom checker result said to get help today or sooner" in found
    assert 'a "symptoms persisting: see a doctor" reminder was sent' in found


def test_low_adherence_over_two_weeks_is_a_reason(patient, physiotherapist):
    plan = make_plan(patient, physiotherapist, times=("08:00",), starts_on=dt.date(2026, 1, 1))
    schedule = plan.schedules.get()
    for days_ago in (1, 2):
        Completion.objects.create(
            patient=patient, schedule=schedule, date=patient.today() - dt.timedelta(days=days_ago)
        )
    [reason] = texts(patient, physiotherapist)
    assert reason.endswith("% of stretches done in 14 days")


def test_marking_reviewed_clears_until_something_new_happens(patient, physiotherapist):
    entry(patient, 1, 5, flags=["calf_swelling"])
    attention.mark_reviewed([patient], physiotherapist)
    assert texts(patient, physiotherapist) == []
    entry(patient, 0, 5, flags=["fever"])
    assert texts(patient, physiotherapist) == ["1 diary entry with warning signs"]


def test_the_list_orders_by_need_and_shows_only_ones_own_patients(
    physiotherapist, physiotherapist_client, patient, other_patient
):
    calm = make_person("calm@test.example", name="Calm", physiotherapist=physiotherapist)
    lagging = make_person("lagging@test.example", name="Lagging", physiotherapist=physiotherapist)
    make_plan(lagging, physiotherapist, times=("08:00",), starts_on=dt.date(2026, 1, 1))
    entry(patient, 0, 5, flags=["calf_swelling"])
    entry(other_patient, 0, 5, flags=["calf_swelling"])  # the other physiotherapist's
    entry(calm, 0, 2)
    response = physiotherapist_client.get(reverse(LIST))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [p.pk for p in shown] == [patient.pk, lagging.pk]
    page = response.content.decode()
    assert "1 diary entry with warning signs" in page and "<meter" in page
    assert "<polyline" in page or "chart-point" in page


def test_mark_reviewed_from_the_list(physiotherapist_client, patient):
    entry(patient, 0, 5, flags=["calf_swelling"])
    response = physiotherapist_client.post(
        reverse(LIST), {"action": "mark_reviewed", "_selected_action": [patient.pk]}
    )
    assert response.status_code == 302
    assert list(physiotherapist_client.get(reverse(LIST)).context["cl"].result_list) == []


def test_a_row_opens_the_patients_page_and_another_physios_patient_is_not_found(
    physiotherapist_client, patient, other_patient
):
    entry(patient, 0, 5, flags=["calf_swelling"])
    entry(other_patient, 0, 5, flags=["calf_swelling"])
    url = "admin:reminders_patientneedingattention_change"
    mine = physiotherapist_client.get(reverse(url, args=[patient.pk]))
    assert mine.status_code == 302
    assert mine["Location"] == reverse("admin:kneeapp_user_change", args=[patient.pk])
    theirs = physiotherapist_client.get(reverse(url, args=[other_patient.pk]))
    assert theirs["Location"] == reverse("admin:index")
    # and marking someone else's patient reviewed changes nothing
    physiotherapist_client.post(
        reverse(LIST), {"action": "mark_reviewed", "_selected_action": [other_patient.pk]}
    )
    assert texts(other_patient, other_patient.physiotherapist)
