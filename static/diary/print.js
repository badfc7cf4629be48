// The Print button of the consult pack and the report: a home-screen app has no browser
// menu to print from, so the page offers its own. Shown only where the browser can print
// (window.print exists); the page reads the same without it.
for (const button of document.querySelectorAll("[data-print]")) {
  if (typeof window.print !== "function") continue;
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
