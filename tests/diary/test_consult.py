"""Issue #16.5: the consult pack, the page (/diary/consult/) and the FHIR Bundle
(/api/v1/me/fhir/), each section with data and without, for the patient only."""

import datetime as dt
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from diary.models import DiaryEntry, PsfsAssessment
from reminders.feedback import per_exercise
from reminders.models import Completion, Effort
from tests.reminders.conftest import make_plan
from triage.engine import assess
from triage.knowledge import load_knowledge
from triage.models import Assessment

pytestmark = pytest.mark.django_db

PAGE = "/diary/consult/"
FHIR = "/api/v1/me/fhir/"


def diary_day(patient, days_ago: int, pain: int, **fields) -> DiaryEntry:
    return DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date=patient.today() - dt.timedelta(days=days_ago),
        pain=pain,
        client_updated_at=timezone.now(),
        **fields,
    )


def checker_result(patient, answers=None, unsure=()) -> Assessment:
    answers = {"heard_pop": True, "age": 52, "onset": "sudden"} if answers is None else answers
    return Assessment.objects.record(
        assess(load_knowledge(), answers), answers, unsure=unsure, user=patient
    )[0]


def feedback(plan, position: int, **fields) -> Completion:
    return Completion.objects.create(
        patient=plan.patient,
        schedule=plan.schedules.order_by("time_of_day").first(),
        date=plan.patient.today() - dt.timedelta(days=position),
        exercise=plan.items.order_by("position")[position].exercise,
        **fields,
    )


def psfs(patient, days_ago: int, ratings: list[tuple[str, int]]) -> PsfsAssessment:
    day = patient.today() - dt.timedelta(days=days_ago)
    rated = [{"name": name, "score": score} for name, score in ratings]
    return PsfsAssessment.objects.record(patient, uuid.uuid4(), day, rated, timezone.now()).entry


@pytest.fixture
def pack(patient, physiotherapist):
    """The patient three weeks into a plan, with something in every section."""
    plan = make_plan(patient, physiotherapist, starts_on=patient.today() - dt.timedelta(days=21))
    diary_day(patient, 10, 7)
    diary_day(patient, 3, 6, red_flags=["calf_swelling"], notes="Calf felt tight.")
    diary_day(patient, 0, 3)
    feedback(plan, 0, effort=Effort.TOO_HARD, pain=6)
    feedback(plan, 1, effort=Effort.ABOUT_RIGHT, pain=2)
    psfs(patient, 20, [("Climbing stairs", 3), ("Squatting", 5)])
    psfs(patient, 6, [("Climbing stairs", 6), ("Squatting", 6)])
    return {"plan": plan, "assessment": checker_result(patient)}


def label_of(finding_id: str) -> str:
    return next(f["label"] for f in load_knowledge()["findings"] if f["id"] == finding_id)


