// The symptom checker's engine for the offline app: from a set of answers to urgency,
// possible causes and advice. It is the twin of triage/engine.py and must give the same
// result for any answers (tests/triage/test_parity.py holds the two together), so change
// both or neither. An ES module with no dependencies, for the browser and for Node alike.
// How it decides, and the knowledge file's format: docs/triage.md.
//
// Urgency comes from the knowledge base's rules only. A cause's score is a noisy-OR of
// the weights whose conditions hold, times the factor of each "against" entry that holds,
// both computed in knowledge-base order so that the float operations match Python's.
// A condition on a finding that was not answered is false: "not answered" is not "no",
// unless it says "if_missing": true (contract rule 8). A leaf {finding, unsure: true}
// holds when that red flag was answered "not sure" (rule 9). An advice item with
// "not_while" is left out while one of those causes is possible.

/** Thrown by validateAnswers and assess; `errors` maps each bad finding id to a message. */
export class AnswersError extends Error {
  constructor(errors) {
    super(
      Object.entries(errors)
        .map(([key, message]) => `${key}: ${message}`)
        .join("; "),
    );
    this.name = "AnswersError";
    this.errors = errors;
  }
}

function findingsById(knowledge) {
  return tables(knowledge).findings;
}

function checkAnswer(finding, value) {
  if (finding.type === "bool") {
    return typeof value === "boolean" ? null : "must be true or false";
  }
  if (finding.type === "enum") {
    const options = finding.options.map((option) => option.id);
    if (typeof value === "string" && options.includes(value)) return null;
    return `must be one of ${options.join(", ")}`;
  }
  if (typeof value !== "number" || !Number.isInteger(value)) return "must be a whole number";
  const high = finding.max ?? null;
  if (value < finding.min || (high !== null && value > high)) {
    return `must be at least ${finding.min}${high === null ? "" : ` and at most ${high}`}`;
  }
  return null;
}

/**
 * Return the answers cleaned up (in knowledge-base order, without null or undefined
 * values, which mean "not answered"), or throw an AnswersError naming every bad finding.
 */
export function validateAnswers(knowledge, answers) {
  if (answers === null || typeof answers !== "object" || Array.isArray(answers)) {
    throw new AnswersError({ answers: "must be an object of finding ids and answers" });
  }
  const findings = findingsById(knowledge);
  const errors = {};
  const given = new Map();
  for (const [key, value] of Object.entries(answers)) {
    const finding = findings.get(key);
    if (finding === undefined) {
      errors[key] = "unknown finding";
    } else if (value !== null && value !== undefined) {
      const message = checkAnswer(finding, value);
      if (message) errors[key] = message;
      else given.set(key, value);
    }
  }
  if (Object.keys(errors).length > 0) throw new AnswersError(errors);
  const cleaned = {};
  for (const finding of knowledge.findings) {
    if (given.has(finding.id)) cleaned[finding.id] = given.get(finding.id);
  }
  return cleaned;
}

function answerOf(answers, findingId) {
  if (!Object.prototype.hasOwnProperty.call(answers, findingId)) return null;
  return answers[findingId] ?? null;
}

function compare(condition, value) {
  if ("is" in condition) return value === condition.is;
  if ("in" in condition) return condition.in.includes(value);
  if ("not_in" in condition) return !condition.not_in.includes(value);
  if ("gt" in condition) return value > condition.gt;
  if ("gte" in condition) return value >= condition.gte;
  if ("lt" in condition) return value < condition.lt;
  return value <= condition.lte;
}

/** The red-flag findings answered "not sure", in knowledge-base order; or AnswersError. */
export function validateUnsure(knowledge, unsure, answers) {
  if (unsure === null || unsure === undefined) return [];
  if (!Array.isArray(unsure)) {
    throw new AnswersError({ unsure: "must be a list of red-flag finding ids" });
  }
  const redFlags = knowledge.findings.filter((f) => f.red_flag).map((f) => f.id);
  for (const id of unsure) {
    if (!redFlags.includes(id)) {
      throw new AnswersError({ unsure: `${JSON.stringify(id)} is not a red-flag finding id` });
    }
    if (Object.prototype.hasOwnProperty.call(answers, id)) {
      throw new AnswersError({ unsure: `${JSON.stringify(id)} is also answered` });
    }
  }
  return redFlags.filter((id) => unsure.includes(id));
}

// The findings that make a condition hold, or null when it does not hold. Each condition
// object of a knowledge base is compiled once into a function (as engine.py does).
function matched(condition, answers, unsure = EMPTY) {
  let test = compiledOf.get(condition);
  if (test === undefined) {
    test = compile(condition);
    compiledOf.set(condition, test);
  }
  return test(answers, unsure);
}

const compiledOf = new WeakMap();

function compile(condition) {
  if ("all" in condition) {
    const children = condition.all.map(compile);
    return (answers, unsure) => {
      const found = [];
      for (const child of children) {
        const childFound = child(answers, unsure);
        if (childFound === null) return null;
        found.push(...childFound);
      }
      return found;
    };
  }
  if ("any" in condition) {
    const children = condition.any.map(compile);
    return (answers, unsure) => {
      const found = [];
      let holds = false;
      for (const child of children) {
        const childFound = child(answers, unsure);
        if (childFound !== null) {
          holds = true;
          found.push(...childFound);
        }
      }
      return holds ? found : null;
    };
  }
  const id = condition.finding;
  const hit = [id];
  if (condition.unsure) return (answers, unsure) => (unsure.has(id) ? hit : null);
  const ifMissing = condition.if_missing ? [] : null;
  return (answers) => {
    const value = answerOf(answers, id);
    if (value === null) return ifMissing; // holds without naming a finding not given
    return compare(condition, value) ? hit : null;
  };
}

