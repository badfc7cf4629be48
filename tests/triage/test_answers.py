"""Answers checked against the knowledge base: cleaned and put in its order, and each bad
answer refused naming its finding, all at once."""

import pytest

from tests.triage import KNOWLEDGE
from triage.knowledge import AnswersError, validate_answers


def test_valid_answers_come_back_cleaned_in_knowledge_base_order():
    answers = {"age": 40.0, "calf_swelling": False, "injury": "twisting", "fever": None}
    cleaned = validate_answers(KNOWLEDGE, answers)
    assert cleaned == {"calf_swelling": False, "injury": "twisting", "age": 40}
    order = [f["id"] for f in KNOWLEDGE["findings"] if f["id"] in cleaned]
    assert list(cleaned) == order
    assert type(cleaned["age"]) is int
    assert validate_answers(KNOWLEDGE, {}) == {}


@pytest.mark.parametrize(
    ("finding_id", "value", "message"),
    [
        ("calf_swel", True, "unknown finding"),
        ("pregnant", 1, "must be true or false"),
        ("pregnant", "yes", "must be true or false"),
        ("age", True, "must be a whole number"),
        ("age", "70", "must be a whole number"),
        ("age", 70.5, "must be a whole number"),
        ("age", 121, "must be at least 0 and at most 120"),
        ("pain_severity", -1, "must be at least 0 and at most 10"),
        ("pain_severity", 11, "must be at least 0 and at most 10"),
        ("duration_days", -1, "must be at least 0"),
        ("injury", "falling", "must be one of"),
        ("sport", ["running"], "must be one of"),
    ],
)
def test_a_bad_answer_is_refused_naming_its_finding(finding_id, value, message):
    with pytest.raises(AnswersError) as caught:
        validate_answers(KNOWLEDGE, {"fever": True, finding_id: value})
    assert list(caught.value.errors) == [finding_id]
    assert caught.value.errors[finding_id].startswith(message)


def test_every_bad_answer_is_named_at_once():
    answers = {"age": -3, "pregnant": 0, "sport": "golf", "knee_on_fire": True, "fever": True}
    with pytest.raises(AnswersError) as caught:
        validate_answers(KNOWLEDGE, answers)
    assert set(caught.value.errors) == {"age", "pregnant", "sport", "knee_on_fire"}


def test_answers_must_be_an_object():
    with pytest.raises(AnswersError) as caught:
        validate_answers(KNOWLEDGE, [("fever", True)])
    assert list(caught.value.errors) == ["answers"]
