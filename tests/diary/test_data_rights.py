"""The diary in the account export, account deletion, demo data and the plan hook."""

import io
import uuid

import pytest
from django.core.management import call_command

from diary import extensions
from diary.models import DiaryEntry
from kneeapp.models import User
from tests.conftest import PASSWORD
from tests.diary.conftest import body, make_entries, put

pytestmark = pytest.mark.django_db


def test_the_export_holds_all_my_entries_and_no_one_elses(patient_client, patient, other_patient):
    mine = make_entries(patient, 3)
    make_entries(other_patient, 2)
    data = patient_client.get("/api/v1/me/export/").json()
    rows = data["data"]["diary.DiaryEntry"]
    assert {row["id"] for row in rows} == {str(entry.pk) for entry in mine}
    assert set(rows[0]) >= {"date", "pain", "swelling", "notes", "client_updated_at"}


def test_deleting_the_account_deletes_the_diary(patient_client, patient, other_patient):
    make_entries(patient, 3)
    make_entries(other_patient, 2)
    response = patient_client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=patient.pk).exists()
    assert DiaryEntry.objects.count() == 2
    assert not DiaryEntry.objects.filter(patient_id=patient.pk).exists()


def test_seed_demo_gives_the_demo_patient_weeks_of_entries_once(db):
    call_command("seed_demo", stdout=io.StringIO())
    patient = User.objects.get(email="patient@example.com")
    count = DiaryEntry.objects.of(patient).count()
    assert count >= 21
    call_command("seed_demo", stdout=io.StringIO())
    assert DiaryEntry.objects.of(patient).count() == count


@pytest.fixture
def plan(patient):
    def provider(who):
        return [(7, "Calf stretch"), (8, "Hamstring stretch")] if who == patient else []

    extensions.stretch_choices_providers.append(provider)
    yield
    extensions.stretch_choices_providers.remove(provider)


def test_with_a_plan_the_form_offers_its_stretches(patient_client, plan):
    html = patient_client.get("/diary/").content.decode()
    assert "Calf stretch" in html and 'name="stretches_done"' in html


def test_with_a_plan_only_its_own_stretches_are_accepted(
    patient_client, other_patient_client, plan
):
    entry_id = uuid.uuid4()
    assert put(patient_client, entry_id, body(stretches_done=[8, 7, 7])).status_code == 201
    assert DiaryEntry.objects.get(pk=entry_id).stretches_done == [7, 8]
    response = put(patient_client, uuid.uuid4(), body(stretches_done=[9]))
    assert response.status_code == 400 and "stretches_done" in response.json()
    assert put(other_patient_client, uuid.uuid4(), body(stretches_done=[7])).status_code == 400


def test_the_entry_page_names_the_stretches_done(patient_client, plan):
    entry_id = uuid.uuid4()
    put(patient_client, entry_id, body(stretches_done=[7]))
    assert "Calf stretch" in patient_client.get(f"/diary/{entry_id}/").content.decode()
