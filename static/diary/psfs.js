// PSFS: the activities form goes through the outbox (so it works offline) as a PUT of
// /api/v1/me/psfs/<uuid>/, idempotent by that id. Without JavaScript the same form posts to
// the server as plain HTML.
const outbox = window.kneeappOutbox;

function localToday() {
  const now = new Date();
  const pad = (number) => String(number).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function psfsBody(form) {
  const ratings = [];
  for (const row of form.querySelectorAll("[data-psfs-row]")) {
    const name = row.querySelector('input[type="text"]').value.trim();
    const score = row.querySelector('input[type="radio"]:checked');
    if (!name && !score) continue;
    const activity = row.querySelector('input[type="hidden"][name^="activity_"]').value;
    ratings.push({ activity: activity || null, name, score: score ? Number(score.value) : null });
  }
  return { date: localToday(), ratings, client_updated_at: new Date().toISOString() };
}

function say(form, text) {
  const status = form.querySelector("[data-form-status]");
  status.textContent = text;
  status.hidden = !text;
}

async function save(form, event) {
  const body = psfsBody(form);
  // A row half filled in: let the server's plain form say which field is missing.
  if (!body.ratings.length || body.ratings.some((r) => !r.name || r.score === null)) return;
  event.preventDefault();
  const idInput = form.querySelector('input[name="id"]');
  const id = idInput.value;
  const url = `${form.dataset.apiUrl}${id}/`;
  await outbox.enqueue({ id, method: "PUT", url, body, label: body.date });
  if (navigator.onLine) await outbox.flush();
  const waiting = (await outbox.pending()).find((item) => item.id === id);
  if (!waiting) {
    window.location.assign(form.dataset.sentUrl);
    return;
  }
  if (waiting.status === "failed") {
    say(form, `${form.dataset.failedMessage} ${waiting.error}`);
    return;
  }
  say(form, form.dataset.queuedMessage);
  idInput.value = crypto.randomUUID(); // the next answers are a new assessment
}

if (outbox) {
  for (const form of document.querySelectorAll("form[data-psfs-form]")) {
    // A page kept for offline use is shown again and again: each showing is a new answer.
    form.querySelector('input[name="id"]').value = crypto.randomUUID();
    form.addEventListener("submit", (event) => {
      save(form, event).catch((error) => {
        console.warn("psfs: the outbox is not available, posting the form", error);
        form.submit();
      });
    });
  }
}
