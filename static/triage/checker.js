// The symptom checker in the page: moves focus to each new question after an htmx swap,
// and, with no network, runs the same steps as triage/flow.py in the browser on engine.js
// and the precached knowledge base. Screens and the result are built from the <template>s
// the server rendered from its own partials, so offline pages look exactly like online ones.
// A signed-in person's offline result waits in the outbox (kneeapp/outbox.js) and is saved
// to their account when the connection returns (idempotent by its client-made UUID).

import { AnswersError, assess, nextScreen, screenApplies, validateAnswers } from "./engine.js";

const root = document.getElementById("checker");
const SIGNED_IN_KEY = "kneeapp-triage-signed-in";
let knowledgePromise = null;
let lastSubmitter = null;

function loadKnowledge() {
  knowledgePromise ??= fetch(root.dataset.knowledgeUrl, { credentials: "same-origin" }).then(
    (response) => {
      if (!response.ok) throw new Error(`knowledge: HTTP ${response.status}`);
      return response.json();
    },
  );
  knowledgePromise.catch(() => {
    knowledgePromise = null;
  });
  return knowledgePromise;
}

// The page from the offline cache may be older than the sign-in; the last online page knows.
function signedIn() {
  return (localStorage.getItem(SIGNED_IN_KEY) ?? root.dataset.signedIn) === "yes";
}

function screenById(knowledge, id) {
  return knowledge.screens.find((screen) => screen.id === id) ?? null;
}

function decodeAnswers(knowledge, text) {
  try {
    return validateAnswers(knowledge, JSON.parse(text || "{}"));
  } catch (error) {
    return {};
  }
}

function previousScreen(knowledge, answers, screen) {
  const earlier = knowledge.screens.slice(0, knowledge.screens.indexOf(screen));
  return earlier.reverse().find((candidate) => screenApplies(candidate, answers)) ?? null;
}

function prune(knowledge, answers) {
  const kept = { ...answers };
  for (const screen of knowledge.screens) {
    if (!screenApplies(screen, kept)) for (const id of screen.findings) delete kept[id];
  }
  return kept;
}

function readScreen(knowledge, screen, data) {
  const findings = new Map(knowledge.findings.map((finding) => [finding.id, finding]));
  const given = {};
  for (const id of screen.findings) {
    const raw = String(data.get(id) ?? "").trim();
    if (raw === "") continue;
    const type = findings.get(id).type;
    if (type === "bool") given[id] = { yes: true, no: false }[raw] ?? raw;
    else if (type === "integer") given[id] = /^\d{1,6}$/.test(raw) ? Number(raw) : raw;
    else given[id] = raw;
  }
  try {
    return { given: validateAnswers(knowledge, given), errors: {} };
  } catch (error) {
    if (error instanceof AnswersError) return { given: {}, errors: error.errors };
    throw error;
  }
}

// The twin of flow.take_step.
function takeStep(knowledge, data) {
  let answers = decodeAnswers(knowledge, data.get("answers"));
  const review = data.get("review") === "1";
  const change = screenById(knowledge, data.get("change"));
  if (change) return { answers, screen: change, review: true };
  const screen = screenById(knowledge, data.get("screen"));
  if (!screen) return { answers: {}, screen: nextScreen(knowledge, {}) };
  if (data.get("action") === "back") {
    return { answers, screen: previousScreen(knowledge, answers, screen) ?? screen, review };
  }
  const { given, errors } = readScreen(knowledge, screen, data);
  if (Object.keys(errors).length) return { answers, screen, review, errors };
  for (const id of screen.findings) delete answers[id];
  answers = prune(knowledge, validateAnswers(knowledge, { ...answers, ...given }));
  const result = assess(knowledge, answers);
  const following = nextScreen(knowledge, answers, screen.id);
  if (result.urgency === "emergency" || !following || review) return { answers, result };
  return { answers, screen: following };
}

function slot(element, name) {
  return element.querySelector(`[data-slot="${name}"]`);
}

function fillList(list, items, fill) {
  const prototype = list.firstElementChild;
  list.replaceChildren();
  for (const item of items) {
    const copy = prototype.cloneNode(true);
    fill(copy, item);
    list.append(copy);
  }
}

function answerText(finding, value) {
  if (finding.type === "integer") return String(value);
  const formValue = finding.type === "bool" ? (value ? "yes" : "no") : value;
  const input = document
    .getElementById("triage-screens")
    .content.querySelector(`input[name="${finding.id}"][value="${formValue}"]`);
  return input.parentElement.textContent.trim();
}

function buildScreen(step) {
  const template = document.getElementById("triage-screens").content;
  const form = template.querySelector(`form[data-screen="${step.screen.id}"]`).cloneNode(true);
  form.elements.answers.value = JSON.stringify(step.answers);
  form.elements.review.value = step.review ? "1" : "";
  for (const id of step.screen.findings) {
    const value = step.answers[id];
    const field = form.elements[id];
    if (value === undefined) continue;
    if (field instanceof HTMLInputElement && field.type === "number") field.value = String(value);
    else if (field) field.value = value === true ? "yes" : value === false ? "no" : value;
  }
  for (const [id, message] of Object.entries(step.errors ?? {})) {
    const legend = form.querySelector(`#legend-${id}`);
    const error = document.createElement("p");
    error.className = "error";
    error.textContent = message;
    legend?.after(error);
  }
  return form;
}

