"""Hostile and largest valid import files through the real screens: peak memory (RSS) and time of one worker.

    .venv/bin/python bench/import_memory.py [--folder /tmp/grocery-import-bench] [--only NAME ...]
        [--database-url postgresql://postgres@127.0.0.1:5432/grocery_bench_h_imports_memory]

Each file is built once in the folder (streamed, never held whole in memory), then uploaded in a fresh child
process (one per file, like one gunicorn worker) through the Flask test client as a coordinator: upload, preview
and, when the file is accepted, the import of all its lines. The child reports its peak RSS (getrusage) above the
RSS of the started app, the duration of each step, the status and the size of each page, and the refusal shown.
The application's own limits are used (defaults unless GROCERY_IMPORT_* are set in the environment).
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MB = 1024 * 1024
PASSWORD = "Bench-password-1234"  # noqa: S105 - a throw-away account of the benchmark
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '{strings}</Types>')
STRINGS_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
             'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
             'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
             'Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships '
    'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>{strings}</Relationships>')
STRINGS_REL = ('<Relationship Id="rId2" '
               'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
               'Target="sharedStrings.xml"/>')
HOUSEHOLD_TITLES = ["référence", "nom", "prénom", "date de naissance", "code postal", "rue", "commune",
                    "téléphone", "e-mail"]
PRODUCT_TITLES = ["nom", "catégorie", "unité", "prix de référence", "code-barres"]


def write_xlsx(path: Path, sheet_chunks, shared_chunks=None, zip64: bool = True) -> None:
    """A minimal workbook whose sheet (and shared strings) are written chunk by chunk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(strings=STRINGS_TYPE if shared_chunks else ""))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels",
                         WORKBOOK_RELS.format(strings=STRINGS_REL if shared_chunks else ""))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for chunk in sheet_chunks:
                part.write(chunk.encode())
            part.write(b"</sheetData></worksheet>")
        if shared_chunks:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
                for chunk in shared_chunks:
                    part.write(chunk.encode())


def _titles_row(titles) -> str:
    return "<row r=\"1\">" + "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in titles) + "</row>"


def huge_shared_cell(path: Path) -> None:
    """0.3 MB: the first title is a 300 MB shared string."""
    def shared():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'
        for _ in range(300):
            yield "A" * MB
        yield "</t></si></sst>"
    write_xlsx(path, ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'], shared())


def huge_inline_cell(path: Path) -> None:
    """The same 300 MB text written in the sheet itself (an inline string)."""
    def sheet():
        yield '<row r="1"><c r="A1" t="inlineStr"><is><t>'
        for _ in range(300):
            yield "A" * MB
        yield "</t></is></c></row>"
    write_xlsx(path, sheet())


def long_cell(path: Path) -> None:
    """A 10 MB title (under the unpacked size limit, over the characters of one cell)."""
    def shared():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'
        for _ in range(10):
            yield "A" * MB
        yield "</t></si></sst>"
    write_xlsx(path, ['<row r="1"><c r="A1" t="s"><v>0</v></c></row>'], shared())


def million_columns(path: Path) -> None:
    """One line of a million cells."""
    def sheet():
        yield '<row r="1">'
        for _ in range(1000):
            yield "<c><v>1</v></c>" * 1000
        yield "</row>"
    write_xlsx(path, sheet())


def empty_rows(count: int):
    def build(path: Path) -> None:
        """The titles, then `count` empty lines (a styled empty cell each)."""
        def sheet():
            yield _titles_row(PRODUCT_TITLES)
            for start in range(2, count + 2, 10_000):
                yield "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(start, min(start + 10_000,
                                                                                                  count + 2)))
        write_xlsx(path, sheet())
    return build


def last_row_far(path: Path) -> None:
    """The titles, one product, and a value on the last line of a sheet (1 048 576): a million empty lines between."""
    write_xlsx(path, [_titles_row(PRODUCT_TITLES),
                      '<row r="2"><c t="inlineStr"><is><t>Riz</t></is></c><c t="inlineStr"><is><t>Épicerie sèche'
                      '</t></is></c></row>',
                      '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Pâtes</t></is></c></row>'])


