// Reception and count screens: the scanner types digits then Enter into the focused scan field.
// Keep the focus in the scan field when nothing else was focused on purpose, and select its text after an error.
const scan = document.querySelector("[data-scan]");
if (scan) {
  const focused = document.activeElement;
  if (!focused || focused === document.body) scan.focus();
  if (scan.value) scan.select();
  // A tap on an empty area of the page brings the focus back to the scan field (the scanner keeps working).
  document.addEventListener("click", (event) => {
    if (event.target === document.body || event.target.classList.contains("page")) scan.focus();
  });
}
