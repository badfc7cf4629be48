// reminders: the exercise-along session on the plan page (templates/reminders/session.html).
//
// One exercise at a time, read from the plan's own cards (data-item, data-hold, data-reps,
// data-sets): for each set, each repetition is a hold counted down, then a short relax; a
// rest comes between sets. Pause, resume and skip; a beep (Web Audio) and a buzz
// (navigator.vibrate) at each change unless switched off (remembered on this phone) or in
// the patient's quiet hours; the screen is kept awake where the browser has a Wake Lock.
// Each exercise finished is marked done on its own, then the patient may say how it felt:
// both go through the outbox (static/kneeapp/outbox.js) under one id per reminder and
// exercise, so a mark and its feedback made offline are sent once, in order, when back online.
// Without JavaScript the section stays hidden and the plan's list works as before.

const SOUND_KEY = "kneeapp-session-sound";
const root = document.getElementById("session");
const cards = [...document.querySelectorAll(".stretch[data-item]")];

function outboxId(schedule, date, item) {
  return `done-${schedule}-${date}-${item}`;
}

// Send one exercise's mark (and its feedback, when given) through the outbox; resolves
// true once the server has it, false while it waits to be sent.
async function sendMark(id, url, body, label) {
  const outbox = window.kneeappOutbox;
  if (!outbox) return false;
  await outbox.enqueue({ id, method: "POST", url, body, label });
  const waiting = async () => (await outbox.pending()).some((item) => item.id === id);
  let summary = await outbox.flush();
  // A flush already under way (the mark just before) may have started without this write.
  if (summary && !summary.retry && !summary.failed && (await waiting())) {
    summary = await outbox.flush();
  }
  return Boolean(summary) && !(await waiting());
}

// ---- the plain "done, and how it felt" form of each card, sent through the outbox ----------
for (const form of document.querySelectorAll(".exercise-done-form")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      schedule: Number(data.get("schedule")),
      date: data.get("date"),
      item: Number(data.get("item")),
    };
    if (data.get("effort")) body.effort = data.get("effort");
    if (data.get("pain") !== "" && data.get("pain") !== null) body.pain = Number(data.get("pain"));
    const state = form.querySelector("[data-waiting]");
    const label = form.querySelector("button[type=submit]").textContent.trim();
    sendMark(form.dataset.outboxId, form.dataset.api, body, label)
      .then((sent) => {
        state.hidden = false;
        state.textContent = sent ? root?.dataset.textSent || "✓" : root?.dataset.textWaiting || "…";
      })
      .catch(() => form.submit());
  });
}

function inQuietHours(start, end, zone) {
  if (!start || !end) return false;
  let now;
  try {
    now = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone || undefined, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(new Date());
  } catch {
    return false;
  }
  return start <= end ? start <= now && now < end : now >= start || now < end;
}