def zip_bomb(path: Path) -> None:
    """A 1 GB sheet of blanks (declared honestly) compressed to about 1 MB."""
    def sheet():
        yield _titles_row(PRODUCT_TITLES)
        for _ in range(1024):
            yield " " * MB
    write_xlsx(path, sheet())


def lying_zip_bomb(path: Path) -> None:
    """The same bomb whose zip headers declare 1 kB unpacked for the 1 GB sheet."""
    def sheet():
        yield _titles_row(PRODUCT_TITLES)
        for _ in range(1024):
            yield " " * MB
    write_xlsx(path, sheet(), zip64=False)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name.decode()).header_offset
    data[local + 22:local + 26] = (1024).to_bytes(4, "little")
    directory = bytes(data).index(b"PK\x01\x02")
    while data[directory + 46:directory + 46 + len(name)] != name:
        directory = bytes(data).index(b"PK\x01\x02", directory + 4)
    data[directory + 24:directory + 28] = (1024).to_bytes(4, "little")
    path.write_bytes(bytes(data))


def products_csv(size: int):
    def build(path: Path) -> None:
        """A legitimate product list of `size` bytes (one line per product, unique barcodes)."""
        with path.open("w", encoding="utf-8") as out:
            out.write(";".join(PRODUCT_TITLES) + "\n")
            n = 0
            while out.tell() < size - 200:
                n += 1
                out.write(f"Conserve de légumes n° {n};Épicerie sèche;pièce;1,{n % 100:02d};{ean13(n)}\n")
    return build


def ean13(n: int) -> str:
    body = f"20{n:010d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def households_rows(count: int):
    for n in range(count):
        home = n // 3
        yield [f"M{home}", f"Nom{home}", f"Prénom{n}", f"{1 + n % 28:02d}/{1 + n % 12:02d}/19{50 + n % 49}",
               "1000", f"Rue de la Loi {home}", "Bruxelles", f"0470{home:06d}", f"menage{home}@example.be"]


def largest_households_csv(rows: int):
    def build(path: Path) -> None:
        """The largest household file allowed: `rows` lines (titles included), three persons per household."""
        with path.open("w", encoding="utf-8") as out:
            out.write(";".join(HOUSEHOLD_TITLES) + "\n")
            for cells in households_rows(rows - 1):
                out.write(";".join(cells) + "\n")
    return build


def largest_products_xlsx(rows: int):
    def build(path: Path) -> None:
        """The largest product workbook allowed, written by openpyxl (shared strings, as Excel does)."""
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(PRODUCT_TITLES)
        for n in range(1, rows):
            sheet.append([f"Conserve de légumes n° {n}", "Épicerie sèche", "pièce", 1 + n % 100 / 100, ean13(n)])
        workbook.save(path)
    return build


def files(max_rows: int) -> dict[str, tuple[str, str, object]]:
    """name -> (kind, file name, builder)."""
    return {
        "huge_cell_shared": ("products", "huge_cell.xlsx", huge_shared_cell),
        "huge_cell_inline": ("products", "huge_inline_cell.xlsx", huge_inline_cell),
        "long_cell_10mb": ("products", "long_cell.xlsx", long_cell),
        "million_columns": ("products", "million_columns.xlsx", million_columns),
        "empty_rows_1m": ("products", "empty_rows_1m.xlsx", empty_rows(1_000_000)),
        "empty_rows_5m": ("products", "empty_rows_5m.xlsx", empty_rows(5_000_000)),
        "last_row_far": ("products", "last_row_far.xlsx", last_row_far),
        "zip_bomb": ("products", "zip_bomb.xlsx", zip_bomb),
        "lying_zip_bomb": ("products", "lying_zip_bomb.xlsx", lying_zip_bomb),
        "csv_49mb": ("products", "products_49mb.csv", products_csv(49 * MB)),
        "largest_households_csv": ("households", f"households_largest_{max_rows}.csv",
                                   largest_households_csv(max_rows)),
        "largest_products_xlsx": ("products", f"products_largest_{max_rows}.xlsx", largest_products_xlsx(max_rows)),
    }


