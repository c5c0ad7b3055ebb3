// Registers the till's service worker (sw.js, served at /till/sw.js) so that the checkout screen opens offline once
// it was opened online. A page the worker did not control when it loaded (the first opening, a new version) asks
// the worker to keep it and the catalogue. Service workers need a secure context (HTTPS, or localhost): elsewhere
// this does nothing and the till works online only.
const script = document.querySelector("script[data-service-worker]");
const root = document.getElementById("till");

let remembered = false;

function remember(worker) {
  if (!worker || remembered) return;
  remembered = true;
  worker.postMessage({ type: "remember", urls: [location.pathname, root.dataset.catalogueUrl] });
}

if ("serviceWorker" in navigator && window.isSecureContext && script && root) {
  const controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: script.dataset.scope })
    .catch(() => null); // offline: the worker already installed keeps serving; checked again at the next opening
  // Ask the browser not to evict this site's storage under disk pressure (the page's copy, the queue of sales):
  // Chromium grants it from its own signals, without asking the cashier.
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);
  if (!controlled) {
    navigator.serviceWorker.ready.then((registration) => remember(registration.active));
    navigator.serviceWorker.addEventListener("controllerchange", () => remember(navigator.serviceWorker.controller));
  }
}
