// The checkout screen: card first, then goods; scans are looked up in the catalogue snapshot (no request per
// scan); "Total" asks the server for the authoritative quote; "Payer" commits the sale once (uuid per sale).
// Without the network the till works the same way (offline.js): cards from the cards snapshot, the total computed
// here, the sale kept in the queue (queue.js) and sent when the network is back.
// Layout: one screen without page scroll; the cart scrolls inside itself and shows the line just changed.
import { api, ApiError } from "./api.js";
import { CameraScanner } from "./camera.js";
import { Cart } from "./cart.js";
import { Catalogue } from "./catalogue.js";
import { TillOffline } from "./offline.js";
import { setupPanel } from "./panel.js";
import { MAX_QUANTITY_DIGITS, ScanCapture } from "./scanner.js";
import { sounds } from "./sounds.js";
import { $, el, fill, fmt, locale } from "./ui.js";
// Imported by the modules above, named here too: the browser asks for every file of the till at once rather than
// one level of imports after the other (a round trip each, also from the service worker's cache offline).
import "../../vendor/idb-8.0.4/idb.js";
import "./gtin.js";
import "./offline-rules.js";
import "./queue.js";

const root = document.getElementById("till");
const cfg = root.dataset;
const T = JSON.parse(cfg.i18n);
function t(key, values = {}) { return fill(T[key] || key, values); }
const kilos = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 }); // made once: toLocaleString makes one a call
function quantityLabel(line) {
  if (line.unit === "piece") return String(line.quantity);
  const unit = line.unit === "kg" ? "kg" : "l";
  return kilos.format(line.quantity / 1000) + " " + unit;
}

const cart = new Cart(cfg.sessionId);
const offline = new TillOffline(cfg, JSON.parse(cfg.offlineI18n), { el, fmt, t: fill, locale });
const O = offline.T;
let catalogue = null;
let quote = null; // the last authoritative quote for the current lines
let paying = false;

// ---------- messages ----------
function say(text, kind = "info") {
  const box = $("scan-message");
  box.textContent = text;
  box.className = "scan-message " + kind;
  box.hidden = !text;
}

// ---------- household ----------
/** The household of the sale as the cashier must see it: less the sales of this tablet its figures do not count. */
function shownHousehold() { return offline.adjust(cart.household, catalogue); }

function renderHousehold() {
  const h = shownHousehold();
  $("household-empty").hidden = !!h;
  $("household-ok").hidden = !h;
  $("household-refused").hidden = true;
  if (!h) return;
  $("hh-name").textContent = h.display_name;
  $("hh-valid").textContent = h.valid_until ? t("valid_until", { date: new Date(h.valid_until + "T12:00:00").toLocaleDateString(locale) }) : "";
  $("hh-budget").textContent = fmt(h.budget_left_cents);
  $("hh-renewal").textContent = h.renewal_warning || "";
  $("hh-renewal").hidden = !h.renewal_warning;
  const appointment = h.appointment;
  $("hh-appointment").hidden = !appointment;
  if (appointment) $("hh-appointment").textContent = t(appointment.arrived ? "appointment_at" : "appointment_waiting", { time: appointment.time });
  renderShopper(h);
  $("hh-visit").hidden = !h.renewal_warning && !appointment && proxiesOf(h).length === 0;
  const quotas = $("hh-quotas");
  // Only quotas that apply to this household (a limit scaled to 0 by its composition does not), and only those
  // half used or more; a used-up quota is information for the cashier, not an alarm.
  quotas.replaceChildren(...(h.quotas || []).filter((q) => q.limit > 0 && q.left <= q.limit / 2).map((q) =>
    el("li", { class: q.left === 0 ? "quota-used" : "quota-low" },
      q.left === 0 ? t("quota_used", { name: q.name }) : t("quota_left", { name: q.name, left: q.left_label }))));
}

