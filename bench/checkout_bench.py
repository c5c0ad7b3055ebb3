"""Checkout benchmark (issue #5): card lookup and a 20-line sale against a trivial endpoint of the same app, the
catalogue snapshot for 20,000 products, and SQL statements per request on a small and a large dataset.

    .venv/bin/python bench/checkout_bench.py            # generates /tmp/grocery-bench-*.sqlite once, then measures
    .venv/bin/python bench/checkout_bench.py --regenerate
    .venv/bin/python bench/checkout_bench.py --postgres postgresql://postgres@127.0.0.1:5432   # grocery_bench_*

The large dataset is the one of `flask generate-large` (2,000 households, 5,000 products, 1,000,000 sale lines over
three years); 15,000 more products are added for the snapshot measurement. Requests go through Flask's test client
(in process: no network), so the ratios compare the application's own work.
"""

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import PostgresStore, SqliteStore, build_dataset, make_app
from sqlalchemy import event, func, select

from grocery.extensions import db

LARGE = {"households": 2000, "products": 5000, "sale_lines": 1_000_000}
SMALL = {"households": 40, "products": 200, "sale_lines": 4_000}
PASSWORD = "bench-password-123"  # noqa: S105



def build(store, name: str, sizes: dict, regenerate: bool) -> None:
    build_dataset(store, name, sizes, regenerate, PASSWORD)


class Counter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kwargs):
        self.count += 1


def median_ms(client, method, url_or_factory, runs, counter, **kwargs):
    """Median time and most SQL statements of `runs` requests, after one request not counted (the first use of a
    statement compiles it: a once-per-process cost)."""
    times, statements = [], []
    for run in range(runs + 1):
        url, body = url_or_factory() if callable(url_or_factory) else (url_or_factory, None)
        before = counter.count
        started = time.perf_counter()
        response = client.open(url, method=method, json=body, **kwargs)
        if run:
            times.append((time.perf_counter() - started) * 1000)
            statements.append(counter.count - before)
        assert response.status_code < 300, (url, response.status_code, response.get_data(as_text=True)[:300])
    return statistics.median(times), max(statements), response


def measure(path: Path | str, runs: int) -> dict:
    app = make_app(path)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()  # a dataset generated before the latest migrations
        from grocery.auth.models import User
        from grocery.checkout.till import open_session_for, open_till
        from grocery.households.models import HouseholdCard
        from grocery.stock.models import Product

        cashier = db.session.scalar(select(User).where(User.username == "bench"))
        till = open_session_for("Caisse 1") or open_till(cashier, "Caisse 1", float_cents=5000)
        db.session.commit()
        till_id = till.id
        cards = db.session.scalars(select(HouseholdCard.code).where(HouseholdCard.is_active.is_(True))
                                   .order_by(HouseholdCard.id)).all()
        # Sales go to households that have not shopped this week yet (earlier benchmark runs spent some budgets).
        from datetime import date, timedelta

        from sqlalchemy import exists

        from grocery.households.models import BudgetMovement

        monday = date.today() - timedelta(days=date.today().weekday())
        spent = exists().where(BudgetMovement.household_id == HouseholdCard.household_id,
                               BudgetMovement.period_start == monday)
        fresh = db.session.scalars(select(HouseholdCard.code).where(HouseholdCard.is_active.is_(True), ~spent)
                                   .order_by(HouseholdCard.id)).all() or cards
        # The 20 cheapest products (many free programme goods) with enough stock for every run: a sale fits any
        # household's weekly budget, and earlier runs may have sold the stock of some.
        from grocery.stock.models import Lot

        sellable = (Lot.quantity_on_hand > 0) & (Lot.use_by_on.is_(None) | (Lot.use_by_on >= date.today()))
        stocked = (select(Lot.product_id).where(sellable).group_by(Lot.product_id)
                   .having(func.sum(Lot.quantity_on_hand) > runs))
        cheap = db.session.scalars(select(Product.id).where(Product.price_rule == "percent",
                                                            Product.unit_kind == "piece", Product.id.in_(stocked))
                                   .order_by(Product.retail_price_cents).limit(20)).all()
        counter = Counter(db.engine)
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": PASSWORD})
    client.get(f"/till/sessions/{till_id}/screen")
    state = {"card": 0}

    def next_card():
        state["card"] = (state["card"] + 7) % len(cards)
        return f"/api/till/households/{cards[state['card']]}", None

    def next_sale():
        state["sale"] = state.get("sale", -1) + 1
        return "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": fresh[state["sale"] % len(fresh)],
                                   "lines": [{"product_id": pid, "quantity": 1} for pid in cheap],
                                   "payment": {"method": "card"}}

    client.get("/health")
    trivial, trivial_sql, _ = median_ms(client, "GET", "/health", runs * 3, counter)
    lookup, lookup_sql, _ = median_ms(client, "GET", next_card, runs, counter)
    sale, sale_sql, _ = median_ms(client, "POST", next_sale, runs, counter)
    snapshot, snapshot_sql, response = median_ms(client, "GET", "/api/till/catalogue", 5, counter,
                                                 headers={"Accept-Encoding": "gzip"})
    products = len(json.loads(gzip.decompress(response.data))["products"])
    return {"trivial_ms": trivial, "lookup_ms": lookup, "sale_ms": sale, "snapshot_ms": snapshot,
            "snapshot_bytes": len(response.data), "snapshot_products": products,
            "sql": {"health": trivial_sql, "card lookup": lookup_sql, "sale (20 lines)": sale_sql,
                    "catalogue": snapshot_sql}}


