// The till without the network: the heartbeat (the server's contact with this till every 30 s), the cards snapshot
// (IndexedDB, the cards valid today, for card checks offline), the calm indicator with its list of this tablet's
// sales, the offline ticket, and how a sale is sold (online first, else kept in the queue: queue.js).
import { openDB } from "../../vendor/idb-8.0.4/idb.js";
import { api, ApiError } from "./api.js";
import { localQuote, pendingUse, snapshotCard, withUse } from "./offline-rules.js";
import { SaleQueue } from "./queue.js";

export const CARDS_DB = "grocery-till-cards";
/** The server counts a silence of more than 60 s as a gap in the till's contact; the page asks every 30 s. */
const HEARTBEAT_MS = 30000;
/** While offline, how often the page looks for the network again. */
const PROBE_MS = 5000;
/** How often the cards snapshot is fetched again while online. */
const SNAPSHOT_MS = 5 * 60000;

function openCards() {
  return openDB(CARDS_DB, 1, { upgrade(db) { db.createObjectStore("snapshot"); } });
}

/** Erase the cards snapshot from this browser (the till closes, the cashier logs out). */
export async function eraseCardsSnapshot() {
  const db = await openCards();
  await db.clear("snapshot");
  db.close();
}

export class TillOffline {
  /** `cfg`: the till's data- attributes; `T`: the offline messages; `ui`: {fmt, t, el, locale}. */
  constructor(cfg, T, ui) {
    this.cfg = cfg;
    this.T = T;
    this.ui = ui;
    this.queue = new SaleQueue({ salesUrl: cfg.salesUrl, sessionId: cfg.sessionId });
    this.cards = openCards();
    this.snapshot = null; // {requestedAt, data}
    this.sales = { waiting: [], sent: [] }; // a copy of the queue, for the figures drawn synchronously
    this.plural = new Intl.PluralRules(document.documentElement.lang || "fr");
    this.listeners = [];
    this.queue.addEventListener("change", () => this.refreshSales());
    window.tillQueue = this.queue; // tests and the benchmark fill, count and flush it from here (README)
  }

  get online() { return this.queue.online; }

  /** Call `listener` when the sales of the tablet or the connection change (the till redraws its figures). */
  onChange(listener) { this.listeners.push(listener); }

  n(key, count) {
    const form = this.plural.select(count) === "one" ? "one" : "other";
    return this.ui.t(this.T[`${key}_${form}`], { num: count });
  }

  async start() {
    this.heartbeat();
    window.addEventListener("online", () => { this.heartbeat(); });
    window.addEventListener("offline", () => { this.queue.setOnline(false); });
    setInterval(() => { if (this.online) this.fetchSnapshot(); }, SNAPSHOT_MS);
    this.guardLogout();
    try {
      const stored = await (await this.cards).get("snapshot", "cards");
      if (stored && new Date(stored.data.expires_at) <= new Date()) {
        await (await this.cards).delete("snapshot", "cards"); // an earlier day's: erased
      } else if (stored) {
        this.snapshot = stored;
      }
      await this.refreshSales();
    } catch (error) {
      // No IndexedDB in this browser (private window, storage refused): the till works online only.
    }
    this.fetchSnapshot();
    this.queue.flush();
  }

