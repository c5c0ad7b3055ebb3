// What the till computes by itself while the server cannot be asked: the price of a cart from the catalogue, and a
// household's budget left and quotas counting the sales this tablet made that the figures do not include yet.
// Pure functions (no DOM, no IndexedDB): tests/checkout/js/offline_cases.mjs runs them under Node.

/** Amounts of one cart line as the server computes them from the price of the next lot (grocery/stock/services.py
 * price_for_quantity_cents: pieces x unit price; grams or ml x price per kg or litre / 1000, rounded half up). A
 * price label's line is one piece at its printed price. */
export function linePrice(line) {
  if (line.label) return { price: line.label_price_cents * line.quantity, retail: line.retail_cents * line.quantity };
  if (line.unit === "piece") return { price: line.price_cents * line.quantity, retail: line.retail_cents * line.quantity };
  return { price: Math.round((line.price_cents * line.quantity) / 1000),
    retail: Math.round((line.retail_cents * line.quantity) / 1000) };
}

/** What a sale takes from a household: {cents, products: {id: base units}, categories: {id: pieces}}; `lines` are
 * [{product_id, category_id, unit, quantity}]. A category's quota counts its products sold by the piece. */
export function saleUse(lines, cents) {
  const use = { cents, products: {}, categories: {} };
  for (const line of lines) {
    use.products[line.product_id] = (use.products[line.product_id] || 0) + line.quantity;
    if (line.unit === "piece" && line.category_id !== null && line.category_id !== undefined) {
      use.categories[line.category_id] = (use.categories[line.category_id] || 0) + line.quantity;
    }
  }
  return use;
}

/** The sum of what the given sales of this card take (each {card_code, total_cents, lines}). */
export function pendingUse(sales, cardCode) {
  const total = { cents: 0, products: {}, categories: {} };
  for (const sale of sales) {
    if (sale.card_code !== cardCode) continue;
    const use = saleUse(sale.lines, sale.total_cents);
    total.cents += use.cents;
    for (const [id, n] of Object.entries(use.products)) total.products[id] = (total.products[id] || 0) + n;
    for (const [id, n] of Object.entries(use.categories)) total.categories[id] = (total.categories[id] || 0) + n;
  }
  return total;
}

/** The rule a quota of the summary is about: {kind, id, unit} from its kind and id when the server gives them, else
 * found by its name among the catalogue's categories and products with a quota (the summary gives name, limit,
 * left and left_label only); null when the catalogue does not know it. */
export function quotaRule(quota, catalogue) {
  if (!catalogue) return null;
  // Found once per catalogue: a quota known by its name only would be looked for among 20,000 products at every
  // redraw of the totals (every scan).
  let found = ruleCache.get(catalogue);
  if (!found) ruleCache.set(catalogue, found = new Map());
  const key = `${quota.kind}\u0000${quota.id}\u0000${quota.name}`;
  if (!found.has(key)) found.set(key, findQuotaRule(quota, catalogue));
  return found.get(key);
}

/** The rules of quotas already found, by catalogue (a snapshot does not change once read). */
const ruleCache = new WeakMap();

function findQuotaRule(quota, catalogue) {
  if (quota.kind === "category" && quota.id !== undefined) return { kind: "category", id: quota.id, unit: "piece" };
  if (quota.kind === "product" && quota.id !== undefined) {
    const product = catalogue.products.get(quota.id);
    return { kind: "product", id: quota.id, unit: product ? product.unit : "piece" };
  }
  const category = catalogue.categories.find((c) => c.name === quota.name && c.quota_quantity !== null
    && c.quota_quantity !== undefined);
  if (category) return { kind: "category", id: category.id, unit: "piece" };
  for (const product of catalogue.products.values()) {
    if (product.name === quota.name && product.quota_quantity !== null && product.quota_quantity !== undefined) {
      return { kind: "product", id: product.id, unit: product.unit };
    }
  }
  return null;
}