// ---------- who is shopping: the household or one of its proxies ----------
/** The proxies valid today (the card lookup's, or the snapshot's offline); old summaries kept a list of names. */
function proxiesOf(h) { return (h?.proxies || []).filter((p) => p && typeof p === "object"); }

function renderShopper(h) {
  const button = $("btn-shopper");
  const proxies = proxiesOf(h);
  button.hidden = proxies.length === 0;
  const shopper = cart.household?.shopper;
  button.classList.toggle("chosen", !!shopper);
  button.textContent = shopper ? t("shopper_proxy", { name: shopper.name }) : t("shopper_choose");
  button.title = proxies.map((p) => p.name).join(", ");
}

function shopperChoice() { return document.querySelector("input[name=shopper]:checked")?.value || ""; }

function renderShopperIdentity() {
  const chosen = proxiesOf(cart.household).find((p) => String(p.id) === shopperChoice());
  $("shopper-identity").hidden = !chosen;
  if (chosen) $("shopper-document").textContent = chosen.document ? t("proxy_document", { document: chosen.document }) : t("proxy_document_unknown");
}

function openShopper() {
  const h = cart.household;
  if (!h) return;
  const current = h.shopper ? String(h.shopper.mandate_id) : "";
  const choice = (value, label) => el("label", { class: "shopper-choice" },
    el("input", { type: "radio", name: "shopper", value, ...(value === current ? { checked: "" } : {}) }), " ", label);
  $("shopper-choices").replaceChildren(choice("", t("shopper_household")),
    ...proxiesOf(h).map((p) => choice(String(p.id), t("proxy_label", { name: p.name }))));
  $("shopper-checked").checked = !!h.shopper;
  $("shopper-note").value = h.shopper?.identity_note || "";
  $("shopper-error").textContent = "";
  renderShopperIdentity();
  openDialog("dlg-shopper");
}
$("btn-shopper").addEventListener("click", openShopper);
$("shopper-choices").addEventListener("change", renderShopperIdentity);
$("form-shopper").addEventListener("submit", (event) => {
  event.preventDefault();
  const chosen = proxiesOf(cart.household).find((p) => String(p.id) === shopperChoice());
  if (chosen && !$("shopper-checked").checked) {
    $("shopper-error").textContent = t("proxy_check_first");
    return;
  }
  cart.household.shopper = chosen ? { mandate_id: chosen.id, name: chosen.name, identity_checked: true,
    identity_note: $("shopper-note").value.trim().slice(0, 120) } : null;
  cart.save();
  closeDialog("dlg-shopper");
  renderHousehold();
});

/** The sale's proxy part: who shopped when it was not the household itself. */
function proxyPayload() {
  const shopper = cart.household?.shopper;
  return shopper ? { mandate_id: shopper.mandate_id, identity_checked: shopper.identity_checked,
    identity_note: shopper.identity_note } : null;
}

// ---------- today's appointments ----------
async function loadAppointments() {
  const list = $("appointments-list");
  try {
    const { data } = await api("GET", cfg.appointmentsUrl);
    const rows = data.appointments;
    list.replaceChildren(...rows.map((a) => el("li", { class: a.arrived ? "arrived" : "" },
      el("span", { class: "time" }, a.time), el("span", { class: "name" }, a.name),
      el("span", { class: "state" }, a.arrived ? t("arrived") : t("not_arrived")))));
    $("appointments-status").textContent = rows.length ? "" : t("no_appointments");
    const waiting = rows.filter((a) => !a.arrived).length;
    $("appointments-count").textContent = String(waiting);
    $("appointments-count").hidden = waiting === 0;
  } catch (error) {
    $("appointments-status").textContent = error instanceof ApiError && error.code !== "network" && error.status < 500
      ? error.message : t("appointments_offline");
  }
}
$("btn-appointments").addEventListener("click", () => {
  openDialog("dlg-appointments");
  loadAppointments();
});

function showRefused(reason) {
  $("household-empty").hidden = true;
  $("household-ok").hidden = true;
  $("household-refused").hidden = false;
  $("hh-refused-reason").textContent = reason;
  sounds.refused();
}

