"""The diary API: idempotent PUT by client UUID, last write wins, isolation, bad input."""

import uuid

import pytest
from django.utils import timezone

from diary.models import DiaryEntry
from tests.diary.conftest import body, entry_url, make_entries, put

pytestmark = pytest.mark.django_db


def test_it_creates_an_entry_with_the_uuid_the_phone_made(patient_client, patient):
    entry_id = uuid.uuid4()
    response = put(patient_client, entry_id, body())
    assert response.status_code == 201
    assert response.json()["id"] == str(entry_id)
    assert response.json()["kept"] == "sent"
    entry = DiaryEntry.objects.get(pk=entry_id)
    assert entry.patient == patient
    assert (entry.pain, entry.swelling, entry.notes) == (5, "mild", "Sore after the stairs.")


def test_the_same_body_twice_changes_nothing(patient_client):
    entry_id = uuid.uuid4()
    first = put(patient_client, entry_id, body())
    saved = DiaryEntry.objects.get(pk=entry_id).updated_at
    second = put(patient_client, entry_id, body())
    assert (first.status_code, second.status_code) == (201, 200)
    assert DiaryEntry.objects.count() == 1
    assert DiaryEntry.objects.get(pk=entry_id).updated_at == saved
    assert second.json() == first.json()


def test_a_newer_edit_updates_the_entry(patient_client, entry):
    response = put(patient_client, entry.pk, body(pain=2, client_updated_at="2026-01-10T10:00Z"))
    assert response.status_code == 200
    assert response.json()["kept"] == "sent"
    entry.refresh_from_db()
    assert entry.pain == 2


def test_an_older_edit_never_overwrites_a_newer_one(patient_client, entry):
    response = put(patient_client, entry.pk, body(pain=9, client_updated_at="2026-01-10T08:00Z"))
    assert response.status_code == 200
    assert response.json()["kept"] == "server"
    assert response.json()["pain"] == 4
    entry.refresh_from_db()
    assert entry.pain == 4


def test_last_write_wins_whatever_order_the_edits_arrive_in(patient_client, patient):
    early = body(pain=3, client_updated_at="2026-01-11T08:00Z")
    late = body(pain=7, client_updated_at="2026-01-11T09:00Z")
    for order in ((early, late), (late, early)):
        entry_id = uuid.uuid4()
        for data in order:
            put(patient_client, entry_id, data)
        assert DiaryEntry.objects.addressed(entry_id).get().pain == 7


def test_an_equal_body_sent_later_still_beats_an_edit_made_before_it(patient_client, entry):
    same = body(pain=4, swelling="none", stiffness=False, walked_normally=True, rice=False)
    same.update(notes="", client_updated_at="2026-01-10T12:00Z")
    put(patient_client, entry.pk, same)
    put(patient_client, entry.pk, body(pain=9, client_updated_at="2026-01-10T11:00Z"))
    entry.refresh_from_db()
    assert entry.pain == 4


def test_another_patients_entry_answers_404_and_is_not_touched(other_patient_client, entry):
    assert other_patient_client.get(entry_url(entry.pk)).status_code == 404
    later = body(pain=10, client_updated_at=timezone.now().isoformat())
    assert put(other_patient_client, entry.pk, later).status_code == 404
    assert other_patient_client.delete(entry_url(entry.pk)).status_code == 404
    entry.refresh_from_db()
    assert entry.pain == 4


def test_a_stranger_cannot_use_the_api(anonymous_client, entry):
    assert anonymous_client.get("/api/v1/diary/entries/").status_code in (401, 403)
    assert put(anonymous_client, uuid.uuid4(), body()).status_code in (401, 403)
    assert DiaryEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain", 11),
        ("pain", -1),
        ("pain", "lots"),
        ("pain", None),
        ("swelling", "huge"),
        ("stiffness", "perhaps"),
        ("date", "yesterday"),
        ("date", "2999-01-01"),
        ("notes", "x" * 2001),
        ("red_flags", ["calf_swelling", "not_a_finding"]),
        ("red_flags", "chest_pain"),
        ("stretches_done", [0]),
        ("stretches_done", ["calf"]),
        ("stretches_done", 3),
        ("client_updated_at", "later"),
        ("client_updated_at", "2999-01-01T00:00:00Z"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_changes(patient_client, entry, field, value):
    response = put(patient_client, entry.pk, body(**{field: value}, pain_relief=True))
    assert response.status_code == 400
    assert field in response.json()
    entry.refresh_from_db()
    assert (entry.pain, entry.pain_relief) == (4, False)
    assert put(patient_client, uuid.uuid4(), body(**{field: value})).status_code == 400
    assert DiaryEntry.objects.count() == 1


def test_missing_required_fields_are_named(patient_client):
    response = put(patient_client, uuid.uuid4(), {})
    assert response.status_code == 400
    assert set(response.json()) == {"date", "pain", "client_updated_at"}


def test_a_json_body_that_is_not_an_object_is_refused(patient_client):
    response = patient_client.put(
        entry_url(uuid.uuid4()), "[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    assert DiaryEntry.objects.count() == 0


def test_the_list_holds_only_my_entries_newest_first(patient_client, patient, other_patient):
    make_entries(patient, 3)
    make_entries(other_patient, 2)
    results = patient_client.get("/api/v1/diary/entries/").json()["results"]
    assert len(results) == 3
    assert [row["date"] for row in results] == sorted(
        (row["date"] for row in results), reverse=True
    )


def test_the_list_filters_by_since_and_until_and_pages(patient_client, patient):
    entries = make_entries(patient, 60)
    since, until = entries[10].date, entries[19].date
    response = patient_client.get(f"/api/v1/diary/entries/?since={since}&until={until}").json()
    assert response["count"] == 10
    assert {row["date"] for row in response["results"]} == {
        str(entry.date) for entry in entries[10:20]
    }
    first_page = patient_client.get("/api/v1/diary/entries/").json()
    assert first_page["count"] == 60 and len(first_page["results"]) == 50
    assert first_page["next"]
    second_page = patient_client.get("/api/v1/diary/entries/?page=2").json()
    assert len(second_page["results"]) == 10 and not second_page["next"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=soon", "since"),
        ("until=2026-13-01", "until"),
        ("since=2026-02-01&until=2026-01-01", "until"),
        ("page=", "page"),
        ("page=0", "page"),
        ("page=two", "page"),
    ],
)
def test_a_bad_date_range_or_page_is_refused_naming_the_field(patient_client, query, field):
    response = patient_client.get(f"/api/v1/diary/entries/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_deleting_my_entry_removes_it(patient_client, entry):
    assert patient_client.delete(entry_url(entry.pk)).status_code == 204
    assert not DiaryEntry.objects.exists()
    assert patient_client.get(entry_url(entry.pk)).status_code == 404


def test_red_flags_are_kept_once_in_order(patient_client):
    entry_id = uuid.uuid4()
    flags = ["chest_pain", "calf_swelling", "chest_pain"]
    assert put(patient_client, entry_id, body(red_flags=flags)).status_code == 201
    assert DiaryEntry.objects.get(pk=entry_id).red_flags == ["chest_pain", "calf_swelling"]


def test_the_openapi_schema_is_valid_and_documents_the_diary(anonymous_client):
    response = anonymous_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/diary/entries/{entry_id}/" in text
    assert "/api/v1/diary/entries/" in text
