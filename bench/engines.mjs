// Time the offline engine (static/triage/engine.js) over the conformance vectors in Node:
// prints JSON {"per_assessment_us": [median of rounds], ...}. Called by bench/run.py.
import { readFileSync } from "node:fs";

import { assess } from "../static/triage/engine.js";

const root = new URL("../", import.meta.url);
const knowledge = JSON.parse(readFileSync(new URL("triage/knowledge/back_of_knee.json", root)));
const vectors = JSON.parse(readFileSync(new URL("tests/triage/vectors.json", root))).vectors;
const answers = vectors.map((vector) => vector.answers);
const rounds = Number(process.argv[2] ?? 15);
const repeat = Number(process.argv[3] ?? 200);

for (let i = 0; i < repeat; i++) for (const a of answers) assess(knowledge, a); // warm up the JIT
const samples = [];
for (let round = 0; round < rounds; round++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < repeat; i++) for (const a of answers) assess(knowledge, a);
  const elapsed = Number(process.hrtime.bigint() - start) / 1000;
  samples.push(elapsed / (repeat * answers.length));
}
samples.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ median_us: samples[Math.floor(samples.length / 2)], samples }));
