"""Reading files: encodings, separators, XLSX, and the refusal of files that are not spreadsheets."""

from datetime import date

import pytest

from grocery.imports import households, products
from grocery.imports.columns import map_columns
from grocery.imports.parsing import CellError, ImportRefused, as_date, check_size, fold_header, read_table
from tests.imports.helpers import csv_bytes, sample, xlsx_bytes


def _refusal(filename: str, data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        read_table(filename, data)
    return caught.value.message


def test_utf8_semicolon_sample(app):
    """Is the UTF-8, semicolon sample read with its accents and line numbers?"""
    with app.app_context():
        table = read_table("products.csv", sample("products.csv"))
    assert (table.file_type, table.encoding, table.delimiter) == ("CSV", "UTF-8", ";")
    assert table.headers[1] == "Catégorie"
    assert [line for line, _cells in table.rows] == [2, 3, 4, 5, 6, 7, 8]
    assert table.rows[2][1][0] == "Lait demi-écrémé 1 l"


def test_windows_1252_comma_sample(app):
    """Is a Windows-1252 file with commas decoded (é, è) and split on commas, quotes respected?"""
    with app.app_context():
        table = read_table("products_cp1252.csv", sample("products_cp1252.csv"))
    assert (table.encoding, table.delimiter) == ("Windows-1252", ",")
    assert table.rows[0][1][0] == "Thé vert"
    assert table.rows[2][1][4] == "1,95"


def test_utf8_bom_does_not_stick_to_the_first_title(app):
    with app.app_context():
        table = read_table("x.csv", "\ufeffNom;Catégorie\nRiz;Épicerie sèche\n".encode())
    assert table.headers == ["Nom", "Catégorie"]


def test_blank_lines_are_skipped_and_numbering_follows_the_file(app):
    with app.app_context():
        table = read_table("x.csv", csv_bytes("Nom;Catégorie", "", "Riz;Frais", ";", "Thé;Boissons"))
    assert [line for line, _cells in table.rows] == [3, 5]


@pytest.mark.parametrize(("filename", "data", "expected"), [
    ("empty.csv", b"", "Le fichier est vide."),
    ("blank.csv", b"\r\n  \n", "Le fichier est vide."),
    ("doc.csv", b"%PDF-1.4 whatever", "Ce fichier est un document PDF, pas un tableau."),
    ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "Ce fichier est une image, pas un tableau."),
    ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50,
     "Ce fichier est dans l'ancien format Excel (.xls) ou un autre format Office : ouvrez-le dans votre tableur "
     "et enregistrez-le en .xlsx ou en CSV."),
    ("data.csv", bytes(range(256)) * 4,
     "Ce fichier n'est ni un fichier texte CSV ni un classeur XLSX : enregistrez la feuille en CSV (UTF-8) ou en "
     "classeur Excel (.xlsx)."),
    ("broken.xlsx", b"PK\x03\x04not really a zip",
     "Ce fichier n'a pas pu être lu comme classeur Excel (.xlsx) : ouvrez-le dans votre tableur et "
     "enregistrez-le à nouveau en .xlsx ou en CSV."),
    ("liste.pdf", b"Nom;Categorie\n",
     "Seuls les fichiers CSV et XLSX peuvent être importés (ce fichier se termine par « .pdf »). Enregistrez la "
     "feuille en CSV ou en classeur Excel (.xlsx)."),
])
def test_files_that_are_not_spreadsheets_are_refused_in_french(app, filename, data, expected):
    """Empty files, PDFs, images, old .xls, binaries, broken workbooks, other extensions: a clear refusal."""
    with app.app_context():
        assert _refusal(filename, data) == expected


def test_sample_files_that_are_refused(app):
    with app.app_context():
        assert _refusal("empty.csv", sample("empty.csv")) == "Le fichier est vide."
        assert _refusal("not_a_spreadsheet.csv", sample("not_a_spreadsheet.csv")) == \
            "Ce fichier est un document PDF, pas un tableau."


def test_an_xlsx_named_csv_is_read_as_xlsx(app):
    with app.app_context():
        table = read_table("export.csv", xlsx_bytes([["Nom", "Catégorie"], ["Riz", "Frais"]]))
    assert table.file_type == "XLSX"
    assert table.rows == [(2, ["Riz", "Frais"])]


