// Shared page behaviour: the focus on the first field in error, confirmation before destructive forms, one
// submission per form (double taps), no logout while the till's queue holds sales not yet sent.

// A form sent back with errors shows each next to its field (aria-invalid="true"): start at the first one.
const firstInvalid = document.querySelector('[aria-invalid="true"]');
if (firstInvalid) firstInvalid.focus();

// The till's queue of sales made without the network (static/js/checkout/queue.js): its IndexedDB database and the
// store of the sales not yet sent.
const QUEUE_DB = "grocery-till-queue";
const QUEUE_WAITING = "waiting";

/** How many sales this browser still has to send (0 when it never had a queue; the database is not created). */
export function waitingSales() {
  return new Promise((resolve) => {
    if (!window.indexedDB) {
      resolve(0);
      return;
    }
    const request = indexedDB.open(QUEUE_DB);
    request.onupgradeneeded = () => request.transaction.abort(); // no queue here: leave none behind
    request.onerror = () => resolve(0);
    request.onblocked = () => resolve(0);
    request.onsuccess = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(QUEUE_WAITING)) {
        db.close();
        resolve(0);
        return;
      }
      const count = db.transaction(QUEUE_WAITING, "readonly").objectStore(QUEUE_WAITING).count();
      count.onsuccess = () => { db.close(); resolve(count.result); };
      count.onerror = () => { db.close(); resolve(0); };
    };
  });
}

// The logout erases this browser's storage (Clear-Site-Data), the queue of sales with it: while sales wait to be
// sent, the logout is not sent and the page says why.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !("logout" in form.dataset) || form.dataset.queueChecked === "1") return;
  event.preventDefault();
  if (form.dataset.queueChecking === "1") return; // a double tap
  form.dataset.queueChecking = "1";
  const waiting = await waitingSales();
  delete form.dataset.queueChecking;
  if (waiting > 0) {
    let message = form.querySelector(".logout-refused");
    if (!message) {
      message = document.createElement("p");
      message.className = "flash flash-warning logout-refused";
      message.setAttribute("role", "alert");
      form.prepend(message);
    }
    message.textContent = form.dataset.pendingMessage;
    return;
  }
  form.dataset.queueChecked = "1";
  form.submit();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  const question = form.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  if (form.method.toLowerCase() === "post") {
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    // Let the page be used again if the browser restores it from history.
    window.addEventListener("pageshow", () => { delete form.dataset.submitting; }, { once: true });
  }
});

/** The CSRF token for JSON requests (sent in the X-CSRFToken header). */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}
