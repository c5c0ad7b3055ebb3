"""Hostile files at small scale (the limits lowered): refused while reading, naming the limit, never echoed."""

import io
import struct
import zipfile

import pytest
from sqlalchemy import func, select

from grocery.imports.limits import ImportLimits, config_defaults
from grocery.imports.models import ImportBatch
from grocery.imports.parsing import ImportRefused, read_table
from tests.imports.helpers import csv_bytes, inline_row, raw_xlsx, xlsx_bytes
from tests.utils import text_of

TITLES = ("Nom", "Catégorie")


@pytest.fixture()
def limits(app, monkeypatch):
    """Lower the app's import limits for one test: limits(max_rows=5, ...)."""
    def _set(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, f"GROCERY_IMPORT_{key.upper()}", value)
    return _set


def _refusal(app, filename: str, data: bytes) -> str:
    with app.app_context(), pytest.raises(ImportRefused) as caught:
        read_table(filename, data)
    return caught.value.message


def _rows(app, filename: str, data: bytes):
    with app.app_context():
        return read_table(filename, data).rows


# --- characters per cell --------------------------------------------------------------------------------------------


def test_a_huge_shared_string_is_refused_before_openpyxl_reads_it(app, limits):
    """The 300 MB cell of the report, at small scale: a shared string longer than the cell limit."""
    limits(max_cell_chars=50)
    data = raw_xlsx(inline_row(1, *TITLES) + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>', shared=["Z" * 51])
    assert _refusal(app, "x.xlsx", data) == ("Une cellule du fichier a plus de 50 caractères (la limite d'une "
                                             "cellule) : raccourcissez-la ou supprimez-la.")


def test_a_long_inline_cell_is_refused_with_its_line(app, limits):
    limits(max_cell_chars=50)
    data = raw_xlsx(inline_row(1, *TITLES) + inline_row(2, "Riz", "Z" * 51))
    assert _refusal(app, "x.xlsx", data) == ("Une cellule de la ligne 2 a plus de 50 caractères (la limite d'une "
                                             "cellule) : raccourcissez-la ou supprimez-la.")


def test_a_cell_at_the_limit_is_read(app, limits):
    limits(max_cell_chars=50)
    assert _rows(app, "x.xlsx", raw_xlsx(inline_row(1, *TITLES) + inline_row(2, "Riz", "Z" * 50))) == \
        [(2, ["Riz", "Z" * 50])]
    assert _rows(app, "x.csv", csv_bytes("Nom;Catégorie", "Riz;" + "Z" * 50)) == [(2, ["Riz", "Z" * 50])]


def test_a_long_csv_cell_is_refused_with_its_line(app, limits):
    limits(max_cell_chars=50)
    message = _refusal(app, "x.csv", csv_bytes("Nom;Catégorie", "Riz;Frais", '"' + "Z" * 51 + '";Frais'))
    assert message == ("Une cellule de la ligne 3 a plus de 50 caractères (la limite d'une cellule) : "
                       "raccourcissez-la ou supprimez-la.")


def test_a_csv_line_without_end_is_refused_before_it_is_split(app, limits):
    """A 49 MB single line (no newline) at small scale: refused at the length of a full line of the limits."""
    limits(max_cell_chars=10, max_columns=4)
    message = _refusal(app, "x.csv", b"Nom;Cat\xc3\xa9gorie\n" + b"x" * 5000)
    assert message == ("La ligne 2 a plus de 54 caractères (la limite d'une ligne : 4 colonnes de 10 caractères) : "
                       "vérifiez le séparateur et les guillemets.")


# --- columns --------------------------------------------------------------------------------------------------------


def test_a_million_columns_at_small_scale_is_refused_at_the_first_cell_too_many(app, limits):
    limits(max_columns=10)
    data = raw_xlsx(inline_row(1, *TITLES) + '<row r="2">' + "<c><v>1</v></c>" * 11 + "</row>")
    assert _refusal(app, "x.xlsx", data) == ("La ligne 2 a plus de 10 colonnes (la limite d'un import) : gardez "
                                             "seulement les colonnes à importer.")


def test_a_value_far_to_the_right_is_refused(app, limits):
    limits(max_columns=10)
    data = raw_xlsx(inline_row(1, *TITLES) + '<row r="2"><c r="XFD2"><v>1</v></c></row>')
    assert "La ligne 2 a plus de 10 colonnes" in _refusal(app, "x.xlsx", data)


def test_csv_columns_beyond_the_limit(app, limits):
    limits(max_columns=3)
    assert "La ligne 2 a plus de 3 colonnes" in _refusal(app, "x.csv", csv_bytes("Nom;Catégorie", "a;b;c;d"))
    # empty cells after the last column (trailing separators) are not columns
    assert _rows(app, "x.csv", csv_bytes("Nom;Catégorie", "a;b;;;;;")) == [(2, ["a", "b"])]


# --- lines ----------------------------------------------------------------------------------------------------------


def test_lines_up_to_the_limit_are_read_and_one_more_is_refused(app, limits):
    limits(max_rows=5)
    lines = ["Nom;Catégorie"] + [f"Riz {n};Frais" for n in range(4)]
    assert len(_rows(app, "x.csv", csv_bytes(*lines))) == 4
    assert _refusal(app, "x.csv", csv_bytes(*lines, "Thé;Boissons")) == (
        "Le fichier a plus de 5 lignes (la limite d'un import) : découpez-le en plusieurs fichiers.")
    rows = [list(TITLES)] + [[f"Riz {n}", "Frais"] for n in range(4)]
    assert len(_rows(app, "x.xlsx", xlsx_bytes(rows))) == 4
    assert "Le fichier a plus de 5 lignes" in _refusal(app, "x.xlsx", xlsx_bytes([*rows, ["Thé", "Boissons"]]))


def test_a_value_on_the_last_line_of_a_sheet_is_refused_without_reading_the_lines_between(app, limits):
    limits(max_rows=50)
    data = raw_xlsx(inline_row(1, *TITLES) + inline_row(2, "Riz", "Frais") + inline_row(1048576, "Thé", "Boissons"),
                    dimension="A1:XFD1048576")
    assert "Le fichier a plus de 50 lignes" in _refusal(app, "x.xlsx", data)


def test_a_sheet_declaring_a_million_lines_reads_only_its_lines(app, limits):
    """openpyxl pads a sheet to its declared dimension: the reading stops at the last line holding a value."""
    limits(max_rows=50)
    data = raw_xlsx(inline_row(1, *TITLES) + inline_row(2, "Riz", "Frais") + '<row r="1048576"/>',
                    dimension="A1:XFD1048576")
    assert _rows(app, "x.xlsx", data) == [(2, ["Riz", "Frais"])]


def test_millions_of_empty_lines_at_small_scale(app, limits):
    """Empty formatted lines are tolerated up to five times the line limit, then refused."""
    limits(max_rows=10)
    empty = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(3, 49))
    assert _rows(app, "x.xlsx", raw_xlsx(inline_row(1, *TITLES) + inline_row(2, "Riz", "Frais") + empty)) == \
        [(2, ["Riz", "Frais"])]
    more = "".join(f'<row r="{n}"><c r="A{n}" s="0"/></row>' for n in range(3, 60))
    assert "Le fichier a plus de 10 lignes" in _refusal(
        app, "x.xlsx", raw_xlsx(inline_row(1, *TITLES) + inline_row(2, "Riz", "Frais") + more))


