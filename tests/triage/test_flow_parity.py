"""The questionnaire's two twins walk alike: triage/flow.py and static/triage/flow.js.

Hypothesis writes hundreds of answer sequences (answers, "not sure", empty and garbage
values, Back, Change answer); Node drives flow.js through all of them in one run of
tests/js/flow_batch.mjs, and each step must show the same screen, answers, "not sure"
list, re-asked questions, errors, progress and result as flow.py. Without Node this
fails rather than skips.
"""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage import KNOWLEDGE, run_node_batch
from triage import flow

SCREEN_IDS = [screen["id"] for screen in KNOWLEDGE["screens"]]


def raw_values(finding: dict) -> list[str]:
    if finding["type"] == "bool":
        return ["yes", "no", "", "maybe"]
    if finding["type"] == "enum":
        return [option["id"] for option in finding["options"]] + ["", "nope"]
    return ["", "0", "3", "10", "55", "70", "121", "²", "-1", "4.5"]


submission = st.one_of(
    st.fixed_dictionaries(
        {"action": st.sampled_from(["next", "next", "next", "back"])},
        optional={f["id"]: st.sampled_from(raw_values(f)) for f in KNOWLEDGE["findings"]},
    ),
    st.builds(lambda screen: {"change": screen}, st.sampled_from(SCREEN_IDS)),
)

# Sequences a person is likely to walk, besides the generated ones.
WALKS = [
    [{"action": "next"}] * 24,  # Next through everything: asked again, then "not sure"
    [{"chest_pain": "no", "breathless": "no", "coughing_blood": "no", "foot_cold_or_numb": "no"},
     {"knee_misshapen": "no", "calf_tense": "no", "cannot_bear_weight": "yes",
      "cannot_straighten": "no", "cannot_bend_90": "no"},
     {"injury": "twisting", "onset": "sudden", "age": "34"}, {"heard_pop": "yes"},
     {"change": "start"}, {"injury": "none", "onset": "gradual", "age": "34"}],
    [{"chest_pain": "", "breathless": "yes"}],
]  # fmt: skip


def python_steps(submissions: list[dict]) -> list[dict]:
    step = flow.first_step(KNOWLEDGE)
    steps = [shown(step)]
    for fields in submissions:
        form = form_of(step) | fields
        step = flow.take_step(KNOWLEDGE, form)
        steps.append(shown(step))
    return steps


def form_of(step: flow.Step) -> dict:
    form = {"answers": json.dumps(step.answers), "unsure": json.dumps(step.unsure)}
    if step.screen is not None:
        form |= {"screen": step.screen["id"], "reask": ",".join(step.reask),
                 "review": "1" if step.review else "", "walk": ",".join(step.walk)}  # fmt: skip
    return form


def shown(step: flow.Step) -> dict:
    return {
        "screen": step.screen["id"] if step.screen else None,
        "answers": step.answers,
        "unsure": step.unsure,
        "reask": step.reask,
        "review": step.review,
        "walk": step.walk,
        "errors": sorted(step.errors),
        "urgency": step.result["urgency"] if step.result else None,
        "progress": list(flow.progress(KNOWLEDGE, step)) if step.screen else None,
    }


def run_in_node(batch: list) -> list:
    return run_node_batch("flow_batch.mjs", batch)


def generated_sequences(count: int) -> list[list[dict]]:
    drawn: list[list[dict]] = []

    @settings(max_examples=count, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(st.lists(submission, max_size=25))
    def draw(submissions):
        drawn.append(submissions)

    draw()
    return drawn


def test_the_two_questionnaires_walk_alike():
    sequences = WALKS + generated_sequences(300)
    for submissions, js_steps in zip(sequences, run_in_node(sequences), strict=True):
        py_steps = python_steps(submissions)
        for index, (py_step, js_step) in enumerate(zip(py_steps, js_steps, strict=True)):
            assert py_step == js_step, f"step {index} of {json.dumps(submissions)}"


def test_next_through_everything_ends_on_not_sure_and_never_self_care():
    steps = python_steps(WALKS[0])
    last = next(step for step in steps if step["urgency"])
    assert last["urgency"] == "see_doctor"
    assert set(last["unsure"]) == {f["id"] for f in KNOWLEDGE["findings"] if f.get("red_flag")}
    screens = [step["screen"] for step in steps[: steps.index(last)]]
    assert len(screens) <= 2 * len(SCREEN_IDS)
