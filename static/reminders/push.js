// reminders: reminders on this phone by Web Push (the plan and the settings page).
// On every load the browser's push subscription is sent to the server again: after an OS
// update it may have a new endpoint or new keys (they replace this browser's old row), or be
// gone (with permission still granted it is made again, without asking). The button turns
// push on and shows each state on the way: asking, setting up, on, refused, failed.
const box = document.getElementById("push-setup");
const button = document.getElementById("enable-push");
const STORED_ENDPOINT = "kneeapp-push-endpoint";
const WAIT = 20000; // a service worker that never gets ready must not leave a spinner

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  try {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
  } catch {
    return "";
  }
}

function show(state) {
  box.dataset.state = state;
  for (const message of box.querySelectorAll("[data-state-message]")) {
    message.hidden = message.dataset.stateMessage !== state;
  }
  const busy = state === "asking" || state === "working";
  box.setAttribute("aria-busy", String(busy));
  button.hidden = !["off", "failed"].includes(state);
  button.disabled = busy;
}

function when(iso) {
  const options = { dateStyle: "medium", timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone: box.dataset.timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(new Date(iso));
  }
}

function showOn(state) {
  const text = state.confirmed_at
    ? box.dataset.msgReached.replace("{time}", when(state.confirmed_at))
    : box.dataset.msgUnconfirmed.replace("{time}", when(state.subscribed_at));
  box.querySelector("[data-confirmed]").textContent = text;
  show("on");
}

function applicationServerKey(base64url) {
  const base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

// Our VAPID key pair never changes; a subscription made for another key is made again.
function ours(subscription) {
  const key = subscription.options && subscription.options.applicationServerKey;
  if (!key) return true;
  const mine = applicationServerKey(box.dataset.vapidKey);
  const theirs = new Uint8Array(key);
  return theirs.length === mine.length && theirs.every((byte, i) => byte === mine[i]);
}

function ready() {
  return Promise.race([
    navigator.serviceWorker.ready,
    new Promise((resolve, reject) => setTimeout(() => reject(new Error("no service worker")), WAIT)),
  ]);
}

async function subscription(create) {
  const registration = await ready();
  let current = await registration.pushManager.getSubscription();
  if (current && !ours(current)) {
    await current.unsubscribe();
    current = null;
  }
  if (!current && create) {
    current = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: applicationServerKey(box.dataset.vapidKey),
    });
  }
  return current;
}

async function register(current) {
  const replaces = localStorage.getItem(STORED_ENDPOINT);
  const body = { ...current.toJSON(), replaces: replaces && replaces !== current.endpoint ? replaces : "" };
  const response = await fetch(box.dataset.api, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`push subscription: ${response.status}`);
  localStorage.setItem(STORED_ENDPOINT, current.endpoint);
  return response.json();
}

async function turnOn() {
  show("asking");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    show(permission === "denied" ? "refused" : "off");
    return;
  }
  show("working");
  showOn(await register(await subscription(true)));
}

// Only while the patient wants push: a resync must not turn it back on after they chose email.
async function resync() {
  if (Notification.permission === "denied") return show("refused");
  if (Notification.permission !== "granted" || box.dataset.wanted !== "true") return show("off");
  const current = await subscription(true);
  if (!current) return show("off");
  return showOn(await register(current));
}

if (box && button) {
  if (!("serviceWorker" in navigator && "PushManager" in window && "Notification" in window)) {
    show("unsupported");
  } else {
    button.addEventListener("click", () => {
      turnOn().catch((error) => {
        console.warn("reminders: push not set up", error);
        show("failed");
      });
    });
    resync().catch((error) => {
      console.warn("reminders: push subscription not resynced", error);
      show("off");
    });
  }
}
