"""Every JSON endpoint answers bad JSON with a 400 that says why, never a 500."""

import uuid

import pytest

pytestmark = pytest.mark.django_db

DEEP = "[" * 20_000 + "]" * 20_000  # about 40 kB: deep enough for RecursionError
DEEP_OBJECT = '{"":' * 12_000 + "1" + "}" * 12_000  # about 60 kB
WRITES = [
    ("post", "/api/v1/triage/assessments/"),
    ("put", f"/api/v1/diary/entries/{uuid.uuid4()}/"),
    ("post", "/api/v1/plan/done/"),
    ("post", "/api/v1/push-subscriptions/"),
    ("patch", "/api/v1/preferences/"),
]


@pytest.mark.parametrize(("method", "url"), WRITES)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["deep-list", "deep-object"])
def test_deep_json_is_a_400_on_every_endpoint(patient_client, method, url, body):
    response = getattr(patient_client, method)(url, body, content_type="application/json")
    assert response.status_code == 400, (url, response.status_code)
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(("method", "url"), WRITES)
def test_a_body_far_larger_than_any_client_sends_is_a_400(patient_client, method, url):
    body = '{"notes": "' + "x" * 70_000 + '"}'
    response = getattr(patient_client, method)(url, body, content_type="application/json")
    assert response.status_code == 400 and "larger than" in response.json()["detail"]
