// The catalogue snapshot: every scan is looked up here, in the browser, without a request.
import { decodeMeasureLabel, gtinIsValid } from "./gtin.js";

export function foldText(text) {
  return text.toLocaleLowerCase("fr").normalize("NFD").replace(/\p{Diacritic}/gu, "");
}

/** The product fields the till reads, in the order of the server's FIELDS (grocery/checkout/catalogue.py). */
const KNOWN = ["id", "name", "category_id", "unit", "price_cents", "retail_cents", "available", "quota_quantity",
  "quota_scope", "quota_period", "item_ref"];

export class Catalogue {
  /** Read fast, as the till waits for it before its first scan (20,000 products on a slow tablet): one object of
   * the same shape per product, the barcodes from their pairs, the folded names for the search made
   * later (`prepareSearch`, or at the first search). */
  constructor(snapshot) {
    this.products = new Map();
    this.byItemRef = new Map();
    const fields = snapshot.fields;
    const [id, name, category, unit, price, retail, available, quota, scope, period, itemRef] =
      KNOWN.map((field) => fields.indexOf(field)); // -1: a field the server does not send (undefined, as before)
    const others = fields.map((field, index) => [field, index]).filter(([field]) => !KNOWN.includes(field));
    for (const row of snapshot.products) {
      const product = { id: row[id], name: row[name], category_id: row[category], unit: row[unit],
        price_cents: row[price], retail_cents: row[retail], available: row[available], quota_quantity: row[quota],
        quota_scope: row[scope], quota_period: row[period], item_ref: row[itemRef], search: null };
      for (const [field, index] of others) product[field] = row[index];
      this.products.set(product.id, product);
      if (product.item_ref !== null && product.item_ref !== undefined) this.byItemRef.set(product.item_ref, product);
    }
    // [[code, product id], ...]; an object {code: id} in a catalogue kept by the tablet before this format.
    const barcodes = snapshot.barcodes;
    this.barcodes = new Map(Array.isArray(barcodes) ? barcodes : Object.entries(barcodes));
    // [id, name, quota_quantity, quota_scope, quota_period]: the quota counts the category's products sold by the piece.
    this.categories = snapshot.categories.map(([id, name, quotaQuantity = null, quotaScope = null, quotaPeriod = null]) => (
      { id, name, quota_quantity: quotaQuantity, quota_scope: quotaScope, quota_period: quotaPeriod }));
    this.prefixes = snapshot.prefixes;
    this.searchReady = false;
  }

  /** Fold the names for the search in slices of idle time (the till is ready before): nothing left to do at the
   * first search. */
  prepareSearch() {
    const products = [...this.products.values()];
    let next = 0;
    const idle = window.requestIdleCallback || ((run) => setTimeout(() => run({ timeRemaining: () => 8 }), 50));
    const slice = (deadline) => {
      while (next < products.length && deadline.timeRemaining() > 1) {
        const end = Math.min(products.length, next + 200);
        for (; next < end; next += 1) products[next].search ??= foldText(products[next].name);
      }
      if (next >= products.length) this.searchReady = true;
      if (!this.searchReady) idle(slice, { timeout: 2000 });
    };
    idle(slice, { timeout: 2000 });
  }

  /**
   * What a scanned code is: {kind: "product", product, quantity, weight_g, price_cents} or
   * {kind: "household_card" | "volunteer_badge" | "invalid" | "unknown" | "bad_label" | "wrong_label", code}.
   */
  lookup(rawCode) {
    const code = String(rawCode);
    if (!/^\d+$/.test(code) || !gtinIsValid(code)) return { kind: "invalid", code };
    if (code.length === 13) {
      const prefix = code.slice(0, 2);
      if (prefix === this.prefixes.household_card) return { kind: "household_card", code };
      if (prefix === this.prefixes.volunteer_badge) return { kind: "volunteer_badge", code };
      if (prefix === this.prefixes.weight_label || prefix === this.prefixes.price_label) {
        return this.lookupLabel(code, prefix);
      }
    }
    let id = this.barcodes.get(code);
    if (id === undefined && code.length === 12) id = this.barcodes.get("0" + code);
    if (id === undefined && code.length === 13 && code.startsWith("0")) id = this.barcodes.get(code.slice(1));
    const product = id === undefined ? undefined : this.products.get(id);
    if (!product) return { kind: "unknown", code };
    return { kind: "product", code, product, quantity: product.unit === "piece" ? 1 : null };
  }

  lookupLabel(code, prefix) {
    // Variable-measure label: prefix, 5-digit item number, price/weight verifier digit, 4-digit value, check digit;
    // a wrong verifier digit is refused here exactly as the server refuses it (grocery/stock/labels.py).
    const label = decodeMeasureLabel(code);
    if (label === null) return { kind: "bad_label", code };
    const product = this.byItemRef.get(label.itemRef);
    if (!product) return { kind: "unknown", code };
    if (prefix === this.prefixes.weight_label) {
      if (product.unit === "piece") return { kind: "wrong_label", code, product };
      return { kind: "product", code, product, quantity: label.value, weight_g: label.value };
    }
    // A price label is put on a piece product: one piece at the price printed on it (the server checks it again
    // within the usual rules: programme goods stay free, source caps apply).
    if (product.unit !== "piece") return { kind: "wrong_label", code, product };
    return { kind: "product", code, product, quantity: 1, price_cents: label.value, label: code };
  }

  search(text, limit = 24) {
    const needle = foldText(text.trim());
    if (needle.length < 2) return [];
    const found = [];
    for (const product of this.products.values()) {
      product.search ??= foldText(product.name);
      if (product.search.includes(needle)) {
        found.push(product);
        if (found.length >= limit) break;
      }
    }
    return found;
  }

  /** Products sold by weight or volume (loose fruit and vegetables: no barcode on them), in stock, by name. */
  loose(limit = 60) {
    const found = [];
    for (const product of this.products.values()) {
      if (product.unit !== "piece" && product.available > 0) found.push(product);
    }
    found.sort((a, b) => a.name.localeCompare(b.name, "fr"));
    return found.slice(0, limit);
  }

  inCategory(categoryId, limit = 300) {
    const found = [];
    for (const product of this.products.values()) {
      if (product.category_id === categoryId && product.available > 0) found.push(product);
    }
    found.sort((a, b) => a.name.localeCompare(b.name, "fr"));
    return found.slice(0, limit);
  }
}
