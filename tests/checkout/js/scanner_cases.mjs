// Scenarios of the till's scan service, run by tests/checkout/test_till_js.py under Node (no browser needed).
// Keys are fed with explicit timestamps; a pause is also waited for for real, so that the service's timer fires.
globalThis.HTMLElement = class {};
globalThis.HTMLInputElement = class extends globalThis.HTMLElement {};
globalThis.HTMLTextAreaElement = class extends globalThis.HTMLElement {};
const root = new URL(process.argv[2], "file://");
const { ScanCapture } = await import(new URL("static/js/checkout/scanner.js", root));
const { decodeMeasureLabel, priceVerifierDigit } = await import(new URL("static/js/checkout/gtin.js", root));
const { Catalogue } = await import(new URL("static/js/checkout/catalogue.js", root));
const { SeenCodes } = await import(new URL("static/js/checkout/camera.js", root));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const PAUSE = 60;

function harness() {
  const scans = [];
  const pending = [];
  const scanner = new ScanCapture({ onScan: (code, n) => scans.push([code, n]), onPending: (p) => pending.push(p),
    burstGapMs: 25, pauseMs: PAUSE });
  let now = 1000;
  const key = (k) => scanner.handleKeydown({ key: k, timeStamp: now, target: null, preventDefault() {} });
  return {
    scans, pending, scanner,
    burst(text, gap = 3) { for (const ch of text) { now += gap; key(ch); } },
    enter() { now += 3; key("Enter"); },
    async person(text) { for (const ch of text) { now += 400; key(ch); await sleep(PAUSE + 30); } },
    escape() { now += 400; key("Escape"); },
    async pause() { now += 400; await sleep(PAUSE + 30); },
  };
}

const results = {};
let h = harness();
h.burst("5400020270202"); h.enter();
results.scan_with_enter = h.scans;

h = harness();
h.burst("5400020270202"); await h.pause();
results.scan_without_enter = h.scans;

h = harness();
await h.person("3"); results.pending_after_person = h.scanner.pending;
h.burst("5400020270202"); h.enter();
results.person_quantity_then_scan = h.scans;

h = harness();
h.burst("<script>alert(1)</script>"); h.enter();
results.garbage_pending = h.scanner.pending;
h.burst("5400020270202"); h.enter();
results.garbage_then_product = h.scans;

h = harness();
h.burst("<script>alert(1)</script>"); await h.pause();
h.burst("5400020270202"); h.enter();
results.garbage_without_enter_then_product = h.scans;

h = harness();
h.burst("51"); await h.pause();
results.short_burst = { scans: h.scans, pending: h.scanner.pending };

h = harness();
h.burst("&é\"'(§è!çà"); h.enter();
h.burst("&é\"'(-è_çà"); h.enter();
results.azerty = h.scans;

h = harness();
await h.person("12"); h.escape();
results.escape = { pending: h.scanner.pending, scans: h.scans };

h = harness();
await h.person("12"); h.enter();
results.enter_clears = { pending: h.scanner.pending, scans: h.scans };

h = harness();
await h.person("5400020270202"); h.enter();
results.typed_by_hand = h.scans;

h = harness();
await h.person("2"); h.burst("5 4 0 0"); h.enter();
h.burst("5400020270202"); h.enter();
results.refused_scan_clears_quantity = h.scans;

// Camera: frames every 200 ms. A product held in view for 5 s (a few frames missed) is added once; taken out of view
// and shown again, it is added again; another product in view is added at once.
const seen = new SeenCodes(1200);
const added = [];
for (let at = 0; at <= 5000; at += 200) {
  const code = at % 1000 === 600 ? null : "5400020270202"; // a missed frame now and then
  if (seen.shouldAdd(code, at)) added.push([at, code]);
}
for (let at = 5200; at <= 6600; at += 200) if (seen.shouldAdd(null, at)) added.push([at, null]); // out of view
if (seen.shouldAdd("5400020270202", 6800)) added.push([6800, "5400020270202"]);
if (seen.shouldAdd("96100007", 7000)) added.push([7000, "96100007"]);
if (seen.shouldAdd("5400020270202", 7200)) added.push([7200, "5400020270202"]);
results.camera = added;

const verifiers = {};
for (let v = 0; v < 10000; v += 1) {
  const digits = String(v).padStart(4, "0");
  verifiers[digits] = priceVerifierDigit(digits);
}
results.verifiers = verifiers;

const catalogue = new Catalogue({
  fields: ["id", "name", "category_id", "unit", "price_cents", "retail_cents", "available", "quota_quantity",
    "quota_scope", "quota_period", "item_ref"],
  products: [[1, "Gouda", 1, "piece", 100, 400, 5, null, null, null, 123],
    [2, "Pommes", 1, "kg", 90, 250, 5, null, null, null, 124]],
  barcodes: [], categories: [[1, "Frais"]],
  prefixes: { household_card: "25", volunteer_badge: "26", weight_label: "21", price_label: "22" },
});
results.lookups = Object.fromEntries(process.argv.slice(3).map((code) => {
  const found = catalogue.lookup(code);
  return [code, { kind: found.kind, quantity: found.quantity ?? null, price_cents: found.price_cents ?? null,
    label: found.label ?? null, decoded: decodeMeasureLabel(code) }];
}));
console.log(JSON.stringify(results));
