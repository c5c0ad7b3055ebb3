// Receipt page: count the print (reprints are counted on the server), then print.
import { csrfToken } from "../app.js";

for (const button of document.querySelectorAll("[data-print-receipt]")) {
  button.addEventListener("click", async () => {
    try {
      await fetch(button.dataset.printReceipt, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" });
    } finally {
      window.print();
    }
  });
}
