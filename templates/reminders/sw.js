// reminders: show every pushed reminder with "Done" and "Later", report its receipt, follow
// a renewed subscription; a tap opens the right page.
// "Done" marks the reminder's stretches done through the outbox (so it is kept when the
// phone is offline) or, without it, a direct POST. "Later" posts the push's signed "later"
// token (no session needed: it may have expired), and the server sends the reminder again in
// 30 minutes, once (reminders/snooze.py).
const REMINDERS_DONE_URL = "{% url 'api-plan-done' %}";
const REMINDERS_PLAN_URL = "{% url 'reminders:plan' %}";
const REMINDERS_ICON = "{% load static %}{% static 'kneeapp/icons/icon-192.png' %}";

function remindersShow(data) {
  const options = {
    body: data.body || "",
    tag: data.tag || "kneeapp-reminder",
    renotify: true,
    icon: REMINDERS_ICON,
    badge: REMINDERS_ICON,
    data: { url: data.url || REMINDERS_PLAN_URL, reminder: data.reminder || null, payload: data },
  };
  if (data.reminder) {
    options.actions = [
      { action: "done", title: "{{ _('Done')|escapejs }}" },
      { action: "later", title: "{{ _('Later')|escapejs }}" },
    ];
  }
  return self.registration.showNotification(data.title || "kneeapp", options);
}

// Every push shows a notification, whatever it carries: iOS silently revokes a subscription
// whose pushes show nothing. A payload that cannot be read shows a generic reminder.
const REMINDERS_GENERIC_TITLE = "{{ _('kneeapp reminder')|escapejs }}";
const REMINDERS_GENERIC_BODY = "{{ _('You have a reminder: open kneeapp to see it.')|escapejs }}";
const REMINDERS_RENEW_URL = "{% url 'api-push-subscription-renew' %}";

function remindersText(value, otherwise) {
  return typeof value === "string" && value.trim() ? value : otherwise;
}

function remindersSameOrigin(link) {
  try {
    const url = new URL(link, self.location.origin);
    return url.origin === self.location.origin ? url.pathname + url.search + url.hash : "";
  } catch (error) {
    return "";
  }
}

// Our own fields, or those of a Declarative Web Push message ({"web_push": 8030, ...}), which
// Safari shows by itself and other browsers hand to this worker.
function remindersRead(event) {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch (error) {
    data = null;
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) data = {};
  const declared = data.web_push === 8030 && data.notification && typeof data.notification === "object"
    ? data.notification : {};
  const object = (value) => (value && typeof value === "object" && !Array.isArray(value) ? value : null);
  return {
    title: remindersText(data.title, remindersText(declared.title, REMINDERS_GENERIC_TITLE)),
    body: remindersText(data.body, remindersText(declared.body, REMINDERS_GENERIC_BODY)),
    tag: remindersText(data.tag, remindersText(declared.tag, "kneeapp-reminder")),
    url: remindersSameOrigin(remindersText(data.url, remindersText(declared.navigate, ""))) || REMINDERS_PLAN_URL,
    reminder: object(data.reminder),
    receipt: object(data.receipt),
    later: object(data.later),
  };
}

// The receipt, and "Later": the push's own signed token ({url, token}), so no session is
// needed (it may have expired). Offline, the push stays unconfirmed (the next one confirmed
// counts), and a "Later" moves nothing (the reminder is still open on the plan page).
async function remindersPostToken(link) {
  const url = remindersSameOrigin(remindersText(link.url, ""));
  if (!url || typeof link.token !== "string") return;
  try {
    await fetch(url, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: link.token }),
    });
  } catch (error) {
    // Offline: see above.
  }
}

async function remindersOnPush(event) {
  let data = { title: REMINDERS_GENERIC_TITLE, body: REMINDERS_GENERIC_BODY, url: REMINDERS_PLAN_URL };
  try {
    data = remindersRead(event);
    await remindersShow(data);
  } catch (error) {
    await self.registration.showNotification(REMINDERS_GENERIC_TITLE, {
      body: REMINDERS_GENERIC_BODY, tag: "kneeapp-reminder", icon: REMINDERS_ICON, data: { url: REMINDERS_PLAN_URL },
    });
  }
  if (data.receipt) await remindersPostToken(data.receipt);
}

self.addEventListener("push", (event) => {
  event.waitUntil(remindersOnPush(event));
});

// The push service gave this browser a new subscription (or took it away): tell the server,
// which swaps the row of the old endpoint (no session needed). If this fails, the page
// resyncs on its next load.
async function remindersRenew(event) {
  const old = event.oldSubscription;
  let fresh = event.newSubscription;
  const key = old && old.options && old.options.applicationServerKey;
  if (!fresh && key) {
    fresh = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  if (!old || !fresh) return;
  await fetch(REMINDERS_RENEW_URL, {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ old_endpoint: old.endpoint, subscription: fresh.toJSON() }),
  });
}

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(remindersRenew(event).catch(() => undefined));
});

async function remindersMarkDone(reminder) {
  const body = { schedule: reminder.schedule, date: reminder.date };
  const outbox = self.kneeappOutbox;
  if (outbox) {
    await outbox.enqueue({
      id: `done-${reminder.schedule}-${reminder.date}`, method: "POST", url: REMINDERS_DONE_URL, body,
    });
    await outbox.flush();
    return;
  }
  await fetch(REMINDERS_DONE_URL, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function remindersOpen(url) {
  const target = new URL(url, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (client.url === target && "focus" in client) return client.focus();
  }
  for (const client of windows) {
    if ("navigate" in client && new URL(client.url).origin === self.location.origin) {
      await client.focus();
      return client.navigate(target);
    }
  }
  return self.clients.openWindow(target);
}

self.addEventListener("notificationclick", (event) => {
  const notification = event.notification;
  const data = notification.data || {};
  notification.close();
  if (event.action === "done" && data.reminder) {
    event.waitUntil(remindersMarkDone(data.reminder));
  } else if (event.action === "later") {
    const later = data.payload && data.payload.later;
    if (later) event.waitUntil(remindersPostToken(later));
  } else {
    event.waitUntil(remindersOpen(data.url || REMINDERS_PLAN_URL));
  }
});
