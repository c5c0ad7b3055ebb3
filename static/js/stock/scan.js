// Reception and count screens: the scanner types digits then Enter into the focused scan field.
// Focus the field the page asked for (autofocus), else the scan field; select a refused code so a new scan
// replaces it.
const scan = document.querySelector("[data-scan]");
if (scan) {
  const wanted = document.querySelector('[aria-invalid="true"]') || document.querySelector("[autofocus]") || scan;
  wanted.focus();
  if (wanted === scan && scan.value) scan.select();
  // A tap on an empty area of the page brings the focus back to the scan field (the scanner keeps working).
  document.addEventListener("click", (event) => {
    if (event.target === document.body || event.target.classList.contains("page")) scan.focus();
  });
}
