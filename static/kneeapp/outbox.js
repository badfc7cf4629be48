// kneeapp outbox: writes made offline wait in IndexedDB and are sent when the connection returns.
//
// A classic script (not a module) on purpose: the service worker loads it with importScripts()
// to send from its Background Sync "sync" event with no page open, and pages load it with
// <script src defer>. Both get the same API on `self.kneeappOutbox`:
//
//   enqueue({id, method = "PUT", url, body, label})  keep a write (body: JSON-ready); a newer
//                                                    enqueue of the same id replaces the older
//   flush()       send what waits; resolves {sent, failed, retry} (and consentRequired: true
//                 when the server asked for consent first)
//   pending()     every kept write, oldest first: {id, method, url, body, label, status
//                 ("pending" | "failed"), attempts, error, queuedAt}
//   retry(id)     put a failed write back to "pending" and flush
//   remove(id)    drop a write (only when the person asks to)
//   SYNC_TAG, EVENT, SENT_EVENT
//
// In a page, "kneeapp:outbox" fires on window with detail {pending, failed, items} whenever
// the outbox changes (in this page, another page or the service worker), and "kneeapp:outbox-sent"
// with detail {id, status, data} for each write the server accepted. Pages flush on load and on
// the "online" event; where the browser has Background Sync, the service worker flushes too.
//
// What a response does to a write: 2xx removes it. 408, 429, 5xx and network errors keep it
// for a retry. 401 and 403 keep it too (signed out, or an old CSRF token: signing in fixes
// it, the data is fine). Any other 4xx marks it "failed" with the server's message: it stays
// visible until the person retries or removes it, never dropped silently.
//
// A 403 with {"code": "consent_required"} (kneeapp/consent.py: the person has not agreed to
// the current text about their data) keeps the write too, marked `consentRequired`, and ends
// the flush: every other write waits for the same thing. The "kneeapp:outbox" event's detail
// then says `consentRequired: true`, for the page to send the person to the consent page;
// once they agree, the next flush sends everything.
//
// Each write carries its author's key (the page's <meta name="kneeapp-owner">, kneeapp/outbox.py)
// and is sent with it as X-Kneeapp-Owner: on a shared phone, one person's writes are shown to
// and sent for that person only, and the server refuses (403, kept) a write sent while someone
// else is signed in. The service worker uses the key and CSRF token of the last page open.
(function (scope) {
  "use strict";

  const DB_NAME = "kneeapp-outbox";
  const ITEMS = "items";
  const META = "meta";
  const SYNC_TAG = "kneeapp-outbox";
  const EVENT = "kneeapp:outbox";
  const SENT_EVENT = "kneeapp:outbox-sent";
  const CHANNEL_NAME = "kneeapp-outbox";
  const CONSENT_REQUIRED = "consent_required";
  const isPage = typeof scope.document !== "undefined";
  const channel = "BroadcastChannel" in scope ? new BroadcastChannel(CHANNEL_NAME) : null;
  let lastQueuedAt = 0;
  let running = null;

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(ITEMS, { keyPath: "id" });
        request.result.createObjectStore(META);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // Run `work(stores)` in one transaction; resolves with what it returns once committed.
  async function transact(mode, work) {
    const db = await openDb();
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction([ITEMS, META], mode);
        let result;
        Promise.resolve(work(tx.objectStore(ITEMS), tx.objectStore(META))).then((value) => {
          result = value;
        }, reject);
        tx.oncomplete = () => resolve(result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error || new Error("outbox transaction aborted"));
      });
    } finally {
      db.close();
    }
  }

  function asPromise(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  // The cookie first: it always holds the current token, while a page served from the
  // offline cache may carry one from before the person signed in.
  function csrfFromPage() {
    if (!isPage) return "";
    const match = document.cookie.match(/(?:^|;\s*)(?:__Host-)?csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try {
      const headers = JSON.parse(document.body?.getAttribute("hx-headers") || "{}");
      return headers["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // The signed-in person's key: from the page, or in the service worker the last page's.
  async function currentOwner() {
    if (isPage) return document.querySelector('meta[name="kneeapp-owner"]')?.content || "";
    return (await transact("readonly", (items, meta) => asPromise(meta.get("owner")))) || "";
  }

  // Every kept write of the signed-in person (and any from before writes had an author).
  async function pending() {
    const owner = await currentOwner();
    const items = await transact("readonly", (items) => asPromise(items.getAll()));
    return items
      .filter((item) => !item.owner || item.owner === owner)
      .sort((a, b) => a.queuedAt - b.queuedAt);
  }

  async function announce() {
    const items = await pending();
    const detail = {
      pending: items.filter((item) => item.status === "pending").length,
      failed: items.filter((item) => item.status === "failed").length,
      consentRequired: items.some((item) => item.consentRequired),
      items,
    };
    if (isPage) scope.dispatchEvent(new CustomEvent(EVENT, { detail }));
    return detail;
  }

  function broadcast(message) {
    if (channel) channel.postMessage(message);
  }

  function changed() {
    broadcast({ type: "changed" });
    return announce();
  }

  function requestSync() {
    if (!isPage || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register(SYNC_TAG))
      .catch(() => {}); // no Background Sync: the page sends on load and on "online"
  }

  async function enqueue({ id, method = "PUT", url, body, label = "" }) {
    if (!id || !url) throw new Error("kneeappOutbox.enqueue needs an id and a url");
    lastQueuedAt = Math.max(Date.now(), lastQueuedAt + 1);
    const item = {
      id, method, url, body, label,
      status: "pending", attempts: 0, error: "", queuedAt: lastQueuedAt,
      owner: await currentOwner(),
    };
    const token = csrfFromPage();
    item.csrfToken = token;
    await transact("readwrite", (items, meta) => {
      items.put(item);
      if (token) meta.put(token, "csrfToken");
    });
    await changed();
    requestSync();
    return item;
  }

  async function update(sent, changes) {
    // Only the version that was sent: a newer enqueue of the same id meanwhile stays.
    return transact("readwrite", async (items) => {
      const current = await asPromise(items.get(sent.id));
      if (!current || current.queuedAt !== sent.queuedAt) return false;
      if (changes === null) items.delete(sent.id);
      else items.put({ ...current, ...changes });
      return true;
    });
  }

  async function readBody(response) {
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      return text;
    }
  }

  function describe(data) {
    if (typeof data === "string") return data.slice(0, 300);
    return Object.entries(data || {})
      .map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`)
      .join("; ");
  }

  async function sendOne(item, token, summary) {
    const headers = {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": token || item.csrfToken || "",
    };
    if (item.owner) headers["X-Kneeapp-Owner"] = item.owner;
    let response;
    try {
      response = await fetch(item.url, {
        method: item.method,
        credentials: "same-origin",
        headers,
        body: item.body === undefined ? undefined : JSON.stringify(item.body),
      });
    } catch (error) {
      summary.retry += 1;
      await update(item, { attempts: item.attempts + 1, error: String(error) });
      return false; // offline: the rest would fail the same way
    }
    const data = await readBody(response);
    if (response.ok) {
      summary.sent += 1;
      await update(item, null);
      const detail = { id: item.id, url: item.url, status: response.status, data };
      broadcast({ type: "sent", detail });
      if (isPage) scope.dispatchEvent(new CustomEvent(SENT_EVENT, { detail }));
      return true;
    }
    const consentRequired = response.status === 403 && data?.code === CONSENT_REQUIRED;
    const transient = [401, 403, 408, 429].includes(response.status) || response.status >= 500;
    const error = `${response.status}: ${describe(data)}`;
    const attempts = item.attempts + 1;
    if (transient) {
      summary.retry += 1;
      if (consentRequired) summary.consentRequired = true;
      await update(item, { attempts, error, consentRequired });
    } else {
      summary.failed += 1;
      await update(item, { attempts, error, consentRequired: false, status: "failed" });
    }
    return !consentRequired; // the rest would be refused the same way until they agree
  }

  async function flushNow() {
    const summary = { sent: 0, failed: 0, retry: 0 };
    const token = csrfFromPage()
      || (await transact("readonly", (items, meta) => asPromise(meta.get("csrfToken"))));
    for (const item of await pending()) {
      if (item.status !== "pending") continue;
      if (!(await sendOne(item, token, summary))) break;
    }
    if (summary.sent || summary.failed || summary.retry) await changed();
    return summary;
  }

  function flush() {
    // One flush at a time in this context, and across pages and the service worker where
    // the browser has Web Locks (a second send of the same write would be harmless anyway:
    // the API's PUT is idempotent).
    if (!running) {
      const locks = scope.navigator && scope.navigator.locks;
      const run = locks ? locks.request(SYNC_TAG, flushNow) : flushNow();
      running = run.finally(() => {
        running = null;
      });
    }
    return running;
  }

  async function retry(id) {
    await transact("readwrite", async (items) => {
      const current = await asPromise(items.get(id));
      if (current) items.put({ ...current, status: "pending", error: "" });
    });
    await changed();
    return flush();
  }

  async function remove(id) {
    await transact("readwrite", (items) => items.delete(id));
    return changed();
  }

  scope.kneeappOutbox = {
    enqueue, flush, pending, retry, remove, announce, SYNC_TAG, EVENT, SENT_EVENT,
  };

  if (isPage) {
    if (channel) {
      channel.onmessage = (event) => {
        if (event.data?.type === "sent") {
          scope.dispatchEvent(new CustomEvent(SENT_EVENT, { detail: event.data.detail }));
        }
        announce();
      };
    }
    scope.addEventListener("online", () => flush());
    const start = async () => {
      // Kept for the service worker, which has no cookies to read: a "done" pressed on a
      // notification is sent at once, with the last page's person and CSRF token.
      const [owner, token] = [await currentOwner(), csrfFromPage()];
      await transact("readwrite", (items, meta) => {
        if (owner) meta.put(owner, "owner");
        if (token) meta.put(token, "csrfToken");
      });
      await announce();
      if (navigator.onLine) await flush();
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", start);
    } else {
      start();
    }
  }
})(self);
