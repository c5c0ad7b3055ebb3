"""The largest allowed import files through the real screens, on a database that already holds records: seconds
of each request and peak memory (RSS) of one worker, with the machine's load.

    .venv/bin/python bench/import_speed.py [--rows N] [--existing N] [--only NAME ...]
        [--database-url postgresql://postgres@127.0.0.1:5432/grocery_bench_imports_speed]

For each file (products CSV and XLSX, households CSV and XLSX, `--rows` lines titles included: by default the
app's row limit), a fresh child process (like one gunicorn worker) starts the app on a fresh database (a SQLite
file, or the PostgreSQL database given, emptied first), imports `--existing` lines of other records of the same
kind through the import services (not timed: a grocery that already has a catalogue or households), then, through
the Flask test client as a coordinator: uploads the file (read and checked), opens the preview (checked again),
imports all its lines (checked again and written), and uploads it once more (every line already present). Each
step's seconds, the peak RSS above the started app and the load average (1 min) before and after are printed.
The application's own limits apply (GROCERY_IMPORT_MAX_ROWS in the environment raises the row limit), including
the 20 s per request: a slower request is refused with its message, printed here.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.import_memory import PASSWORD, _current_rss_kb, _flash, _refusal, _rss_kb, _step, ean13

PRODUCT_TITLES = ["nom", "catégorie", "unité", "poids net (g)", "prix de référence", "code-barres", "quota",
                  "seuil de stock bas"]
HOUSEHOLD_TITLES = ["référence", "nom", "prénom", "date de naissance", "lien", "numéro national", "rue",
                    "code postal", "commune", "téléphone", "e-mail", "langue"]
CATEGORIES = ("Épicerie sèche", "Frais", "Conserves", "Boissons", "Hygiène")
RELATIONS = ("référence", "partenaire", "enfant")


def product_rows(count: int, first: int = 1):
    """`count` product lines, unique barcodes and names from number `first`."""
    for n in range(first, first + count):
        unit = "kg" if n % 10 == 0 else "pièce"
        yield [f"Conserve de légumes n° {n}", CATEGORIES[n % len(CATEGORIES)], unit,
               "" if unit == "kg" else str(100 + n % 900), f"{1 + n % 9},{n % 100:02d}", ean13(n),
               str(1 + n % 5) if n % 7 == 0 else "", str(n % 20)]


def national_number(birth_year: int, month: int, day: int, serial: int) -> str:
    """A valid Belgian national register number (born before 2000: check digits on the first nine digits)."""
    body = f"{birth_year % 100:02d}{month:02d}{day:02d}{serial % 1000:03d}"
    return body + f"{97 - int(body) % 97:02d}"


def household_rows(count: int, first: int = 0):
    """`count` person lines, three per household (reference, partner, child), each person unique (name, birth
    date, national register number for the adults); households numbered from `first`."""
    for n in range(count):
        home = first + n // 3
        role = n % 3
        year = 1950 + home % 45 + role if role < 2 else 2005 + home % 15
        month, day = 1 + home % 12, 1 + (home // 12) % 28
        number = national_number(year, month, day, home // 336 * 2 + role) if role < 2 and year < 2000 else ""
        yield [f"F{home}", f"Famille{home}", f"Personne{n}", f"{day:02d}/{month:02d}/{year}", RELATIONS[role],
               number, f"Rue de la Loi {home}" if role == 0 else "", "1000" if role == 0 else "",
               "Bruxelles" if role == 0 else "", f"0470{home:06d}" if role == 0 else "",
               f"menage{home}@example.be" if role == 0 else "", "français" if role == 0 else ""]


def write_file(path: Path, titles: list[str], rows) -> None:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8") as out:
            out.write(";".join(titles) + "\n")
            for cells in rows:
                out.write(";".join(cells) + "\n")
        return
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(titles)
    for cells in rows:
        sheet.append(cells)
    workbook.save(path)


def files(rows: int, existing: int, folder: Path) -> dict[str, tuple[str, Path, object]]:
    """name -> (kind, path, builder); the lines of the seed (`existing`) come after those of the file."""
    return {
        "products_csv": ("products", folder / f"products_{rows}.csv",
                         lambda p: write_file(p, PRODUCT_TITLES, product_rows(rows - 1))),
        "products_xlsx": ("products", folder / f"products_{rows}.xlsx",
                          lambda p: write_file(p, PRODUCT_TITLES, product_rows(rows - 1))),
        "households_csv": ("households", folder / f"households_{rows}.csv",
                           lambda p: write_file(p, HOUSEHOLD_TITLES, household_rows(rows - 1))),
        "households_xlsx": ("households", folder / f"households_{rows}.xlsx",
                            lambda p: write_file(p, HOUSEHOLD_TITLES, household_rows(rows - 1))),
    }


def seed(kind: str, existing: int, rows: int) -> bytes:
    """A CSV of `existing` other records of the kind, after the numbers used by the measured file."""
    buffer = io.StringIO()
    if kind == "products":
        titles, lines = PRODUCT_TITLES, product_rows(existing, first=rows + 1)
    else:
        titles, lines = HOUSEHOLD_TITLES, household_rows(existing, first=rows)
    buffer.write(";".join(titles) + "\n")
    for cells in lines:
        buffer.write(";".join(cells) + "\n")
    return buffer.getvalue().encode()


# --- the child: one file through the screens ----------------------------------------------------------------------


def run_one(kind: str, path: Path, existing: int, rows: int, database_url: str | None) -> dict:
    from bench.common import make_app
    from grocery.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="grocery-import-speed-"))
    app = make_app(database_url or workdir / "bench.sqlite")
    with app.app_context():
        db.drop_all()
        db.create_all()
        from grocery.auth.services import create_user
        from grocery.imports import services as svc

        user = create_user(None, username="coordination", password=PASSWORD, role="coordinator")
        db.session.commit()
        seeded = 0
        if existing:
            data = seed(kind, existing, rows)
            batch = svc.start_cli_import(kind, "seed.csv", len(data), user)
            plan = svc.analyse_table(kind, svc.read_table("seed.csv", data))
            seeded = svc.apply_plan(user, batch, plan, only_valid=True)
            db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "coordination", "password": PASSWORD})
    data = path.read_bytes()
    baseline = _current_rss_kb()
    result: dict = {"file_mb": round(len(data) / 1024 / 1024, 2), "seeded": seeded, "steps": {},
                    "load_before": round(os.getloadavg()[0], 2)}
    for step in ("upload", "preview", "import", "upload_again"):
        started = time.perf_counter()
        if step in ("upload", "upload_again"):
            response = client.post(f"/imports/{kind}", data={"file": (io.BytesIO(data), path.name)},
                                   content_type="multipart/form-data")
            if response.status_code != 302:
                result["steps"][step] = _step(response, started)
                result["message"] = _refusal(response)
                break
            preview_url = response.headers["Location"]
        elif step == "preview":
            response = client.get(preview_url)
        else:
            response = client.post(preview_url + "/confirm", data={"mode": "valid"})
        result["steps"][step] = _step(response, started)
        if step == "import":
            result["message"] = _flash(client.get(preview_url))
    result["peak_rss_mb"] = round(_rss_kb() / 1024, 1)
    result["peak_above_app_mb"] = round((_rss_kb() - baseline) / 1024, 1)
    result["load_after"] = round(os.getloadavg()[0], 2)
    return result


# --- the parent ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "grocery-import-speed"))
    parser.add_argument("--rows", type=int, default=None, help="lines of each file, titles included (default: the "
                                                                "app's row limit)")
    parser.add_argument("--existing", type=int, default=3000, help="lines of records already imported")
    parser.add_argument("--only", nargs="*", help="names of the files to run (default: all)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    from grocery.imports.limits import ImportLimits

    rows = args.rows or int(os.environ.get("GROCERY_IMPORT_MAX_ROWS") or ImportLimits().max_rows)
    if args.child:
        print(json.dumps(run_one(args.child[0], Path(args.child[1]), args.existing, rows, args.database_url)))
        return
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    database = "PostgreSQL" if args.database_url else "SQLite"
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{database}, files of {rows} lines, {args.existing} lines of records already there; "
          f"{time.strftime('%H:%M UTC', time.gmtime())}, load average {load}")
    for name, (kind, path, build) in files(rows, args.existing, folder).items():
        if args.only and name not in args.only:
            continue
        if not path.exists():
            build(path)
        command = [sys.executable, __file__, "--child", kind, str(path), "--existing", str(args.existing),
                   "--rows", str(rows)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        environment = {**os.environ, "GROCERY_IMPORT_MAX_ROWS": str(max(rows, ImportLimits().max_rows))}
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)  # noqa: S603
        if done.returncode:
            print(f"{name}: child failed\n{done.stderr[-3000:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        steps = ", ".join(f"{step} {s['status']} {s['seconds']} s" for step, s in result["steps"].items())
        print(f"{name} ({result['file_mb']} MB; {result['seeded']} records there): {steps}; peak RSS "
              f"{result['peak_rss_mb']} MB (+{result['peak_above_app_mb']} MB above the app); load "
              f"{result['load_before']} -> {result['load_after']}\n    {result.get('message', '')}", flush=True)


if __name__ == "__main__":
    main()
