"""The knowledge base's checks: a broken file is refused with the path of the problem.
Answers checked against it are in test_answers.py."""

import copy
import json
import os

import pytest

from tests.triage import KNOWLEDGE
from triage.knowledge import (
    CAUSE_IDS,
    FINDING_IDS,
    URGENCY_LEVELS,
    KnowledgeError,
    load_knowledge,
    validate_knowledge,
)


def broken(change) -> str:
    """The message of the KnowledgeError raised for a copy of the bundled file after change."""
    data = copy.deepcopy(KNOWLEDGE)
    change(data)
    with pytest.raises(KnowledgeError) as caught:
        validate_knowledge(data)
    return str(caught.value)


def index_of(items: list[dict], item_id: str) -> int:
    return next(i for i, item in enumerate(items) if item["id"] == item_id)


DVT = index_of(KNOWLEDGE["causes"], "dvt")
AGE = index_of(KNOWLEDGE["findings"], "age")
POP_SCREEN = index_of(KNOWLEDGE["screens"], "pop")


def test_the_bundled_file_is_valid_and_versioned():
    knowledge = load_knowledge()
    assert validate_knowledge(copy.deepcopy(knowledge)) == knowledge
    assert knowledge["version"]
    assert knowledge["schema_version"] == 2
    assert knowledge["disclaimer"]


def test_it_holds_every_contract_id():
    assert [level["id"] for level in KNOWLEDGE["urgency_levels"]] == list(URGENCY_LEVELS)
    assert set(FINDING_IDS) <= {finding["id"] for finding in KNOWLEDGE["findings"]}
    assert set(CAUSE_IDS) <= {cause["id"] for cause in KNOWLEDGE["causes"]}
    assert len(FINDING_IDS) == 51 and len(CAUSE_IDS) == 18


def test_every_weight_and_rule_names_its_source():
    for cause in KNOWLEDGE["causes"]:
        for entry in cause["weights"] + cause["against"]:
            assert entry["source"].strip()
    for rule in KNOWLEDGE["rules"]:
        assert rule["source"]


def test_patient_texts_speak_of_possible_causes_and_a_generic_emergency_number():
    assert "possible causes" in KNOWLEDGE["disclaimer"]
    assert "not a diagnosis" in KNOWLEDGE["disclaimer"]
    emergency = KNOWLEDGE["urgency_levels"][-1]
    assert "the emergency number" in emergency["action"]
    text = json.dumps(KNOWLEDGE)
    for number in ("999", "112", "911"):
        assert number not in text


def test_it_refuses_an_unknown_finding_in_a_weight():
    def change(data):
        data["causes"][DVT]["weights"][1] = {
            "finding": "calf_swel",
            "is": True,
            "weight": 0.2,
            "source": "x: y",
        }

    message = broken(change)
    assert message == f"causes[{DVT}].weights[1].finding: unknown finding 'calf_swel'"


def test_it_refuses_an_unknown_finding_deep_in_a_rule():
    def change(data):
        data["rules"][2]["all"][1]["any"][0]["finding"] = "calf_pain"

    assert broken(change).startswith("rules[2].all[1].any[0].finding: unknown finding")


def test_it_refuses_a_renamed_contract_cause():
    def change(data):
        data["causes"][DVT]["id"] = "blood_clot"

    # Advice that names the cause by id is refused first, or the missing contract id.
    assert "'dvt'" in broken(change)


def test_it_refuses_an_unknown_advice_of_a_cause():
    def change(data):
        data["causes"][0]["advice"].append("dance")

    assert broken(change).startswith("causes[0].advice[3]: unknown advice 'dance'")


def test_it_refuses_a_missing_contract_finding():
    def change(data):
        del data["findings"][AGE]
        for screen in data["screens"]:
            screen["findings"] = [f for f in screen["findings"] if f != "age"]

    assert broken(change) == "findings: missing contract finding 'age'"


def test_it_refuses_a_contract_finding_with_another_range():
    def change(data):
        data["findings"][AGE]["max"] = 150

    assert broken(change).startswith(f"findings[{AGE}]: 'age' must range from 0 to 120")


def test_it_refuses_a_missing_or_reordered_urgency_level():
    def change(data):
        data["urgency_levels"].reverse()

    assert broken(change).startswith("urgency_levels: must be exactly")


