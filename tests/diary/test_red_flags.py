"""The diary's warning signs are the symptom checker's: its floor's triggers, its answers."""

import copy
import json
import re
import uuid

import pytest
from django.utils import timezone

from diary import red_flags
from diary.models import DiaryEntry
from tests.diary.conftest import body, put
from tests.diary.test_pages import form_data
from triage.engine import assess
from triage.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()
FINDINGS = {finding["id"]: finding for finding in KNOWLEDGE["findings"]}
DIARY_IDS = [flag.id for flag in red_flags.red_flags()]


def holds(condition: dict, answers: dict) -> bool:
    """A knowledge-base condition, evaluated here without the engine (docs/triage.md)."""
    if "all" in condition:
        return all(holds(child, answers) for child in condition["all"])
    if "any" in condition:
        return any(holds(child, answers) for child in condition["any"])
    if condition.get("unsure"):
        return False  # nobody said "not sure" in a diary
    if condition["finding"] not in answers:
        return bool(condition.get("if_missing"))
    value = answers[condition["finding"]]
    tests = {
        "is": lambda operand: value == operand,
        "in": lambda operand: value in operand,
        "not_in": lambda operand: value not in operand,
        "gt": lambda operand: value > operand,
        "gte": lambda operand: value >= operand,
        "lt": lambda operand: value < operand,
        "lte": lambda operand: value <= operand,
    }
    return next(test(condition[key]) for key, test in tests.items() if key in condition)


def floor_single_triggers(knowledge: dict) -> list[str]:
    floor = [rule for rule in knowledge["rules"] if rule.get("floor")]
    return [
        finding["id"]
        for finding in knowledge["findings"]
        if finding["type"] == "bool" and any(holds(rule, {finding["id"]: True}) for rule in floor)
    ]


def test_the_diary_asks_exactly_the_floors_single_finding_triggers_in_order():
    assert floor_single_triggers(KNOWLEDGE) == DIARY_IDS
    # The version 2 emergencies are among them; a fever on its own is not a floor trigger.
    assert {"foot_cold_or_numb", "coughing_blood", "cannot_bear_weight", "knee_misshapen"} <= set(
        DIARY_IDS
    )
    assert {"chest_pain", "breathless", "calf_swelling"} <= set(DIARY_IDS)
    assert "fever" not in DIARY_IDS


def test_the_signs_carry_the_knowledge_bases_labels():
    for flag in red_flags.red_flags():
        assert flag.label == FINDINGS[flag.id]["label"]
    assert red_flags.choices() == [(flag.id, flag.label) for flag in red_flags.red_flags()]


@pytest.mark.parametrize("flag_id", DIARY_IDS)
def test_each_sign_alone_gets_the_engines_urgency_and_advice(flag_id):
    result = assess(KNOWLEDGE, {flag_id: True})
    advice = red_flags.advice_for([flag_id])
    assert result["urgency"] != "self_care"
    flag = next(flag for flag in red_flags.red_flags() if flag.id == flag_id)
    assert advice.urgency == result["urgency"] == flag.urgency
    assert list(advice.advice) == result["advice"]
    assert advice.knowledge_version == KNOWLEDGE["version"]


@pytest.mark.parametrize(
    "ticked",
    [
        ["calf_swelling", "chest_pain"],
        ["cannot_bear_weight", "calf_swelling"],
        ["cannot_bend_90", "cannot_straighten", "knee_misshapen"],
        ["calf_swelling", "fever"],
        ["fever", "red_or_warm_skin"],  # two older diary signs: the engine decides
        ["heard_pop", "locking"],
        DIARY_IDS,
    ],
)
def test_several_signs_get_the_engines_answer_for_them_together(ticked):
    result = assess(KNOWLEDGE, dict.fromkeys(ticked, True))
    advice = red_flags.advice_for(ticked)
    assert (advice.urgency, list(advice.advice)) == (result["urgency"], result["advice"])
    level = next(level for level in KNOWLEDGE["urgency_levels"] if level["id"] == advice.urgency)
    assert (advice.label, advice.action) == (level["label"], level["action"])


def test_a_cold_or_numb_foot_is_an_emergency_with_the_engines_advice():
    advice = red_flags.advice_for(["foot_cold_or_numb"])
    assert advice.urgency == "emergency" and advice.emergency
    assert list(advice.advice) == assess(KNOWLEDGE, {"foot_cold_or_numb": True})["advice"]


def test_cannot_bear_weight_is_urgent():
    advice = red_flags.advice_for(["cannot_bear_weight"])
    assert advice.urgency == "urgent" and not advice.emergency


def test_no_signs_and_signs_the_engine_cannot_take_need_no_advice():
    assert red_flags.advice_for([]) is None
    assert red_flags.advice_for(["age", "pain_severity"]) is None  # not yes/no findings
    assert red_flags.advice_for(["age", "chest_pain"]).urgency == "emergency"


