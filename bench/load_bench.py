"""Till load benchmark (issue #11): simulated tablets (Locust, headless) doing card lookup, quote and sale without
think time against gunicorn, then the ledgers checked.

    .venv/bin/python bench/load_bench.py                                    # SQLite, 8 then 32 tablets
    .venv/bin/python bench/load_bench.py --postgres postgresql://postgres@127.0.0.1:5432
    .venv/bin/python bench/load_bench.py --users 8 32 --seconds 30 --max-sales 20000 --workers 3 --port 5102
    .venv/bin/python bench/load_bench.py --postgres postgresql://postgres@127.0.0.1:5432 \
        --federation grocery_federation --users 32 --lines 10                  # issue #15's federation run

--federation DATABASE measures on a database made beforehand by `flask generate-large --sites N` (it is not
generated here): each run works on a fresh copy of it (CREATE DATABASE ... TEMPLATE), and the tablets are spread
evenly over its active sites, each cashier granted at its tablet's site only, each till opened there and the stock
of the products sold received there.

The dataset (`generate_history`, as `flask generate-large`: 2,000 households, 5,000 products, a history of sale
lines) is generated once (--regenerate to redo it) and copied fresh for each level of load. For each level: tills
and cashiers for the tablets, stock for the products sold, gunicorn (--workers, on 127.0.0.1 only), then Locust for
--seconds or --max-sales sales, whichever comes first; it prints sales/s, p50/p95/p99 of each request, the errors,
and checks the ledgers: no lot below zero or off its movements (`flask stock-check`), no budget overspent, every
sale's lines and budget use written; and the CPU time each sale cost the app (gunicorn), the database server and
the load tool (Locust), read from /proc, with the rate two cores could give at that cost. Exit status 1 when a check
fails or a request failed.
"""

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import PostgresStore, SqliteStore, build_dataset, make_app
from sqlalchemy import func, select

from grocery.extensions import db

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATASET = {"households": 2000, "products": 5000, "sale_lines": 200_000}
PASSWORD = "bench-password-123"  # noqa: S105
#: Products sold by the tablets: the same few in every cart, in random orders (what made carts deadlock).
PRODUCTS, LINES_PER_SALE = 40, 5
#: Households the tablets serve, taken in card order among those who can pay.
CARDS = 2000


class FederationStore(PostgresStore):
    """A database made beforehand (`flask generate-large --sites N`), copied fresh for each run."""

    def __init__(self, server: str, database: str) -> None:
        super().__init__(server)
        self.database = database
        self.label = f"PostgreSQL, federation {database}"

    def url(self, name: str) -> str:
        return f"{self.server}/{self.database}" if name == "federation" else super().url(name)

    def working_copy(self, name: str) -> str:
        return super().working_copy("federation")


def build(store, name: str, regenerate: bool) -> None:
    """The generated dataset, once."""
    build_dataset(store, name, DATASET, regenerate, PASSWORD)


