"""Offline till benchmark (issue #13), not a test: Debian's Chromium through Playwright with the CPU throttled 4x
(CDP Emulation.setCPUThrottlingRate), a catalogue of 20,000 products.

    .venv/bin/python bench/offline_bench.py               # generates /tmp/grocery-bench-offline-20k.sqlite once
    .venv/bin/python bench/offline_bench.py --regenerate --runs 7

Measures:
1. the checkout page ready from the service worker's cache with the network off (target <= 1 s): the page was opened
   online once (the worker keeps the page, its scripts and the catalogue), then reloaded offline `runs` times; ready
   is when the till marks itself ready (#till[data-ready="1"]: the catalogue read and indexed), counted from the
   start of the navigation;
2. scan to line on screen (target <= 16 ms, one frame): `scans` scans of different products, each a synthetic run of
   scanner keys then Enter; the time of the Enter handler, of the handler and the layout of the new line (forced),
   and until the next animation frame after it (the line painted);
3. 50 queued sales synced once the network is back (target <= 10 s): put in the till's queue (window.tillQueue) with
   the network off, CPU still throttled, then the time until the queue is empty once the network is back: see
   measure_queue_sync.

The app runs on the SQLite file in a thread of this process (werkzeug, threaded), as the browser tests do. The
figures depend on the machine: note its load average (printed) with them.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import SqliteStore, build_dataset, make_app
from sqlalchemy import select

from grocery.extensions import db

SIZES = {"households": 50, "products": 20_000, "sale_lines": 0, "volunteers": 0}
PASSWORD = "bench-password-123"  # noqa: S105
CHROMIUM = "/usr/bin/chromium"
QUEUED_SALES = 50
#: The till's marks of its opening (static/js/checkout/till.js start), ms from the navigation's start.
STEPS = {"till:catalogue-asked": "catalogue asked", "till:catalogue-read": "catalogue read (JSON parsed)",
         "till:catalogue-indexed": "catalogue indexed"}

#: Runs in every page before its own scripts: the time (ms from the navigation's start) the till marks itself ready.
READY_MARK = """
new MutationObserver((_changes, observer) => {
  const till = document.getElementById('till');
  if (till && till.dataset.ready === '1' && window.__tillReadyAt === undefined) {
    window.__tillReadyAt = performance.now();
    observer.disconnect();
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
"""

#: One scan (keys of a scanner, then Enter) and the times of its line: handler, handler + layout, next frame.
SCAN = """async (code) => {
  const lines = document.getElementById('lines');
  const key = (k) => document.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
  const before = lines.children.length;
  for (const ch of code) key(ch);
  const start = performance.now();
  key('Enter');
  const handled = performance.now();
  const line = lines.lastElementChild;
  if (line) line.getBoundingClientRect();  // the layout of the new line, forced now
  const laidOut = performance.now();
  const painted = await new Promise((resolve) => requestAnimationFrame(() => {
    const channel = new MessageChannel();  // runs after the frame's style, layout and paint
    channel.port1.onmessage = () => resolve(performance.now());
    channel.port2.postMessage(null);
  }));
  return { added: lines.children.length - before, handler: handled - start, layout: laidOut - start,
           frame: painted - start };
}"""


def serve(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def prepare(app) -> tuple[int, str, list[str], list[dict]]:
    """An open till of the cashier `bench`, a card with access today, the barcodes of piece products in stock, and
    the bodies of the queued sales (queued_sales)."""
    from grocery.auth.models import User
    from grocery.checkout.services import till_household
    from grocery.checkout.till import open_session_for, open_till
    from grocery.households.models import HouseholdCard
    from grocery.stock.models import Lot, Product, ProductBarcode
    from grocery.timeutil import local_today

    with app.app_context():
        cashier = db.session.scalar(select(User).where(User.username == "bench"))
        till = open_session_for("Caisse 1") or open_till(cashier, "Caisse 1", float_cents=5000)
        db.session.commit()
        cards = []  # (code, budget left in cents or None) of the cards with access today
        for code in db.session.scalars(select(HouseholdCard.code).where(HouseholdCard.is_active.is_(True))
                                       .order_by(HouseholdCard.id)):
            try:
                summary = till_household(code, local_today())
            except Exception:  # noqa: S112 - a card refused at the till: try the next one
                continue
            if summary["eligible"]:
                cards.append((code, summary["budget_left_cents"]))
        if not cards:
            raise SystemExit("no card with access today in the benchmark data")
        stocked = select(Lot.product_id).where(Lot.quantity_on_hand > 0)
        rows = db.session.execute(
            select(ProductBarcode.code, Product.id).join(Product, Product.id == ProductBarcode.product_id)
            .where(Product.unit_kind == "piece", Product.is_active.is_(True), Product.id.in_(stocked))
            .order_by(ProductBarcode.id).limit(400)).all()
        sales = queued_sales(cards[1:] or cards, QUEUED_SALES)  # the first card is the one scanned at the till
        return till.id, cards[0][0], [code for code, _id in rows[::8]], sales


def queued_sales(cards: list[tuple[str, int | None]], count: int) -> list[dict]:
    """`count` sale bodies as the till queues them offline ({uuid, household_card, lines, payment, offline: true,
    client_created_at, total_cents}), each valid for the server even handled as an online sale (the network is cut
    for seconds only, less than a gap in the till's contact: grocery/checkout/offline.py offline_accepted): one piece
    of a product in stock, outside any quota, priced, at the price of the catalogue snapshot, the cards taken in
    turn among those whose budget left pays for their sales."""
    import uuid
    from datetime import UTC, datetime

    from grocery.checkout.catalogue import FIELDS, catalogue_snapshot
    from grocery.timeutil import local_today

    snapshot = catalogue_snapshot(local_today())
    category_quota = {row[0]: row[2] for row in snapshot["categories"]}
    products = [dict(zip(FIELDS, row, strict=True)) for row in snapshot["products"]]
    products = [p for p in products if p["unit"] == "piece" and p["available"] >= 2 and p["price_cents"] > 0
                and p["quota_quantity"] is None and category_quota.get(p["category_id"]) is None]
    if len(products) < count:
        raise SystemExit(f"only {len(products)} products fit a queued sale, {count} needed")
    budgets = dict(cards)
    bodies = []
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    for index, product in enumerate(products[:count]):
        price = product["price_cents"]
        for _ in range(len(cards)):
            code, _budget = cards[(index + _) % len(cards)]
            if budgets[code] is None or budgets[code] >= price:
                break
        else:
            raise SystemExit("no card has the budget left for the queued sales")
        if budgets[code] is not None:
            budgets[code] -= price
        bodies.append({"uuid": str(uuid.uuid4()), "household_card": code,
                       "lines": [{"product_id": product["id"], "quantity": 1, "price_cents": price}],
                       "payment": {"method": "card"}, "offline": True, "client_created_at": now,
                       "total_cents": price})
    return bodies


def wait_for(page, expression: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if page.evaluate(f"async () => Boolean({expression})"):
            return
        page.wait_for_timeout(50)
    raise SystemExit(f"timed out waiting for {expression}")


def cached(page, path: str) -> bool:
    return page.evaluate("""async (path) => {
        for (const name of await caches.keys()) {
            if (await (await caches.open(name)).match(path, { ignoreVary: true })) return true;
        }
        return false;
    }""", path)


def measure_queue_sync(page, context, bodies: list[dict]) -> tuple[float, int]:
    """The queued sales synced once the network is back (target <= 10 s for 50), through the till's queue
    (`window.tillQueue`, static/js/checkout/queue.js; README "The till without the network (browser side)"): with the
    network off, the sale bodies are put in the queue as the till puts an offline sale there; then the network comes
    back (the browser's `online` event starts the sending, `flush()` too) and the time until `count()` is 0 is
    measured. Returns (seconds, sales recorded by the server); a sale refused or still waiting stops the benchmark."""
    context.set_offline(True)
    page.evaluate("""async (bodies) => {
        for (const body of bodies) {
            const line = body.lines[0];
            await window.tillQueue.add(body, { card_code: body.household_card, display_name: "bench",
                total_cents: body.total_cents, retail_cents: body.total_cents, payment_method: "card",
                lines: [{ product_id: line.product_id, unit: "piece", quantity: 1, name: "bench",
                          category_id: null, quantity_label: "1", price_cents: line.price_cents }] });
        }
    }""", bodies)
    if page.evaluate("window.tillQueue.count()") != len(bodies):
        raise SystemExit("the queue does not hold the sales put in it")
    started = time.perf_counter()
    context.set_offline(False)
    page.evaluate("() => { window.tillQueue.flush(); }")
    deadline = time.monotonic() + 120
    while page.evaluate("window.tillQueue.count()") and time.monotonic() < deadline:
        if page.evaluate("window.tillQueue.waiting().then((w) => w.some((e) => e.state === 'refused'))"):
            raise SystemExit("a queued sale was refused: " + page.evaluate(
                "window.tillQueue.waiting().then((w) => w.find((e) => e.state === 'refused').error)"))
        page.wait_for_timeout(20)
    elapsed = time.perf_counter() - started
    left = page.evaluate("window.tillQueue.count()")
    if left:
        raise SystemExit(f"{left} queued sales still waiting after 120 s")
    uuids = [body["uuid"] for body in bodies]
    recorded = page.evaluate("(uuids) => window.tillQueue.sent().then((s) => s.filter((e) => uuids.includes(e.uuid))"
                             ".length)", uuids)
    return elapsed, recorded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the benchmark database is kept")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--runs", type=int, default=7, help="offline reloads measured")
    parser.add_argument("--scans", type=int, default=40, help="scans measured")
    parser.add_argument("--products", type=int, default=SIZES["products"], help="catalogue size (a quick try: 500)")
    parser.add_argument("--build-only", action="store_true", help="generate the dataset and stop")
    parser.add_argument("--throttle", type=float, default=4, help="CPU slowdown (CDP Emulation.setCPUThrottlingRate)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    store = SqliteStore(args.dir)
    sizes = {**SIZES, "products": args.products}
    name = "offline-20k" if args.products == SIZES["products"] else f"offline-{args.products}"
    build_dataset(store, name, sizes, args.regenerate, PASSWORD)
    if args.build_only:
        return
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = make_app(store.working_copy(name))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    till_id, card, codes, bodies = prepare(app)
    server, base = serve(app)
    load = os.getloadavg()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-BE")
            context.add_init_script(READY_MARK)
            page = context.new_page()
            page.goto(base + "/login")
            page.fill("#username", "bench")
            page.fill("#password", PASSWORD)
            page.click("main button[type=submit].primary")
            screen = f"/till/sessions/{till_id}/screen"
            page.goto(base + screen)
            page.wait_for_selector("#till[data-ready='1']", timeout=120_000)
            wait_for(page, "navigator.serviceWorker.controller")
            for path in (screen, "/api/till/catalogue", "/static/js/checkout/till.js"):
                wait_for(page, f"(async () => {{ for (const n of await caches.keys()) if (await (await caches.open(n))"
                               f".match('{path}', {{ ignoreVary: true }})) return true; return false; }})()")
            page.keyboard.type(card, delay=2)
            page.keyboard.press("Enter")
            page.wait_for_selector("#household-ok:not([hidden])", timeout=30_000)
            online_ready = page.evaluate("window.__tillReadyAt")

            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
            context.set_offline(True)
            ready = []
            steps = {name: [] for name in STEPS}
            for _ in range(args.runs):
                response = page.reload()
                assert response is not None and response.from_service_worker, "the page did not come from the cache"
                page.wait_for_selector("#till[data-ready='1']", timeout=60_000)
                ready.append(page.evaluate("window.__tillReadyAt"))
                marks = page.evaluate("Object.fromEntries(performance.getEntriesByType('mark')"
                                      ".map((mark) => [mark.name, mark.startTime]))")
                for name in STEPS:
                    steps[name].append(marks.get(name, float("nan")))
            page.wait_for_timeout(500)

            timings = {"handler": [], "layout": [], "frame": []}
            for code in codes[:args.scans]:
                result = page.evaluate(SCAN, code)
                if result["added"] != 1:
                    raise SystemExit(f"scan {code} added {result['added']} lines: "
                                     f"{page.inner_text('#scan-message')}")
                for name in timings:
                    timings[name].append(result[name])
                page.wait_for_timeout(30)
            lines = page.locator("#lines .line").count()
            synced, recorded = measure_queue_sync(page, context, bodies)
            browser.close()
        load_after = os.getloadavg()
    finally:
        server.shutdown()

    def quantiles(values):
        ordered = sorted(values)
        return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)], ordered[-1]

    print(f"\nload average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, after: {load_after[0]:.2f} "
          f"{load_after[1]:.2f} {load_after[2]:.2f} ({os.cpu_count()} CPUs)")
    print(f"catalogue: {args.products} products; CPU throttled {args.throttle:g}x; Chromium {CHROMIUM}")
    print(f"first opening online (not throttled), ready at {online_ready:.0f} ms")
    median, p95, worst = quantiles(ready)
    print(f"page ready from the cache, network off, {args.runs} reloads: median {median:.0f} ms, worst {worst:.0f} ms "
          f"(target <= 1000 ms); all: {', '.join(f'{value:.0f}' for value in ready)}")
    print("  of which, medians: " + ", ".join(f"{label} at {statistics.median(steps[name]):.0f} ms"
                                             for name, label in STEPS.items()))
    for name, label in (("handler", "scan handler (line in the DOM)"), ("layout", "handler + layout of the line"),
                        ("frame", "until the next frame painted")):
        median, p95, worst = quantiles(timings[name])
        print(f"scan to line, {label}: median {median:.1f} ms, p95 {p95:.1f} ms, worst {worst:.1f} ms "
              f"({len(timings[name])} scans, {lines} lines at the end; target <= 16 ms)")
    print(f"{len(bodies)} queued sales synced in {synced:.1f} s, {recorded} recorded by the server (target <= 10 s, "
          f"CPU throttled {args.throttle:g}x)")


if __name__ == "__main__":
    main()