@pytest.mark.parametrize(
    ("condition", "error"),
    [
        ({"finding": "age", "gte": "50"}, ".gte: must be a whole number"),
        ({"finding": "age", "gte": 150}, ".gte: 150 is outside the range of 'age'"),
        ({"finding": "age", "in": [50]}, ".in: 'in' does not apply to the integer finding 'age'"),
        ({"finding": "calf_swelling", "is": "yes"}, ".is: must be true or false"),
        ({"finding": "calf_swelling", "gt": 0}, ".gt: 'gt' does not apply to the bool finding"),
        ({"finding": "injury", "in": ["falling"]}, ".in: unknown option 'falling' of 'injury'"),
        ({"finding": "injury", "not_in": []}, ".not_in: must be a non-empty list of options"),
        ({"finding": "injury", "is": "none", "in": ["none"]}, ": needs exactly one operator"),
        ({"finding": "injury"}, ": needs exactly one operator"),
        ({"any": []}, ".any: must be a non-empty list"),
        ({"all": [{"finding": "fever", "is": True}], "any": []}, ": needs exactly one of"),
    ],
    ids=lambda value: json.dumps(value) if isinstance(value, dict) else "",
)
def test_it_refuses_a_condition_that_does_not_fit_its_finding(condition, error):
    def change(data):
        data["causes"][DVT]["weights"][0] = {**condition, "weight": 0.3, "source": "x: y"}

    assert broken(change).startswith(f"causes[{DVT}].weights[0]{error}")


@pytest.mark.parametrize("weight", [0, 1, 1.5, -0.1, True, "0.3", None])
def test_it_refuses_a_weight_out_of_range(weight):
    def change(data):
        data["causes"][DVT]["weights"][0]["weight"] = weight

    assert broken(change).startswith(f"causes[{DVT}].weights[0].weight: must be a number")


def test_it_refuses_a_factor_out_of_range():
    def change(data):
        data["causes"][0]["against"][0]["factor"] = 0

    assert broken(change).startswith("causes[0].against[0].factor: must be a number")


def test_it_refuses_a_weight_without_a_source():
    def change(data):
        del data["causes"][DVT]["weights"][0]["source"]

    assert broken(change) == f"causes[{DVT}].weights[0].source: must be a non-empty string"


def test_it_refuses_a_finding_on_no_screen():
    def change(data):
        data["screens"][0]["findings"].remove("coughing_blood")

    assert broken(change) == "screens: finding 'coughing_blood' is on no screen"


def test_it_refuses_a_finding_on_two_screens():
    def change(data):
        data["screens"][1]["findings"].append("chest_pain")

    first = KNOWLEDGE["screens"][0]["id"]
    index = len(KNOWLEDGE["screens"][1]["findings"])
    expected = f"screens[1].findings[{index}]: 'chest_pain' is already on screen {first!r}"
    assert broken(change) == expected


def test_it_refuses_a_screen_that_depends_on_a_later_answer():
    def change(data):
        data["screens"][POP_SCREEN]["ask_if"] = {"finding": "locking", "is": True}

    assert broken(change) == (
        f"screens[{POP_SCREEN}].ask_if.finding: 'locking' is not asked on an earlier screen"
    )


def test_it_refuses_a_rule_that_a_yes_could_lower():
    # A rule on a "no" would let one more yes lower the urgency.
    def change(data):
        data["rules"][1]["is"] = False

    assert broken(change) == "rules[1].is: a rule may only test for true"


def test_a_rule_may_test_an_age_below_but_never_for_no():
    # Rule 7 of the contract needs "under 18"; one more yes must still never lower urgency.
    def young(data):
        data["rules"][1] = {"id": "young", "urgency": "urgent", "finding": "age", "lt": 5}
        data["rules"][1]["source"] = "x: y"

    def no(data):
        data["rules"][1] = {"id": "no", "urgency": "urgent", "finding": "fever", "is": False}
        data["rules"][1]["source"] = "x: y"

    data = copy.deepcopy(KNOWLEDGE)
    young(data)
    validate_knowledge(data)
    assert broken(no) == "rules[1].is: a rule may only test for true"


def test_it_refuses_a_rule_to_self_care_or_an_unknown_level():
    def change(data):
        data["rules"][0]["urgency"] = "self_care"

    assert broken(change).startswith("rules[0].urgency: must be one of")


def test_it_refuses_duplicate_ids():
    def change(data):
        data["rules"][1]["id"] = data["rules"][0]["id"]

    assert broken(change).startswith("rules[1].id: duplicate id")


def test_it_refuses_a_bad_limit_on_advice_from_causes():
    def change(data):
        data["advice_from_causes"]["min_score"] = 1

    assert broken(change).startswith("advice_from_causes.min_score: must be a number")


