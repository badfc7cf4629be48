// The offline engine (static/triage/engine.js) against the same conformance vectors and
// clinical vignettes as the Python engine (tests/triage/test_engine.py).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";

import {
  AnswersError,
  assess,
  conditionHolds,
  nextScreen,
  screenApplies,
  validateAnswers,
} from "../../static/triage/engine.js";

const readJson = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8"));
const knowledge = readJson("../../triage/knowledge/back_of_knee.json");
const { vectors } = readJson("../triage/vectors.json");
const vignettes = readJson("../triage/vignettes.json");

const URGENCY_LEVELS = ["self_care", "see_doctor", "urgent", "emergency"];
const adviceText = Object.fromEntries(knowledge.advice_items.map((item) => [item.id, item.text]));

// The same checks as check_expectations in tests/triage/__init__.py.
function checkExpectations(expected, result) {
  const causeIds = result.causes.map((cause) => cause.id);
  const allowed = [expected.urgency].flat();
  assert.ok(allowed.includes(result.urgency), `urgency is ${result.urgency}, expected ${allowed}`);
  if ("red_flags" in expected) assert.deepEqual(result.red_flags, expected.red_flags);
  for (const flag of expected.red_flags_include ?? []) {
    assert.ok(result.red_flags.includes(flag), `red_flags ${result.red_flags} lack ${flag}`);
  }
  if ("top_cause" in expected) {
    const top = [expected.top_cause].flat();
    assert.ok(top.includes(causeIds[0]), `top cause of ${causeIds} is not ${top}`);
  }
  for (const id of expected.causes_include ?? []) {
    assert.ok(causeIds.includes(id), `causes ${causeIds} lack ${id}`);
  }
  for (const id of expected.causes_exclude ?? []) {
    assert.ok(!causeIds.includes(id), `causes ${causeIds} include ${id}`);
  }
  if (expected.no_causes) assert.deepEqual(causeIds, []);
}

describe("conformance vectors", () => {
  for (const vector of vectors) {
    test(vector.name, () => checkExpectations(vector, assess(knowledge, vector.answers)));
  }
});

describe("clinical vignettes", () => {
  for (const vignette of vignettes.vignettes) {
    test(vignette.name, () => {
      const answers = { ...vignettes.defaults, ...vignette.answers };
      checkExpectations(vignette, assess(knowledge, answers));
    });
  }
});

test("the result has exactly the contract shape", () => {
  const result = assess(knowledge, { calf_swelling: true, pain_in_calf: true, age: 70 });
  assert.deepEqual(Object.keys(result).sort(), [
    "advice",
    "causes",
    "knowledge_version",
    "red_flags",
    "urgency",
  ]);
  assert.equal(result.knowledge_version, knowledge.version);
  assert.equal(result.urgency, "urgent");
  assert.equal(result.causes[0].id, "dvt");
  for (const cause of result.causes) {
    assert.deepEqual(Object.keys(cause).sort(), ["because", "id", "score"]);
    assert.ok(cause.score > 0 && cause.score < 1);
  }
});

test("empty answers give self care and no causes", () => {
  const result = assess(knowledge, {});
  assert.equal(result.urgency, "self_care");
  assert.deepEqual(result.causes, []);
  assert.deepEqual(result.red_flags, []);
});

test("every single yes to an emergency sign calls for an emergency", () => {
  for (const id of ["chest_pain", "breathless", "coughing_blood", "foot_cold_or_numb"]) {
    const result = assess(knowledge, { [id]: true });
    assert.equal(result.urgency, "emergency");
    assert.equal(result.advice[0], adviceText.call_now);
    assert.ok(!result.advice.includes(adviceText.stretch_calf));
  }
});

test("one more yes never lowers the urgency, from any single answer", () => {
  const bools = knowledge.findings.filter((f) => f.type === "bool").map((f) => f.id);
  for (const first of bools) {
    for (const second of bools) {
      const before = assess(knowledge, { [first]: true, [second]: false }).urgency;
      const after = assess(knowledge, { [first]: true, [second]: true }).urgency;
      const raised = URGENCY_LEVELS.indexOf(after) >= URGENCY_LEVELS.indexOf(before);
      assert.ok(raised, `${first} then ${second}`);
    }
  }
});

test("not answered is not the same as no", () => {
  assert.equal(conditionHolds({ finding: "injury", not_in: ["none"] }, {}), false);
  assert.equal(conditionHolds({ finding: "pregnant", is: false }, {}), false);
  assert.equal(conditionHolds({ finding: "pregnant", is: false }, { pregnant: false }), true);
  assert.equal(conditionHolds({ finding: "injury", not_in: ["none"], if_missing: true }, {}), true);
  assert.equal(assess(knowledge, { giving_way: true, injury: "none" }).urgency, "self_care");
  assert.equal(assess(knowledge, { giving_way: true, injury: "twisting" }).urgency, "see_doctor");
});

test("the pop screen is asked only after an injury or a sudden start", () => {
  const pop = knowledge.screens.find((screen) => screen.findings.includes("heard_pop"));
  assert.equal(screenApplies(pop, {}), false);
  assert.equal(screenApplies(pop, { injury: "none", onset: "gradual" }), false);
  assert.equal(screenApplies(pop, { injury: "twisting" }), true);
  assert.equal(screenApplies(pop, { injury: "none", onset: "sudden" }), true);
});

test("nextScreen walks the questionnaire, skipping what does not apply", () => {
  const answers = { injury: "none", onset: "gradual" };
  const seen = [];
  for (let screen = nextScreen(knowledge, answers); screen; ) {
    seen.push(screen.id);
    screen = nextScreen(knowledge, answers, screen.id);
  }
  const expected = knowledge.screens.map((screen) => screen.id).filter((id) => id !== "pop");
  assert.deepEqual(seen, expected);
  assert.throws(() => nextScreen(knowledge, answers, "no_such_screen"));
});

test("validateAnswers cleans up and names every bad finding", () => {
  assert.deepEqual(validateAnswers(knowledge, { age: 40, fever: null, injury: "twisting" }), {
    injury: "twisting",
    age: 40,
  });
  const bad = { calf_swel: true, age: true, pregnant: 1, sport: "golf", pain_severity: 11 };
  assert.throws(
    () => validateAnswers(knowledge, bad),
    (error) => {
      assert.ok(error instanceof AnswersError);
      assert.deepEqual(Object.keys(error.errors).sort(), Object.keys(bad).sort());
      return true;
    },
  );
  assert.throws(() => assess(knowledge, { age: 2.5 }), AnswersError);
  assert.throws(() => assess(knowledge, ["fever"]), AnswersError);
  assert.throws(() => assess(knowledge, { __proto__: true, toString: true }), AnswersError);
});
