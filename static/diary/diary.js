// diary: the entry form goes through the outbox (so it works offline), warning signs show their
// advice at once, and the pages show what still waits to be sent. Without JavaScript the same
// form posts to the server as plain HTML.
const outbox = window.kneeappOutbox;
const API_PREFIX = "/api/v1/diary/entries/";

function localToday() {
  const now = new Date();
  const pad = (number) => String(number).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function isDiaryWrite(item) {
  return item.url.startsWith(API_PREFIX);
}

// --- warning signs: the advice shows as soon as a box is ticked ----------------------------
// The symptom checker's own engine (static/triage/engine.js) on its knowledge base, both
// precached for offline use, gives the urgency and advice, exactly as the saved entry's page
// will. Until they load, or if they cannot, the page's own copy of each sign's answer stands
// in (diary/red_flags.py preview()): the highest of the ticked signs' levels.
let enginePromise = null;

function loadEngine(fieldset) {
  enginePromise ??= Promise.all([
    import(fieldset.dataset.engineUrl),
    fetch(fieldset.dataset.knowledgeUrl, { credentials: "same-origin" }).then((response) => {
      if (!response.ok) throw new Error(`knowledge: HTTP ${response.status}`);
      return response.json();
    }),
  ]).then(([engine, knowledge]) => ({ assess: engine.assess, knowledge }));
  enginePromise.catch((error) => {
    console.warn("diary: the symptom checker's engine is not available", error);
    enginePromise = null; // try again on the next tick
  });
  return enginePromise;
}

function previewData() {
  const script = document.getElementById("red-flag-preview");
  return script ? JSON.parse(script.textContent) : { levels: {}, order: [], signs: {} };
}

// Urgency and advice for the ticked signs without the engine: a floor under its answer.
function fallbackAdvice(ticked) {
  const { levels, order, signs } = previewData();
  const known = ticked.filter((id) => id in signs);
  if (!known.length) return null;
  const rank = Math.max(...known.map((id) => order.indexOf(signs[id].urgency)));
  const urgency = order[rank];
  const advice = [...new Set(known.filter((id) => signs[id].urgency === urgency)
    .flatMap((id) => signs[id].advice))];
  return { urgency, level: levels[urgency], advice };
}

function engineAdvice({ assess, knowledge }, ticked) {
  const findings = new Map(knowledge.findings.map((finding) => [finding.id, finding]));
  const answers = Object.fromEntries(
    ticked.filter((id) => findings.get(id)?.type === "bool").map((id) => [id, true]),
  );
  if (!Object.keys(answers).length) return null;
  const result = assess(knowledge, answers);
  if (result.urgency === "self_care") return null;
  const level = knowledge.urgency_levels.find((candidate) => candidate.id === result.urgency);
  return { urgency: result.urgency, level, advice: result.advice };
}

function render(block, shown) {
  block.hidden = !shown;
  if (!shown) return;
  block.className = `urgency urgency-${shown.urgency} red-flag-advice`;
  block.dataset.redFlagAdvice = shown.urgency;
  for (const key of ["label", "action", "explanation"]) {
    block.querySelector(`[data-slot="${key}"]`).textContent = shown.level[key];
  }
  block.querySelector('[data-slot="call"]').hidden = shown.urgency !== "emergency";
  block.querySelector('[data-slot="check"]').hidden = shown.urgency === "emergency"; // call first
  block.querySelector('[data-slot="advice"]').replaceChildren(...shown.advice.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
}

let adviceRun = 0;

async function showAdvice(form) {
  const fieldset = form.querySelector(".red-flags");
  const block = form.querySelector("[data-red-flag-advice]");
  if (!fieldset || !block) return;
  const ticked = [...fieldset.querySelectorAll("input:checked")].map((input) => input.value);
  const run = ++adviceRun;
  render(block, fallbackAdvice(ticked)); // at once, even offline with nothing cached
  if (!ticked.length) return;
  try {
    const engine = await loadEngine(fieldset);
    if (run === adviceRun) render(block, engineAdvice(engine, ticked));
  } catch (error) {
    // The fallback shown above stays.
  }
}

// --- the form: save through the outbox -------------------------------------------------------
function freshEntry(form) {
  form.querySelector('input[name="id"]').value = crypto.randomUUID();
  const date = form.querySelector("input[data-default-today]");
  if (date) date.value = localToday();
}

function entryBody(form) {
  const data = new FormData(form);
  const checked = (name) => form.elements[name]?.checked || false;
  return {
    date: data.get("date"),
    pain: Number(data.get("pain")),
    swelling: data.get("swelling") || "none",
    stiffness: checked("stiffness"),
    walked_normally: checked("walked_normally"),
    rice: checked("rice"),
    pain_relief: checked("pain_relief"),
    stretches_done: data.getAll("stretches_done").map(Number),
    red_flags: data.getAll("red_flags"),
    notes: data.get("notes") || "",
    client_updated_at: new Date().toISOString(),
  };
}

function say(form, text) {
  const status = form.querySelector("[data-form-status]");
  status.textContent = text;
  status.hidden = !text;
}

async function save(form, event) {
  event.preventDefault();
  const id = form.querySelector('input[name="id"]').value;
  const body = entryBody(form);
  const url = `${form.dataset.apiUrl}${id}/`;
  await outbox.enqueue({ id, method: "PUT", url, body, label: body.date });
  if (navigator.onLine) await outbox.flush();
  const waiting = (await outbox.pending()).find((item) => item.id === id);
  if (!waiting) {
    window.location.assign(`/diary/${id}/`);
    return;
  }
  if (waiting.status === "failed") {
    say(form, `${form.dataset.failedMessage} ${waiting.error}`);
    return;
  }
  say(form, form.dataset.queuedMessage);
  if ("newEntry" in form.dataset) {
    form.reset();
    freshEntry(form); // the next entry is a new one; the advice shown stays on screen
  }
}

// --- "N waiting to be sent" and the pending part of the history ------------------------------
function showCounter({ items }) {
  const status = document.getElementById("outbox-status");
  if (!status) return;
  const diary = items.filter(isDiaryWrite);
  const waiting = diary.filter((item) => item.status === "pending").length;
  const failed = diary.length - waiting;
  const parts = [];
  if (waiting === 1) parts.push(status.dataset.one);
  if (waiting > 1) parts.push(status.dataset.many.replace("__N__", String(waiting)));
  if (failed) parts.push(status.dataset.failed);
  status.textContent = parts.join(" ");
  status.dataset.waiting = String(waiting);
  status.hidden = parts.length === 0;
}

function showPending({ items }) {
  const section = document.getElementById("pending-entries");
  if (!section) return;
  const list = section.querySelector("[data-pending-list]");
  const diary = items.filter(isDiaryWrite);
  list.replaceChildren(...diary.map((item) => {
    const entry = document.createElement("li");
    entry.className = `card diary-entry pending-entry pending-${item.status}`;
    entry.dataset.entryId = item.id;
    const title = document.createElement("h3");
    title.textContent = item.body.date;
    const text = document.createElement("p");
    const state = item.status === "failed"
      ? `${section.dataset.failedLabel}: ${item.error}`
      : section.dataset.pendingLabel;
    text.textContent = `${section.dataset.painLabel} ${item.body.pain}/10 · ${state}`;
    entry.append(title, text);
    if (item.status === "failed") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = section.dataset.retryLabel;
      button.addEventListener("click", () => outbox.retry(item.id));
      entry.append(button);
    }
    return entry;
  }));
  section.hidden = diary.length === 0;
}

if (outbox) {
  window.addEventListener(outbox.EVENT, (event) => {
    showCounter(event.detail);
    showPending(event.detail);
  });
  window.addEventListener(outbox.SENT_EVENT, (event) => {
    // The history lists what the server holds: show a newly sent entry there.
    if (document.getElementById("pending-entries") && event.detail.url.startsWith(API_PREFIX)) {
      window.location.reload();
    }
  });
  for (const form of document.querySelectorAll("form[data-outbox-form]")) {
    if ("newEntry" in form.dataset) freshEntry(form);
    form.addEventListener("submit", (event) => {
      save(form, event).catch((error) => {
        // IndexedDB unusable (private mode in some browsers): post the form as plain HTML.
        console.warn("diary: the outbox is not available, posting the form", error);
        form.submit();
      });
    });
  }
  outbox.announce();
}

for (const form of document.querySelectorAll("form[data-outbox-form]")) {
  form.addEventListener("change", () => showAdvice(form));
  showAdvice(form);
}
