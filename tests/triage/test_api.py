"""The triage REST API: knowledge with an ETag, assessments with 400s by finding, idempotent ids."""

import json
import uuid

import pytest

from triage.models import Assessment

pytestmark = pytest.mark.django_db

KNOWLEDGE = "/api/v1/triage/knowledge/"
ASSESSMENTS = "/api/v1/triage/assessments/"


def post(client, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(ASSESSMENTS, data, content_type="application/json", **extra)


def test_anyone_can_read_the_knowledge_base_with_a_strong_etag(anonymous_client):
    response = anonymous_client.get(KNOWLEDGE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    etag = response["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert json.loads(response.content)["version"]

    again = anonymous_client.get(KNOWLEDGE, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert anonymous_client.get(KNOWLEDGE, headers={"If-None-Match": '"old"'}).status_code == 200


def test_an_anonymous_assessment_returns_the_result_and_keeps_nothing_identifying(
    anonymous_client,
):
    response = post(
        anonymous_client,
        {"answers": {"calf_swelling": True, "age": 60}},
        headers={"User-Agent": "Phone/1.0"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["urgency"] == "urgent"
    assert body["red_flags"] == ["calf_swelling"]
    assert body["causes"][0]["id"] == "dvt"
    saved = Assessment.objects.get(pk=body["id"])
    assert saved.user is None
    stored = json.dumps([saved.answers, saved.result])
    assert "203.0.113.9" not in stored and "Phone/1.0" not in stored
    assert {field.name for field in Assessment._meta.fields} == {
        "id", "user", "answers", "unsure", "result", "urgency", "knowledge_version", "created_at",
    }  # fmt: skip


def test_an_emergency_answer_gives_the_emergency_urgency(anonymous_client):
    response = post(anonymous_client, {"answers": {"breathless": True}})
    assert response.json()["urgency"] == "emergency"


def test_a_signed_in_patient_saves_to_their_account_and_can_read_it_back(patient, patient_client):
    response = post(patient_client, {"answers": {"heard_pop": True}})
    assert response.status_code == 201
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert assessment.user == patient
    assert assessment.urgency == "see_doctor"
    detail = patient_client.get(f"{ASSESSMENTS}{assessment.pk}/")
    assert detail.status_code == 200
    assert detail.json() == response.json()


def test_another_patient_and_an_anonymous_visitor_cannot_read_it(
    patient, other_patient_client, anonymous_client
):
    response = post(anonymous_client, {"answers": {}})
    mine = Assessment.objects.create(
        user=patient, answers={}, result=response.json(), urgency="self_care",
        knowledge_version="x",
    )  # fmt: skip
    assert other_patient_client.get(f"{ASSESSMENTS}{mine.pk}/").status_code == 404
    assert anonymous_client.get(f"{ASSESSMENTS}{mine.pk}/").status_code == 404
    assert anonymous_client.get(f"{ASSESSMENTS}{uuid.uuid4()}/").status_code == 404


def test_the_same_client_id_twice_saves_once_and_changes_nothing(patient_client):
    client_id = str(uuid.uuid4())
    first = post(patient_client, {"id": client_id, "answers": {"heard_pop": True}})
    assert first.status_code == 201
    again = post(patient_client, {"id": client_id, "answers": {"chest_pain": True}})
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Assessment.objects.get(pk=client_id).answers == {"heard_pop": True}
    assert Assessment.objects.count() == 1


def test_an_id_of_someone_elses_assessment_is_neither_shown_nor_overwritten(
    patient_client, other_patient_client, anonymous_client
):
    client_id = str(uuid.uuid4())
    post(patient_client, {"id": client_id, "answers": {"heard_pop": True}})
    for client in (other_patient_client, anonymous_client):
        response = post(client, {"id": client_id, "answers": {"chest_pain": True}})
        assert response.status_code == 409
        assert "heard_pop" not in response.content.decode()
    saved = Assessment.objects.get(pk=client_id)
    assert saved.answers == {"heard_pop": True}
    assert saved.user.email == "patient@test.example"


@pytest.mark.parametrize(
    ("answers", "finding"),
    [
        ({"age": 121}, "age"),
        ({"age": -1}, "age"),
        ({"age": "40"}, "age"),
        ({"age": 40.5}, "age"),
        ({"pain_severity": 11}, "pain_severity"),
        ({"chest_pain": "yes"}, "chest_pain"),
        ({"chest_pain": 1}, "chest_pain"),
        ({"sport": "golf"}, "sport"),
        ({"calf_swel": True}, "calf_swel"),
        ({"duration_days": -3}, "duration_days"),
    ],
)
def test_a_bad_answer_gets_400_naming_the_finding(anonymous_client, answers, finding):
    response = post(anonymous_client, {"answers": answers})
    assert response.status_code == 400
    errors = response.json()["answers"]
    assert list(errors) == [finding]
    assert isinstance(errors[finding], list) and errors[finding][0]
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        '"answers"',
        "null",
        "{}",
        '{"answers": [true]}',
        '{"answers": "chest_pain"}',
        '{"answers": {"age": NaN}}',
        '{"answers": {}, "id": "not-a-uuid"}',
        "[" * 50_000,
        '{"answers": ' + "[" * 5000 + "]" * 5000 + "}",
        json.dumps({"answers": {"notes": "x" * 100_000}}),
        b"\xff\xfe\x00",
    ],
    ids=lambda body: repr(body)[:30],
)
def test_a_malformed_body_gets_400_never_500(anonymous_client, body):
    response = post(anonymous_client, body)
    assert response.status_code == 400
    assert Assessment.objects.count() == 0


def test_a_form_encoded_body_is_refused(anonymous_client):
    response = anonymous_client.post(ASSESSMENTS, {"answers": "x"})
    assert response.status_code == 415


def test_a_signed_in_post_needs_the_csrf_token_but_an_anonymous_one_does_not(patient):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert post(browser, {"answers": {}}).status_code == 201
    browser.force_login(patient)
    assert post(browser, {"answers": {}}).status_code == 403


def test_the_openapi_schema_describes_both_endpoints(anonymous_client):
    response = anonymous_client.get("/api/schema/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/triage/knowledge/" in text
    assert "/api/v1/triage/assessments/" in text
    assert "409" in text


def test_the_export_holds_the_patients_assessments(patient, patient_client):
    post(patient_client, {"answers": {"heard_pop": True}})
    export = patient_client.get("/api/v1/me/export/").json()
    assert export["data"]["triage.Assessment"][0]["answers"] == {"heard_pop": True}


def test_an_anonymous_assessment_cannot_be_read_back_by_posting_its_id_again(
    anonymous_client, other_patient_client
):
    first = post(anonymous_client, {"id": str(uuid.uuid4()), "answers": {"night_pain": True}})
    assert first.status_code == 201
    for client in (anonymous_client, other_patient_client):
        again = post(client, {"id": first.json()["id"], "answers": {}})
        assert again.status_code == 409
        assert "urgency" not in again.json() and "night_pain" not in again.content.decode()
    assert Assessment.objects.get().answers == {"night_pain": True}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_as_in_production_an_id_again_is_still_200_or_409(
    patient, patient_client, other_patient_client
):
    """A request runs in autocommit, where the save is one INSERT with no transaction or
    savepoint of its own: a taken id must still answer 200 to its owner and 409 to others,
    and leave the connection usable (the tests above run inside a transaction)."""
    client_id = str(uuid.uuid4())
    first = post(patient_client, {"id": client_id, "answers": {"heard_pop": True}})
    assert first.status_code == 201
    assert post(patient_client, {"id": client_id, "answers": {}}).json() == first.json()
    assert post(other_patient_client, {"id": client_id, "answers": {}}).status_code == 409
    saved = Assessment.objects.get(pk=client_id)
    assert (saved.user, saved.answers, saved.urgency) == (
        patient,
        {"heard_pop": True},
        "see_doctor",
    )
    assert saved.as_json() == first.json() and saved.created_at is not None


SAVES = [
    {"answers": {"heard_pop": True, "age": 45}},
    {"answers": {"calf_swelling": None, "age": 45.0}, "extra": 1},
    {"answers": {}, "unsure": ["breathless", "chest_pain"]},
    {"answers": {}, "id": "NEW"},
    {"answers": {}, "id": "{NEW}"},
    {"answers": {"age": 121}},
    {"answers": {"calf_swel": True}},
    {"answers": {}, "unsure": [" breathless "]},
    {"answers": {}, "unsure": ["breathless"] * 21},
    {"answers": {}, "unsure": "breathless"},
    {"answers": {}, "unsure": ["", None]},
    {"answers": {}, "unsure": ["age"]},
    {"answers": {"breathless": True}, "unsure": ["breathless"]},
    {"answers": {}, "unsure": None},
    {"answers": []},
    {"answers": None},
    {},
    [],
    {"answers": {}, "id": None},
    {"answers": {}, "id": 5},
    {"answers": {}, "id": "not-a-uuid"},
    '{"answers": {"age": NaN}}',
    '{"answers": ',
    '\ufeff{"answers": {}}',
    "[" * 50_000,
]
UNUSUAL = [
    {},
    {"QUERY_STRING": "format=json"},
    {"HTTP_ACCEPT": "text/html"},
    {"HTTP_ACCEPT": "application/json; indent=4"},
    {"CONTENT_TYPE": "application/json; charset=latin-1"},
    {"CONTENT_TYPE": "application/json; version=2"},
]


@pytest.mark.parametrize("extra", UNUSUAL, ids=repr)
@pytest.mark.parametrize("body", SAVES, ids=lambda body: repr(body)[:40])
def test_the_quick_save_answers_exactly_as_drf_and_the_serializer_do(
    patient, anonymous_client, monkeypatch, body, extra
):
    """triage.api.Assessments.quick_save answers a phone's ordinary save without DRF: every
    answer it gives must be DRF's, status, body and headers, signed in (with and without the
    CSRF token) or not; whatever it leaves to DRF is DRF's anyway."""
    from django.conf import settings
    from django.test import Client

    from triage.api import Assessments

    def send(client, **headers):
        text = body if isinstance(body, str) else json.dumps(body)
        text = text.replace("NEW", str(uuid.uuid4()))
        response = post(client, text.encode(), **(extra | headers))
        seen = {name: response.get(name) for name in ("Content-Type", "Allow", "Vary")}
        content = response.json() if response.status_code in (200, 201) else response.content
        if isinstance(content, dict):
            assert uuid.UUID(content.pop("id"))
        return response.status_code, seen, content

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient)
    browser.get("/diary/")  # the CSRF cookie, as a page sets it
    token = {"HTTP_X_CSRFTOKEN": browser.cookies[settings.CSRF_COOKIE_NAME].value}

    def answers():
        return [send(anonymous_client), send(browser), send(browser, **token)]

    quick = answers()
    monkeypatch.setattr(Assessments, "quick_save", lambda self, request: None)
    assert answers() == quick


def test_an_ordinary_save_signed_in_or_not_is_the_quick_saves(
    patient_client, anonymous_client, monkeypatch
):
    from triage.api import Assessments

    answered = []
    quick_save = Assessments.quick_save

    def spying(self, request):
        response = quick_save(self, request)
        answered.append(response is not None)
        return response

    monkeypatch.setattr(Assessments, "quick_save", spying)
    for client in (patient_client, anonymous_client):
        body = {"id": str(uuid.uuid4()), "answers": {"heard_pop": True}, "unsure": ["breathless"]}
        assert post(client, body).status_code == 201
        assert post(client, {"answers": {"age": 500}}).status_code == 400
    assert answered == [True, False, True, False]
