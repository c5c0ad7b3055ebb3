// The queue of sales (IndexedDB, through the vendored idb library): every sale is written here first, then sent,
// in the order made, one at a time, retried with back-off, and taken out only when the server has answered with the
// sale (201 or 200). The uuid of a sale never changes between tries: the server records it once (README, "Offline
// sales"). The sales sent today stay listed (with their receipt) for the indicator's list and the budget shown.
import { openDB } from "../../vendor/idb-8.0.4/idb.js";
import { api, ApiError } from "./api.js";

export const QUEUE_DB = "grocery-till-queue";
const WAITING = "waiting";
const SENT = "sent";
/** The state of a sale being tried online (not sent by flush: the pay dialog waits for its answer). */
const TRYING = "online";
/** Back-off between tries after a failure: 1 s, 2 s, 4 s... at most 30 s. */
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;

function openQueue() {
  return openDB(QUEUE_DB, 1, {
    upgrade(db) {
      db.createObjectStore(WAITING, { keyPath: "seq", autoIncrement: true }); // seq: the order the sales were made
      db.createObjectStore(SENT, { keyPath: "uuid" });
    },
  });
}

/** Is this answer one to try again later (no network, server busy or down, login or CSRF token to renew), rather
 * than the server's refusal of the sale? */
export function isTransient(error) {
  if (!(error instanceof ApiError)) return true;
  return error.code === "network" || error.code === "csrf" || error.status >= 500 || [401, 408, 429].includes(error.status)
    || error.code === "http_403"; // signed out, or signed in as someone who may not sell: sent once signed in again
}