async function loadHousehold(code) {
  if (cart.household && cart.household.card_code !== code && !cart.isEmpty) {
    say(t("other_card"), "error");
    sounds.warning();
    return;
  }
  if (!offline.online) {
    offlineHousehold(code);
    return;
  }
  const fetchedAt = new Date().toISOString();
  try {
    const { data } = await api("GET", cfg.householdUrl + encodeURIComponent(code));
    acceptHousehold({ ...data, fetchedAt });
  } catch (error) {
    if (error instanceof ApiError && error.code !== "network" && error.status < 500) {
      cart.household = null;
      cart.save();
      showRefused(error.message);
      say("", "info");
    } else {
      offlineHousehold(code);
    }
  }
}

/** The card checked from the cards snapshot of this tablet (no network). */
function offlineHousehold(code) {
  const card = offline.offlineCard(code);
  if (card?.missing) {
    say(O.no_snapshot, "error");
    sounds.unknown();
  } else if (!card) {
    cart.household = null;
    cart.save();
    showRefused(O.card_not_in_snapshot);
    say("", "info");
  } else {
    acceptHousehold(card);
  }
}

function acceptHousehold(summary) {
  scanner.clearPending();
  if (!summary.eligible) {
    cart.household = null;
    cart.save();
    showRefused(summary.reason);
    return;
  }
  const same = cart.household?.card_code === summary.card_code;
  cart.household = { ...summary, shopper: same ? cart.household.shopper ?? null : null };
  cart.save();
  quote = null;
  renderHousehold();
  if (summary.appointment?.arrived && !$("dlg-appointments").open) loadAppointments(); // the badge's count
  renderTotals();
  say(t("card_ok") + (summary.offline ? " " + O.card_offline : ""), "ok");
  sounds.ok();
}

// ---------- goods ----------
function handleScan(code, multiplier = 1) {
  if (!catalogue) {
    say(t("catalogue_loading"), "error");
    return;
  }
  const found = catalogue.lookup(code);
  switch (found.kind) {
    case "household_card":
      loadHousehold(code);
      return;
    case "volunteer_badge":
      say(t("badge_not_product", { code }), "error");
      sounds.unknown();
      return;
    case "invalid":
      say(t("invalid_code", { code: shortCode(code) }), "error");
      sounds.unknown();
      return;
    case "bad_label":
      say(t("bad_label", { code }), "error");
      sounds.unknown();
      return;
    case "wrong_label":
      say(t("wrong_label", { name: found.product.name }), "error");
      sounds.unknown();
      return;
    case "unknown":
      say(t("unknown_code", { code }), "error");
      sounds.unknown();
      return;
    default:
      break;
  }
  if (!cart.household) {
    say(t("card_first"), "error");
    sounds.warning();
    return;
  }
  if (found.quantity === null) {
    askWeight(found.product, multiplier);
    return;
  }
  if (found.label) {
    addProduct(found.product, 1, found); // a price label is one piece at its price: never multiplied
    return;
  }
  addProduct(found.product, found.quantity * multiplier);
}

/** A scanned text as it may be shown: printable, at most 24 characters. */
function shortCode(code) {
  const text = String(code).replace(/[^\x20-\x7e\u00a0-\u024f]/g, "?");
  return text.length > 24 ? text.slice(0, 23) + "…" : text;
}

function addProduct(product, quantity, label = null) {
  const line = cart.add(product, quantity, label);
  quote = null;
  renderLine(cart.lines.indexOf(line));
  const warning = product.available <= 0 ? " — " + t("no_stock") : "";
  say(product.name + " × " + quantityLabel({ unit: product.unit, quantity }) + warning, product.available > 0 ? "ok" : "warning");
  if (product.available > 0) sounds.ok(); else sounds.warning();
}

