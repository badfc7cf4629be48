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

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
    console.warn("kneeapp: the service worker could not be registered", error);
  });
}

// Fill a sign-up form's hidden time zone with the browser's own.
for (const input of document.querySelectorAll('input[name="time_zone"][type="hidden"]')) {
  if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}

// On sign-out, drop the pages the service worker kept for offline use.
for (const form of document.querySelectorAll('form[action$="/account/logout/"]')) {
  form.addEventListener("submit", () => {
    navigator.serviceWorker?.controller?.postMessage({ type: "clear-private-pages" });
  });
}
