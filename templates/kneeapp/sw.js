// kneeapp service worker (rendered by kneeapp.pwa.service_worker; version {{ version }}).
// Precaches the app shell, answers navigations from the network first and from the cache
// when offline (else the offline page), and serves static files from the cache first.
// Each app adds its own handlers (sync, push) in its fragment included at the end.
"use strict";

const VERSION = "{{ version }}";
const SHELL_CACHE = `kneeapp-shell-${VERSION}`;
const PAGE_CACHE = `kneeapp-pages-${VERSION}`;
const PRECACHE = {{ precache|safe }};
const OFFLINE_URL = "{% url 'offline' %}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      // "no-cache": files the page has just loaded are revalidated (a 304), not sent again.
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "no-cache" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names
          .filter((name) => name.startsWith("kneeapp-") && name !== SHELL_CACHE && name !== PAGE_CACHE)
          .map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim())
      .then(keepOpenPages),
  );
});

// The page that installed this worker was loaded before the worker could keep a copy of it:
// keep one of each open page now (unless the precache has it), so that it opens offline too.
async function keepOpenPages() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const urls = new Set(windows.map((client) => client.url.split("#")[0]));
  await Promise.all([...urls].map(async (url) => {
    const { origin, pathname } = new URL(url);
    if (origin !== self.location.origin || pathname.startsWith("/admin/")) return;
    if (await fromCache(new Request(url))) return;
    try {
      await keepPage(new Request(url), await fetch(url, { credentials: "same-origin" }));
    } catch (error) {
      // Offline already: the page is kept the next time it is visited online.
    }
  }));
}

async function keepPage(request, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    const cache = await caches.open(PAGE_CACHE);
    await cache.put(request, response);
  }
}

// Offline, as far as the browser knows: no request is tried, the caches answer at once.
function offline() {
  return self.navigator.onLine === false;
}

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "clear-private-pages") {
    // Sent on sign-out: pages cached for offline use must not outlive the session.
    event.waitUntil(caches.delete(PAGE_CACHE));
  }
});

// The page cache first: it holds the latest copy seen online (signed in or not), while the
// shell cache holds what was fetched when this version was installed.
async function fromCache(request) {
  for (const name of [PAGE_CACHE, SHELL_CACHE]) {
    const cache = await caches.open(name);
    const hit = (await cache.match(request, { ignoreVary: true }))
      || (await cache.match(request, { ignoreSearch: true, ignoreVary: true }));
    if (hit) return hit;
  }
  return undefined;
}

async function networkFirstPage(request) {
  if (offline()) return (await fromCache(request)) || (await caches.match(OFFLINE_URL));
  try {
    const response = await fetch(request);
    keepPage(request, response.clone());
    return response;
  } catch (error) {
    return (await fromCache(request)) || (await caches.match(OFFLINE_URL));
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

async function networkFirst(request) {
  if (offline()) {
    const cached = await fromCache(request);
    if (cached) return cached;
  }
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await fromCache(request);
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/admin/")) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirstPage(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});

{% include "triage/sw.js" %}
{% include "diary/sw.js" %}
{% include "reminders/sw.js" %}