def test_xlsx_keeps_real_dates_and_numbers(app):
    from datetime import datetime

    with app.app_context():
        table = read_table("m.xlsx", xlsx_bytes([["Nom", "Né le", "CP"], ["Dubois", datetime(1985, 3, 21), 5000]]))
    assert table.rows[0][1] == ["Dubois", date(1985, 3, 21), 5000]


def test_headers_match_without_case_or_accents(app):
    """Are "CATEGORIE", "code barre" and "Poids net (g)" recognised?"""
    with app.app_context():
        table = read_table("x.csv", csv_bytes("NOM;CATEGORIE;code barre;Poids net (g)", "Riz;Frais;;500"))
        columns = map_columns(table, products.COLUMNS)
    assert set(columns.index) == {"name", "category", "barcode", "net_weight_g"}


def test_unknown_columns_refuse_the_file_and_list_the_accepted_ones(app):
    with app.app_context():
        table = read_table("x.csv", csv_bytes("Nom;Catégorie;Couleur", "Riz;Frais;bleu"))
        with pytest.raises(ImportRefused) as caught:
            map_columns(table, products.COLUMNS)
    message = caught.value.message
    assert message.startswith("Colonnes inconnues : « Couleur ». Renommez-les ou supprimez-les. Colonnes "
                              "acceptées : « nom », « catégorie », « unité »")


def test_missing_required_columns_refuse_the_file(app):
    with app.app_context():
        table = read_table("x.csv", csv_bytes("Nom;Prénom", "Dubois;Fatima"))
        with pytest.raises(ImportRefused) as caught:
            map_columns(table, households.COLUMNS)
    assert caught.value.message == (
        "Colonnes obligatoires manquantes : « référence », « date de naissance », « code postal ». La première "
        "ligne du fichier doit donner les titres des colonnes.")


def test_a_field_given_twice_refuses_the_file(app):
    with app.app_context():
        table = read_table("x.csv", csv_bytes("Nom;Produit;Catégorie", "Riz;Riz;Frais"))
        with pytest.raises(ImportRefused) as caught:
            map_columns(table, products.COLUMNS)
    assert caught.value.message == ("Les colonnes « Nom » et « Produit » donnent la même information : "
                                    "gardez-en une seule.")


def test_titles_only_refuse_the_file(app):
    with app.app_context():
        table = read_table("x.csv", csv_bytes("Nom;Catégorie"))
        with pytest.raises(ImportRefused) as caught:
            map_columns(table, products.COLUMNS)
    assert caught.value.message == "Le fichier a des titres de colonnes mais aucune ligne de données."


@pytest.mark.parametrize("columns", [products.COLUMNS, households.COLUMNS])
def test_accepted_titles_never_overlap(columns):
    """Could one title mean two fields (once accents, case and signs are removed)?"""
    owners: dict[str, set[str]] = {}
    for column in columns:
        for name in column.names:
            owners.setdefault(fold_header(name), set()).add(column.key)
    assert {name: keys for name, keys in owners.items() if len(keys) > 1} == {}


@pytest.mark.parametrize(("value", "expected"), [
    ("21/03/1985", date(1985, 3, 21)), ("1/3/1985", date(1985, 3, 1)), ("21.03.1985", date(1985, 3, 21)),
    ("1985-03-21", date(1985, 3, 21)), (date(1985, 3, 21), date(1985, 3, 21)), (None, None),
])
def test_accepted_dates(value, expected):
    assert as_date(value) == expected


@pytest.mark.parametrize("value", ["1985/03/21", "21/03/85", "21 mars 1985", "31107", 31107])
def test_dates_in_the_wrong_format(app, value):
    with app.app_context(), pytest.raises(CellError) as caught:
        as_date(value)
    assert caught.value.message == f"Date au mauvais format, attendu jj/mm/aaaa (ici : « {value} »)."


def test_a_date_that_does_not_exist(app):
    with app.app_context(), pytest.raises(CellError) as caught:
        as_date("31/02/1990")
    assert caught.value.message == "La date « 31/02/1990 » n'existe pas : vérifiez le jour et le mois."


def test_size_limit(app):
    with app.app_context():
        check_size(1000, 1000)
        with pytest.raises(ImportRefused) as caught:
            check_size(1001, 1000)
    assert caught.value.message.startswith("Le fichier est trop gros (plus de ")
