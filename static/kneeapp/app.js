// kneeapp's page script: registers the service worker and shows when the phone is offline.
// Feature modules (checker, diary outbox, plan) live beside this file and load on their own pages.

const banner = document.getElementById("offline-banner");

function showConnection() {
  if (banner) banner.hidden = navigator.onLine;
  document.documentElement.dataset.online = navigator.onLine ? "yes" : "no";
}
window.addEventListener("online", showConnection);
window.addEventListener("offline", showConnection);
showConnection();

// The outbox (kneeapp/outbox.js) keeps writes the server refused until the person agrees to
// the current consent text: say so, with the way to the consent page.
const consentBanner = document.getElementById("consent-banner");
window.addEventListener("kneeapp:outbox", (event) => {
  if (consentBanner) consentBanner.hidden = !event.detail.consentRequired;
});

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
    console.warn("kneeapp: the service worker could not be registered", error);
  });
}

// A time-zone list offers this browser's own zone first; on a first visit to the sign-up
// page (data-from-browser) it is also chosen. The server checks the choice all the same.
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
for (const select of document.querySelectorAll('select[name="time_zone"]')) {
  const option = [...select.options].find((candidate) => candidate.value === browserZone);
  if (!option) continue;
  const chosen = select.value;
  select.prepend(option);
  select.value = select.hasAttribute("data-from-browser") ? browserZone : chosen;
}

// On sign-out, drop the pages the service worker kept for offline use.
function clearPrivatePages() {
  navigator.serviceWorker?.controller?.postMessage({ type: "clear-private-pages" });
}
for (const form of document.querySelectorAll('form[action$="/account/logout/"]')) {
  form.addEventListener("submit", clearPrivatePages);
}

// The same when someone else signs in on this phone without signing the last person out
// (their session ran out): the pages kept offline were theirs.
const owner = document.querySelector('meta[name="kneeapp-owner"]')?.content || "";
try {
  const lastOwner = localStorage.getItem("kneeapp-owner");
  if (owner && lastOwner && lastOwner !== owner) clearPrivatePages();
  if (owner) localStorage.setItem("kneeapp-owner", owner);
} catch (error) {
  // no storage (a private window with it blocked): nothing was kept either
}