function buildResult(knowledge, step) {
  const section = document.getElementById("triage-result").content.firstElementChild;
  const page = section.cloneNode(true);
  const result = step.result;
  const level = knowledge.urgency_levels.find((candidate) => candidate.id === result.urgency);
  const findings = new Map(knowledge.findings.map((finding) => [finding.id, finding]));
  const causes = new Map(knowledge.causes.map((cause) => [cause.id, cause]));

  const banner = page.querySelector("[data-urgency]");
  banner.className = `urgency urgency-${level.id}`;
  banner.dataset.urgency = level.id;
  slot(banner, "label").textContent = level.label;
  slot(banner, "action").textContent = level.action;
  slot(banner, "explanation").textContent = level.explanation;
  slot(banner, "call").hidden = level.id !== "emergency";

  fillList(page.querySelector('[data-list="causes"]'), result.causes, (item, cause) => {
    slot(item, "name").textContent = causes.get(cause.id).name;
    slot(item, "summary").textContent = causes.get(cause.id).summary;
    slot(item, "reasons").textContent = cause.because
      .map((id) => findings.get(id).label)
      .join(", ");
  });
  slot(page, "causes-help").hidden = result.causes.length === 0;
  slot(page, "no-causes").hidden = result.causes.length > 0;
  fillList(page.querySelector('[data-list="advice"]'), result.advice, (item, text) => {
    item.textContent = text;
  });
  const rows = knowledge.screens
    .map((screen) => ({ screen, ids: screen.findings.filter((id) => id in step.answers) }))
    .filter((row) => row.ids.length);
  fillList(page.querySelector('[data-list="summary"]'), rows, (item, row) => {
    slot(item, "title").textContent = row.screen.title;
    slot(item, "change").value = row.screen.id;
    fillList(item.querySelector('[data-list="items"]'), row.ids, (line, id) => {
      slot(line, "label").textContent = findings.get(id).label;
      slot(line, "answer").textContent = answerText(findings.get(id), step.answers[id]);
    });
  });
  for (const input of page.querySelectorAll('input[name="answers"]')) {
    input.value = JSON.stringify(step.answers);
  }
  // The cached page may have been rendered for someone signed out: it carries both endings.
  slot(page, "save").remove(); // online only: a form post needs the network
  if (signedIn()) {
    const id = crypto.randomUUID();
    slot(page, "sign-in-hint").remove();
    slot(page, "queued").hidden = false;
    keepForLater(id, step.answers);
  } else {
    slot(page, "queued").remove();
  }
  return page;
}

function keepForLater(id, answers) {
  const outbox = self.kneeappOutbox;
  if (!outbox) return;
  outbox
    .enqueue({
      id,
      method: "POST",
      url: root.dataset.assessmentsUrl,
      body: { id, answers },
      label: "Symptom check",
    })
    .catch((error) => console.warn("kneeapp: could not keep the result for later", error));
}

function focusNewContent() {
  const heading = root.querySelector(".screen-title, #result-title");
  if (heading) {
    heading.focus({ preventScroll: true });
    heading.scrollIntoView({ block: "start" });
  }
}

async function runLocally(form, submitter) {
  const knowledge = await loadKnowledge();
  const data = new FormData(form, submitter ?? undefined);
  const step = takeStep(knowledge, data);
  root.replaceChildren(step.result ? buildResult(knowledge, step) : buildScreen(step));
  root.dataset.mode = "offline";
  focusNewContent();
}

function isCheckerForm(form) {
  return form instanceof HTMLFormElement && root.contains(form) && !form.matches(".save-result");
}

if (root) {
  if (navigator.onLine) {
    localStorage.setItem(SIGNED_IN_KEY, root.dataset.signedIn);
    // The service worker precaches the knowledge base; a browser without one keeps it here.
    if (!("serviceWorker" in navigator)) loadKnowledge().catch(() => {});
  }
  root.addEventListener("click", (event) => {
    lastSubmitter = event.target.closest("button[type=submit]");
  });
  // Capture phase, before htmx's own listener: offline, the browser answers instead.
  document.addEventListener(
    "submit",
    (event) => {
      if (navigator.onLine || !isCheckerForm(event.target)) return;
      event.preventDefault();
      event.stopPropagation();
      runLocally(event.target, event.submitter);
    },
    true,
  );
  // Online but the request failed (a dropped connection): carry on in the browser.
  document.body.addEventListener("htmx:sendError", (event) => {
    const form = event.detail.elt.closest("form");
    if (isCheckerForm(form)) runLocally(form, lastSubmitter);
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === root) focusNewContent();
  });
}