/** The index of the cart line drawn in the <li> of this button (the list follows the cart's order). */
function lineIndex(button) {
  return Array.prototype.indexOf.call($("lines").children, button.closest("li.line"));
}

/** One line of the cart, priced by the quote when it has it, else estimated from the snapshot. */
function lineItem(line, changed) {
  const priced = quote?.lines?.find((l) => l.product_id === line.product_id && l.quantity === line.quantity);
  const amount = priced ? priced.price_cents : Cart.lineEstimate(line).total;
  const flags = [];
  if (priced?.free_programme_quantity) flags.push(el("span", { class: "flag free" }, t("free_programme")));
  if (priced?.past_best_before) flags.push(el("span", { class: "flag ddm" }, t("past_best_before")));
  if (line.label_price_cents !== undefined && line.label_price_cents !== null) {
    flags.push(el("span", { class: "label-price" }, t("label_price", { price: fmt(line.label_price_cents) })));
  }
  return el("li", { class: "line" + (changed ? " changed" : ""), "data-product-id": line.product_id },
    el("div", { class: "line-name" }, line.name, ...flags),
    el("div", { class: "line-qty" },
      el("button", { type: "button", class: "qty-btn", "aria-label": t("less"), onclick: (e) => changeQuantity(lineIndex(e.currentTarget), -1) }, "−"),
      el("button", { type: "button", class: "qty-value", onclick: (e) => askQuantity(lineIndex(e.currentTarget)) }, quantityLabel(line)),
      el("button", { type: "button", class: "qty-btn", "aria-label": t("more"), onclick: (e) => changeQuantity(lineIndex(e.currentTarget), +1) }, "+")),
    el("div", { class: "line-amount" + (priced ? "" : " estimate") }, (priced ? "" : "≈ ") + fmt(amount)),
    el("button", { type: "button", class: "line-void", "aria-label": t("void_line"), onclick: (e) => voidLine(lineIndex(e.currentTarget)) }, "×"));
}

let highlightTimer = null;
let highlighted = null; // the <li> of the line last changed, highlighted for a moment
let drawnWithQuote = false; // some line drawn shows the quote's price: a change of the cart redraws them all
/** Highlight the line just added or changed and bring it into view (the layout this takes is the new line's only:
 * the others are left as they are). */
function showChanged(item) {
  if (highlighted && highlighted !== item && highlighted.classList.contains("changed")) {
    // At once, as when the whole cart was drawn again (the fading is for the line left alone); a line that changes
    // again is drawn anew, so this one is never highlighted again.
    highlighted.style.transition = "none";
    highlighted.classList.remove("changed");
  }
  highlighted = item;
  item.scrollIntoView({ block: "nearest" });
  clearTimeout(highlightTimer);
  highlightTimer = setTimeout(() => item.classList.remove("changed"), 900);
}

/** Draw the cart; `changed` is the index of the line just added or changed: scrolled into view, highlighted. */
function renderLines(changed = -1) {
  const list = $("lines");
  list.replaceChildren(...cart.lines.map((line, index) => lineItem(line, index === changed)));
  drawnWithQuote = !!quote;
  $("lines-empty").hidden = !cart.isEmpty;
  renderTotals();
  const item = changed >= 0 ? list.children[changed] : null;
  highlighted = null;
  if (item) showChanged(item);
}

/** Draw the one line at `index` just added (the last) or changed, the others as they are; anything else (a line
 * removed, lines priced by a quote now dropped) draws the whole cart. */
function renderLine(index) {
  const list = $("lines");
  const line = cart.lines[index];
  const drawn = list.children.length;
  const appended = index === cart.lines.length - 1 && drawn === index;
  const inPlace = drawn === cart.lines.length && list.children[index]?.dataset.productId === String(line.product_id);
  if (drawnWithQuote || !line || !(appended || inPlace)) {
    renderLines(index);
    return;
  }
  const item = lineItem(line, true);
  if (appended) list.append(item); else list.children[index].replaceWith(item);
  $("lines-empty").hidden = true;
  renderTotals();
  showChanged(item);
}

