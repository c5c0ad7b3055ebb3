"""Import screens: upload, preview with every bad row, import all or only the valid lines, refusals, roles."""

import io
import re

from sqlalchemy import func, select

from grocery.households.models import Household
from grocery.imports.models import ImportBatch
from grocery.stock.models import Product
from tests.imports.helpers import sample
from tests.utils import text_of


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, kind: str, data: bytes, filename: str):
    return client.post_form(f"/imports/{kind}", {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


def _token(response) -> str:
    return re.search(r"/imports/\w+/([\w-]+)$", response.headers["Location"]).group(1)


def test_upload_page_lists_the_accepted_columns(client, login):
    login("stock_manager")
    page = text_of(client.get("/imports/products"))
    assert "Colonnes acceptées" in page
    for title in ("nom", "catégorie", "code-barres", "prix social", "poids net (g)"):
        assert f"<code>{title}</code>" in page


def test_product_sample_preview_lists_errors_and_offers_only_the_valid_lines(client, login, db):
    login("stock_manager")
    response = _upload(client, "products", sample("products.csv"), "products.csv")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert re.search(r"<td class=\"num\">6</td><td>Code-barres</td><td>Le chiffre de contrôle de 5410001000040 "
                     r"est faux", page)
    assert "<td class=\"num\">8</td><td>Quota</td><td>« beaucoup » n'est pas un nombre entier.</td>" in page
    assert "Importer seulement les lignes valides" in page
    assert 'value="all"' not in page
    assert _count(db, Product) == 0


def test_import_button_refused_while_errors_remain(client, login, db):
    """Re-posting mode=all by hand while errors remain: refused with a message, nothing written."""
    login("stock_manager")
    token = _token(_upload(client, "products", sample("products.csv"), "products.csv"))
    response = client.post_form(f"/imports/products/{token}/confirm", {"mode": "all"}, follow_redirects=True)
    assert "3 lignes contiennent des erreurs" in text_of(response)
    assert _count(db, Product) == 0


def test_import_only_the_valid_lines(client, login, db):
    login("stock_manager")
    token = _token(_upload(client, "products", sample("products.csv"), "products.csv"))
    response = client.post_form(f"/imports/products/{token}/confirm", {"mode": "valid"}, follow_redirects=True)
    page = text_of(response)
    assert "Import terminé : 4 créé(s), 0 ligne(s) déjà présente(s), 3 ligne(s) avec des erreurs ignorée(s)." in page
    assert _count(db, Product) == 4
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.status, batch.content) == ("done", None)
    again = client.post_form(f"/imports/products/{token}/confirm", {"mode": "valid"}, follow_redirects=True)
    assert "Cet import est terminé" in text_of(again)
    assert _count(db, Product) == 4


def test_clean_file_offers_import_and_reimport_finds_everything_present(client, login, db):
    login("stock_manager")
    token = _token(_upload(client, "products", sample("products_cp1252.csv"), "products_cp1252.csv"))
    page = text_of(client.get(f"/imports/products/{token}"))
    assert 'value="all"' in page and "Importer seulement" not in page
    client.post_form(f"/imports/products/{token}/confirm", {"mode": "all"})
    assert _count(db, Product) == 3
    second = _token(_upload(client, "products", sample("products_cp1252.csv"), "products_cp1252.csv"))
    page = text_of(client.get(f"/imports/products/{second}"))
    assert "Rien à importer : chaque ligne est déjà présente." in page
    assert "Importer seulement" not in page and 'value="all"' not in page


def test_refused_files_write_nothing(client, login, db):
    """Empty file, PDF renamed .csv, unknown columns, no file: a French message, no import kept."""
    login("stock_manager")
    cases = [
        (sample("empty.csv"), "empty.csv", "Le fichier est vide."),
        (sample("not_a_spreadsheet.csv"), "not_a_spreadsheet.csv", "Ce fichier est un document PDF, pas un tableau."),
        (sample("households.csv"), "households.csv", "Colonnes inconnues : « Référence », « Prénom »"),
    ]
    for data, filename, message in cases:
        response = _upload(client, "products", data, filename)
        assert response.status_code == 422
        assert message in text_of(response)
    response = client.post_form("/imports/products", {}, content_type="multipart/form-data")
    assert "Choisissez un fichier à importer." in text_of(response)
    assert _count(db, ImportBatch) == 0
    assert _count(db, Product) == 0


def test_a_file_above_the_import_limit_is_refused(app, client, login, db, monkeypatch):
    monkeypatch.setitem(app.config, "GROCERY_IMPORT_MAX_BYTES", 100)
    login("stock_manager")
    response = _upload(client, "products", sample("products.csv"), "products.csv")
    assert response.status_code == 422
    assert "Le fichier est trop gros (plus de 1 ko) : découpez-le en plusieurs fichiers." in text_of(response)
    assert _count(db, ImportBatch) == 0


def test_a_file_above_the_app_upload_limit_gets_the_same_message(app, client, login, db, monkeypatch):
    login("stock_manager")
    token = client.csrf_token()
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 300)
    response = client.post("/imports/products", data={"csrf_token": token,
                                                      "file": (io.BytesIO(b"x" * 1000), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Le fichier est trop gros (plus de 50 Mo)" in text_of(response)
    assert _count(db, ImportBatch) == 0


def test_cancel_erases_the_kept_file(client, login, db):
    login("stock_manager")
    token = _token(_upload(client, "products", sample("products.csv"), "products.csv"))
    response = client.post_form(f"/imports/products/{token}/cancel", {}, follow_redirects=True)
    assert "Import annulé" in text_of(response)
    batch = db.session.scalar(select(ImportBatch))
    assert (batch.status, batch.content) == ("cancelled", None)
    assert "Import annulé" in text_of(client.get(f"/imports/products/{token}"))


def test_another_person_cannot_open_or_confirm_my_import(app, client, login, db):
    login("stock_manager")
    token = _token(_upload(client, "products", sample("products_cp1252.csv"), "products_cp1252.csv"))
    other = app.test_client()
    from tests.factories import PASSWORD, make_user

    user = make_user(role="coordinator")
    db.session.commit()
    other.post("/login", data={"username": user.username, "password": PASSWORD,
                               "csrf_token": other.csrf_token("/login")})
    assert other.get(f"/imports/products/{token}").status_code == 404
    response = other.post_form(f"/imports/products/{token}/confirm", {"mode": "all"})
    assert response.status_code == 404
    assert _count(db, Product) == 0


def test_household_import_through_the_screens(client, login, db):
    login("social_worker")
    token = _token(_upload(client, "households", sample("households.csv"), "households.csv"))
    page = text_of(client.get(f"/imports/households/{token}"))
    assert ("<td class=\"num\">7</td><td>Date de naissance</td><td>Date au mauvais format, attendu jj/mm/aaaa "
            "(ici : « 1979/04/12 »).</td>") in page
    assert "<td class=\"num\">8</td><td>Code postal</td><td>Un code postal belge a 4 chiffres" in page
    assert "2 ménages seront créés." in page
    client.post_form(f"/imports/households/{token}/confirm", {"mode": "valid"})
    assert _count(db, Household) == 2


def test_who_may_import_what(client, login):
    """Can a stock manager import households (personal data)? Can a social worker import products? No."""
    login("stock_manager")
    assert client.get("/imports/households").status_code == 403
    page = text_of(client.get("/imports/"))
    assert "Importer des produits" in page and "Importer des ménages" not in page


def test_social_worker_index_and_links(client, login):
    login("social_worker")
    assert client.get("/imports/products").status_code == 403
    page = text_of(client.get("/imports/"))
    assert "Importer des ménages" in page and "Importer des produits" not in page
    assert 'href="/imports/households"' in text_of(client.get("/households/"))


def test_products_page_links_to_the_import(client, login):
    login("stock_manager")
    assert 'href="/imports/products"' in text_of(client.get("/stock/products"))


def test_history_lists_finished_imports(client, login, db):
    login("coordinator")
    token = _token(_upload(client, "products", sample("products_cp1252.csv"), "products_cp1252.csv"))
    client.post_form(f"/imports/products/{token}/confirm", {"mode": "all"})
    page = text_of(client.get("/imports/"))
    assert "products_cp1252.csv" in page
    assert "Derniers imports" in page


def test_model_file_has_the_main_titles(client, login):
    login("social_worker")
    response = client.get("/imports/households/model.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("\ufeffréférence;nom;prénom;date de naissance;lien;")
    assert response.headers["Content-Disposition"] == "attachment; filename=modele-households.csv"
