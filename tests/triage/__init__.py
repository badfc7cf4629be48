"""Tests of the symptom checker's knowledge base and its two engines (Python and JavaScript).

Shared here: the tables the tests read (``vectors.json``, ``vignettes.json``), the
safety floor written out independently of the knowledge base, and a Hypothesis strategy
for answer sets.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import strategies as st

from triage.knowledge import URGENCY_LEVELS, load_knowledge

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
KNOWLEDGE = load_knowledge()
VECTORS = json.loads((HERE / "vectors.json").read_text(encoding="utf-8"))["vectors"]
VIGNETTES = json.loads((HERE / "vignettes.json").read_text(encoding="utf-8"))
BOOL_FINDINGS = [f["id"] for f in KNOWLEDGE["findings"] if f["type"] == "bool"]


def rank(urgency: str) -> int:
    return URGENCY_LEVELS.index(urgency)


CLOT_RISKS = (
    "recent_immobility", "previous_clot", "cancer_treatment", "pregnant", "postpartum",
    "hormone_treatment",
)  # fmt: skip
RED_FLAGS = (
    "chest_pain", "breathless", "coughing_blood", "foot_cold_or_numb", "calf_tense",
    "knee_misshapen", "cannot_bear_weight", "cannot_straighten", "cannot_bend_90",
)  # fmt: skip


def floor_urgency(answers: dict, unsure=()) -> str:
    """The lowest urgency the contract (version 2) allows, written straight from its text.

    Deliberately not read from the knowledge base's rules: this is what the rules are
    checked against. Rule 8: a left-out ``injury`` counts as an injury of some kind for the
    rules that need "an injury", and as no particular kind for the others.
    """

    def yes(finding_id):
        return answers.get(finding_id) is True

    injury, age = answers.get("injury"), answers.get("age")
    injured = injury != "none"  # left out counts as injured (rule 8)
    duration, severity = answers.get("duration_days"), answers.get("pain_severity")
    fall_or_blow = injury in ("fall_onto_knee", "direct_blow_or_crash")
    if (
        yes("chest_pain")
        or yes("breathless")
        or yes("coughing_blood")
        or yes("foot_cold_or_numb")
        or yes("knee_misshapen")
        or (yes("calf_tense") and injured)
        or (
            severity is not None
            and severity >= 8
            and yes("getting_worse")
            and injury == "direct_blow_or_crash"
        )
    ):
        return "emergency"
    clot_risk = any(yes(risk) for risk in CLOT_RISKS)
    if (
        yes("calf_swelling")
        or (yes("red_or_warm_skin") and (yes("pain_in_calf") or yes("worse_standing")))
        or yes("cannot_bear_weight")
        or (yes("fever") and (yes("swelling_knee") or yes("red_or_warm_skin")))
        or yes("cannot_straighten")
        or (yes("cannot_bend_90") and injured)
        or (age is not None and age >= 55 and fall_or_blow)
        or (
            yes("swelling_knee")
            and yes("red_or_warm_skin")
            and (
                (age is not None and age >= 65)
                or any(
                    yes(f)
                    for f in (
                        "immunosuppressed",
                        "knee_implant_or_procedure",
                        "autoimmune_condition",
                        "fever",
                        "feels_unwell",
                    )
                )
            )
        )
        or (clot_risk and yes("visible_veins"))
        or (
            clot_risk
            and (yes("pain_in_calf") or yes("pain_in_back_of_thigh"))
            and answers.get("pain_type") != "spasm"
            and injury in (None, "none")
        )
        or severity == 10
    ):
        return "urgent"
    if (
        yes("heard_pop")
        or yes("locking")
        or yes("getting_worse")
        or yes("lump_behind_knee")
        or (yes("giving_way") and injured)
        or fall_or_blow
        or (duration is not None and duration > 3)
        or (severity is not None and severity >= 7)
        or yes("night_pain")
        or yes("weight_loss")
        or (yes("hip_pain") and age is not None and age < 18)
        or any(finding_id in RED_FLAGS for finding_id in unsure)
    ):
        return "see_doctor"
    return "self_care"


def _answer_values(finding: dict):
    if finding["type"] == "bool":
        return st.booleans()
    if finding["type"] == "enum":
        return st.sampled_from([option["id"] for option in finding["options"]])
    low, high = finding["min"], finding.get("max")
    high = 10_000 if high is None else high
    # The thresholds of the rules and weights sit at small values: favour them.
    return st.one_of(st.integers(low, min(high, low + 80)), st.integers(low, high))


def answer_sets(*, with_nulls: bool = False):
    """Valid answer sets: any finding may be missing; ``None`` (not answered) if asked."""
    values = {}
    for finding in KNOWLEDGE["findings"]:
        value = _answer_values(finding)
        values[finding["id"]] = st.one_of(st.none(), value) if with_nulls else value
    return st.fixed_dictionaries({}, optional=values)


def check_expectations(expected: dict, result: dict) -> list[str]:
    """What in a result breaks a vector's or a vignette's expectations (empty if nothing)."""
    problems = []
    cause_ids = [cause["id"] for cause in result["causes"]]
    urgency = expected["urgency"]
    allowed = urgency if isinstance(urgency, list) else [urgency]
    if result["urgency"] not in allowed:
        problems.append(f"urgency is {result['urgency']}, expected {urgency}")
    if "red_flags" in expected and result["red_flags"] != expected["red_flags"]:
        problems.append(f"red_flags are {result['red_flags']}, expected {expected['red_flags']}")
    missing_flags = set(expected.get("red_flags_include", [])) - set(result["red_flags"])
    if missing_flags:
        problems.append(f"red_flags {result['red_flags']} lack {sorted(missing_flags)}")
    if "top_cause" in expected:
        top = expected["top_cause"]
        if not cause_ids or cause_ids[0] not in (top if isinstance(top, list) else [top]):
            problems.append(f"top cause of {cause_ids} is not {top}")
    missing = set(expected.get("causes_include", [])) - set(cause_ids)
    if missing:
        problems.append(f"causes {cause_ids} lack {sorted(missing)}")
    unwanted = set(expected.get("causes_exclude", [])) & set(cause_ids)
    if unwanted:
        problems.append(f"causes {cause_ids} include {sorted(unwanted)}")
    if expected.get("no_causes") and cause_ids:
        problems.append(f"expected no causes, got {cause_ids}")
    return problems


def run_node_batch(script: str, batch: list):
    """Send ``batch`` as JSON to ``tests/js/<script>`` in one Node run; its JSON answer.

    Node is part of the toolchain: without it the test fails rather than skips, so a
    missing Node cannot hide a difference between the Python and the JavaScript twins.
    """
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20 or newer is needed to check the offline checker")
    completed = subprocess.run(
        [node, str(ROOT / "tests" / "js" / script)],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert len(answer) == len(batch)
    return answer
