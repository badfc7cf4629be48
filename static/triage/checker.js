// The symptom checker in the page: moves focus to each new question after an htmx swap,
// keeps every step in the page's history (Back, Forward and reload keep the answers), and,
// with no network, runs the same steps as triage/flow.py in the browser (flow.js on
// engine.js and the precached knowledge base). Screens and the result are built from the <template>s
// the server rendered from its own partials, so offline pages look exactly like online ones.
// A signed-in person's offline result waits in the outbox (kneeapp/outbox.js) and is saved
// to their account when the connection returns (idempotent by its client-made UUID).

import { carried, firstStep, progress, screenById, takeStep } from "./flow.js";
import { assess } from "./engine.js";

const root = document.getElementById("checker");
const SIGNED_IN_KEY = "kneeapp-triage-signed-in";
const BREATHING = ["chest_pain", "breathless"];
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

function buildScreen(knowledge, step) {
  const template = document.getElementById("triage-screens").content;
  const form = template.querySelector(`form[data-screen="${step.screen.id}"]`).cloneNode(true);
  form.elements.answers.value = JSON.stringify(step.answers);
  form.elements.unsure.value = JSON.stringify(step.unsure);
  form.elements.reask.value = step.reask.join(",");
  form.elements.review.value = step.review ? "1" : "";
  form.elements.walk.value = step.walk.join(",");
  const [position, total] = progress(knowledge, step);
  const label = slot(form, "progress");
  label.textContent = label.dataset.format
    .replace("{position}", String(position))
    .replace("{total}", String(total));
  const bar = form.querySelector("progress");
  bar.max = total;
  bar.value = position;
  bar.textContent = `${position} / ${total}`;
  slot(form, "back").hidden = step.screen === knowledge.screens[0] && !step.reask.length;
  if (step.reask.length) {
    // Asked once more: only the unanswered red flags, in plainer words.
    for (const fieldset of form.querySelectorAll("fieldset[data-finding]")) {
      if (!step.reask.includes(fieldset.dataset.finding)) fieldset.remove();
      else fieldset.querySelector("legend").textContent = fieldset.dataset.reask;
    }
    slot(form, "help")?.remove();
    const note = document.getElementById("triage-reask-note").content.firstElementChild;
    form.querySelector(".screen-title").after(note.cloneNode(true));
  }
  for (const id of step.screen.findings) {
    const value = step.answers[id];
    const field = form.elements[id];
    if (value === undefined || !field) continue;
    if (field instanceof HTMLInputElement && field.type === "number") field.value = String(value);
    else field.value = value === true ? "yes" : value === false ? "no" : value;
  }
  for (const [id, message] of Object.entries(step.errors ?? {})) {
    const legend = form.querySelector(`#legend-${id}`);
    const error = document.createElement("p");
    error.className = "error";
    error.textContent = message;
    legend?.after(error);
    form.elements[id]?.setAttribute?.("aria-invalid", "true");
  }
  return form;
}

function said(finding, value) {
  if (finding.type === "enum") return finding.options.find((o) => o.id === value).said;
  if (finding.type === "integer") return finding.said.replace("{value}", String(value));
  if (value === true) return finding.said;
  return `${finding.label}: ${answerText(finding, value)}`;
}

function buildResult(knowledge, step) {
  const section = document.getElementById("triage-result").content.firstElementChild;
  const page = section.cloneNode(true);
  const result = step.result;
  const level = knowledge.urgency_levels.find((candidate) => candidate.id === result.urgency);
  const findings = new Map(knowledge.findings.map((finding) => [finding.id, finding]));
  const causes = new Map(knowledge.causes.map((cause) => [cause.id, cause]));
  const saidOf = (id) => said(findings.get(id), step.answers[id]);
  const answered = (ids) => ids.filter((id) => id in step.answers);

  const banner = page.querySelector("[data-urgency]");
  banner.className = `urgency urgency-${level.id}`;
  banner.dataset.urgency = level.id;
  slot(banner, "label").textContent = level.label;
  slot(banner, "action").textContent = level.action;
  slot(banner, "explanation").textContent = level.explanation;
  slot(banner, "call").hidden = !(
    level.id === "emergency" || step.unsure.some((id) => BREATHING.includes(id))
  );
  const reasons = answered(result.red_flags).map(saidOf);
  fillList(page.querySelector('[data-list="reasons"]'), reasons, (item, text) => {
    item.textContent = text;
  });
  slot(banner, "why").hidden = reasons.length === 0;
  const unsure = step.unsure.map((id) => findings.get(id).label);
  fillList(page.querySelector('[data-list="unsure"]'), unsure, (item, text) => {
    item.textContent = text;
  });
  slot(banner, "unsure").hidden = unsure.length === 0;

  const fillCause = (item, cause) => {
    slot(item, "name").textContent = causes.get(cause.id).name;
    slot(item, "summary").textContent = causes.get(cause.id).summary;
    slot(item, "reasons").textContent = answered(cause.because).map(saidOf).join("; ");
  };
  const serious = result.causes.filter((cause) => causes.get(cause.id).serious);
  const common = result.causes.filter((cause) => !causes.get(cause.id).serious);
  fillList(page.querySelector('[data-list="rule-out"]'), serious, fillCause);
  slot(page, "rule-out").hidden = serious.length === 0;
  fillList(page.querySelector('[data-list="causes"]'), common, fillCause);
  slot(page, "causes-help").hidden = common.length === 0;
  slot(page, "no-causes").hidden = common.length > 0;
  fillList(page.querySelector('[data-list="advice"]'), result.advice, (item, text) => {
    item.textContent = text;
  });
  const rows = knowledge.screens
    .map((screen) => ({
      screen,
      ids: screen.findings.filter((id) => id in step.answers || step.unsure.includes(id)),
    }))
    .filter((row) => row.ids.length);
  const notSure = document.getElementById("triage-not-sure").content.textContent.trim();
  fillList(page.querySelector('[data-list="summary"]'), rows, (item, row) => {
    slot(item, "title").textContent = row.screen.title;
    slot(item, "change").value = row.screen.id;
    fillList(item.querySelector('[data-list="items"]'), row.ids, (line, id) => {
      slot(line, "label").textContent = findings.get(id).label;
      slot(line, "answer").textContent =
        id in step.answers ? answerText(findings.get(id), step.answers[id]) : notSure;
    });
  });
  for (const input of page.querySelectorAll('input[name="answers"]')) {
    input.value = JSON.stringify(step.answers);
  }
  for (const input of page.querySelectorAll('input[name="unsure"]')) {
    input.value = JSON.stringify(step.unsure);
  }
  // The cached page may have been rendered for someone signed out: it carries both endings.
  slot(page, "save").remove(); // online only: a form post needs the network
  if (signedIn() && !step.restored) {
    const id = crypto.randomUUID();
    slot(page, "sign-in-hint").remove();
    slot(page, "queued").hidden = false;
    keepForLater(id, step.answers, step.unsure);
  } else if (signedIn()) {
    slot(page, "sign-in-hint").remove();
  } else {
    slot(page, "queued").remove();
  }
  return page;
}

