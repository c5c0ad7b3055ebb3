// Cases of the till's offline computations (static/js/checkout/offline-rules.js), run by
// tests/checkout/test_offline_js.py under Node: prices as the server rounds them, the budget and quotas less the
// sales waiting in the queue, the offline quote's refusals, the snapshot's day.
const root = new URL(process.argv[2], "file://");
const rules = await import(new URL("static/js/checkout/offline-rules.js", root));

const products = new Map([
  [1, { id: 1, name: "Riz", unit: "piece", category_id: 10, price_cents: 300, retail_cents: 500, quota_quantity: 2 }],
  [2, { id: 2, name: "Lingettes", unit: "piece", category_id: 20, price_cents: 100, retail_cents: 150, quota_quantity: null }],
  [3, { id: 3, name: "Pommes", unit: "kg", category_id: 30, price_cents: 299, retail_cents: 250, quota_quantity: null }],
]);
const catalogue = { products, categories: [
  { id: 10, name: "Épicerie", quota_quantity: null }, { id: 20, name: "Hygiène bébé", quota_quantity: 3 },
  { id: 30, name: "Fruits", quota_quantity: null }] };
const line = (id, quantity, extra = {}) => ({ product_id: id, quantity, unit: products.get(id).unit,
  price_cents: products.get(id).price_cents, retail_cents: products.get(id).retail_cents, ...extra });
const messages = { over_budget: "over %(total)s > %(left)s", quota_exceeded: "quota %(name)s left %(left)s" };
const fmt = (cents) => (cents / 100).toFixed(2);
const household = { card_code: "A", budget_left_cents: 1000, quotas: [
  { name: "Riz", limit: 2, left: 2, left_label: "2" }, { name: "Hygiène bébé", limit: 3, left: 3, left_label: "3" }] };
const queued = [
  { card_code: "A", total_cents: 600, lines: [{ product_id: 1, category_id: 10, unit: "piece", quantity: 1 },
    { product_id: 2, category_id: 20, unit: "piece", quantity: 2 }] },
  { card_code: "B", total_cents: 900, lines: [{ product_id: 1, category_id: 10, unit: "piece", quantity: 2 }] },
  { card_code: "A", total_cents: 50, lines: [{ product_id: 3, category_id: 30, unit: "kg", quantity: 500 }] }];

const out = {};
out.prices = {
  pieces: rules.linePrice(line(1, 3)),
  weight_half_up: rules.linePrice(line(3, 1250)), // 299 x 1,25 = 373,75 -> 374
  weight_exact_half: rules.linePrice(line(3, 1002, { price_cents: 250 })), // 250,5 -> 251
  label: rules.linePrice(line(1, 1, { label: "2100123000000", label_price_cents: 180 })),
};
const use = rules.pendingUse(queued, "A");
out.pending = use;
const adjusted = rules.withUse(household, use, catalogue);
out.adjusted = { budget: adjusted.budget_left_cents, quotas: adjusted.quotas.map((q) => [q.name, q.left, q.left_label]),
  unchanged: household.budget_left_cents };
out.quote_ok = rules.localQuote([line(1, 1), line(3, 100)], adjusted, catalogue, messages, fmt);
out.quote_refused = rules.localQuote([line(1, 2), line(2, 2), line(3, 1000)], adjusted, catalogue, messages, fmt);
out.quota_by_kind = rules.quotaRule({ kind: "category", id: 20, name: "x" }, catalogue);
out.quota_unknown = rules.quotaRule({ name: "Inconnu" }, catalogue);
const snapshot = { expires_at: "2026-12-03T00:00:00+01:00", cards: [{ card_code: "A", display_name: "Famille A" }] };
out.snapshot = {
  found: rules.snapshotCard(snapshot, "A", new Date("2026-12-02T20:00:00Z")),
  unknown: rules.snapshotCard(snapshot, "Z", new Date("2026-12-02T20:00:00Z")),
  expired: rules.snapshotCard(snapshot, "A", new Date("2026-12-02T23:00:00Z")),
};
console.log(JSON.stringify(out));
