{% load static %}// diary: the outbox. Entries (and any other queued write) made offline are sent by
// the Background Sync "sync" event, even with no page open, through the same code the
// pages use (static/kneeapp/outbox.js, a classic script that works in both).
importScripts("{% static 'kneeapp/outbox.js' %}");

self.addEventListener("sync", (event) => {
  if (event.tag === self.kneeappOutbox.SYNC_TAG) {
    // Rejecting asks the browser to fire the sync again later (with its own backoff).
    event.waitUntil(self.kneeappOutbox.flush().then((summary) => {
      if (summary.retry > 0) throw new Error("kneeapp outbox: some writes wait for a retry");
    }));
  }
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "outbox-flush") {
    event.waitUntil(self.kneeappOutbox.flush());
  }
});
