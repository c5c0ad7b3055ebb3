"""Federation benchmark (issue #15): on a federation made by `flask generate-large --sites N` (PostgreSQL), the
till's paths and the reports of one site and of the whole installation, with the SQL statements of each request
compared with a small federation (they must be equal: no per-site or per-row queries), and EXPLAIN ANALYZE of the
SELECT statements of the heaviest requests, listing the sequential scans of big tables.

    .venv/bin/python bench/federation_bench.py --large postgresql://postgres@127.0.0.1:5432/grocery_federation

The small federation (database grocery_bench_federation_small: 3 sites, 300 households, 200 products, 20,000 sale
lines, 1 year) is generated once on the same server. Requests go through Flask's test client (in process, no
network). The till: a cashier granted at the second site, its till open there; card lookup, a quote of 10 lines and
a sale of them. The reports: the dashboard of the first site; the activity and FEAD/FSE+ reports of last month for
the middle site and consolidated (all sites). Targets (issue #15): a site's monthly report <= 1 s, the consolidated
one <= 3 s, the dashboard <= 1 s; the same statement counts on both datasets. Figures go in the closing note.
"""

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import PostgresStore, make_app
from sqlalchemy import event, func, select

from grocery.extensions import db

SMALL = {"sites": 3, "households": 300, "products": 200, "sale_lines": 20_000, "years": 1, "volunteers": 15}
PASSWORD = "bench-password-123"  # noqa: S105
LINES = 10
#: Tables whose sequential scan in a request's plan is worth reporting (the big ones of a federation).
BIG = {"sales", "sale_lines", "stock_movements", "lots", "budget_movements", "donations", "donation_lines",
       "households", "decisions", "household_cards", "members", "volunteer_shifts", "volunteer_assignments"}


def build_small(server: str) -> str:
    store = PostgresStore(server)
    url = store.url("federation-small")
    if store.exists("federation-small"):
        return url
    store.create("federation-small")
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from grocery.largedata import generate_history

        upgrade()
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        generate_history(**SMALL, echo=lambda *_a, **_k: None)
        db.session.commit()
        db.engine.dispose()
    return url


def prepare(app) -> dict:
    """An administrator, a cashier granted at the second site with an open till there, a card that can pay and
    LINES products in stock at that site (created once; reused on a later run)."""
    from grocery.auth.models import User
    from grocery.auth.services import create_user
    from grocery.checkout.models import TillSession
    from grocery.checkout.till import open_till
    from grocery.households.models import HouseholdCard
    from grocery.households.services import till_lookup
    from grocery.settings.services import update_settings
    from grocery.sites.services import active_sites, grant_site_role
    from grocery.stock.models import Lot, Product

    with app.app_context():
        sites = active_sites()
        till_site, report_site = sites[1], sites[len(sites) // 2]
        if db.session.scalar(select(User).where(User.username == "fed-admin")) is None:
            create_user(None, username="fed-admin", password=PASSWORD, role="admin", display_name="Bench admin")
            cashier = create_user(None, username="fed-cashier", password=PASSWORD, role="cashier",
                                  display_name="Bench cashier")
            db.session.flush()
            grant_site_role(None, cashier, till_site, "cashier")
            update_settings(None, {"checkout.till_names": "Caisse 1\nBench"})
            open_till(cashier, "Bench", float_cents=5000, site_id=till_site.id)
            db.session.commit()
        till_id = db.session.scalar(select(TillSession.id).where(TillSession.till_name == "Bench",
                                                                 TillSession.status == "open"))
        today = date.today()
        card = next(code for code in db.session.scalars(
            select(HouseholdCard.code).where(HouseholdCard.is_active.is_(True)).order_by(HouseholdCard.id))
            if (summary := till_lookup(code, today)[0])["eligible"] and (summary["budget_left_cents"] or 0) >= 4_000)
        products = db.session.scalars(
            select(Product.id).join(Lot, Lot.product_id == Product.id)
            .where(Lot.site_id == till_site.id, Lot.quantity_on_hand > 20, Product.quota_quantity.is_(None),
                   Product.unit_kind == "piece", Product.retail_price_cents > 0,
                   (Lot.use_by_on.is_(None)) | (Lot.use_by_on > today))
            .group_by(Product.id, Product.retail_price_cents).order_by(Product.retail_price_cents, Product.id)
            .limit(LINES)).all()
        counts = {name: db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                  for name in ("sites", "households", "sales", "sale_lines", "stock_movements", "lots")}
        return {"till_id": till_id, "card": card, "products": products, "till_site": till_site.name,
                "report_site": report_site.id, "report_site_name": report_site.name, "counts": counts}


class Recorder:
    """Every SQL statement the engine runs, with its parameters, while `on`."""

    def __init__(self, engine):
        self.on, self.statements = False, []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany):
        if self.on:
            self.statements.append((statement, parameters, executemany))


