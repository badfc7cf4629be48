// The questionnaire's steps in the browser: the twin of triage/flow.py, with no DOM in it,
// so Node can drive it (tests/triage/test_flow_parity.py runs both through the same answer
// sequences). `data` is anything with get(name): a FormData, a URLSearchParams or a Map.
// The rules of the walk are in docs/triage.md; change this file and flow.py together.

import { assess, screenApplies, validateAnswers, validateUnsure } from "./engine.js";

export const NOT_SURE = "";

function decodeAnswers(knowledge, text) {
  try {
    return validateAnswers(knowledge, JSON.parse(text || "{}"));
  } catch {
    return {};
  }
}

function decodeUnsure(knowledge, text, answers) {
  try {
    return validateUnsure(knowledge, JSON.parse(text || "[]"), answers);
  } catch {
    return [];
  }
}

function decodeIds(knowledge, text, kind) {
  const wanted = (text || "").split(",");
  return knowledge[kind].map((item) => item.id).filter((id) => wanted.includes(id));
}

export function screenById(knowledge, id) {
  return knowledge.screens.find((screen) => screen.id === id) ?? null;
}

function redFlags(knowledge) {
  return new Set(knowledge.findings.filter((f) => f.red_flag).map((f) => f.id));
}

function previousScreen(knowledge, answers, screen) {
  const earlier = knowledge.screens.slice(0, knowledge.screens.indexOf(screen));
  return earlier.reverse().find((candidate) => screenApplies(candidate, answers)) ?? null;
}

function followingScreen(knowledge, answers, screen) {
  const later = knowledge.screens.slice(knowledge.screens.indexOf(screen) + 1);
  return later.find((candidate) => screenApplies(candidate, answers)) ?? null;
}

function findingsRead(condition) {
  if (!condition) return [];
  if ("finding" in condition) return [condition.finding];
  return (condition.all ?? condition.any ?? []).flatMap(findingsRead);
}

function mayApply(screen, answers) {
  if (screenApplies(screen, answers)) return true;
  return findingsRead(screen.ask_if).some((id) => !(id in answers));
}

/** [position, total] of the shown screen among those that apply or may still apply. */
export function progress(knowledge, step) {
  const counted = knowledge.screens.filter(
    (screen) => mayApply(screen, step.answers) || screen === step.screen,
  );
  const position = counted.indexOf(step.screen) + 1;
  if (step.review) return [position, position + step.walk.length];
  return [position, counted.length];
}

function prune(knowledge, answers) {
  const kept = { ...answers };
  for (const screen of knowledge.screens) {
    if (!screenApplies(screen, kept)) for (const id of screen.findings) delete kept[id];
  }
  return kept;
}

export function parseInteger(raw) {
  return /^[0-9]{1,6}$/.test(raw) ? Number(raw) : raw;
}

function readScreen(knowledge, shown, data) {
  const findings = new Map(knowledge.findings.map((finding) => [finding.id, finding]));
  const given = {};
  for (const id of shown) {
    const raw = String(data.get(id) ?? NOT_SURE).trim();
    if (raw === NOT_SURE) continue;
    const type = findings.get(id).type;
    if (type === "bool") given[id] = { yes: true, no: false }[raw] ?? raw;
    else if (type === "integer") given[id] = parseInteger(raw);
    else given[id] = raw;
  }
  try {
    return { given: validateAnswers(knowledge, given), errors: {} };
  } catch (error) {
    if (error?.errors) return { given: {}, errors: error.errors };
    throw error;
  }
}

function step(answers, unsure, screen = null, more = {}) {
  return { answers, unsure, screen, reask: [], review: false, walk: [], errors: {}, result: null, ...more };
}

export function firstStep(knowledge) {
  const screen = knowledge.screens.find((candidate) => screenApplies(candidate, {})) ?? null;
  return step({}, [], screen);
}

function walkAfterChange(knowledge, before, after, screen, walk) {
  const later = knowledge.screens.slice(knowledge.screens.indexOf(screen) + 1);
  return later
    .filter((s) => screenApplies(s, after) && (walk.includes(s.id) || !screenApplies(s, before)))
    .map((s) => s.id);
}

/** Where a submitted form leads: `next`, `back` or `change` (to a screen). */
export function takeStep(knowledge, data) {
  let answers = decodeAnswers(knowledge, data.get("answers"));
  let unsure = decodeUnsure(knowledge, data.get("unsure"), answers);
  const review = data.get("review") === "1";
  let walk = decodeIds(knowledge, data.get("walk"), "screens");
  const change = screenById(knowledge, data.get("change"));
  if (change) return step(answers, unsure, change, { review: true });
  const screen = screenById(knowledge, data.get("screen"));
  if (!screen) return firstStep(knowledge);
  const reask = decodeIds(knowledge, data.get("reask"), "findings").filter((id) =>
    screen.findings.includes(id),
  );
  if (data.get("action") === "back") {
    if (reask.length) return step(answers, unsure, screen, { review, walk });
    const earlier = previousScreen(knowledge, answers, screen) ?? screen;
    return step(answers, unsure, earlier, { review, walk });
  }
  const shown = reask.length ? reask : screen.findings;
  const { given, errors } = readScreen(knowledge, shown, data);
  if (Object.keys(errors).length) {
    return step(answers, unsure, screen, { reask, review, walk, errors });
  }

  const before = answers;
  answers = Object.fromEntries(Object.entries(answers).filter(([id]) => !shown.includes(id)));
  answers = prune(knowledge, { ...answers, ...given });
  const flags = redFlags(knowledge);
  const leftEmpty = shown.filter((id) => flags.has(id) && !(id in given));
  unsure = unsure.filter((id) => !shown.includes(id) && !(id in answers));
  if (reask.length) unsure = [...unsure, ...leftEmpty];
  unsure = validateUnsure(knowledge, unsure.filter((id) => flags.has(id)), answers);
  const result = assess(knowledge, answers, unsure);
  if (result.urgency === "emergency") return step(answers, unsure, null, { review, result });
  if (review) walk = walkAfterChange(knowledge, before, answers, screen, walk);
  if (leftEmpty.length && !reask.length) {
    return step(answers, unsure, screen, { reask: leftEmpty, review, walk });
  }
  if (review) {
    if (!walk.length) return step(answers, unsure, null, { review: true, result });
    return step(answers, unsure, screenById(knowledge, walk[0]), {
      review: true,
      walk: walk.slice(1),
    });
  }
  const following = followingScreen(knowledge, answers, screen);
  if (!following) return step(answers, unsure, null, { result });
  return step(answers, unsure, following);
}

/** What a step carries from one page to the next (the forms' hidden fields, or history). */
export function carried(step) {
  return {
    screen: step.screen?.id ?? null,
    answers: step.answers,
    unsure: step.unsure,
    reask: step.reask,
    review: step.review,
    walk: step.walk,
  };
}