function changeQuantity(index, delta) {
  const line = cart.lines[index];
  const step = line.unit === "piece" ? 1 : 100;
  cart.setQuantity(index, line.quantity + delta * step);
  quote = null;
  const now = cart.lines.indexOf(line);
  if (now >= 0) renderLine(now); else renderLines();
}

function voidLine(index) {
  const [line] = cart.lines.slice(index, index + 1);
  cart.remove(index);
  quote = null;
  renderLines();
  say(t("line_voided", { name: line.name }), "info");
}

function renderTotals() {
  const estimate = cart.estimate();
  const total = quote ? quote.total_cents : estimate.total;
  const retail = quote ? quote.retail_cents : estimate.retail;
  $("total").textContent = (quote && !quote.offline ? "" : "≈ ") + fmt(total);
  $("retail").textContent = fmt(retail);
  $("items").textContent = String(cart.lines.length);
  const left = cart.household ? shownHousehold().budget_left_cents : null;
  $("budget-after").textContent = left === null ? "—" : fmt(left - total);
  $("budget-after").classList.toggle("negative", left !== null && left - total < 0);
  $("btn-pay").disabled = !quote || quote.violations.length > 0 || cart.isEmpty || paying;
  $("btn-total").disabled = cart.isEmpty || !cart.household;
  const violations = $("violations");
  violations.replaceChildren(...(quote?.violations || []).map((v) => el("li", {}, v.message)));
  violations.hidden = !quote || quote.violations.length === 0;
}

// ---------- dialogs ----------
function openDialog(id) {
  scanner.enabled = id === "dlg-camera";
  $(id).showModal();
}
function closeDialog(id) {
  $(id).close();
  scanner.enabled = true;
}
for (const dialog of document.querySelectorAll("dialog")) {
  dialog.addEventListener("close", () => { scanner.enabled = true; });
}
for (const button of document.querySelectorAll("[data-close]")) {
  button.addEventListener("click", () => closeDialog(button.dataset.close));
}

let weightTarget = null;
function askWeight(product, multiplier = 1) {
  weightTarget = { product, multiplier };
  $("weight-product").textContent = product.name;
  $("weight-input").value = "";
  $("weight-error").textContent = "";
  openDialog("dlg-weight");
  $("weight-input").focus();
}
$("form-weight").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("weight-input").value.trim().replace(",", ".");
  const kilos = Number(text);
  if (!/^\d+(\.\d{1,3})?$/.test(text) || !(kilos > 0) || kilos > 100) {
    $("weight-error").textContent = t("bad_weight");
    return;
  }
  closeDialog("dlg-weight");
  addProduct(weightTarget.product, Math.round(kilos * 1000) * weightTarget.multiplier);
});

let quantityTarget = null;
function askQuantity(index) {
  quantityTarget = index;
  const line = cart.lines[index];
  $("qty-product").textContent = line.name;
  $("qty-input").value = line.unit === "piece" ? String(line.quantity) : String(line.quantity / 1000).replace(".", ",");
  $("qty-error").textContent = "";
  openDialog("dlg-qty");
  $("qty-input").select();
}
$("form-qty").addEventListener("submit", (event) => {
  event.preventDefault();
  const line = cart.lines[quantityTarget];
  const text = $("qty-input").value.trim().replace(",", ".");
  const ok = line.unit === "piece" ? /^\d{1,4}$/.test(text) : /^\d+(\.\d{1,3})?$/.test(text);
  if (!ok) {
    $("qty-error").textContent = t("bad_quantity");
    return;
  }
  const quantity = line.unit === "piece" ? Number(text) : Math.round(Number(text) * 1000);
  closeDialog("dlg-qty");
  cart.setQuantity(quantityTarget, quantity);
  quote = null;
  const now = cart.lines.indexOf(line);
  if (now >= 0) renderLine(now); else renderLines();
});

