// The catalogue snapshot: every scan is looked up here, in the browser, without a request.
import { decodeMeasureLabel, gtinIsValid } from "./gtin.js";

export function foldText(text) {
  return text.toLocaleLowerCase("fr").normalize("NFD").replace(/\p{Diacritic}/gu, "");
}

export class Catalogue {
  constructor(snapshot) {
    this.products = new Map();
    this.byItemRef = new Map();
    const fields = snapshot.fields;
    for (const row of snapshot.products) {
      const product = {};
      fields.forEach((name, index) => { product[name] = row[index]; });
      product.search = foldText(product.name);
      this.products.set(product.id, product);
      if (product.item_ref !== null && product.item_ref !== undefined) this.byItemRef.set(product.item_ref, product);
    }
    this.barcodes = new Map(Object.entries(snapshot.barcodes).map(([code, id]) => [code, id]));
    // [id, name, quota_quantity, quota_scope, quota_period]: the quota counts the category's products sold by the piece.
    this.categories = snapshot.categories.map(([id, name, quotaQuantity = null, quotaScope = null, quotaPeriod = null]) => (
      { id, name, quota_quantity: quotaQuantity, quota_scope: quotaScope, quota_period: quotaPeriod }));
    this.prefixes = snapshot.prefixes;
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
