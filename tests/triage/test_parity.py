"""The offline engine (static/triage/engine.js) gives the same results as triage/engine.py.

Hypothesis makes hundreds of answer sets first; Node then assesses them all in one run of
tests/js/assess_batch.mjs, and each result is compared with Python's. Node is part of the
toolchain: without it this test fails rather than skips, so a missing Node cannot hide a
difference between the engines.
"""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage import KNOWLEDGE, RED_FLAGS, VECTORS, VIGNETTES, answer_sets, run_node_batch
from triage.engine import assess
from triage.knowledge import AnswersError

GENERATED = 500


def run_in_node(batch: list) -> list:
    return run_node_batch("assess_batch.mjs", batch)


def python_result(item) -> dict:
    try:
        if isinstance(item, dict) and set(item) == {"answers", "unsure"}:
            return assess(KNOWLEDGE, item["answers"], item["unsure"])
        return assess(KNOWLEDGE, item)
    except AnswersError as error:
        return {"error": error.errors}


def differences(python: dict, javascript: dict) -> list[str]:
    """How two results differ: everything must be equal, except scores, to 1e-9."""
    if "error" in python or "error" in javascript:
        same = set(python.get("error", ())) == set(javascript.get("error", ()))
        return [] if same else [f"errors: {python.get('error')} != {javascript.get('error')}"]
    found = []
    for key in ("urgency", "red_flags", "advice", "knowledge_version"):
        if python[key] != javascript[key]:
            found.append(f"{key}: {python[key]!r} != {javascript[key]!r}")
    if set(python) != set(javascript):
        found.append(f"keys: {sorted(python)} != {sorted(javascript)}")
    py_causes, js_causes = python["causes"], javascript["causes"]
    if [(c["id"], c["because"]) for c in py_causes] != [(c["id"], c["because"]) for c in js_causes]:
        found.append(f"causes: {py_causes} != {js_causes}")
    else:
        for py_cause, js_cause in zip(py_causes, js_causes, strict=True):
            if not math.isclose(py_cause["score"], js_cause["score"], rel_tol=0, abs_tol=1e-9):
                found.append(f"{py_cause['id']}: {py_cause['score']} != {js_cause['score']}")
    return found


def generated_answer_sets(count: int) -> list[dict]:
    """Draw ``count`` answer sets with Hypothesis, to send to Node in one batch.

    About half also carry red flags answered "not sure" (contract rule 9), taken out of
    the answers as the questionnaire does.
    """
    drawn: list[dict] = []

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(answer_sets(with_nulls=True), st.lists(st.sampled_from(sorted(RED_FLAGS)), unique=True))
    def draw(answers, unsure):
        if not unsure:
            drawn.append(answers)
            return
        answers = {key: value for key, value in answers.items() if key not in unsure}
        drawn.append({"answers": answers, "unsure": unsure})

    draw()
    return drawn


# Answer sets that both engines must refuse, naming the same findings.
INVALID = [
    {"calf_swel": True},
    {"age": True},
    {"age": 121, "pregnant": 1},
    {"pain_severity": 2.5},
    {"injury": "falling", "sport": "none"},
    {"duration_days": -1, "fever": "yes"},
    [],
    {"answers": {}, "unsure": ["fever"]},
    {"answers": {"chest_pain": False}, "unsure": ["chest_pain"]},
    {"answers": {}, "unsure": "chest_pain"},
]


def test_the_engines_agree_on_hundreds_of_generated_answer_sets():
    batch = generated_answer_sets(GENERATED)
    assert len(batch) >= GENERATED * 0.9
    batch += [vector["answers"] for vector in VECTORS]
    batch += [{**VIGNETTES["defaults"], **v["answers"]} for v in VIGNETTES["vignettes"]]
    batch += [{}, {f["id"]: True for f in KNOWLEDGE["findings"] if f["type"] == "bool"}]
    javascript = run_in_node(batch)
    for answers, js_result in zip(batch, javascript, strict=True):
        found = differences(python_result(answers), js_result)
        assert found == [], f"engines differ for {json.dumps(answers)}: {found}"


def test_the_engines_refuse_the_same_invalid_answers():
    javascript = run_in_node(INVALID)
    for answers, js_result in zip(INVALID, javascript, strict=True):
        python = python_result(answers)
        assert "error" in python, answers
        assert differences(python, js_result) == [], answers


def test_the_engines_agree_on_every_single_answer():
    batch = [{}]
    for finding in KNOWLEDGE["findings"]:
        if finding["type"] == "bool":
            values = [True, False]
        elif finding["type"] == "enum":
            values = [option["id"] for option in finding["options"]]
        else:
            low, high = finding["min"], finding.get("max")
            values = sorted({low, low + 1, 3, 4, 6, 7, 42, 43, 50, 60, 65, high or 10_000})
            values = [v for v in values if v >= low and (high is None or v <= high)]
        batch += [{finding["id"]: value} for value in values]
    javascript = run_in_node(batch)
    for answers, js_result in zip(batch, javascript, strict=True):
        assert differences(python_result(answers), js_result) == [], answers
