// The offline outbox (static/kneeapp/outbox.js) against a scripted server: what each answer
// does to a kept write, above all the 403 "consent_required" of kneeapp/consent.py, which
// must keep the write (not fail it) until the person has agreed.
//
// The outbox is a classic script for pages and the service worker: it runs here in a fresh
// context as a page would load it, with an in-memory IndexedDB (enough of it for the outbox)
// and `fetch` answered by the test.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, describe, test } from "node:test";
import vm from "node:vm";

const SOURCE = readFileSync(new URL("../../static/kneeapp/outbox.js", import.meta.url), "utf8");
const OWNER = "owner-key-of-pat";

// --- an in-memory IndexedDB: object stores with get, getAll, put and delete ----------------
// A transaction completes once no request is left and the callbacks of the last one (and the
// promise continuations they resolved) have run, as in a browser.
function fakeIndexedDB() {
  const databases = new Map();

  function request(transaction, work) {
    const req = { result: undefined, error: null, onsuccess: null, onerror: null };
    transaction.pending += 1;
    setImmediate(() => {
      req.result = work();
      transaction.pending -= 1;
      req.onsuccess?.();
      transaction.settle();
    });
    return req;
  }

  function transaction(stores) {
    const tx = {
      pending: 0,
      done: false,
      oncomplete: null,
      onerror: null,
      onabort: null,
      settle() {
        setImmediate(() => {
          if (tx.pending === 0 && !tx.done) {
            tx.done = true;
            tx.oncomplete?.();
          }
        });
      },
      objectStore(name) {
        const rows = stores.get(name);
        const copy = (value) => (value === undefined ? undefined : structuredClone(value));
        return {
          get: (key) => request(tx, () => copy(rows.get(key))),
          getAll: () => request(tx, () => [...rows.values()].map(copy)),
          put: (value, key) => request(tx, () => rows.set(key ?? value.id, copy(value))),
          delete: (key) => request(tx, () => rows.delete(key)),
        };
      },
    };
    tx.settle(); // a transaction with no request at all completes too
    return tx;
  }

  return {
    open(name) {
      const req = { result: null, onupgradeneeded: null, onsuccess: null, onerror: null };
      setImmediate(() => {
        const isNew = !databases.has(name);
        if (isNew) databases.set(name, new Map());
        const stores = databases.get(name);
        req.result = {
          createObjectStore: (store) => stores.set(store, new Map()),
          transaction: () => transaction(stores),
          close() {},
        };
        if (isNew) req.onupgradeneeded?.();
        req.onsuccess?.();
      });
      return req;
    },
  };
}

// --- a page with the outbox loaded, and a server the test scripts ---------------------------
function loadPage(answer) {
  const requests = [];
  const events = [];
  const target = new EventTarget();
  const page = {
    indexedDB: fakeIndexedDB(),
    navigator: { onLine: false }, // no flush on load: each test flushes itself
    document: {
      readyState: "complete",
      cookie: "csrftoken=token-from-the-cookie",
      body: null,
      querySelector: (selector) => (selector.includes("kneeapp-owner") ? { content: OWNER } : null),
    },
    CustomEvent,
    EventTarget,
    addEventListener: target.addEventListener.bind(target),
    dispatchEvent: (event) => {
      if (event.type === "kneeapp:outbox") events.push(event.detail);
      return target.dispatchEvent(event);
    },
    fetch: async (url, options) => {
      requests.push({ url, ...options });
      const { status, body } = answer(url, options);
      return new Response(JSON.stringify(body), {
        status,
        headers: { "Content-Type": "application/json" },
      });
    },
    setImmediate,
    structuredClone,
    console,
  };
  page.self = page;
  vm.createContext(page);
  vm.runInContext(SOURCE, page, { filename: "outbox.js" });
  return { outbox: page.kneeappOutbox, requests, events, lastEvent: () => events.at(-1) };
}

const CONSENT_REFUSAL = {
  status: 403,
  body: { code: "consent_required", detail: "Please read and agree first." },
};
const ENTRY_URL = "/api/v1/diary/entries/e1/";

function write(outbox, id = "e1", url = ENTRY_URL) {
  return outbox.enqueue({ id, url, body: { pain: 3 }, label: "2026-12-03" });
}

describe("the outbox and the consent the server asks for", () => {
  let server;
  beforeEach(() => {
    server = { answer: CONSENT_REFUSAL };
  });

  test("a 403 consent_required keeps the write, pending, and says consent is needed", async () => {
    const { outbox, requests, lastEvent } = loadPage(() => server.answer);
    await write(outbox);
    const summary = await outbox.flush();
    assert.equal(requests.length, 1);
    assert.equal(requests[0].headers["X-Kneeapp-Owner"], OWNER);
    assert.deepEqual(
      { sent: summary.sent, failed: summary.failed, retry: summary.retry },
      { sent: 0, failed: 0, retry: 1 },
    );
    assert.equal(summary.consentRequired, true);
    const [kept] = await outbox.pending();
    assert.equal(kept.status, "pending");
    assert.equal(kept.consentRequired, true);
    assert.deepEqual(kept.body, { pain: 3 });
    assert.match(kept.error, /^403: /);
    assert.equal(lastEvent().consentRequired, true);
    assert.equal(lastEvent().pending, 1);
    assert.equal(lastEvent().failed, 0);
  });

  test("once consent is given the kept write is sent and the notice goes", async () => {
    const { outbox, requests, lastEvent } = loadPage(() => server.answer);
    await write(outbox);
    await outbox.flush();
    server.answer = { status: 200, body: { id: "e1" } };
    const summary = await outbox.flush();
    assert.equal(summary.sent, 1);
    assert.equal(requests.length, 2);
    assert.deepEqual(JSON.parse(requests[1].body), { pain: 3 });
    assert.deepEqual(await outbox.pending(), []);
    assert.equal(lastEvent().consentRequired, false);
  });

  test("the flush stops at the refusal: the other writes wait without being sent", async () => {
    const { outbox, requests } = loadPage(() => server.answer);
    await write(outbox, "e1");
    await write(outbox, "e2", "/api/v1/diary/entries/e2/");
    await outbox.flush();
    assert.equal(requests.length, 1);
    const kept = await outbox.pending();
    assert.deepEqual(
      kept.map((item) => [item.id, item.status, item.attempts]),
      [
        ["e1", "pending", 1],
        ["e2", "pending", 0],
      ],
    );
  });

  test("another 4xx still fails the write for the person to see, as before", async () => {
    server.answer = { status: 400, body: { pain: ["Enter a number from 0 to 10."] } };
    const { outbox, lastEvent } = loadPage(() => server.answer);
    await write(outbox);
    const summary = await outbox.flush();
    assert.equal(summary.failed, 1);
    assert.equal(summary.consentRequired, undefined);
    const [kept] = await outbox.pending();
    assert.equal(kept.status, "failed");
    assert.equal(lastEvent().consentRequired, false);
  });

  test("a plain 403 (someone else signed in, an old token) keeps the write without the notice", async () => {
    server.answer = { status: 403, body: { detail: "CSRF Failed." } };
    const { outbox, lastEvent } = loadPage(() => server.answer);
    await write(outbox);
    const summary = await outbox.flush();
    assert.equal(summary.retry, 1);
    const [kept] = await outbox.pending();
    assert.equal(kept.status, "pending");
    assert.equal(kept.consentRequired, false);
    assert.equal(lastEvent().consentRequired, false);
  });
});
