// Assess many answer sets with the offline engine in one run, for the parity test
// (tests/triage/test_parity.py): reads a JSON list of answer sets on stdin and prints a
// JSON list of results, one per answer set, in the same order. An answer set that the
// engine refuses gives {"error": {finding_id: message}} instead of a result. An item
// {"answers": {...}, "unsure": [...]} carries the red flags answered "not sure" as well.
//
//   node tests/js/assess_batch.mjs [path/to/knowledge.json] < answers.json

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { AnswersError, assess } from "../../static/triage/engine.js";

const bundled = new URL("../../triage/knowledge/back_of_knee.json", import.meta.url);
const knowledgePath = process.argv[2] ?? fileURLToPath(bundled);
const knowledge = JSON.parse(readFileSync(knowledgePath, "utf8"));
const batch = JSON.parse(readFileSync(0, "utf8"));

const withUnsure = (item) =>
  item !== null && typeof item === "object" && "unsure" in item && "answers" in item;

const results = batch.map((item) => {
  try {
    return withUnsure(item) ? assess(knowledge, item.answers, item.unsure) : assess(knowledge, item);
  } catch (error) {
    if (error instanceof AnswersError) return { error: error.errors };
    throw error;
  }
});
process.stdout.write(JSON.stringify(results));