def test_blank_csv_lines_do_not_count(app, limits):
    limits(max_rows=3)
    assert _rows(app, "x.csv", csv_bytes("Nom;Catégorie", "Riz;Frais", *[""] * 20)) == [(2, ["Riz", "Frais"])]


# --- unpacked size, parts, shared strings ---------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_declared_size(app, limits):
    limits(max_unpacked_bytes=100_000)
    data = raw_xlsx(inline_row(1, *TITLES), extra={"xl/media/filler.xml": b" " * 200_000})
    assert len(data) < 10_000
    assert _refusal(app, "x.xlsx", data) == (
        "Décompressé, ce classeur dépasse 98 ko (la limite d'un import) : enregistrez la feuille en CSV ou "
        "découpez-la en plusieurs fichiers.")


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with `name` declared `size` bytes unpacked in its local header and in the central directory."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local = archive.getinfo(name).header_offset
    out[local + 22:local + 26] = struct.pack("<I", size)
    directory = data.index(b"PK\x01\x02")
    while data[directory + 46:directory + 46 + len(name)] != name.encode():
        directory = data.index(b"PK\x01\x02", directory + 4)
    out[directory + 24:directory + 28] = struct.pack("<I", size)
    return bytes(out)


def test_a_zip_bomb_lying_about_its_size_is_refused_while_inflating(app, limits):
    """A part declared 1 kB that inflates to 200 kB: never more than the declared size is inflated."""
    limits(max_unpacked_bytes=100_000)
    data = _declare_size(raw_xlsx(inline_row(1, *TITLES), extra={"xl/media/filler.xml": b" " * 200_000}),
                         "xl/media/filler.xml", 1024)
    assert _refusal(app, "x.xlsx", data) == (
        "Ce fichier n'a pas pu être lu comme classeur Excel (.xlsx) : ouvrez-le dans votre tableur et "
        "enregistrez-le à nouveau en .xlsx ou en CSV.")


def test_too_many_shared_strings(app, limits):
    limits(max_rows=2)
    data = raw_xlsx(inline_row(1, *TITLES), shared=[f"t{n}" for n in range(41)])
    assert _refusal(app, "x.xlsx", data) == (
        "Ce classeur contient plus de 40 textes différents (20 par ligne pour la limite de 2 lignes) : "
        "découpez-le en plusieurs fichiers.")


def test_too_many_parts_and_declarations_are_refused(app):
    parts = {f"xl/media/p{n}.xml": b"<a/>" for n in range(1001)}
    assert "n'a pas pu être lu comme classeur Excel" in _refusal(app, "x.xlsx", raw_xlsx(inline_row(1, *TITLES),
                                                                                           extra=parts))
    laughs = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbb">]><a>&b;&b;</a>'
    assert "n'a pas pu être lu comme classeur Excel" in _refusal(
        app, "x.xlsx", raw_xlsx(inline_row(1, *TITLES), extra={"docProps/custom.xml": laughs}))