const EMPTY = new Set();

/** Whether a knowledge-base condition holds for these (valid) answers. */
export function conditionHolds(condition, answers, unsure = []) {
  return matched(condition, answers, new Set(unsure)) !== null;
}

/** Whether a questionnaire screen should be shown, given the answers so far. */
export function screenApplies(screen, answers) {
  const askIf = screen.ask_if ?? null;
  return askIf === null || conditionHolds(askIf, answers);
}

/** The first screen after the one with id `after` (or the first of all) that applies. */
export function nextScreen(knowledge, answers, after = null) {
  const screens = knowledge.screens;
  let start = 0;
  if (after !== null && after !== undefined) {
    start = screens.findIndex((screen) => screen.id === after) + 1;
    if (start === 0) throw new Error(`unknown screen ${after}`);
  }
  for (const screen of screens.slice(start)) {
    if (screenApplies(screen, answers)) return screen;
  }
  return null;
}

function inOrder(findingIds, order) {
  return [...new Set(findingIds)].sort((a, b) => order.get(a) - order.get(b));
}

function scoreCauses(knowledge, answers, unsure, order) {
  const causes = [];
  for (const cause of knowledge.causes) {
    let unexplained = 1.0;
    const because = [];
    for (const weight of cause.weights) {
      const found = matched(weight, answers, unsure);
      if (found !== null) {
        unexplained = unexplained * (1.0 - weight.weight);
        because.push(...found);
      }
    }
    let score = 1.0 - unexplained;
    if (score <= 0) continue;
    for (const against of cause.against ?? []) {
      if (matched(against, answers, unsure) !== null) score = score * against.factor;
    }
    causes.push({ id: cause.id, score, because: inOrder(because, order) });
  }
  // Highest score first, ties by id: the same order as Python's sort by (-score, id).
  causes.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return causes;
}

function adviceFor(knowledge, levels, rank, causes, ruleAdvice, possible) {
  const { items, adviceOfCause } = tables(knowledge);
  const limits = knowledge.advice_from_causes;
  // The level's first item says what to do; what the fired rules add comes right after it.
  const levelAdvice = knowledge.advice[levels[rank]];
  const wanted = [levelAdvice[0], ...ruleAdvice, ...levelAdvice.slice(1)];
  // Only the likeliest causes add their advice, so an unlikely one does not crowd the page.
  for (const cause of causes.slice(0, limits.top)) {
    if (cause.score >= limits.min_score) wanted.push(...adviceOfCause.get(cause.id));
  }
  const texts = [];
  const seen = new Set();
  for (const adviceId of wanted) {
    if (seen.has(adviceId)) continue;
    seen.add(adviceId);
    const item = items.get(adviceId);
    // Leave out advice meant for calmer cases, e.g. stretches next to "call now",
    // and advice that a possible cause forbids, e.g. stretches while a clot is possible.
    if (levels.indexOf(item.max_urgency ?? levels[levels.length - 1]) < rank) continue;
    if ((item.not_while ?? []).some((id) => possible.has(id))) continue;
    texts.push(item.text);
  }
  return texts.slice(0, knowledge.max_advice);
}

// Lookup tables made once per knowledge object: a knowledge base is read-only once loaded.
const tablesOf = new WeakMap();

function tables(knowledge) {
  let made = tablesOf.get(knowledge);
  if (made === undefined) {
    made = {
      findings: new Map(knowledge.findings.map((finding) => [finding.id, finding])),
      order: new Map(knowledge.findings.map((finding, index) => [finding.id, index])),
      levels: knowledge.urgency_levels.map((level) => level.id),
      items: new Map(knowledge.advice_items.map((item) => [item.id, item])),
      adviceOfCause: new Map(knowledge.causes.map((cause) => [cause.id, cause.advice])),
    };
    made.atLeastOf = new Map(
      knowledge.causes
        .filter((cause) => cause.at_least !== undefined)
        .map((cause) => [cause.id, made.levels.indexOf(cause.at_least)]),
    );
    tablesOf.set(knowledge, made);
  }
  return made;
}

/**
 * Assess a set of answers; throws AnswersError when an answer is not valid. `unsure`
 * lists the red-flag findings answered "not sure".
 */
export function assess(knowledge, answers, unsure = []) {
  const cleaned = validateAnswers(knowledge, answers);
  const unsureIds = validateUnsure(knowledge, unsure, cleaned);
  const unsureSet = new Set(unsureIds);
  const { order, levels, atLeastOf } = tables(knowledge);

  let rank = 0;
  const flagged = [];
  const suspected = new Set();
  const ruleAdvice = [];
  for (const rule of knowledge.rules) {
    const found = matched(rule, cleaned, unsureSet);
    if (found === null) continue;
    rank = Math.max(rank, levels.indexOf(rule.urgency));
    flagged.push(...found); // rules never name self_care, so every match raises
    for (const id of rule.suspects ?? []) suspected.add(id);
    ruleAdvice.push(...(rule.advice ?? []));
  }

  const causes = scoreCauses(knowledge, cleaned, unsureSet, order);
  for (const cause of causes) {
    // a serious cause on the result is never below its level
    const atLeast = atLeastOf.get(cause.id);
    if (atLeast !== undefined && atLeast > rank) {
      rank = atLeast;
      flagged.push(...cause.because);
    }
  }
  const possible = new Set([...suspected, ...causes.map((cause) => cause.id)]);
  return {
    urgency: levels[rank],
    causes,
    red_flags: inOrder(flagged, order),
    advice: adviceFor(knowledge, levels, rank, causes, ruleAdvice, possible),
    knowledge_version: knowledge.version,
  };
}
