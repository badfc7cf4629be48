// reminders: the plan page. Hold timers and "done" marks that survive being offline (through
// the outbox, static/kneeapp/outbox.js); reminders on this phone are push.js.
// Without JavaScript the page still works: "done" is a plain form POST.

function csrfToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

// ---- hold timers ------------------------------------------------------------------------
for (const timer of document.querySelectorAll(".hold-timer")) {
  const seconds = Number(timer.dataset.holdSeconds) || 30;
  const start = timer.querySelector("[data-start]");
  const count = timer.querySelector("[data-count]");
  let interval = null;
  timer.hidden = false;
  start.addEventListener("click", () => {
    if (interval) clearInterval(interval);
    let left = seconds;
    count.value = String(left);
    timer.dataset.running = "";
    interval = setInterval(() => {
      left -= 1;
      count.value = left > 0 ? String(left) : "✓";
      if (left <= 0) {
        clearInterval(interval);
        interval = null;
        delete timer.dataset.running;
        navigator.vibrate?.(200);
      }
    }, 1000);
  });
}

// ---- "done" marks -------------------------------------------------------------------------
function showDone(form, waiting) {
  const item = form.closest(".reminder");
  const waitingNote = item.querySelector("[data-waiting]");
  form.hidden = true;
  if (waiting && waitingNote) {
    waitingNote.hidden = false;
  } else {
    item.classList.add("reminder-done");
    if (waitingNote) {
      waitingNote.hidden = false;
      waitingNote.textContent = item.dataset.doneLabel || "✓";
    }
  }
}

async function sendDone(form) {
  const body = { schedule: Number(form.dataset.schedule), date: form.dataset.date };
  const outbox = window.kneeappOutbox;
  if (outbox) {
    // Keyed by the reminder: marking it twice (page and notification) queues it once.
    await outbox.enqueue({
      id: form.dataset.outboxId,
      method: "POST",
      url: form.dataset.api,
      body,
      label: form.querySelector("button").textContent.trim(),
    });
    showDone(form, true);
    const summary = await outbox.flush();
    if (summary && summary.retry === 0 && summary.failed === 0) showDone(form, false);
    return;
  }
  const response = await fetch(form.dataset.api, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`done: ${response.status}`);
  showDone(form, false);
}

for (const form of document.querySelectorAll(".done-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendDone(form).catch(() => form.submit());
  });
}

window.addEventListener("kneeapp:outbox-sent", (event) => {
  const id = event.detail && event.detail.id;
  const form = id && document.querySelector(`.done-form[data-outbox-id="${CSS.escape(id)}"]`);
  if (form) showDone(form, false);
});