function session() {
  const $ = (selector) => root.querySelector(selector);
  const data = root.dataset;
  const text = (name, values = {}) =>
    (data[`text${name}`] || "").replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ""));
  const exercises = cards.map((card) => ({
    item: Number(card.dataset.item),
    name: card.dataset.name,
    picture: card.dataset.picture,
    pictureAlt: card.querySelector(".stretch-picture")?.alt || "",
    hold: Number(card.dataset.hold) || 30,
    reps: Number(card.dataset.reps) || 1,
    sets: Number(card.dataset.sets) || 1,
  }));
  const relax = Number(data.relaxSeconds) || 5;
  const rest = Number(data.restSeconds) || 30;
  const view = {
    intro: $("[data-session-intro]"), run: $("[data-session-run]"), feedback: $("[data-feedback]"),
    end: $("[data-session-end]"), progress: $("[data-progress]"), name: $("[data-name]"),
    picture: $("[data-picture]"), phase: $("[data-phase]"), count: $("[data-session-count]"),
    rep: $("[data-rep]"), set: $("[data-set]"), pause: $("[data-pause]"), mark: $("[data-mark]"),
    skipped: $("[data-skipped]"), sound: $("[data-sound-switch]"), quiet: $("[data-quiet-note]"),
    painAdvice: $("[data-pain-advice]"),
  };
  const state = { index: 0, steps: [], step: 0, endsAt: 0, left: 0, timer: null, paused: false,
    skippedAny: false, effort: "", pain: null };
  let audio = null;
  let wakeLock = null;

  view.sound.checked = localStorage.getItem(SOUND_KEY) !== "off";
  view.sound.addEventListener("change", () => {
    localStorage.setItem(SOUND_KEY, view.sound.checked ? "on" : "off");
  });

  function quiet() {
    const now = inQuietHours(data.quietStart, data.quietEnd, data.timeZone);
    view.quiet.hidden = !now;
    return now;
  }

  // A beep and a buzz at each change: higher for "hold", lower for "relax" and "rest".
  function cue(kind) {
    if (!view.sound.checked || quiet()) return;
    navigator.vibrate?.(kind === "hold" ? 200 : [100, 80, 100]);
    if (!audio) return;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = kind === "hold" ? 880 : 587;
    gain.gain.setValueAtTime(0.2, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
  }

  async function keepAwake() {
    if (!("wakeLock" in navigator) || wakeLock || document.visibilityState !== "visible") return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", () => {
        wakeLock = null;
      });
    } catch {
      wakeLock = null; // refused (battery saver, no permission): the session runs anyway
    }
  }

  function letSleep() {
    wakeLock?.release().catch(() => {});
    wakeLock = null;
  }

  document.addEventListener("visibilitychange", () => {
    if (!view.run.hidden && !state.paused) keepAwake(); // the lock goes when the page hides
  });

  function stepsOf(exercise) {
    const steps = [];
    for (let set = 1; set <= exercise.sets; set += 1) {
      for (let rep = 1; rep <= exercise.reps; rep += 1) {
        steps.push({ phase: "hold", seconds: exercise.hold, rep, set });
        if (rep < exercise.reps) steps.push({ phase: "relax", seconds: relax, rep, set });
      }
      if (set < exercise.sets) steps.push({ phase: "rest", seconds: rest, rep: exercise.reps, set });
    }
    return steps;
  }

  function show(part) {
    for (const name of ["intro", "run", "feedback", "end"]) view[name].hidden = name !== part;
  }

  function stopTimer() {
    clearInterval(state.timer);
    state.timer = null;
  }

  function render() {
    const exercise = exercises[state.index];
    const step = state.steps[state.step];
    view.count.value = String(Math.max(0, Math.ceil(state.left / 1000)));
    view.phase.textContent = state.paused
      ? text("Paused")
      : text(step.phase === "hold" ? "Hold" : step.phase === "relax" ? "Relax" : "Rest");
    view.rep.textContent = text("Rep", { n: step.rep, total: exercise.reps });
    view.set.textContent = text("Set", { n: step.set, total: exercise.sets });
    root.dataset.phase = state.paused ? "paused" : step.phase;
  }

  function tick() {
    state.left = state.endsAt - Date.now();
    if (state.left <= 0) {
      state.step += 1;
      if (state.step >= state.steps.length) {
        stopTimer();
        finishExercise();
        return;
      }
      startStep();
      return;
    }
    render();
  }

  function startStep() {
    const step = state.steps[state.step];
    state.left = step.seconds * 1000;
    state.endsAt = Date.now() + state.left;
    cue(step.phase);
    render();
  }

  function startExercise(index) {
    const exercise = exercises[index];
    state.index = index;
    state.steps = stepsOf(exercise);
    state.step = 0;
    state.paused = false;
    state.effort = "";
    state.pain = null;
    view.progress.textContent = text("Progress", { n: index + 1, total: exercises.length });
    view.name.textContent = exercise.name;
    view.picture.hidden = !exercise.picture;
    if (exercise.picture) {
      view.picture.src = exercise.picture;
      view.picture.alt = exercise.pictureAlt;
    }
    view.pause.textContent = text("Pause");
    show("run");
    keepAwake();
    startStep();
    stopTimer();
    state.timer = setInterval(tick, 250);
  }

  function body(exercise) {
    const mark = { schedule: Number(data.schedule), date: data.date, item: exercise.item };
    if (state.effort) mark.effort = state.effort;
    if (state.pain !== null) mark.pain = state.pain;
    return mark;
  }

  function send(exercise) {
    if (!data.schedule) return Promise.resolve(false);
    const id = outboxId(data.schedule, data.date, exercise.item);
    return sendMark(id, data.api, body(exercise), exercise.name).catch(() => false);
  }

  function finishExercise() {
    const exercise = exercises[state.index];
    cue("relax");
    for (const button of root.querySelectorAll("[aria-pressed]")) button.setAttribute("aria-pressed", "false");
    if (view.painAdvice) view.painAdvice.hidden = true;
    view.mark.textContent = data.schedule ? text("Waiting") : "";
    show("feedback");
    send(exercise).then((sent) => {
      if (sent && view.mark.textContent) view.mark.textContent = text("Sent");
    });
  }

  function next() {
    if (state.index + 1 < exercises.length) {
      startExercise(state.index + 1);
      return;
    }
    stopTimer();
    letSleep();
    view.skipped.hidden = !state.skippedAny;
    show("end");
  }

  function start() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      audio.resume?.().catch(() => {});
    } catch {
      audio = null; // no Web Audio: the buzz and the screen still tell each change
    }
    state.skippedAny = false;
    quiet();
    startExercise(0);
  }

  $("[data-session-start]").addEventListener("click", start);
  $("[data-again]").addEventListener("click", start);
  view.pause.addEventListener("click", () => {
    if (state.paused) {
      state.paused = false;
      state.endsAt = Date.now() + state.left;
      state.timer = setInterval(tick, 250);
      view.pause.textContent = text("Pause");
      keepAwake();
    } else {
      state.left = state.endsAt - Date.now();
      state.paused = true;
      stopTimer();
      view.pause.textContent = text("Resume");
    }
    render();
  });
  $("[data-skip]").addEventListener("click", () => {
    stopTimer();
    state.skippedAny = true;
    next();
  });
  for (const button of root.querySelectorAll("[data-effort]")) {
    button.addEventListener("click", () => {
      state.effort = button.dataset.effort;
      for (const other of root.querySelectorAll("[data-effort]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
    });
  }
  for (const button of root.querySelectorAll("[data-pain]")) {
    button.addEventListener("click", () => {
      state.pain = Number(button.dataset.pain);
      for (const other of root.querySelectorAll("[data-pain]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      // Severe pain during a stretch: say at once what to do (the text is in the page: offline too).
      if (view.painAdvice) view.painAdvice.hidden = state.pain < Number(view.painAdvice.dataset.from);
    });
  }
  $("[data-next]").addEventListener("click", () => {
    const exercise = exercises[state.index];
    if (state.effort || state.pain !== null) send(exercise); // the same id: one row, updated
    next();
  });
  root.hidden = false;
}

if (root && cards.length) session();