/** Base units as people read them ("12", "1,25 kg", "0,75 l"), as grocery/stock/services.py format_quantity. */
export function quantityText(unit, quantity, locale = "fr-BE") {
  if (unit === "piece") return quantity.toLocaleString(locale);
  return (quantity / 1000).toLocaleString(locale, { maximumFractionDigits: 3 }) + (unit === "kg" ? " kg" : " l");
}

/** A household summary (budget_left_cents, quotas) less what `use` takes: a new object, the summary unchanged. */
export function withUse(household, use, catalogue, locale = "fr-BE") {
  if (!household) return household;
  const adjusted = { ...household };
  if (household.budget_left_cents !== null && household.budget_left_cents !== undefined) {
    adjusted.budget_left_cents = household.budget_left_cents - use.cents;
  }
  adjusted.quotas = (household.quotas || []).map((quota) => {
    const rule = quotaRule(quota, catalogue);
    const taken = rule ? (rule.kind === "category" ? use.categories[rule.id] : use.products[rule.id]) || 0 : 0;
    if (!taken) return { ...quota, rule };
    const left = Math.max(0, quota.left - taken);
    return { ...quota, rule, left, left_label: quantityText(rule.unit, left, locale) };
  });
  return adjusted;
}

/** The quote the till makes without the server: each cart line priced from the catalogue, the budget and the quotas
 * checked against the household as the tablet knows it (already less the sales waiting to be sent). Stock is not a
 * refusal here: the goods are in the household's hands; the server records what no lot covers. `messages` are
 * {over_budget, quota_exceeded} with %(total)s %(left)s %(name)s placeholders; `fmt` formats cents. */
export function localQuote(cartLines, household, catalogue, messages, fmt, locale = "fr-BE") {
  const lines = cartLines.map((line) => {
    const { price, retail } = linePrice(line);
    return { product_id: line.product_id, quantity: line.quantity, price_cents: price, retail_cents: retail,
      free_programme_quantity: 0, past_best_before: false };
  });
  const total = lines.reduce((sum, line) => sum + line.price_cents, 0);
  const retail = lines.reduce((sum, line) => sum + line.retail_cents, 0);
  const violations = [];
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
  const use = saleUse(cartLines.map((line) => ({ ...line,
    category_id: catalogue?.products.get(line.product_id)?.category_id ?? null })), total);
  for (const quota of household?.quotas || []) {
    const rule = quota.rule || quotaRule(quota, catalogue);
    if (!rule || quota.limit <= 0) continue;
    const wanted = (rule.kind === "category" ? use.categories[rule.id] : use.products[rule.id]) || 0;
    if (wanted > quota.left) {
      const productId = rule.kind === "product" ? rule.id
        : [...cartLines].reverse().find((l) => catalogue?.products.get(l.product_id)?.category_id === rule.id)?.product_id;
      violations.push({ code: "quota_exceeded", product_id: productId ?? null,
        message: fill(messages.quota_exceeded, { name: quota.name, left: quantityText(rule.unit, quota.left, locale) }) });
    }
  }
  const left = household?.budget_left_cents;
  if (left !== null && left !== undefined && total > left) {
    violations.push({ code: "over_budget", product_id: null,
      message: fill(messages.over_budget, { total: fmt(total), left: fmt(Math.max(left, 0)) }) });
  }
  return { lines, total_cents: total, retail_cents: retail, savings_cents: retail - total,
    budget_left_cents: left ?? null, violations, offline: true };
}

/** The card in a cards snapshot ({expires_at, cards: [...]}) as the till summary, or null (unknown to the snapshot,
 * or the snapshot has expired: it holds the cards valid on its day only). */
export function snapshotCard(snapshot, code, now = new Date()) {
  if (!snapshot || !Array.isArray(snapshot.cards)) return null;
  if (snapshot.expires_at && new Date(snapshot.expires_at) <= now) return null;
  const card = snapshot.cards.find((c) => c.card_code === code);
  return card ? { ...card } : null;
}
