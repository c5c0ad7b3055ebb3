// Print buttons on the donor receipt and the label sheets (no inline script: the CSP forbids it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