def page_text(client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


# The page


def test_the_page_shows_every_section_with_its_data(patient_client, pack):
    text = page_text(patient_client)
    assert "Latest symptom check" in text
    assert pack["assessment"].get_urgency_display() in text
    assert "Answers given" in text and label_of("heard_pop") in text
    assert 'id="consult-chart-title"' in text and "Pain 7 → 3" in text
    assert "Warning signs in the diary" in text and label_of("calf_swelling") in text
    assert "Stretch sessions due" in text  # adherence, from the plan
    assert "How the exercises felt" in text
    assert "Calf" in text and "Too hard" in text
    assert "data-print hidden" in text and "diary/print.js" in text


def test_the_answers_given_are_the_checkers_own_words(patient, patient_client):
    checker_result(patient, {"heard_pop": True, "age": 52})
    text = page_text(patient_client)
    assert label_of("heard_pop") in text and label_of("age") in text and "52" in text


def test_with_nothing_recorded_each_section_says_so(patient_client):
    text = page_text(patient_client)
    assert "No symptom check saved yet." in text
    assert "No diary entries in this period." in text
    assert "None in this period." in text
    assert "No PSFS scores yet." in text
    assert "How the exercises felt" not in text  # no plan, no feedback asked


def test_the_weekly_pain_says_whether_the_change_matters(patient, patient_client):
    diary_day(patient, 28, 7)
    diary_day(patient, 0, 6)
    text = page_text(patient_client)
    assert "Average pain 7.0 → 6.0" in text and "Less than 2 points: about the same." in text
    DiaryEntry.objects.filter(patient=patient, date=patient.today()).update(pain=3)
    text = page_text(patient_client)
    assert "Average pain 7.0 → 3.0" in text and "a change that matters" in text


def test_a_plan_with_no_feedback_says_none_came(patient, physiotherapist, patient_client):
    make_plan(patient, physiotherapist, starts_on=patient.today() - dt.timedelta(days=3))
    assert "No feedback on the exercises in this period." in page_text(patient_client)


def test_the_feedback_is_counted_per_exercise(patient, pack):
    plan = pack["plan"]
    Completion.objects.create(  # the same exercise at the evening reminder
        patient=patient,
        schedule=plan.schedules.order_by("time_of_day").last(),
        date=patient.today(),
        exercise=plan.items.order_by("position")[0].exercise,
        effort=Effort.TOO_HARD,
        pain=8,
    )
    rows = {
        row["name"]: row
        for row in per_exercise(patient, patient.today() - dt.timedelta(days=30), patient.today())
    }
    first = plan.items.order_by("position")[0].exercise.name
    assert rows[first]["too_hard"] == 2 and rows[first]["worst_pain"] == 8


def test_another_patients_pack_is_never_shown(other_patient_client, pack):
    text = page_text(other_patient_client)
    assert "No symptom check saved yet." in text and "Calf felt tight" not in text
    assert "How the exercises felt" not in text


def test_signed_out_the_page_asks_to_sign_in(anonymous_client, pack):
    response = anonymous_client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_the_diary_pages_lead_to_the_pack(patient_client):
    for url in ("/diary/", "/diary/report/", "/diary/chart/"):
        assert f'href="{PAGE}"' in patient_client.get(url).content.decode(), url


def test_the_report_offers_a_print_button_too(patient_client):
    text = patient_client.get("/diary/report/").content.decode()
    assert "data-print hidden" in text and "Print command" not in text


# The FHIR Bundle


def get_bundle(client) -> dict:
    response = client.get(FHIR)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/fhir+json"
    return json.loads(response.content)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_is_a_valid_r4_collection(patient_client, pack):
    data = get_bundle(patient_client)
    parsed = Bundle.model_validate(data)  # raises on any structural error
    assert parsed.type == "collection"
    for item in data["entry"]:
        model = {
            "Patient": Patient,
            "Observation": Observation,
            "QuestionnaireResponse": QuestionnaireResponse,
        }
        model[item["resource"]["resourceType"]].model_validate(item["resource"])
    kinds = [e["resource"]["resourceType"] for e in data["entry"]]
    assert kinds.count("Patient") == 1 and kinds.count("QuestionnaireResponse") == 3
    assert kinds.count("Observation") == 3


def test_daily_pain_is_loinc_72514_3_as_an_integer(patient, patient_client, pack):
    observations = resources(get_bundle(patient_client), "Observation")
    assert {o["code"]["coding"][0]["code"] for o in observations} == {"72514-3"}
    assert {o["code"]["coding"][0]["system"] for o in observations} == {"http://loinc.org"}
    days = {o["effectiveDateTime"]: o["valueInteger"] for o in observations}
    assert days[patient.today().isoformat()] == 3
    flagged = next(o for o in observations if o["valueInteger"] == 6)
    assert any("Warning signs" in note["text"] for note in flagged["note"])


def test_every_reference_points_into_the_bundle_and_full_urls_stay(patient_client, pack):
    first, again = get_bundle(patient_client), get_bundle(patient_client)
    urls = [e["fullUrl"] for e in first["entry"]]
    assert urls == [e["fullUrl"] for e in again["entry"]]
    assert all(url.startswith("urn:uuid:") for url in urls) and len(set(urls)) == len(urls)
    patient_url = next(
        e["fullUrl"] for e in first["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    for item in first["entry"]:
        uuid.UUID(item["fullUrl"].removeprefix("urn:uuid:"))
        assert item["resource"]["id"] == item["fullUrl"].removeprefix("urn:uuid:")
        if "subject" in item["resource"]:
            assert item["resource"]["subject"]["reference"] == patient_url


def test_the_checker_answers_and_result_are_in_the_questionnaire_response(patient_client, pack):
    response = checker_responses(get_bundle(patient_client))[0]
    items = {item["linkId"]: item["answer"] for item in response["item"]}
    assert items["heard_pop"] == [{"valueBoolean": True}]
    assert items["age"] == [{"valueInteger": 52}]
    assert items["onset"][0]["valueCoding"]["code"] == "sudden"
    assert items["urgency"][0]["valueCoding"]["code"] == pack["assessment"].urgency
    assert response["status"] == "completed"


def checker_responses(bundle: dict) -> list[dict]:
    responses = resources(bundle, "QuestionnaireResponse")
    return [r for r in responses if r["item"][0]["linkId"] != "psfs"]


def test_each_psfs_assessment_is_a_questionnaire_response(patient, patient_client, pack):
    responses = resources(get_bundle(patient_client), "QuestionnaireResponse")
    scales = [r for r in responses if r["item"][0]["linkId"] == "psfs"]
    assert [r["authored"] for r in scales] == sorted(r["authored"] for r in scales)
    latest = {i["text"]: i["answer"] for i in scales[-1]["item"][0]["item"]}
    assert latest == {"Climbing stairs": [{"valueInteger": 6}], "Squatting": [{"valueInteger": 6}]}
    for scale in scales:
        QuestionnaireResponse.model_validate(scale)


def test_an_unsure_answer_is_said_not_sure(patient, patient_client):
    checker_result(patient, {"heard_pop": False}, unsure=["calf_swelling"])
    response = resources(get_bundle(patient_client), "QuestionnaireResponse")[0]
    items = {item["linkId"]: item["answer"] for item in response["item"]}
    assert items["calf_swelling"] == [{"valueString": "Not sure"}]
    QuestionnaireResponse.model_validate(response)


def test_with_nothing_recorded_the_bundle_holds_the_patient_only(patient_client):
    data = get_bundle(patient_client)
    Bundle.model_validate(data)
    assert [e["resource"]["resourceType"] for e in data["entry"]] == ["Patient"]


def test_another_patients_bundle_has_none_of_mine(other_patient_client, pack):
    data = get_bundle(other_patient_client)
    assert [e["resource"]["resourceType"] for e in data["entry"]] == ["Patient"]
    assert 'Pat"' not in json.dumps(data) and "Olly" in json.dumps(data)


def test_signed_out_the_bundle_is_refused(anonymous_client, pack):
    assert anonymous_client.get(FHIR).status_code == 403


def test_the_csv_is_as_it_was(patient_client, pack):
    response = patient_client.get("/diary/report.csv")
    assert response["Content-Type"].startswith("text/csv")


def test_the_page_and_the_bundle_cost_the_same_queries_for_more_data(
    patient, physiotherapist, patient_client
):
    plan = make_plan(patient, physiotherapist, starts_on=patient.today() - dt.timedelta(days=30))

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            patient_client.get(PAGE)
        with CaptureQueriesContext(connection) as bundle:
            patient_client.get(FHIR)
        return len(page), len(bundle)

    diary_day(patient, 2, 5, red_flags=["calf_swelling"])
    feedback(plan, 0, effort=Effort.TOO_HARD, pain=6)
    psfs(patient, 9, [("Stairs", 3)])
    checker_result(patient)
    before = counts()
    for days_ago in range(3, 12):
        diary_day(patient, days_ago, days_ago % 10, red_flags=["calf_swelling"])
    feedback(plan, 1, effort=Effort.ABOUT_RIGHT, pain=2)
    feedback(plan, 2, effort=Effort.TOO_EASY, pain=1)
    psfs(patient, 1, [("Stairs", 5), ("Kneeling", 2)])
    checker_result(patient, {"heard_pop": False})
    assert counts() == before
