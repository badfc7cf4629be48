"""The PSFS API: owner only, idempotent by the client's UUID, errors naming the field."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from diary.models import PsfsAssessment, PsfsRating

pytestmark = pytest.mark.django_db


def url(assessment_id) -> str:
    return f"/api/v1/me/psfs/{assessment_id}/"


def body(**changes) -> dict:
    data = {
        "date": timezone.localdate().isoformat(),
        "ratings": [{"name": "Stairs", "score": 3}, {"name": "Kneeling", "score": 5}],
        "client_updated_at": "2026-01-10T09:00:00Z",
    }
    return data | changes


def put(client, assessment_id, data):
    return client.put(url(assessment_id), data, content_type="application/json")


def test_put_creates_then_the_same_answers_again_change_nothing(patient_client):
    assessment_id = uuid.uuid4()
    created = put(patient_client, assessment_id, body())
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["id"] == str(assessment_id)
    assert data["average"] == 4.0
    assert data["kept"] == "sent"
    assert [rating["name"] for rating in data["ratings"]] == ["Stairs", "Kneeling"]
    again = put(patient_client, assessment_id, body())
    assert again.status_code == 200
    assert PsfsAssessment.objects.count() == 1
    assert PsfsRating.objects.count() == 2


def test_a_renamed_activity_by_its_id_stays_the_same(patient_client, patient):
    first = put(patient_client, uuid.uuid4(), body()).json()
    stairs = first["ratings"][0]["activity"]
    later = body(
        ratings=[{"activity": stairs, "name": "Stairs going down", "score": 6}],
        client_updated_at="2026-01-24T09:00:00Z",
    )
    second = put(patient_client, uuid.uuid4(), later).json()
    assert second["ratings"][0]["activity"] == stairs
    listed = patient_client.get("/api/v1/me/psfs/").json()
    assert listed["count"] == 2
    assert [item["average"] for item in listed["results"]] == [4.0, 6.0]


def test_an_older_edit_keeps_the_servers_newer_one(patient_client):
    assessment_id = uuid.uuid4()
    put(patient_client, assessment_id, body(client_updated_at="2026-01-10T10:00:00Z"))
    stale = put(
        patient_client,
        assessment_id,
        body(ratings=[{"name": "Stairs", "score": 9}], client_updated_at="2026-01-10T09:00:00Z"),
    )
    assert stale.status_code == 200
    assert stale.json()["kept"] == "server"
    assert stale.json()["average"] == 4.0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ratings": []}, "ratings"),
        ({"ratings": [{"name": f"A{n}", "score": 1} for n in range(4)]}, "ratings"),
        ({"ratings": [{"name": "", "score": 1}]}, "ratings"),
        ({"ratings": [{"name": "Stairs", "score": 11}]}, "ratings"),
        ({"ratings": [{"name": "Stairs"}]}, "ratings"),
        ({"ratings": [{"name": "Stairs", "score": 1}, {"name": "stairs", "score": 2}]}, "ratings"),
        ({"date": "not a date"}, "date"),
        ({"date": (timezone.localdate() + dt.timedelta(days=5)).isoformat()}, "date"),
        ({"client_updated_at": "2999-01-01T00:00:00Z"}, "client_updated_at"),
    ],
)
def test_bad_answers_are_a_400_naming_the_field(patient_client, changes, field):
    response = put(patient_client, uuid.uuid4(), body(**changes))
    assert response.status_code == 400
    assert field in response.json()
    assert not PsfsAssessment.objects.exists()


def test_the_nested_error_names_the_score(patient_client):
    response = put(patient_client, uuid.uuid4(), body(ratings=[{"name": "Stairs", "score": 11}]))
    # One entry per rating, by its position (DRF: "0", the first).
    assert "score" in response.json()["ratings"]["0"]


def test_another_patient_gets_404_and_changes_nothing(patient_client, other_patient_client):
    assessment_id = uuid.uuid4()
    put(patient_client, assessment_id, body())
    assert other_patient_client.get(url(assessment_id)).status_code == 404
    overwrite = body(
        ratings=[{"name": "Running", "score": 0}], client_updated_at="2026-02-01T00:00:00Z"
    )
    assert put(other_patient_client, assessment_id, overwrite).status_code == 404
    assert other_patient_client.get("/api/v1/me/psfs/").json()["count"] == 0
    assert PsfsAssessment.objects.get().average == 4.0


def test_anonymous_is_refused(anonymous_client):
    assert anonymous_client.get("/api/v1/me/psfs/").status_code in (401, 403)
    response = put(anonymous_client, uuid.uuid4(), body())
    assert response.status_code in (401, 403)
    assert not PsfsAssessment.objects.exists()


def test_the_openapi_schema_documents_the_psfs_endpoints(anonymous_client):
    schema = anonymous_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    if schema.status_code != 200:
        pytest.skip("no schema at /api/schema/")
    text = schema.content.decode()
    assert "/api/v1/me/psfs/{assessment_id}/" in text
    assert "v1_me_psfs_list" in text
