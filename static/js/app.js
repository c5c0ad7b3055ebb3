// Shared page behaviour: the focus on the first field in error, confirmation before destructive forms, one
// submission per form (double taps).

// A form sent back with errors shows each next to its field (aria-invalid="true"): start at the first one.
const firstInvalid = document.querySelector('[aria-invalid="true"]');
if (firstInvalid) firstInvalid.focus();

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
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