def test_styles_beyond_the_element_limit_are_refused(app, monkeypatch):
    monkeypatch.setattr("grocery.imports.xlsx_guard.MAX_OTHER_ELEMENTS", 100)
    styles = b"<styleSheet>" + b"<xf/>" * 101 + b"</styleSheet>"
    assert _refusal(app, "x.xlsx", raw_xlsx(inline_row(1, *TITLES), extra={"xl/styles.xml": styles})) == (
        "Ce classeur a plus de 100 styles, formats ou autres éléments en plus de ses cellules (la limite d'un "
        "import) : enregistrez la feuille en CSV et importez ce CSV.")


# --- time -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["x.csv", "x.xlsx"])
def test_reading_stops_at_the_time_limit(app, limits, filename):
    limits(max_seconds=0)
    rows = [list(TITLES)] + [[f"Riz {n}", "Frais"] for n in range(1200)]
    data = xlsx_bytes(rows) if filename.endswith("xlsx") else csv_bytes(*(";".join(row) for row in rows))
    assert _refusal(app, filename, data) == ("La lecture du fichier prend plus de 0 secondes (la limite d'un "
                                             "import) : découpez-le en plusieurs fichiers.")


# --- settings -------------------------------------------------------------------------------------------------------


def test_limits_come_from_the_environment_and_the_app_config(monkeypatch):
    class FakeApp:
        config = {"GROCERY_IMPORT_MAX_COLUMNS": 7}

    monkeypatch.setenv("GROCERY_IMPORT_MAX_ROWS", "30000")
    monkeypatch.setenv("GROCERY_IMPORT_MAX_UNPACKED_MB", "80")
    monkeypatch.setenv("GROCERY_IMPORT_MAX_COLUMNS", "99")
    monkeypatch.setenv("GROCERY_IMPORT_MAX_SECONDS", "nonsense")
    config_defaults(FakeApp)
    limits = ImportLimits.from_config(FakeApp.config)
    assert (limits.max_rows, limits.max_columns, limits.max_unpacked_bytes, limits.max_seconds,
            limits.max_cell_chars) == (30_000, 7, 80 * 1024 * 1024, 20, 1_000)


# --- through the screen: refused, named, not echoed, not kept -------------------------------------------------------


def _upload(client, data: bytes, filename: str):
    return client.post_form("/imports/products", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


def test_a_refused_cell_is_never_echoed_back(app, client, login, db, limits):
    limits(max_cell_chars=200)
    login("stock_manager")
    marker = "ÉCHO" * 100
    data = raw_xlsx(inline_row(1, *TITLES), shared=[marker])
    response = _upload(client, data, "x.xlsx")
    page = text_of(response)
    assert response.status_code == 422
    assert "Une cellule du fichier a plus de 200 caractères (la limite d'une cellule)" in page
    assert "ÉCHOÉCHO" not in page
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_long_values_are_cut_in_row_messages(app, client, login, db):
    """A value under the cell limit is quoted in a row error cut to 60 characters, never whole."""
    login("stock_manager")
    long_title = "Couleur" + "x" * 300
    response = _upload(client, csv_bytes(f"Nom;Catégorie;{long_title}", "Riz;Frais;bleu"), "x.csv")
    page = text_of(response)
    assert response.status_code == 422
    assert "« Couleur" + "x" * 52 + "… »" in page
    assert "x" * 100 not in page


def test_the_upload_page_states_the_limits(client, login, limits):
    limits(max_rows=300, max_columns=40, max_cell_chars=500)
    login("stock_manager")
    assert "Au plus 300 lignes, 40 colonnes et 500 caractères par cellule." in text_of(client.get("/imports/products"))


def test_an_import_past_the_time_limit_is_rolled_back_with_a_message(app, client, login, db, limits, monkeypatch):
    """The writing stops at the time limit (rather than the worker being killed): nothing is written."""
    from dataclasses import replace

    from grocery.imports import services as svc
    from grocery.stock.models import Product

    clock = [1000.0]
    monkeypatch.setattr("grocery.imports.limits.monotonic", lambda: clock[0])
    spec = svc.KINDS["products"]

    def slow_write(actor, items, progress):
        clock[0] += 60  # the products are written, then the progress after their chunk checks the time
        return spec.write(actor, items, progress)

    monkeypatch.setitem(svc.KINDS, "products", replace(spec, write=slow_write))
    limits(max_seconds=50)
    login("stock_manager")
    response = _upload(client, csv_bytes("Nom;Catégorie", "Riz;Épicerie sèche", "Thé;Épicerie sèche"), "x.csv")
    assert response.status_code == 302
    response = client.post_form(response.headers["Location"] + "/confirm", {"mode": "all"}, follow_redirects=True)
    assert ("L'import du fichier prend plus de 50 secondes (la limite d'un import) : rien n'a été importé ; "
            "découpez-le en plusieurs fichiers.") in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
    assert db.session.scalar(select(ImportBatch.status)) == "pending"