def add_products(url, count: int) -> None:
    app = make_app(url)
    with app.app_context():
        from grocery.largedata import generate_history

        generate_history(households=0, products=count, sale_lines=0, seed=7, echo=lambda *_a, **_k: None)
        db.session.commit()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the benchmark databases are kept")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--runs", type=int, default=100, help="requests measured per endpoint on the large dataset")
    parser.add_argument("--postgres", metavar="SERVER_URL",
                        help="measure on PostgreSQL instead (databases grocery_bench_*), e.g. "
                             "postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    store = PostgresStore(args.postgres) if args.postgres else SqliteStore(args.dir)
    build(store, "small", SMALL, True)  # always fresh: its households have budget left
    build(store, "large", LARGE, args.regenerate)
    if not store.exists("20k") or args.regenerate:
        build(store, "20k", {**LARGE, "sale_lines": 0}, True)
        add_products(store.url("20k"), 15_000)
    # The small dataset (40 households) only gives the statement counts: a few sales fit its budgets.
    on_small = measure(store.working_copy("small"), 10)
    on_large = measure(store.working_copy("large"), args.runs)
    on_20k = measure(store.working_copy("20k"), 5)
    print(f"\nlarge dataset: {LARGE}; small: {SMALL}; median of {args.runs} runs, Flask test client, {store.label}")
    print(f"trivial endpoint (/health) {on_large['trivial_ms']:.2f} ms")
    print(f"card lookup      {on_large['lookup_ms']:.2f} ms = {on_large['lookup_ms'] / on_large['trivial_ms']:.1f}x "
          "(target <= 3x)")
    print(f"sale of 20 lines {on_large['sale_ms']:.2f} ms = {on_large['sale_ms'] / on_large['trivial_ms']:.1f}x "
          "(target <= 5x)")
    print(f"catalogue snapshot, {on_20k['snapshot_products']} products: {on_20k['snapshot_ms']:.0f} ms, "
          f"{on_20k['snapshot_bytes'] / 1024:.0f} KiB gzip (targets <= 300 ms, <= 1 MB)")
    print("SQL statements per request (small / large dataset):")
    for name in on_small["sql"]:
        print(f"  {name:<16} {on_small['sql'][name]:>3} / {on_large['sql'][name]:>3}")


if __name__ == "__main__":
    main()
