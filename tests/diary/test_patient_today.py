"""Dates are the patient's own: "today" and "the future" on their clock, not the server's."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from diary.models import DiaryEntry
from tests.diary.conftest import body, put

pytestmark = pytest.mark.django_db

# Samoa's neighbour at UTC-11: its today lags the server's UTC date for most of the day.
BEHIND = "Pacific/Pago_Pago"


@pytest.fixture
def patient_behind(patient):
    patient.time_zone = BEHIND
    patient.save(update_fields=["time_zone"])
    return patient


def test_today_is_the_date_on_the_patients_clock(patient_behind):
    moment = dt.datetime(2026, 6, 2, 3, 0, tzinfo=dt.UTC)  # 16:00 the day before, in Pago Pago
    assert patient_behind.today(moment) == dt.date(2026, 6, 1)


def test_the_api_refuses_a_date_after_the_patients_tomorrow(patient_client, patient_behind):
    too_far = patient_behind.today() + dt.timedelta(days=2)
    response = put(patient_client, uuid.uuid4(), body(date=too_far.isoformat()))
    assert response.status_code == 400 and "date" in response.json()
    tomorrow = patient_behind.today() + dt.timedelta(days=1)
    assert put(patient_client, uuid.uuid4(), body(date=tomorrow.isoformat())).status_code == 201


def test_the_form_refuses_a_date_after_the_patients_tomorrow(patient_client, patient_behind):
    too_far = patient_behind.today() + dt.timedelta(days=2)
    response = patient_client.post(
        reverse("diary:today"),
        {"id": uuid.uuid4(), "date": too_far.isoformat(), "pain": 3, "swelling": "none"},
    )
    assert response.status_code == 400  # the page again, with the error
    assert "date" in response.context["form"].errors
    assert not DiaryEntry.objects.exists()


def test_the_new_entry_form_starts_on_the_patients_today(patient_client, patient_behind):
    form = patient_client.get(reverse("diary:today")).context["form"]
    assert form.initial["date"] == patient_behind.today()
    assert patient_behind.today() <= timezone.now().date()