def timed(client, recorder, method: str, url: str, body=None, runs: int = 5, expect=(200, 201)) -> dict:
    """Median and worst time of `runs` requests after one not counted, and the statements of the last one."""
    times = []
    for run in range(runs + 1):
        payload = body() if callable(body) else body
        recorder.statements = []
        recorder.on = True
        started = time.perf_counter()
        response = client.open(url, method=method, json=payload)
        elapsed = (time.perf_counter() - started) * 1000
        recorder.on = False
        assert response.status_code in expect, (url, response.status_code, response.get_data(as_text=True)[:300])
        if run:
            times.append(elapsed)
    return {"median": statistics.median(times), "max": max(times), "sql": len(recorder.statements),
            "statements": list(recorder.statements)}


def login(client, username: str) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def measure(url: str, runs: int) -> tuple[dict, dict]:
    app = make_app(url)
    app.config["WTF_CSRF_ENABLED"] = False
    plan = prepare(app)
    recorder = Recorder(_engine(app))
    results = {}
    till = app.test_client()
    login(till, "fed-cashier")
    lines = [{"product_id": product_id, "quantity": 1} for product_id in plan["products"]]
    card = plan["card"]
    assert till.get(f"/till/sessions/{plan['till_id']}/screen").status_code == 200
    results["till: card lookup"] = timed(till, recorder, "GET", f"/api/till/households/{card}", runs=runs)
    results["till: quote (10 lines)"] = timed(till, recorder, "POST", "/api/till/quote",
                                              {"household_card": card, "lines": lines}, runs=runs)
    results["till: sale (10 lines)"] = timed(
        till, recorder, "POST", "/api/till/sales", lambda: {"uuid": str(uuid.uuid4()), "household_card": card,
                                                            "lines": lines, "payment": {"method": "card"}},
        runs=runs, expect=(201,))
    office = app.test_client()
    login(office, "fed-admin")
    site = plan["report_site"]
    pages = {
        "dashboard (first site)": "/reports/",
        "activity, month, one site": f"/reports/activity?preset=last_month&site={site}",
        "activity, month, all sites": "/reports/activity?preset=last_month&site=all",
        "FEAD, month, one site": f"/reports/fead?preset=last_month&site={site}",
        "FEAD, month, all sites": "/reports/fead?preset=last_month&site=all",
    }
    for name, page in pages.items():
        results[name] = timed(office, recorder, "GET", page, runs=runs)
    return plan, results


def _engine(app):
    with app.app_context():
        return db.engine


def explain(url: str, results: dict, names: list[str]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) each SELECT of the named requests, in a transaction rolled back; prints the
    slowest statements and every sequential scan of a big table."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as connection:
        for name in names:
            print(f"\nEXPLAIN ANALYZE, {name}:")
            rows = []
            for statement, parameters, executemany in results[name]["statements"]:
                if executemany or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters)
                    plan = cursor.fetchone()[0][0]
                connection.rollback()
                scans = sorted({f"{node['Relation Name']} ({node.get('Actual Rows', 0) * node.get('Actual Loops', 1)}"
                                f" rows)" for node in _nodes(plan["Plan"])
                                if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in BIG})
                rows.append((plan["Execution Time"], " ".join(statement.split())[:110], scans))
            for elapsed, text, scans in sorted(rows, reverse=True)[:6]:
                print(f"  {elapsed:8.1f} ms  {text}")
                for scan in scans:
                    print(f"             seq scan: {scan}")
            big_scans = sorted({scan for *_rest, scans in rows for scan in scans})
            print(f"  {len(rows)} SELECTs, {sum(r[0] for r in rows):.0f} ms in all; sequential scans of big tables: "
                  + (", ".join(big_scans) if big_scans else "none"))


def _nodes(node: dict):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", required=True, help="URL of the federation database (generate-large --sites N)")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432",
                        help="server of the small federation (database grocery_bench_federation_small)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    small_plan, small = measure(build_small(args.server), args.runs)
    large_plan, large = measure(args.large, args.runs)
    print(f"\nsmall: {small_plan['counts']}\nlarge: {large_plan['counts']}")
    print(f"till at {large_plan['till_site']}; reports of one site: {large_plan['report_site_name']}; "
          f"median (max) of {args.runs} requests through the test client, PostgreSQL")
    print(f"  {'request':<28} {'large ms':>16}   statements small / large")
    for name, result in large.items():
        print(f"  {name:<28} {result['median']:8.0f} ({result['max']:5.0f})   "
              f"{small[name]['sql']:>5} / {result['sql']}")
    explain(args.large, large, ["till: sale (10 lines)", "activity, month, all sites", "FEAD, month, all sites",
                                "dashboard (first site)"])
    if args.json:
        Path(args.json).write_text(json.dumps({name: {key: value for key, value in result.items()
                                                      if key != "statements"} for name, result in large.items()},
                                              indent=2))


if __name__ == "__main__":
    main()
