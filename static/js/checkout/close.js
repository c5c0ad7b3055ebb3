// Closing the till: the sales this tablet still keeps for this till session are sent first, and the close waits
// until none is waiting; then the cards snapshot is erased from the tablet. Sales the server refused are listed
// plainly for the coordinator (they stay on the tablet).
import { eraseCardsSnapshot, guardLogout } from "./offline.js";
import { SaleQueue } from "./queue.js";
import { el, fill, fmt, locale } from "./ui.js";

const form = document.getElementById("close-form");
const box = document.getElementById("close-queue");
const d = form.dataset;
const queue = new SaleQueue({ salesUrl: d.salesUrl, sessionId: d.sessionId });
const submit = form.querySelector("button[type=submit]");
const plural = new Intl.PluralRules(document.documentElement.lang || "fr");
const n = (key, count) => fill(d[key + (plural.select(count) === "one" ? "One" : "Other")], { num: count });
window.tillQueue = queue;
guardLogout(queue, d.msgLogoutWaiting);

async function mine() { return (await queue.waiting()).filter((entry) => entry.sessionId === d.sessionId); }

async function render() {
  const entries = await mine();
  const waiting = entries.filter((entry) => entry.state !== "refused");
  const refused = entries.filter((entry) => entry.state === "refused");
  submit.disabled = waiting.length > 0;
  box.hidden = entries.length === 0;
  const time = (iso) => new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  box.replaceChildren(
    ...(waiting.length ? [el("p", { class: "flash flash-warning" }, n("msgWaiting", waiting.length) + " "
      + (queue.online ? d.msgSending : d.msgOffline))] : []),
    ...(refused.length ? [el("p", { class: "flash flash-error" }, n("msgRefused", refused.length)),
      el("ul", {}, ...refused.map((entry) => el("li", {}, `${time(entry.madeAt)} — ${entry.info.display_name} — `
        + `${fmt(entry.info.total_cents)} — ${entry.error}`)))] : []));
}

queue.addEventListener("change", render);
window.addEventListener("online", () => queue.resume());
render();
queue.flush();

form.addEventListener("submit", async (event) => {
  if (form.dataset.checked === "1") return;
  event.preventDefault();
  event.stopImmediatePropagation();
  if ((await mine()).some((entry) => entry.state !== "refused")) {
    await render();
    queue.resume();
    return;
  }
  await eraseCardsSnapshot(); // the till closes: the cards of the day leave the tablet
  form.dataset.checked = "1";
  form.requestSubmit();
}, { capture: true });
