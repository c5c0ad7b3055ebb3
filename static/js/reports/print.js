// Report pages: the "Print" button prints the page (the print stylesheet hides the forms and buttons).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
