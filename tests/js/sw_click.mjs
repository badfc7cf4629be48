// The service worker's notificationclick (templates/reminders/sw.js, as Django rendered it),
// run in a Node vm context with a FAKE `self`: it records the handlers the worker adds, the
// fetches it makes and the promises it hands to waitUntil. This is not a browser: it checks
// what the handler does with a click, not that Chromium delivers one (no test here can click a
// notification's action button).
//
// Reads {"source": <sw.js>, "click": {"action", "data"}} as JSON on stdin; prints the fetches.
import { readFileSync } from "node:fs";
import vm from "node:vm";

const input = JSON.parse(readFileSync(0, "utf8"));
const handlers = {};
const fetches = [];
const self = {
  location: new URL("https://kneeapp.test/sw.js"),
  addEventListener: (type, handler) => { handlers[type] = handler; },
  registration: { showNotification: async () => undefined, pushManager: {} },
  clients: { matchAll: async () => [], openWindow: async (url) => { fetches.push({ opened: url }); } },
};
const context = vm.createContext({
  self,
  importScripts: () => undefined, // the rest of the worker (outbox, caching) is not used here
  URL,
  JSON,
  console,
  fetch: async (url, options) => {
    fetches.push({ url, ...options });
    return { ok: true, status: 201 };
  },
});
vm.runInContext(input.source, context, { filename: "sw.js" });

const waits = [];
let closed = false;
handlers.notificationclick({
  action: input.click.action,
  notification: { data: input.click.data, close: () => { closed = true; } },
  waitUntil: (promise) => waits.push(promise),
});
await Promise.all(waits);
process.stdout.write(JSON.stringify({ closed, fetches }));