// Forgotten card: last name + birth date giving exactly one household.
$("btn-forgot").addEventListener("click", () => {
  $("forgot-error").textContent = "";
  openDialog("dlg-forgot");
  $("forgot-name").focus();
});
$("form-forgot").addEventListener("submit", async (event) => {
  event.preventDefault();
  const fetchedAt = new Date().toISOString();
  try {
    const { data } = await api("POST", cfg.lookupUrl, {
      last_name: $("forgot-name").value, birth_date: $("forgot-birth").value,
    });
    closeDialog("dlg-forgot");
    acceptHousehold({ ...data, fetchedAt });
  } catch (error) {
    $("forgot-error").textContent = error.code === "network" || error.status >= 500 ? O.forgot_offline : error.message;
  }
});

$("btn-change-household").addEventListener("click", () => {
  if (!cart.isEmpty) {
    say(t("other_card"), "error");
    return;
  }
  cart.household = null;
  cart.save();
  renderHousehold();
  renderTotals();
});
$("btn-refused-ok").addEventListener("click", () => { renderHousehold(); });

// ---------- total and payment ----------
function payloadLines() {
  return cart.lines.map((line) => (line.label ? { product_id: line.product_id, quantity: line.quantity, label: line.label }
    : { product_id: line.product_id, quantity: line.quantity }));
}

$("btn-total").addEventListener("click", async () => {
  let data = null;
  if (offline.online) {
    try {
      ({ data } = await api("POST", cfg.quoteUrl, { household_card: cart.household.card_code, lines: payloadLines() }));
    } catch (error) {
      if (error.code !== "network" && !(error.status >= 500)) {
        say(error.message, "error");
        sounds.unknown();
        return;
      }
    }
  }
  quote = data || offline.quote(cart.lines, shownHousehold(), catalogue); // no answer: the total made here
  renderLines();
  if (quote.violations.length) {
    sounds.warning();
    say(t("fix_violations"), "error");
  } else {
    say(quote.offline ? O.quote_offline : t("quote_ok"), "ok");
  }
});

let method = "cash";
function renderPayment() {
  if (!quote) return; // the sale is done and the cart reset
  const total = quote.total_cents;
  $("pay-total").textContent = fmt(total);
  for (const button of document.querySelectorAll("[data-method]")) {
    button.classList.toggle("selected", button.dataset.method === method);
    button.hidden = (button.dataset.method === "free") !== (total === 0);
  }
  $("cash-block").hidden = method !== "cash";
  const tendered = parseTendered();
  $("pay-change").textContent = tendered === null ? "—" : fmt(Math.max(0, tendered - total));
  $("pay-confirm").disabled = paying || (method === "cash" && (tendered === null || tendered < total));
}
function parseTendered() {
  const text = $("pay-tendered").value.trim();
  if (!/^\d{1,5}([.,]\d{1,2})?$/.test(text)) return null;
  const [units, cents = ""] = text.replace(",", ".").split(".");
  return Number(units) * 100 + Number(cents.padEnd(2, "0"));
}
$("btn-pay").addEventListener("click", () => {
  method = quote.total_cents === 0 ? "free" : "cash";
  $("pay-tendered").value = "";
  $("pay-error").textContent = "";
  renderPayment();
  openDialog("dlg-pay");
});
for (const button of document.querySelectorAll("[data-method]")) {
  button.addEventListener("click", () => { method = button.dataset.method; renderPayment(); });
}
for (const button of document.querySelectorAll("[data-tender]")) {
  button.addEventListener("click", () => {
    const value = button.dataset.tender === "exact" ? quote.total_cents : Number(button.dataset.tender);
    $("pay-tendered").value = (value / 100).toFixed(2).replace(".", ",");
    renderPayment();
  });
}
$("pay-tendered").addEventListener("input", renderPayment);