  /** Ask the server (GET, light) now, then every 30 s; every 5 s while it does not answer. */
  async heartbeat() {
    clearTimeout(this.heartbeatTimer);
    const wasOnline = this.online;
    try {
      await api("GET", this.cfg.pingUrl);
      this.queue.setOnline(true);
      this.queue.signedOut = false;
      if (!wasOnline || this.sales.waiting.length) {
        this.queue.resume();
        if (!wasOnline) this.fetchSnapshot();
      }
    } catch (error) {
      if (error.code === "network") this.queue.setOnline(false);
      if (error.code === "unauthenticated" && !this.queue.signedOut) {
        this.queue.signedOut = true;
        this.renderIndicator();
      }
    }
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), this.online ? HEARTBEAT_MS : PROBE_MS);
  }

  async fetchSnapshot() {
    const requestedAt = new Date().toISOString();
    try {
      const { data } = await api("GET", this.cfg.cardsSnapshotUrl, undefined, { timeoutMs: 60000 });
      this.snapshot = { requestedAt, data };
      await (await this.cards).put("snapshot", this.snapshot, "cards");
      document.getElementById("till").dataset.snapshot = requestedAt; // when the cards were read (tests wait for it)
    } catch (error) {
      // Offline or refused: the snapshot kept (if any, of today) serves until the next try.
    }
  }

  async refreshSales() {
    const [waiting, sent] = await Promise.all([this.queue.waiting(), this.queue.sent()]);
    this.sales = { waiting, sent };
    this.renderIndicator();
    for (const listener of this.listeners) listener();
  }

  /** What the sales of this tablet take from a card that the server's figures read at `since` do not include:
   * those still in the queue, and those sent after `since`. */
  useSince(cardCode, since) {
    const sales = [...this.sales.waiting.filter((e) => e.state !== "online"),
      ...this.sales.sent.filter((s) => since && s.sentAt >= since)];
    return pendingUse(sales.map((s) => s.info), cardCode);
  }

  /** The household as the cashier must see it: budget left and quotas less the sales it does not count yet. */
  adjust(household, catalogue) {
    if (!household) return household;
    return withUse(household, this.useSince(household.card_code, household.fetchedAt), catalogue, this.ui.locale);
  }

  /** A card checked without the server: its summary from the snapshot (null: not a card valid today, as far as
   * this tablet knows), or {missing: true} when the tablet has no snapshot of today. */
  offlineCard(code) {
    if (!this.snapshot || new Date(this.snapshot.data.expires_at) <= new Date()) return { missing: true };
    const card = snapshotCard(this.snapshot.data, code);
    return card ? { ...card, fetchedAt: this.snapshot.requestedAt, offline: true } : null;
  }

  quote(cartLines, household, catalogue) {
    return localQuote(cartLines, household, catalogue, this.T, this.ui.fmt, this.ui.locale);
  }

  /** Sell: online (the server's refusal is the cashier's to see), else kept in the queue as an offline sale with the
   * price charged and the moment it was made. Returns {kind: "sent", sale} | {kind: "refused", error} |
   * {kind: "queued", entry}. */
  async sell(body, quote, info) {
    const offlineBody = { ...body, offline: true, client_created_at: new Date().toISOString(),
      total_cents: quote.total_cents };
    if (quote.offline) {
      offlineBody.lines = body.lines.map((line, index) => ({ ...line, price_cents: quote.lines[index].price_cents }));
    }
    info = { ...info, total_cents: quote.total_cents, retail_cents: quote.retail_cents };
    let result;
    try {
      if (this.online && (await this.waitingHere()) > 0) await this.queue.flush(); // the earlier sales go first
      if (!this.online || quote.offline || (await this.waitingHere()) > 0) {
        return { kind: "queued", entry: await this.queue.sellOffline(offlineBody, info) };
      }
      result = await this.queue.sellOnline(body, offlineBody, info);
    } catch (error) {
      if (error instanceof ApiError || !this.online) throw error;
      return this.sellWithoutQueue(body); // no IndexedDB in this browser: online only, as before the queue
    }
    if (result.kind !== "later") return result;
    return { kind: "queued", entry: (await this.queue.waiting()).find((e) => e.uuid === body.uuid) };
  }

  /** The sales of this till session waiting to be sent (not the refused ones). */
  async waitingHere() {
    return (await this.queue.waiting()).filter((e) => e.state === "waiting" && e.sessionId === this.queue.sessionId)
      .length;
  }

  async sellWithoutQueue(body) {
    try {
      return { kind: "sent", sale: (await api("POST", this.cfg.salesUrl, body)).data };
    } catch (error) {
      return { kind: "refused", error };
    }
  }

  refusedCount() { return this.sales.waiting.filter((e) => e.state === "refused").length; }

  // ---------- indicator and list ----------
  renderIndicator() {
    const box = document.getElementById("offline-status");
    if (!box) return;
    const waiting = this.sales.waiting.filter((e) => e.state === "waiting").length;
    const refused = this.refusedCount();
    const parts = [];
    if (!this.online) parts.push(waiting ? this.n("offline", waiting) : this.T.offline_empty);
    else if (waiting) parts.push(this.queue.signedOut ? this.T.signed_out : this.n("sending", waiting));
    if (refused) parts.push(this.n("refused", refused));
    box.textContent = parts.join(" · ");
    box.hidden = parts.length === 0;
    box.classList.toggle("refused", refused > 0);
    document.getElementById("till").dataset.online = this.online ? "1" : "0";
    document.getElementById("till").dataset.waiting = String(waiting);
    const list = document.getElementById("dlg-offline");
    if (list?.open) this.renderList();
  }

  renderList() {
    const { el, fmt, t, locale } = this.ui;
    const time = (iso) => new Date(iso).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
    const rows = [
      ...this.sales.waiting.filter((e) => e.state !== "online").map((e) => el("li", { class: "sale-" + e.state },
        el("span", {}, time(e.madeAt) + " — " + e.info.display_name + " — " + fmt(e.info.total_cents)),
        el("span", { class: "state" }, e.state === "refused" ? t(this.T.state_refused, { reason: e.error })
          : this.T.state_waiting),
        el("button", { type: "button", class: "button secondary", onclick: () => this.printTicket(e) }, this.T.print_ticket))),
      ...this.sales.sent.slice().reverse().filter((s) => s.offline).map((s) => el("li", { class: "sale-sent" },
        el("span", {}, time(s.madeAt) + " — " + s.info.display_name + " — " + fmt(s.info.total_cents)),
        el("a", { class: "button secondary", href: s.sale.receipt_url }, t(this.T.state_sent, { n: s.sale.id })))),
    ];
    document.getElementById("offline-list").replaceChildren(...(rows.length ? rows
      : [el("li", { class: "empty" }, this.T.nothing_offline)]));
    document.getElementById("btn-retry-refused").hidden = this.refusedCount() === 0;
  }

  // ---------- ticket ----------
  /** Print the ticket of a sale kept on the tablet, marked offline; its number follows once it is sent. */
  printTicket(entry) {
    const { el, fmt, t, locale } = this.ui;
    const info = entry.info;
    const row = (label, amount, cls = "") => el("tr", { class: cls }, el("td", {}, label), el("td", { class: "amount" }, amount));
    const lines = info.lines.flatMap((line) => [
      el("tr", {}, el("td", { colspan: "2" }, line.name)),
      row(line.quantity_label, fmt(line.price_cents))]);
    const method = { cash: this.T.cash, card: this.T.bank_card, free: this.T.nothing_to_pay }[info.payment_method];
    const ticket = document.getElementById("offline-ticket");
    ticket.replaceChildren(
      el("h1", {}, this.cfg.orgName),
      el("p", { class: "center big duplicate" }, this.T.ticket_offline),
      el("p", {}, new Date(entry.madeAt).toLocaleString(locale, { dateStyle: "short", timeStyle: "short" }) + " — " + this.cfg.tillName),
      el("p", {}, info.display_name),
      el("div", { class: "sep" }),
      el("table", {}, ...lines),
      el("div", { class: "sep" }),
      el("table", {},
        row(this.T.paid, fmt(info.total_cents), "big"),
        row(method, info.tendered_cents === null || info.tendered_cents === undefined ? "" : fmt(info.tendered_cents)),
        ...(info.change_cents ? [row(this.T.change, fmt(info.change_cents))] : []),
        row(this.T.retail_value, fmt(info.retail_cents))),
      el("p", { class: "savings" }, t(this.T.you_saved, { amount: fmt(info.retail_cents - info.total_cents) })),
      ...(info.budget_after_cents === null || info.budget_after_cents === undefined ? []
        : [el("p", {}, this.T.budget_left + " : " + fmt(info.budget_after_cents))]),
      el("div", { class: "sep" }),
      el("p", { class: "center" }, this.T.number_follows),
      el("p", { class: "center" }, this.T.thanks));
    document.body.classList.add("printing-ticket");
    window.addEventListener("afterprint", () => document.body.classList.remove("printing-ticket"), { once: true });
    window.print();
  }

  guardLogout() { guardLogout(this.queue, this.T.logout_waiting); }
}

/** Logging out from a till page: never while sales wait (they would stay on the tablet, unsent, and the server's
 * answer to a logout clears the site's data: the page says why, as every page does, static/js/app.js); the cards
 * snapshot is erased first (also where the browser does not honour Clear-Site-Data: plain HTTP). */
export function guardLogout(queue, message) {
  for (const form of document.querySelectorAll('form[action$="/logout"]')) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      event.stopImmediatePropagation();
      try {
        if ((await queue.count()) > 0) {
          refuseLogout(form, form.dataset.pendingMessage || message);
          return;
        }
        await eraseCardsSnapshot();
      } catch (error) {
        // No IndexedDB: nothing kept on the tablet.
      }
      form.submit();
    });
  }
}

function refuseLogout(form, message) {
  let shown = form.querySelector(".logout-refused");
  if (!shown) {
    shown = document.createElement("p");
    shown.className = "flash flash-warning logout-refused";
    shown.setAttribute("role", "alert");
    form.prepend(shown);
  }
  shown.textContent = message;
}