# --- the child: one file through the screens ----------------------------------------------------------------------


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _current_rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def run_one(kind: str, path: Path, database_url: str | None) -> dict:
    from bench.common import make_app
    from grocery.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="grocery-import-bench-"))
    app = make_app(database_url or workdir / "bench.sqlite")
    with app.app_context():
        db.drop_all()
        db.create_all()
        from grocery.auth.services import create_user

        create_user(None, username="coordination", password=PASSWORD, role="coordinator")
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "coordination", "password": PASSWORD})
    data = path.read_bytes()
    baseline = _current_rss_kb()
    result: dict = {"file_mb": round(len(data) / MB, 2), "steps": {}}
    started = time.perf_counter()
    response = client.post(f"/imports/{kind}", data={"file": (io.BytesIO(data), path.name)},
                           content_type="multipart/form-data")
    del data
    result["steps"]["upload"] = _step(response, started)
    if response.status_code == 302:
        preview_url = response.headers["Location"]
        started = time.perf_counter()
        response = client.get(preview_url)
        result["steps"]["preview"] = _step(response, started)
        started = time.perf_counter()
        response = client.post(preview_url + "/confirm", data={"mode": "valid"})
        result["steps"]["import"] = _step(response, started)
        started = time.perf_counter()
        response = client.get(preview_url)
        result["steps"]["after"] = _step(response, started)
        result["message"] = _flash(response)
    else:
        result["message"] = _refusal(response)
    result["peak_rss_mb"] = round(_rss_kb() / 1024, 1)
    result["peak_above_app_mb"] = round((_rss_kb() - baseline) / 1024, 1)
    return result


def _step(response, started: float) -> dict:
    return {"status": response.status_code, "seconds": round(time.perf_counter() - started, 2),
            "page_kb": round(len(response.get_data()) / 1024, 1)}


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _refusal(response) -> str:
    match = re.search(r'class="[^"]*(?:error|alert)[^"]*"[^>]*>(.{0,400}?)</', response.get_data(as_text=True),
                      re.S)
    return html.unescape(re.sub(r"\s+", " ", match.group(1)).strip()[:300]) if match else _text(response)[:300]


def _flash(response) -> str:
    match = re.search(r'<p class="flash flash-\w+">(.*?)</p>', response.get_data(as_text=True), re.S)
    return html.unescape(re.sub(r"\s+", " ", match.group(1)).strip()) if match else "(no message)"


# --- the parent ---------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "grocery-import-bench"))
    parser.add_argument("--only", nargs="*", help="names of the files to run (default: all)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child[0], Path(args.child[1]), args.database_url)))
        return
    from grocery.imports.limits import ImportLimits

    max_rows = int(os.environ.get("GROCERY_IMPORT_MAX_ROWS") or ImportLimits().max_rows)
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    worst: dict = {}
    for name, (kind, filename, build) in files(max_rows).items():
        if args.only and name not in args.only:
            continue
        path = folder / filename
        if not path.exists():
            build(path)
        command = [sys.executable, __file__, "--child", kind, str(path)]
        if args.database_url:
            command += ["--database-url", args.database_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - this script itself
        if done.returncode:
            print(f"{name}: child failed\n{done.stderr[-3000:]}")
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        steps = ", ".join(f"{step} {s['status']} {s['seconds']} s {s['page_kb']} kB"
                          for step, s in result["steps"].items())
        print(f"{name} ({result['file_mb']} MB, {kind}): peak RSS {result['peak_rss_mb']} MB "
              f"(+{result['peak_above_app_mb']} MB above the app); {steps}\n    {result['message']}", flush=True)
        slowest = max(s["seconds"] for s in result["steps"].values())
        worst["memory"] = max(worst.get("memory", (0, "")), (result["peak_above_app_mb"], name))
        worst["seconds"] = max(worst.get("seconds", (0, "")), (slowest, name))
    if worst:
        print(f"worst case: +{worst['memory'][0]} MB above the app ({worst['memory'][1]}), "
              f"slowest request {worst['seconds'][0]} s ({worst['seconds'][1]})")


if __name__ == "__main__":
    main()
