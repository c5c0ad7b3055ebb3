// The cart of the sale in progress, kept in localStorage so that a reload loses nothing; parked carts too.
import { newUuid } from "./api.js";

const CURRENT = "grocery.till.cart";
const PARKED = "grocery.till.parked";

function read(key, fallback) {
  try {
    const value = JSON.parse(localStorage.getItem(key));
    return value ?? fallback;
  } catch (error) {
    return fallback;
  }
}

export class Cart {
  constructor(sessionId) {
    this.sessionId = String(sessionId);
    const saved = read(CURRENT, null);
    if (saved && saved.sessionId === this.sessionId) {
      Object.assign(this, { uuid: saved.uuid, household: saved.household, lines: saved.lines, startedAt: saved.startedAt });
    } else {
      this.reset();
    }
  }

  reset() {
    this.uuid = newUuid();
    this.household = null;
    this.lines = [];
    this.startedAt = new Date().toISOString();
    this.save();
  }

  save() {
    clearTimeout(this.saveTimer);
    this.saveTimer = null;
    localStorage.setItem(CURRENT, JSON.stringify({
      sessionId: this.sessionId, uuid: this.uuid, household: this.household, lines: this.lines, startedAt: this.startedAt,
    }));
  }

  /** Save right after the screen is drawn (a scan: the line shows first); at the latest when the page goes away. */
  saveSoon() {
    if (this.saveTimer) return;
    const save = () => { if (this.saveTimer) this.save(); };
    this.saveTimer = setTimeout(save, 200); // a page not drawn (hidden) saves all the same
    requestAnimationFrame(() => setTimeout(save, 0));
    if (!this.flushOnHide) {
      this.flushOnHide = () => { if (this.saveTimer) this.save(); };
      window.addEventListener("pagehide", this.flushOnHide);
      document.addEventListener("visibilitychange", this.flushOnHide);
    }
  }

  get isEmpty() { return this.lines.length === 0; }

  /** Add a product; a piece product already in the cart gets its quantity increased instead of a new line. A price
   * label ({label, price_cents}) makes a line of its own, one piece at the printed price. */
  add(product, quantity, label = null) {
    const line = product.unit === "piece" && !label ? this.lines.find((l) => l.product_id === product.id && !l.label) : null;
    if (line) {
      line.quantity += quantity;
    } else {
      const added = {
        product_id: product.id, name: product.name, unit: product.unit, quantity,
        price_cents: product.price_cents, retail_cents: product.retail_cents,
      };
      if (label) Object.assign(added, { label: label.label, label_price_cents: label.price_cents });
      this.lines.push(added);
    }
    this.saveSoon();
    return line || this.lines[this.lines.length - 1];
  }

  /** Estimated amounts of one line from the snapshot (a price label's line at its printed price). */
  static lineEstimate(line) {
    const factor = line.unit === "piece" ? line.quantity : line.quantity / 1000;
    const price = line.label ? line.label_price_cents : Math.round(line.price_cents * factor);
    return { total: line.label ? price * line.quantity : price, retail: Math.round(line.retail_cents * factor) };
  }

  setQuantity(index, quantity) {
    if (quantity <= 0) {
      this.lines.splice(index, 1);
    } else {
      this.lines[index].quantity = quantity;
    }
    this.saveSoon();
  }

  remove(index) {
    this.lines.splice(index, 1);
    this.save();
  }

  /** Estimated amounts from the snapshot (the server's quote is the authority). */
  estimate() {
    let total = 0;
    let retail = 0;
    for (const line of this.lines) {
      const amounts = Cart.lineEstimate(line);
      total += amounts.total;
      retail += amounts.retail;
    }
    return { total, retail };
  }

  park() {
    if (this.isEmpty && !this.household) return false;
    const parked = read(PARKED, []);
    parked.push({ sessionId: this.sessionId, uuid: this.uuid, household: this.household, lines: this.lines,
      startedAt: this.startedAt, parkedAt: new Date().toISOString() });
    localStorage.setItem(PARKED, JSON.stringify(parked));
    this.reset();
    return true;
  }

  static parked(sessionId) {
    return read(PARKED, []).filter((p) => p.sessionId === String(sessionId));
  }

  resume(uuid) {
    const parked = read(PARKED, []);
    const index = parked.findIndex((p) => p.uuid === uuid && p.sessionId === this.sessionId);
    if (index < 0) return false;
    if (!this.isEmpty || this.household) this.park();
    const [cart] = parked.splice(index, 1);
    const remaining = read(PARKED, []).filter((p) => p.uuid !== uuid);
    localStorage.setItem(PARKED, JSON.stringify(remaining));
    Object.assign(this, { uuid: cart.uuid, household: cart.household, lines: cart.lines, startedAt: cart.startedAt });
    this.save();
    return true;
  }
}
