"""Reports benchmark (issue #7): the monthly activity report and the FEAD / FSE+ report over the large dataset,
as service calls and as pages through Flask's test client, with the SQL statements of each page on a small and on
the large dataset (they must be equal: no per-row queries).

    .venv/bin/python bench/reports_bench.py                  # generates the datasets once in the temp folder
    .venv/bin/python bench/reports_bench.py --large /tmp/x.sqlite --regenerate

The large dataset is the one of `flask generate-large` (2,000 households, 5,000 products, 1,000,000 sale lines over
three years, with receptions, waste and volunteering); the month measured is last month (a full month of data).
Targets: each report <= 1 s on SQLite.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import make_app, remove_database
from sqlalchemy import event, select

from grocery.extensions import db

LARGE = {"households": 2000, "products": 5000, "sale_lines": 1_000_000}
SMALL = {"households": 40, "products": 200, "sale_lines": 4_000, "volunteers": 10}
PASSWORD = "bench-password-123"  # noqa: S105
PAGES = {
    "dashboard": "/reports/",
    "activity (month)": "/reports/activity?preset=last_month",
    "activity CSV": "/reports/activity.csv?preset=last_month",
    "FEAD (month)": "/reports/fead?preset=last_month",
    "FEAD CSV": "/reports/fead.csv?preset=last_month",
    "activity (year)": "/reports/activity?preset=last_year",
}



def build(path: Path, sizes: dict, regenerate: bool) -> None:
    if path.exists() and not regenerate:
        return
    remove_database(path)
    app = make_app(path)
    with app.app_context():
        from flask_migrate import upgrade

        from grocery.largedata import generate_history

        upgrade()
        # The demo data first (accounts, and this week's shifts, alerts...), as `flask demo` then `generate-large`:
        # both datasets then hold the same kinds of rows and only their sizes differ.
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        started = time.perf_counter()
        generate_history(**sizes, echo=lambda *_a, **_k: None)
        db.session.commit()
        print(f"generated {path.name} {sizes} in {time.perf_counter() - started:.0f} s", flush=True)


def ensure_coordinator(app) -> None:
    from grocery.auth.models import User
    from grocery.auth.services import create_user

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "bench-coord")) is None:
            create_user(None, username="bench-coord", password=PASSWORD, role="coordinator",
                        display_name="Bench coordination")
            db.session.commit()


def median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(path: Path, runs: int) -> dict:
    app = make_app(path)
    ensure_coordinator(app)
    result = {"services": {}, "pages": {}, "sql": {}}
    with app.app_context():
        from grocery.reports.services import activity_report, parse_period, programme_report

        period = parse_period("last_month")
        activity_report(period)  # warm the SQLite page cache
        result["services"]["activity_report"] = median_ms(lambda: activity_report(period), runs)
        result["services"]["programme_report"] = median_ms(lambda: programme_report(period), runs)
        result["period"] = f"{period.start} – {period.end}"
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *_a, **_k: statements.append(1))
    client = app.test_client()
    response = client.post("/login", data={"username": "bench-coord", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    for name, url in PAGES.items():
        assert client.get(url).status_code == 200, url  # warm-up (settings cache, templates)
        statements.clear()
        client.get(url)
        result["sql"][name] = len(statements)
        result["pages"][name] = median_ms(lambda url=url: client.get(url), runs)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where the benchmark databases are kept")
    parser.add_argument("--large", help="an existing large SQLite file (default: <dir>/grocery-bench-reports.sqlite)")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    small = Path(args.dir) / "grocery-bench-reports-small.sqlite"
    large = Path(args.large) if args.large else Path(args.dir) / "grocery-bench-reports.sqlite"
    build(small, SMALL, args.regenerate)
    build(large, LARGE, args.regenerate)
    on_small, on_large = measure(small, args.runs), measure(large, args.runs)
    print(f"\nlarge dataset: {LARGE} (3 years, with the demo data); small: {SMALL}; period {on_large['period']}; "
          f"median of {args.runs} runs, SQLite")
    for name, value in on_large["services"].items():
        print(f"service {name:<18} {value:8.0f} ms (target <= 1000 ms)")
    print("pages through the Flask test client, ms (large) and SQL statements (small / large):")
    for name in PAGES:
        small_sql, large_sql = on_small["sql"][name], on_large["sql"][name]
        print(f"  {name:<18} {on_large['pages'][name]:8.0f} ms   {small_sql:>3} / {large_sql:>3}")


if __name__ == "__main__":
    main()