def test_the_list_is_worked_out_once_per_knowledge_base(monkeypatch):
    calls = []
    original = red_flags.floor_triggers
    monkeypatch.setattr(red_flags, "floor_triggers", lambda k: calls.append(1) or original(k))
    red_flags.red_flags()
    red_flags.choices()
    assert calls == []  # already worked out for the bundled knowledge base
    changed = copy.deepcopy(KNOWLEDGE)
    changed["version"] = "test-without-a-calf-floor"
    for rule in changed["rules"]:
        if rule.get("id") == "calf_swelling":
            rule["floor"] = False
    ids = [flag.id for flag in red_flags.red_flags(changed)]
    assert calls == [1]
    assert "calf_swelling" not in ids and ids == floor_single_triggers(changed)
    assert [flag.id for flag in red_flags.red_flags(changed)] == ids
    assert calls == [1]
    assert [flag.id for flag in red_flags.red_flags()] == DIARY_IDS  # back to the bundled one


# --- the pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_offers_every_sign_with_its_label_and_the_preview(patient_client):
    html = patient_client.get("/diary/").content.decode()
    for flag in red_flags.red_flags():
        assert f'value="{flag.id}"' in html
        assert flag.label in html
    start = html.index('<script id="red-flag-preview" type="application/json">')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert list(data["signs"]) == DIARY_IDS
    assert data["signs"]["foot_cold_or_numb"]["urgency"] == "emergency"
    assert 'data-engine-url="/static/triage/engine.js"' in html
    assert 'data-knowledge-url="/static/triage/knowledge/back_of_knee.json"' in html


@pytest.mark.django_db
def test_a_cold_foot_entry_shows_the_emergency_call_and_the_engines_advice(
    patient_client, settings
):
    settings.EMERGENCY_PHONE_NUMBER = "112"
    data = form_data(red_flags=["foot_cold_or_numb"])
    html = patient_client.post("/diary/", data, follow=True).content.decode()
    assert 'data-red-flag-advice="emergency"' in html
    assert 'href="tel:112"' in html
    assert 'data-slot="check" hidden' in html  # call first, no questionnaire
    for text in assess(KNOWLEDGE, {"foot_cold_or_numb": True})["advice"]:
        assert text.replace("'", "&#x27;").replace('"', "&quot;") in html


@pytest.mark.django_db
def test_an_urgent_entry_has_no_call_button(patient_client):
    data = form_data(red_flags=["cannot_bear_weight"])
    html = patient_client.post("/diary/", data, follow=True).content.decode()
    advice = html[html.index('data-red-flag-advice="urgent"') :]
    call = advice[advice.index('data-slot="call"') :]
    assert call.startswith('data-slot="call" hidden')
    assert "Get medical help today" in advice
    assert 'data-slot="check">' in advice  # the symptom checker is offered


@pytest.mark.django_db
def test_the_form_refuses_a_sign_it_does_not_ask(patient_client):
    response = patient_client.post("/diary/", form_data(red_flags=["not_a_finding"]))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="red-flags-errors"' in html and "not_a_finding" in html
    assert not DiaryEntry.objects.exists()


@pytest.fixture
def fever_entry(patient) -> DiaryEntry:
    """An entry saved when the diary still asked about a fever."""
    return DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date=timezone.localdate(),
        pain=5,
        red_flags=["fever", "calf_swelling"],
        client_updated_at=timezone.now(),
    )


@pytest.mark.django_db
def test_an_old_entry_with_a_fever_still_shows_with_the_engines_advice(patient_client, fever_entry):
    result = assess(KNOWLEDGE, {"fever": True, "calf_swelling": True})
    html = patient_client.get(f"/diary/{fever_entry.pk}/").content.decode()
    assert f'data-red-flag-advice="{result["urgency"]}"' in html
    assert "Warning signs: fever, swollen calf" in html
    history = patient_client.get("/diary/history/").content.decode()
    assert "fever, swollen calf" in history
    report = patient_client.get("/diary/report/").content.decode()
    assert "Fever, Swollen calf" in report


@pytest.mark.django_db
def test_an_old_entry_with_a_fever_alone_gets_what_the_engine_says(patient, patient_client):
    entry = DiaryEntry.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        date=timezone.localdate(),
        pain=3,
        red_flags=["fever"],
        client_updated_at=timezone.now(),
    )
    urgency = assess(KNOWLEDGE, {"fever": True})["urgency"]
    html = patient_client.get(f"/diary/{entry.pk}/").content.decode()
    assert "Warning signs: fever" in html
    assert (f'data-red-flag-advice="{urgency}"' in html) == (urgency != "self_care")


@pytest.mark.django_db
def test_editing_an_old_entry_keeps_its_fever(patient_client, fever_entry):
    html = patient_client.get(f"/diary/{fever_entry.pk}/edit/").content.decode()
    (fever,) = re.findall(r'<input[^>]*value="fever"[^>]*>', html)
    assert " checked" in fever
    data = form_data(id=str(fever_entry.pk), pain="2", red_flags=["fever", "calf_swelling"])
    patient_client.post(f"/diary/{fever_entry.pk}/edit/", data)
    fever_entry.refresh_from_db()
    assert (fever_entry.pain, fever_entry.red_flags) == (2, ["fever", "calf_swelling"])


@pytest.mark.django_db
def test_the_api_takes_any_contract_finding_and_refuses_others(patient_client):
    entry_id = uuid.uuid4()
    assert put(patient_client, entry_id, body(red_flags=["fever"])).status_code == 201
    response = put(patient_client, uuid.uuid4(), body(red_flags=["fever", "not_a_finding"]))
    assert response.status_code == 400
    assert "red_flags" in response.json()