$("form-pay").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (paying) return; // a double tap sends one request; the uuid makes a replay harmless anyway
  paying = true;
  renderPayment();
  const payment = { method };
  if (method === "cash") payment.tendered_cents = parseTendered();
  try {
    const body = { uuid: cart.uuid, household_card: cart.household.card_code, lines: payloadLines(), payment,
      client_created_at: cart.startedAt, proxy: proxyPayload() };
    const result = await offline.sell(body, quote, saleInfo(payment));
    if (result.kind === "refused") throw result.error;
    closeDialog("dlg-pay");
    if (result.kind === "sent") showDone(result.sale); else showDoneOffline(result.entry);
    sounds.paid();
  } catch (error) {
    $("pay-error").textContent = error instanceof ApiError ? error.message : O.not_saved;
    sounds.unknown();
    if (error instanceof ApiError && ["over_budget", "quota_exceeded", "insufficient_stock", "not_eligible"].includes(error.code)) {
      quote = null;
      renderLines();
    }
  } finally {
    paying = false;
    renderPayment();
  }
});

/** What the tablet keeps of a sale (its ticket offline, the list, the budget and quotas it takes). */
function saleInfo(payment) {
  const h = shownHousehold();
  const lines = quote.offline ? cart.lines.map((line, i) => ({ ...line, price_cents: quote.lines[i].price_cents }))
    : quote.lines.map((line) => ({ ...line, unit: catalogue.products.get(line.product_id)?.unit ?? "piece" }));
  return { card_code: h.card_code, display_name: h.display_name, payment_method: quote.total_cents ? payment.method : "free",
    tendered_cents: payment.tendered_cents ?? null,
    change_cents: payment.tendered_cents ? payment.tendered_cents - quote.total_cents : null,
    budget_after_cents: h.budget_left_cents == null ? null : h.budget_left_cents - quote.total_cents,
    lines: lines.map((line) => ({ product_id: line.product_id, unit: line.unit, quantity: line.quantity, name: line.name,
      category_id: catalogue.products.get(line.product_id)?.category_id ?? null, quantity_label: quantityLabel(line),
      price_cents: line.price_cents })) };
}

function showDone(sale, offlineEntry = null) {
  $("done-title").textContent = offlineEntry ? O.done_offline : $("done-title").dataset.online;
  $("done-offline").hidden = !offlineEntry;
  $("done-receipt").hidden = !!offlineEntry;
  $("done-print").hidden = !offlineEntry;
  $("done-paid").textContent = fmt(sale.paid_cents);
  $("done-change").textContent = sale.change_cents ? fmt(sale.change_cents) : "—";
  $("done-retail").textContent = fmt(sale.retail_cents);
  $("done-savings").textContent = fmt(sale.savings_cents);
  $("done-budget").textContent = fmt(sale.budget_left_cents);
  if (sale.receipt_url) $("done-receipt").href = sale.receipt_url; // same tab; its big button comes back here
  doneEntry = offlineEntry;
  cart.reset();
  quote = null;
  renderHousehold();
  renderLines();
  openDialog("dlg-done");
}
let doneEntry = null; // the offline sale the dialog shows, for its ticket
/** A sale kept on the tablet: the same figures, its ticket printed from here, marked offline. */
function showDoneOffline(entry) {
  const info = entry.info;
  showDone({ paid_cents: info.total_cents, change_cents: info.change_cents, retail_cents: info.retail_cents,
    savings_cents: info.retail_cents - info.total_cents, budget_left_cents: info.budget_after_cents }, entry);
}
$("done-print").addEventListener("click", () => { if (doneEntry) offline.printTicket(doneEntry); });
$("done-new").addEventListener("click", () => { closeDialog("dlg-done"); say("", "info"); });

// ---------- offline: the indicator and its list ----------
offline.onChange(() => {
  if (quote?.offline && offline.online) quote = null; // back online: the server's total is asked again
  if ($("household-refused").hidden) renderHousehold(); // a refusal stays until the cashier has read it
  renderLines();
});
$("offline-status").addEventListener("click", () => { offline.renderList(); openDialog("dlg-offline"); });
$("btn-retry-refused").addEventListener("click", () => offline.queue.retryRefused());