function localDay(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export class SaleQueue extends EventTarget {
  /** `salesUrl`: POST /api/till/sales; `sessionId`: the till session this page sells in (only its sales are sent:
   * the server records a sale in the session of the browser's cookie). */
  constructor({ salesUrl, sessionId }) {
    super();
    this.salesUrl = salesUrl;
    this.sessionId = String(sessionId);
    this.db = openQueue();
    this.failures = 0;
    this.timer = null;
    this.chain = Promise.resolve(); // one send at a time, whoever asks
    this.online = navigator.onLine !== false;
    this.signedOut = false; // the server answered 401: the sales wait until someone signs in again
    this.ready = this.dropOldSent().then(() => this.recoverInterrupted());
  }

  /** A sale whose online try was cut off (page closed or reloaded before the answer) becomes an offline sale. */
  async recoverInterrupted() {
    const db = await this.db;
    for (const entry of await db.getAll(WAITING)) {
      if (entry.state === TRYING) {
        Object.assign(entry, { state: WAITING, body: entry.fallback || entry.body, fallback: null });
        await db.put(WAITING, entry);
      }
    }
  }

  async dropOldSent() {
    const db = await this.db;
    const today = localDay(new Date().toISOString());
    for (const sale of await db.getAll(SENT)) {
      if (localDay(sale.madeAt) !== today) await db.delete(SENT, sale.uuid);
    }
  }

  changed() { this.dispatchEvent(new Event("change")); }

  /** Sales not yet recorded by the server, in the order made: {seq, uuid, sessionId, body, info, madeAt, state
   * ("waiting" or "refused"), error, attempts}. */
  async waiting() { return (await this.db).getAll(WAITING); }
  /** Sales sent today: {uuid, info, madeAt, sentAt, offline, sale: {id, receipt_url}}, in the order made. */
  async sent() {
    return (await (await this.db).getAll(SENT)).sort((a, b) => a.madeAt.localeCompare(b.madeAt));
  }
  /** How many sales wait to be sent (refused ones included: they are not recorded). */
  async count() { return (await this.waiting()).filter((entry) => entry.state !== TRYING).length; }

  /** Put a sale in the queue: `body` is what is sent; `info` what the tablet shows of it (ticket, list, budget). */
  async add(body, info, { state = WAITING, fallback = null } = {}) {
    const entry = { uuid: body.uuid, sessionId: this.sessionId, body, fallback, info, madeAt: new Date().toISOString(),
      state, error: null, attempts: 0 };
    entry.seq = await (await this.db).add(WAITING, entry);
    this.changed();
    return entry;
  }

  /** Run `task` when no other send is running. */
  exclusive(task) {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => {});
    return run;
  }

  /** Send one sale now. Returns {kind: "sent", sale}, {kind: "refused", error} (a 4xx refusal: the entry is marked
   * refused, or removed with `dropRefused`) or {kind: "later", error} (no network, server error: it stays). */
  async sendOne(entry, { dropRefused = false } = {}) {
    const db = await this.db;
    try {
      const { data } = await api("POST", this.salesUrl, entry.body);
      await db.put(SENT, { uuid: entry.uuid, sessionId: entry.sessionId, info: entry.info, madeAt: entry.madeAt,
        sentAt: new Date().toISOString(), offline: entry.body.offline === true,
        sale: { id: data.id, receipt_url: data.receipt_url, review_status: data.review_status } });
      await db.delete(WAITING, entry.seq);
      this.setOnline(true);
      this.failures = 0;
      this.signedOut = false;
      this.changed();
      return { kind: "sent", sale: data };
    } catch (error) {
      if (isTransient(error)) {
        if (!(error instanceof ApiError) || error.code === "network") this.setOnline(false);
        this.signedOut = error.code === "unauthenticated";
        entry.attempts += 1;
        await db.put(WAITING, entry);
        return { kind: "later", error };
      }
      this.setOnline(true);
      if (dropRefused) {
        await db.delete(WAITING, entry.seq);
      } else {
        Object.assign(entry, { state: "refused", error: error.message, attempts: entry.attempts + 1 });
        await db.put(WAITING, entry);
      }
      this.changed();
      return { kind: "refused", error };
    }
  }

  /** Sell online: the sale is queued, then sent at once. A refusal of the server is the cashier's to see (the sale
   * leaves the queue: it did not happen); without an answer, the sale becomes an offline sale (`offlineBody`,
   * same uuid) that waits in the queue. Returns what sendOne returns ("later": queued). */
  async sellOnline(body, offlineBody, info) {
    const entry = await this.add(body, info, { state: TRYING, fallback: offlineBody });
    const result = await this.exclusive(() => this.sendOne(entry, { dropRefused: true }));
    if (result.kind === "later") {
      Object.assign(entry, { state: WAITING, body: offlineBody, fallback: null });
      await (await this.db).put(WAITING, entry);
      this.changed();
      this.schedule();
    }
    return result;
  }

  /** Sell offline: the sale waits in the queue; sending starts when the network is back. */
  async sellOffline(offlineBody, info) {
    const entry = await this.add(offlineBody, info);
    this.flush();
    return entry;
  }

  /** Send the waiting sales of this till session in the order made, one at a time, until none is left or one
   * cannot be sent now (then tried again after a back-off). A refused sale is set aside (kept, listed) and the
   * next one goes. Resolves to the number still waiting. */
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    return this.exclusive(async () => {
      await this.ready;
      for (const entry of await this.waiting()) {
        if (entry.sessionId !== this.sessionId || entry.state !== WAITING) continue;
        const result = await this.sendOne(entry);
        if (result.kind === "later") {
          this.failures += 1;
          this.schedule();
          break;
        }
      }
      const left = await this.count();
      this.changed();
      return left;
    });
  }

  /** Try again after the back-off (1 s, 2 s, 4 s... 30 s), unless a try is already planned. */
  schedule() {
    if (this.timer) return;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, this.failures - 1));
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, delay * (0.8 + Math.random() * 0.4));
  }

  /** The network came back (browser event, heartbeat answered): send now, from the first delay again. */
  resume() {
    this.failures = 0;
    this.flush();
  }

  setOnline(online) {
    if (this.online === online) return;
    this.online = online;
    this.changed();
  }

  /** Try the refused sales again (they stay refused if the server still refuses them). */
  async retryRefused() {
    const db = await this.db;
    for (const entry of await this.waiting()) {
      if (entry.state === "refused" && entry.sessionId === this.sessionId) {
        Object.assign(entry, { state: WAITING, error: null });
        await db.put(WAITING, entry);
      }
    }
    return this.flush();
  }
}