@pytest.mark.parametrize(
    ("where", "misspelt", "path"),
    [
        (lambda data: data, "max_advise", "max_advise"),
        (lambda data: data["findings"][0], "reaks", "findings[0].reaks"),
        (lambda data: data["findings"][9]["options"][0], "sad", "findings[9].options[0].sad"),
        (lambda data: data["screens"][3], "ask_iff", "screens[3].ask_iff"),
        (lambda data: data["advice_items"][0], "not_whlie", "advice_items[0].not_whlie"),
        (lambda data: data["causes"][DVT], "atleast", f"causes[{DVT}].atleast"),
        (lambda data: data["urgency_levels"][0], "colour", "urgency_levels[0].colour"),
    ],
)
def test_it_refuses_a_misspelt_key_rather_than_ignore_it(where, misspelt, path):
    def change(data):
        where(data)[misspelt] = True

    assert broken(change).startswith(f"{path}: unknown key")


def test_it_refuses_a_version_too_long_to_store():
    def change(data):
        data["version"] = "2026." + "1" * 40

    assert broken(change).startswith("version: must be at most 32 characters")


def test_it_refuses_a_file_without_a_version():
    def change(data):
        data["version"] = ""

    assert broken(change) == "version: must be a non-empty string"


def test_it_refuses_what_is_not_an_object():
    with pytest.raises(KnowledgeError, match=r"^\$: must be an object"):
        validate_knowledge([])


def test_load_knowledge_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "knowledge.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"^\$: knowledge.json is not valid JSON"):
        load_knowledge(path)


def test_load_knowledge_caches_until_the_file_changes(tmp_path):
    path = tmp_path / "knowledge.json"
    path.write_text(json.dumps(KNOWLEDGE), encoding="utf-8")
    first = load_knowledge(path)
    assert load_knowledge(str(path)) is first

    changed = copy.deepcopy(KNOWLEDGE)
    changed["version"] = "2099.1.1"
    path.write_text(json.dumps(changed), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_knowledge(path)["version"] == "2099.1.1"

    changed["causes"][0]["weights"][0]["finding"] = "calf_swel"
    path.write_text(json.dumps(changed), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    with pytest.raises(KnowledgeError, match=r"^causes\[0\]\.weights\[0\]\.finding"):
        load_knowledge(path)


def test_no_condition_holds_for_injury_none_but_not_for_a_left_out_injury():
    """Rule 8's property by construction: a condition that holds for ``injury: none`` also
    holds when the injury was left out, so leaving it out never gives less."""

    def leaves(node):
        if isinstance(node, dict):
            if node.get("finding") == "injury":
                yield node
            for value in node.values():
                yield from leaves(value)
        elif isinstance(node, list):
            for value in node:
                yield from leaves(value)

    weights = [cause["weights"] for cause in KNOWLEDGE["causes"]]  # "against" only lowers a score
    for leaf in leaves([KNOWLEDGE["rules"], weights]):
        holds_for_none = (
            leaf.get("is") == "none"
            or "none" in leaf.get("in", [])
            or ("not_in" in leaf and "none" not in leaf["not_in"])
        )
        assert not holds_for_none or leaf.get("if_missing"), leaf


def test_every_advice_item_can_be_shown():
    used = {advice_id for level in KNOWLEDGE["advice"].values() for advice_id in level}
    used |= {advice_id for cause in KNOWLEDGE["causes"] for advice_id in cause["advice"]}
    used |= {advice_id for rule in KNOWLEDGE["rules"] for advice_id in rule.get("advice", [])}
    assert {item["id"] for item in KNOWLEDGE["advice_items"]} == used


def test_a_broken_knowledge_file_fails_the_system_checks(tmp_path, monkeypatch):
    import triage.knowledge
    from triage.apps import knowledge_file_is_valid

    broken_file = tmp_path / "back_of_knee.json"
    broken_file.write_text('{"version": "x"}', encoding="utf-8")
    assert knowledge_file_is_valid(None) == []
    monkeypatch.setattr(triage.knowledge, "DEFAULT_PATH", broken_file)
    errors = knowledge_file_is_valid(None)
    assert errors and "knowledge file is broken" in errors[0].msg


def test_the_knowledge_check_is_registered():
    from django.core import checks

    from triage.apps import knowledge_file_is_valid

    assert knowledge_file_is_valid in checks.registry.registry.get_checks()