// ---------- park, resume, new sale ----------
function renderParkedCount() {
  const count = Cart.parked(cfg.sessionId).length;
  $("parked-count").textContent = String(count);
  $("parked-count").hidden = count === 0;
}
$("btn-park").addEventListener("click", () => {
  if (cart.park()) {
    renderParkedCount();
    quote = null;
    renderHousehold();
    renderLines();
    say(t("parked"), "info");
  }
});
$("btn-resume").addEventListener("click", () => {
  const parked = Cart.parked(cfg.sessionId);
  $("parked-list").replaceChildren(...(parked.length ? parked.map((p) => el("li", {},
    el("button", { type: "button", class: "button big", onclick: () => resume(p.uuid) },
      (p.household ? p.household.display_name : t("no_household")) + " — " + t("items_count", { n: p.lines.length }) +
      " — " + new Date(p.parkedAt).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" })))) :
    [el("li", { class: "empty" }, t("nothing_parked"))]));
  openDialog("dlg-parked");
});
function resume(uuid) {
  cart.resume(uuid);
  renderParkedCount();
  closeDialog("dlg-parked");
  quote = null;
  renderHousehold();
  renderLines();
  if (cart.household) loadHousehold(cart.household.card_code); // refresh the budget and quotas
}
$("btn-new").addEventListener("click", () => {
  if (!cart.isEmpty && !window.confirm(t("confirm_new"))) return;
  cart.reset();
  scanner.clearPending();
  quote = null;
  renderHousehold();
  renderLines();
  say("", "info");
});

// ---------- product panel ----------
const renderCategories = setupPanel({ getCatalogue: () => catalogue, t, onPick: (product) => {
  if (!cart.household) { say(t("card_first"), "error"); sounds.warning(); return false; }
  if (product.unit === "piece") addProduct(product, 1); else askWeight(product);
  return true;
} });

// ---------- camera ----------
const camera = new CameraScanner({
  video: $("camera-video"), zxingUrl: cfg.zxingUrl,
  onScan: (code) => handleScan(code, 1),
  onError: (reason) => { $("camera-error").textContent = t(reason === "denied" ? "camera_denied" : "camera_missing"); },
});
$("btn-camera").addEventListener("click", () => {
  $("camera-error").textContent = "";
  openDialog("dlg-camera");
  camera.start();
});
$("dlg-camera").addEventListener("close", () => camera.stop());

// ---------- start ----------
const scanner = new ScanCapture({
  onScan: handleScan,
  onPending: (pending) => {
    // A person's digits: up to 3 are a quantity for the next scan; more are a code typed by hand (Enter sends it).
    $("pending-text").textContent = !pending ? "" : pending.length <= MAX_QUANTITY_DIGITS ? t("pending", { n: pending })
      : t("typed_code", { code: pending });
    $("pending").hidden = !pending;
  },
}).attach(document);
$("btn-pending-clear").addEventListener("click", () => scanner.clearPending());

async function start() {
  // The marks time the opening (bench/offline_bench.py): catalogue asked, read (JSON parsed), indexed.
  performance.mark("till:catalogue-asked");
  const reading = api("GET", cfg.catalogueUrl, undefined, { timeoutMs: 120000 }); // large, slow Wi-Fi: asked first
  offline.start();
  renderParkedCount();
  renderHousehold();
  renderLines();
  say(t("catalogue_loading"), "info");
  try {
    const { data } = await reading;
    performance.mark("till:catalogue-read");
    catalogue = new Catalogue(data);
    performance.mark("till:catalogue-indexed");
    renderCategories();
    root.dataset.ready = "1";
    say(cfg.flash || (cart.household ? "" : t("scan_card")), "info");
    catalogue.prepareSearch();
  } catch (error) {
    say(t("catalogue_failed"), "error");
  }
}
start();
