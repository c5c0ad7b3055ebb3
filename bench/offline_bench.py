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
3. HOOK (needs the queue of sales, branch offline-queue): 50 queued sales synced once the network is back (target
   <= 10 s): see measure_queue_sync.

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


def prepare(app) -> tuple[int, str, list[str], int]:
    """An open till of the cashier `bench`, a card with access today, the barcodes of piece products in stock and
    the id of one of them."""
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
        card = None
        for code in db.session.scalars(select(HouseholdCard.code).where(HouseholdCard.is_active.is_(True))):
            try:
                if till_household(code, local_today())["eligible"]:
                    card = code
                    break
            except Exception:  # noqa: S112 - a card refused at the till: try the next one
                continue
        stocked = select(Lot.product_id).where(Lot.quantity_on_hand > 0)
        rows = db.session.execute(
            select(ProductBarcode.code, Product.id).join(Product, Product.id == ProductBarcode.product_id)
            .where(Product.unit_kind == "piece", Product.is_active.is_(True), Product.id.in_(stocked))
            .order_by(ProductBarcode.id).limit(400)).all()
        return till.id, card, [code for code, _id in rows[::8]], rows[0][1]


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


def measure_queue_sync(page, context, sales: int = 50) -> float | None:
    """HOOK - 50 queued sales synced once the network is back (target <= 10 s). It needs the queue of sales of the
    branch offline-queue (static/js/checkout/queue.js: SaleQueue with add, flush, count, as read in that branch
    while it was being written): with the network off, `sales` sales are put in the queue, then the network comes
    back and the time until the queue is empty is measured. Returns None (not measured) while the module is absent;
    adjust the calls below to the queue's final API when the branch is merged."""
    if page.request.get(page.url.split("/till/")[0] + "/static/js/checkout/queue.js").status != 200:
        return None
    context.set_offline(True)
    page.evaluate("""async (count) => {
        const { SaleQueue } = await import('/static/js/checkout/queue.js');
        const till = document.getElementById('till');
        const queue = new SaleQueue({ salesUrl: till.dataset.salesUrl, sessionId: till.dataset.sessionId });
        window.__benchQueue = queue;
        for (let i = 0; i < count; i += 1) {
            await queue.add({ uuid: crypto.randomUUID(), household_card: window.__benchCard, offline: true,
                              client_created_at: new Date().toISOString(), lines: window.__benchLines,
                              payment: { method: 'card' }, total_cents: 0 }, {});
        }
    }""", sales)
    context.set_offline(False)
    started = time.perf_counter()
    page.evaluate("() => { window.__benchQueue.setOnline(true); window.__benchQueue.flush(); }")
    wait_for(page, "(async () => (await window.__benchQueue.count()) === 0)()", timeout_s=120)
    return time.perf_counter() - started


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
    till_id, card, codes, product_id = prepare(app)
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
            for _ in range(args.runs):
                response = page.reload()
                assert response is not None and response.from_service_worker, "the page did not come from the cache"
                page.wait_for_selector("#till[data-ready='1']", timeout=60_000)
                ready.append(page.evaluate("window.__tillReadyAt"))
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
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
            context.set_offline(False)
            page.evaluate("([card, product]) => { window.__benchCard = card; "
                          "window.__benchLines = [{ product_id: product, quantity: 1 }]; }", [card, product_id])
            synced = measure_queue_sync(page, context)
            browser.close()
    finally:
        server.shutdown()

    def quantiles(values):
        ordered = sorted(values)
        return statistics.median(ordered), ordered[max(0, round(0.95 * len(ordered)) - 1)], ordered[-1]

    print(f"\nload average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    print(f"catalogue: {args.products} products; CPU throttled {args.throttle:g}x; Chromium {CHROMIUM}")
    print(f"first opening online (not throttled), ready at {online_ready:.0f} ms")
    median, p95, worst = quantiles(ready)
    print(f"page ready from the cache, network off, {args.runs} reloads: median {median:.0f} ms, worst {worst:.0f} ms "
          f"(target <= 1000 ms); all: {', '.join(f'{value:.0f}' for value in ready)}")
    for name, label in (("handler", "scan handler (line in the DOM)"), ("layout", "handler + layout of the line"),
                        ("frame", "until the next frame painted")):
        median, p95, worst = quantiles(timings[name])
        print(f"scan to line, {label}: median {median:.1f} ms, p95 {p95:.1f} ms, worst {worst:.1f} ms "
              f"({len(timings[name])} scans, {lines} lines at the end; target <= 16 ms)")
    if synced is None:
        print("50 queued sales synced: NOT MEASURED (hook measure_queue_sync: needs static/js/checkout/queue.js, "
              "branch offline-queue)")
    else:
        print(f"50 queued sales synced in {synced:.1f} s (target <= 10 s)")


if __name__ == "__main__":
    main()
