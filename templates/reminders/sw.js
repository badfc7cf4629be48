// reminders: show a pushed reminder with "Done" and "Later"; a tap opens the right page.
// "Done" marks the reminder's stretches done through the outbox (so it is kept when the
// phone is offline) or, without it, a direct POST. "Later" only puts it away: a service
// worker cannot be kept alive to ask again, and the reminder stays open on the plan page.
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

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(remindersShow(data));
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
    // Nothing to do: the notification is closed and the reminder is still open on the plan.
  } else {
    event.waitUntil(remindersOpen(data.url || REMINDERS_PLAN_URL));
  }
});