function keepForLater(id, answers, unsure) {
  const outbox = self.kneeappOutbox;
  if (!outbox) return;
  outbox
    .enqueue({
      id,
      method: "POST",
      url: root.dataset.assessmentsUrl,
      body: unsure.length ? { id, answers, unsure } : { id, answers },
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

function render(knowledge, step) {
  root.replaceChildren(step.result ? buildResult(knowledge, step) : buildScreen(knowledge, step));
  window.htmx?.process(root); // online, the rebuilt forms go on through htmx
}

// Back, forward and reload keep the answers: each step is an entry in the page's history
// (its state, never the URL), and the page rebuilds it from there. Nothing reaches the server.
function remember(step, replace = false) {
  const state = { kneeappTriage: carried(step) };
  if (replace) {
    history.replaceState(state, "");
    return;
  }
  // The entry left behind keeps the answers given since, as the form's Back button does.
  const current = history.state?.kneeappTriage;
  if (current) {
    const answers = { ...current, answers: step.answers, unsure: step.unsure };
    history.replaceState({ kneeappTriage: answers }, "");
  }
  history.pushState(state, "");
}

// Reload and Back/Forward rebuild the step of this history entry; a fresh visit starts over.
function revisited() {
  const [entry] = performance.getEntriesByType("navigation");
  return entry?.type === "reload" || entry?.type === "back_forward";
}

function stepFromState(knowledge, saved) {
  const screen = screenById(knowledge, saved.screen);
  const base = {
    answers: saved.answers,
    unsure: saved.unsure,
    reask: saved.reask ?? [],
    review: Boolean(saved.review),
    walk: saved.walk ?? [],
    errors: {},
  };
  if (screen) return { ...base, screen, result: null };
  const result = assess(knowledge, saved.answers, saved.unsure);
  return { ...base, screen: null, result, restored: true };
}

async function restore(saved) {
  try {
    const knowledge = await loadKnowledge();
    render(knowledge, saved ? stepFromState(knowledge, saved) : firstStep(knowledge));
    focusNewContent();
  } catch (error) {
    console.warn("kneeapp: could not restore the checker", error); // the page as served stays
  }
}

// The step shown by the page (after an htmx swap or a full page), read from its hidden fields.
function shownStep() {
  const form = root.querySelector("form.checker-step, form.answers-summary");
  if (!form) return null;
  const field = (name) => form.elements[name]?.value ?? "";
  const parse = (text, fallback) => {
    try {
      return JSON.parse(text || fallback);
    } catch {
      return JSON.parse(fallback);
    }
  };
  const list = (text) => (text ? text.split(",") : []);
  return {
    screen: form.matches(".checker-step") ? { id: field("screen") } : null,
    answers: parse(field("answers"), "{}"),
    unsure: parse(field("unsure"), "[]"),
    reask: list(field("reask")),
    review: field("review") === "1",
    walk: list(field("walk")),
  };
}

async function runLocally(form, submitter) {
  const knowledge = await loadKnowledge();
  const data = new FormData(form, submitter ?? undefined);
  const step = takeStep(knowledge, data);
  render(knowledge, step);
  root.dataset.mode = "offline";
  remember(step);
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
    // "Start again" opens a fresh questionnaire, not this entry's answers.
    if (event.target.closest('[data-slot="restart"]')) history.replaceState(null, "");
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
    if (event.detail.target !== root) return;
    const step = shownStep();
    if (step) remember(step);
    focusNewContent();
  });
  window.addEventListener("popstate", (event) => {
    if (event.state && "kneeappTriage" in event.state) restore(event.state.kneeappTriage);
  });
  // A reload (or coming back to the page) shows the step this history entry was on.
  const saved = history.state?.kneeappTriage;
  if (saved && revisited()) restore(saved);
  else {
    const step = shownStep();
    if (step) remember(step, true);
  }
}
