// Drive the offline questionnaire (static/triage/flow.js) through many answer sequences in
// one run, for tests/triage/test_flow_parity.py, which drives triage/flow.py through the
// same ones. Reads a JSON list of sequences on stdin; each is a list of submissions (the
// fields a person sets on the shown screen, plus "action" or "change"); prints, per
// sequence, what each step shows.
//
//   node tests/js/flow_batch.mjs < sequences.json

import { readFileSync } from "node:fs";

import { carried, firstStep, progress, takeStep } from "../../static/triage/flow.js";

const knowledge = JSON.parse(
  readFileSync(new URL("../../triage/knowledge/back_of_knee.json", import.meta.url), "utf8"),
);
const sequences = JSON.parse(readFileSync(0, "utf8"));

function shown(step) {
  return {
    ...carried(step),
    errors: Object.keys(step.errors).sort(),
    urgency: step.result?.urgency ?? null,
    progress: step.screen ? progress(knowledge, step) : null,
  };
}

function formOf(step) {
  // What the page's hidden fields carry, as flow.py's templates write them.
  const form = new Map([
    ["answers", JSON.stringify(step.answers)],
    ["unsure", JSON.stringify(step.unsure)],
  ]);
  if (step.screen) {
    form.set("screen", step.screen.id);
    form.set("reask", step.reask.join(","));
    form.set("review", step.review ? "1" : "");
    form.set("walk", step.walk.join(","));
  }
  return form;
}

const out = sequences.map((submissions) => {
  let step = firstStep(knowledge);
  const steps = [shown(step)];
  for (const submission of submissions) {
    const form = formOf(step);
    for (const [name, value] of Object.entries(submission)) form.set(name, value);
    step = takeStep(knowledge, form);
    steps.push(shown(step));
  }
  return steps;
});
process.stdout.write(JSON.stringify(out));