def prepare(url, tablets: int, max_sales: int, lines_per_sale: int = LINES_PER_SALE,
            spread_over_sites: bool = False) -> dict:
    """Tills and cashiers for the tablets, the households that can pay, the products sold (stock added so that
    every sale of the run finds it); returns the Locust plan. With `spread_over_sites`, tablet k works at the
    active site k * sites // tablets: its cashier is granted there only, its till opened there, and that site
    receives the stock."""
    from datetime import date

    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from grocery.auth.services import create_user
        from grocery.checkout.till import open_till
        from grocery.households.models import HouseholdCard
        from grocery.households.services import till_lookup
        from grocery.settings.services import update_settings
        from grocery.sites.services import active_sites, grant_site_role
        from grocery.stock.models import Lot, Product
        from grocery.stock.services import record_movement

        names = [f"Bench {n:02d}" for n in range(1, tablets + 1)]
        update_settings(None, {"checkout.till_names": "\n".join(names)})
        plan = {"password": PASSWORD, "tablets": [], "lines_per_sale": lines_per_sale, "max_sales": max_sales}
        sites = active_sites()
        tablet_sites = ([sites[k * len(sites) // tablets] for k in range(tablets)] if spread_over_sites
                        else [sites[0]] * tablets)
        for name, site in zip(names, tablet_sites, strict=True):
            cashier = create_user(None, username=f"load-{name[-2:]}", password=PASSWORD, role="cashier",
                                  display_name=f"Tablet {name[-2:]}")
            db.session.flush()
            if spread_over_sites:
                grant_site_role(None, cashier, site, "cashier")
            till = open_till(cashier, name, float_cents=5000, site_id=site.id)
            db.session.flush()
            plan["tablets"].append({"username": cashier.username, "till_id": till.id, "site": site.name})
        today = date.today()
        cards = db.session.scalars(select(HouseholdCard.code).where(HouseholdCard.is_active.is_(True))
                                   .order_by(HouseholdCard.id)).all()
        # Households that may shop today with at least 20 € left (a sale costs a few euros; a period cut short
        # by the end of a decision is prorated, so a full week's budget is not always there).
        plan["cards"] = []
        for code in cards:  # at most CARDS of them (a federation has 50,000 households)
            if (summary := till_lookup(code, today)[0])["eligible"] and (summary["budget_left_cents"] or 0) >= 2000:
                plan["cards"].append(code)
                if len(plan["cards"]) == CARDS:
                    break
        products = db.session.scalars(
            select(Product.id).where(Product.is_active.is_(True), Product.quota_quantity.is_(None),
                                     Product.unit_kind == "piece", Product.retail_price_cents > 0)
            .order_by(Product.retail_price_cents, Product.id).limit(PRODUCTS)).all()
        for site in {site.id: site for site in tablet_sites}.values():
            for product_id in products:  # enough for every sale of the run, in a lot sold after the dated ones
                lot = Lot(product_id=product_id, source="supermarket", received_on=today, lot_number="",
                          quantity_received=0, quantity_on_hand=0, site_id=site.id)
                db.session.add(lot)
                db.session.flush()
                record_movement(lot, max_sales * lines_per_sale, "receipt", actor=None)
        plan["products"] = products
        db.session.commit()
        db.engine.dispose()
    return plan


def serve(url, workers: int, port: int, log: Path, threads: int = 1) -> subprocess.Popen:
    env = {**os.environ, "GROCERY_DATABASE_URL": url if isinstance(url, str) else f"sqlite:///{url}",
           "GROCERY_SECRET_KEY": "load-bench-secret", "GROCERY_ENV": "development"}
    server = subprocess.Popen(  # noqa: S603 - our own commands
        [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--timeout", "60",
         *(["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
         "--log-level", "warning", "grocery:create_app()"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn did not answer on port {port}: see {log}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(server_group: int, database: str | None = None) -> dict[str, float]:
    """CPU time (user + system) used so far by the gunicorn processes (the server's process group) and by the
    PostgreSQL server: its backends serving `database` (the run's; other work on the same server is left out),
    and its shared processes (WAL writer, checkpointer, background writer: they also serve other databases),
    read from /proc (Linux)."""
    used = {"app": 0.0, "database": 0.0, "database (shared)": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name, fields = stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()
        # fields[2] is the process group; fields[11], fields[12] the user and system time in clock ticks.
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        if int(fields[2]) == server_group:
            used["app"] += seconds
        elif name.startswith("postgres"):
            # A backend's title: "postgres: 15/main: <user> <database> <client address> <state>".
            words = title.split(": ")[-1].split()
            backend = len(words) > 2 and ("(" in words[2] or words[2] == "[local]")
            if database is None:
                used["database"] += seconds
            elif backend or words[:2] == ["autovacuum", "worker"]:
                used["database"] += seconds if database in (words[1], words[-1]) else 0.0
            else:
                used["database (shared)"] += seconds
    if database is None:
        del used["database (shared)"]
    return used


def load(plan_path: Path, users: int, seconds: int, port: int, prefix: Path, server_group: int,
         database: str | None = None) -> dict:
    """Locust, headless, bounded in time (and in sales by the plan); the stats of each request name and the CPU
    time used during the run by the app (gunicorn), the database server and the load tool (Locust)."""
    before, tool_before = cpu_seconds(server_group, database), os.times()
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
               "-r", str(users), "-t", f"{seconds}s", "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix),
               "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"]
    subprocess.run(command, env={**os.environ, "GROCERY_LOAD_PLAN": str(plan_path)},  # noqa: S603
                   timeout=seconds + 120, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after, tool_after = cpu_seconds(server_group, database), os.times()
    cpu = {name: after[name] - before[name] for name in before}
    cpu["load tool"] = (tool_after.children_user + tool_after.children_system
                        - tool_before.children_user - tool_before.children_system)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    failures = {}
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", encoding="utf-8") as listed:
            failures = {f"{row['Name']}: {row['Error'][:160]}": int(row["Occurrences"])
                        for row in csv.DictReader(listed)}
    return {"rows": rows, "failures": failures, "cpu": cpu}


def check_ledgers(url, plan: dict) -> tuple[list[str], int]:
    """What must hold after the load: every lot's quantity equals its movements and none is below zero (stock-check),
    no household of the run has spent more than its budget, every sale has its lines, stock and budget written."""
    problems = []
    env = {**os.environ, "GROCERY_DATABASE_URL": url if isinstance(url, str) else f"sqlite:///{url}"}
    check = subprocess.run([str(BIN / "flask"), "--app", "grocery", "stock-check"],  # noqa: S603
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    if check.returncode != 0:
        problems.append(f"flask stock-check failed: {check.stdout[-300:]}{check.stderr[-300:]}")
    app = make_app(url)
    with app.app_context():
        from datetime import date

        from grocery.checkout.models import Sale, SaleLine
        from grocery.households.models import BudgetMovement
        from grocery.households.services import till_lookup
        from grocery.stock.models import Lot, StockMovement

        if db.session.scalar(select(func.count(Lot.id)).where(Lot.quantity_on_hand < 0)):
            problems.append("a lot is below zero (oversold)")
        for code in plan["cards"]:
            summary = till_lookup(code, date.today())[0]
            if summary["budget_left_cents"] is not None and summary["budget_left_cents"] < 0:
                problems.append(f"card {code}: budget overspent ({summary['budget_left_cents']})")
        tablets = [tablet["till_id"] for tablet in plan["tablets"]]
        sales = db.session.scalars(select(Sale.uuid).where(Sale.till_session_id.in_(tablets))).all()
        with_lines = db.session.scalar(select(func.count(func.distinct(SaleLine.sale_id)))
                                       .join(Sale, Sale.id == SaleLine.sale_id)
                                       .where(Sale.till_session_id.in_(tablets)))
        moved = db.session.scalar(select(func.count(func.distinct(StockMovement.reference)))
                                  .where(StockMovement.reference.in_(select(Sale.uuid).where(
                                      Sale.till_session_id.in_(tablets)))))
        paid = db.session.scalar(select(func.count(Sale.id)).where(Sale.till_session_id.in_(tablets),
                                                                   Sale.total_cents > 0))
        budgeted = db.session.scalar(select(func.count(func.distinct(BudgetMovement.reference)))
                                     .where(BudgetMovement.reference.in_(select(Sale.uuid).where(
                                         Sale.till_session_id.in_(tablets)))))
        if not (len(sales) == with_lines == moved) or budgeted != paid:
            problems.append(f"sales {len(sales)}, with lines {with_lines}, with stock movements {moved}, "
                            f"paid {paid} with budget use {budgeted}")
        db.engine.dispose()
    return problems, len(sales)


def _ms(row: dict, column: str) -> str:
    return row.get(column) or "-"


def report(label: str, users: int, result: dict, sales_written: int, problems: list[str]) -> bool:
    rows = result["rows"]
    sale = rows.get("sale", {})
    count, failed = int(sale.get("Request Count") or 0), int(sale.get("Failure Count") or 0)
    rate = float(sale.get("Requests/s") or 0)
    elapsed = count / rate if rate else 0
    errors = sum(int(row.get("Failure Count") or 0) for name, row in rows.items() if name != "Aggregated")
    print(f"\n{label}, {users} tablets: {count - failed} sales in {elapsed:.1f} s = "
          f"{(count - failed) / elapsed if elapsed else 0:.0f} sales/s; errors {errors}; load {os.getloadavg()[0]:.1f}")
    print(f"  {'request':<12} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} (ms)")
    for name in ("card lookup", "quote", "sale"):
        row = rows.get(name, {})
        print(f"  {name:<12} {row.get('Request Count', 0):>7} {row.get('Failure Count', 0):>5} "
              f"{_ms(row, '50%'):>6} {_ms(row, '95%'):>6} {_ms(row, '99%'):>6} {_ms(row, '100%'):>6}")
    if count - failed:
        sold = count - failed
        own = {name: seconds for name, seconds in result["cpu"].items() if name != "database (shared)"}
        per_sale = sum(own.values()) * 1000 / sold
        shared = result["cpu"].get("database (shared)")
        print("  CPU per sale (ms): "
              + ", ".join(f"{name} {seconds * 1000 / sold:.1f}" for name, seconds in own.items())
              + f"; {per_sale:.1f} in all (2 cores: {2000 / per_sale:.0f} sales/s at most)"
              + ("" if shared is None else f"; PostgreSQL's shared processes (WAL writer, checkpointer..., also "
                                           f"serving other databases) {shared * 1000 / sold:.1f} more"))
    for failure, occurrences in result["failures"].items():
        print(f"  failed {occurrences}x {failure}")
    print(f"  ledgers: {sales_written} sales written; " + ("; ".join(problems) if problems else
                                                          "stock-check passes, no lot below zero, no budget "
                                                          "overspent, every sale with its lines, stock and budget"))
    return errors == 0 and not problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="PostgreSQL server (databases grocery_bench_load*)")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the SQLite datasets are kept")
    parser.add_argument("--users", type=int, nargs="+", default=[8, 32], help="simulated tablets, one run each")
    parser.add_argument("--seconds", type=int, default=30, help="length of each run")
    parser.add_argument("--max-sales", type=int, default=20_000, help="a run stops after this many sales")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker: more than 1 uses the gthread worker (keep-alive)")
    parser.add_argument("--port", type=int, default=5102, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--lines", type=int, default=LINES_PER_SALE, help="lines (scans) per sale")
    parser.add_argument("--federation", metavar="DATABASE",
                        help="measure on this database made by `flask generate-large --sites N` (with --postgres), "
                             "the tablets spread over its sites")
    parser.add_argument("--regenerate", action="store_true", help="generate the dataset again")
    parser.add_argument("--name", default="load", help="dataset name (database grocery_bench_<name>, file "
                                                       "grocery-bench-<name>.sqlite; the runs use <name>-run)")
    args = parser.parse_args()
    store = PostgresStore(args.postgres) if args.postgres else SqliteStore(args.dir)
    if args.federation:
        if not args.postgres:
            parser.error("--federation needs --postgres")
        store = FederationStore(args.postgres, args.federation)
    else:
        build(store, args.name, args.regenerate)
    work = Path(tempfile.mkdtemp(prefix="grocery-load-"))
    kind = f"{args.threads} threads each (gthread)" if args.threads > 1 else "sync"
    print(f"{store.label}, gunicorn {args.workers} workers {kind}, {args.seconds} s or {args.max_sales} sales per run, "
          f"{args.lines} lines per sale from {PRODUCTS} products; dataset "
          f"{args.federation or DATASET}; files in {work}")
    passed = True
    for users in args.users:
        url = store.working_copy(args.name)
        plan = prepare(url, users, args.max_sales, args.lines, spread_over_sites=bool(args.federation))
        plan_path = work / f"plan-{users}.json"
        plan_path.write_text(json.dumps(plan))
        server = serve(url, args.workers, args.port, work / f"gunicorn-{users}.log", args.threads)
        try:
            database = url.rsplit("/", 1)[1] if isinstance(url, str) else None
            result = load(plan_path, users, args.seconds, args.port, work / f"locust-{users}", server.pid, database)
        finally:
            stop(server)
        problems, written = check_ledgers(url, plan)
        passed = report(store.label, users, result, written, problems) and passed
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
