"""Product imports: every bad row listed, nothing written while errors remain, no duplicates on re-import."""

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.barcodes import gtin_check_digit
from grocery.errors import GroceryError
from grocery.imports import services as svc
from grocery.imports.models import ImportBatch
from grocery.imports.parsing import ImportRefused
from grocery.stock.models import Product, ProductBarcode, ProductCategory
from tests.factories import make_product, make_user
from tests.imports.helpers import csv_bytes, errors_of, sample, xlsx_bytes

#: In the reader's order (accents and case folded): "Bébé" before "Boissons", "Épicerie sèche" among the E.
CATEGORIES = "Bébé, Boissons, Conserves, Entretien, Épicerie sèche, Frais, Fruits et légumes, Hygiène"
SAMPLE_ERRORS = [
    (6, "Code-barres", "Le chiffre de contrôle de 5410001000040 est faux : scannez-le à nouveau ou vérifiez les "
                       "chiffres."),
    (7, "Catégorie", f"Catégorie inconnue « Produits ménagers ». Utilisez une de celles-ci : {CATEGORIES} (ou "
                     "créez-la d'abord sur la page des catégories)."),
    (8, "Quota", "« beaucoup » n'est pas un nombre entier."),
]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _start(db, data: bytes, filename: str = "products.csv", actor=None):
    actor = actor or make_user(role="stock_manager")
    batch, plan = svc.start_import(actor, "products", filename, data, max_bytes=10_000_000)
    return actor, batch, plan


def test_sample_lists_every_bad_row_and_writes_nothing(db):
    """Does the products.csv sample list its three bad rows (line, column, message) without writing?"""
    plan = svc.analyse_file("products", "products.csv", sample("products.csv"))
    assert errors_of(plan) == SAMPLE_ERRORS
    assert (plan.lines_read, plan.lines_ok, plan.lines_present, plan.lines_invalid) == (7, 4, 0, 3)
    assert [item.label for item in plan.items] == ["Pâtes spaghetti 500 g", "Riz long grain 1 kg",
                                                   "Lait demi-écrémé 1 l", "Pommes"]
    assert _count(db, Product) == 0


def test_confirming_while_errors_remain_writes_nothing(db):
    actor, batch, _plan = _start(db, sample("products.csv"))
    with pytest.raises(ImportRefused) as caught:
        svc.confirm_import(actor, batch, only_valid=False)
    db.session.rollback()
    assert caught.value.message == ("3 lignes contiennent des erreurs : corrigez le fichier et chargez-le à "
                                    "nouveau, ou choisissez d'importer seulement les lignes valides. Rien n'a été "
                                    "importé.")
    assert _count(db, Product) == 0


def test_only_valid_rows_are_created_through_the_stock_services(db):
    """Are the good rows created with their barcode, prices and quota, each with its audit event?"""
    actor, batch, _plan = _start(db, sample("products.csv"))
    plan = svc.confirm_import(actor, batch, only_valid=True)
    db.session.commit()
    assert plan.lines_ok == 4
    rice = db.session.scalar(select(Product).where(Product.name == "Riz long grain 1 kg"))
    assert (rice.price_rule, rice.social_price_cents, rice.retail_price_cents) == ("fixed", 40, 219)
    assert rice.category.name == "Épicerie sèche"
    assert [b.code for b in rice.barcodes] == ["5410001000025"]
    milk = db.session.scalar(select(Product).where(Product.name == "Lait demi-écrémé 1 l"))
    assert (milk.quota_quantity, milk.quota_scope, milk.quota_period) == (4, "household", "week")
    apples = db.session.scalar(select(Product).where(Product.name == "Pommes"))
    assert (apples.unit_kind, apples.retail_price_cents, apples.barcodes) == ("kg", 250, [])
    assert _count(db, Product) == 4
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "stock.product_create")) == 4
    assert (batch.status, batch.content, batch.records_created, batch.lines_invalid) == ("done", None, 4, 3)
    log = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "imports.products"))
    assert log.actor_id == actor.id
    assert log.details == {"file": "products.csv", "source": "web", "created": 4, "lines_read": 7,
                           "lines_imported": 4, "lines_present": 0, "lines_invalid": 3}


def test_reimporting_the_same_file_creates_no_duplicate(db):
    actor, batch, _plan = _start(db, sample("products.csv"))
    svc.confirm_import(actor, batch, only_valid=True)
    db.session.commit()
    plan = svc.analyse_file("products", "products.csv", sample("products.csv"))
    assert (plan.lines_ok, plan.lines_present, plan.lines_invalid) == (0, 4, 3)
    assert plan.present[0].reason == "code-barres 5410001000018 déjà utilisé par « Pâtes spaghetti 500 g »"
    assert plan.present[3].reason == "un produit nommé « Pommes » existe"
    _actor, second, _plan = _start(db, sample("products.csv"), actor=actor)
    with pytest.raises(ImportRefused) as caught:
        svc.confirm_import(actor, second, only_valid=True)
    assert caught.value.message == "Rien à importer : chaque ligne est déjà présente ou contient une erreur."
    db.session.rollback()
    assert _count(db, Product) == 4


def test_windows_1252_sample_imports_entirely(db):
    actor, batch, plan = _start(db, sample("products_cp1252.csv"), "products_cp1252.csv")
    assert errors_of(plan) == []
    svc.confirm_import(actor, batch, only_valid=False)
    db.session.commit()
    names = set(db.session.scalars(select(Product.name)))
    assert names == {"Thé vert", "Crème fraîche", "Savon à l'huile d'olive"}
    soap = db.session.scalar(select(Product).where(Product.name == "Savon à l'huile d'olive"))
    assert (soap.retail_price_cents, soap.net_weight_g, soap.category.name) == (195, 125, "Hygiène")


def test_xlsx_sample(db):
    """Does the XLSX sample read numbers as numbers (barcodes, prices) and refuse a price with three decimals?"""
    plan = svc.analyse_file("products", "products.xlsx", sample("products.xlsx"))
    assert errors_of(plan) == [(5, "Prix de référence", "« 2,345 » n'est pas un montant : tapez des chiffres et "
                                                        "une virgule, par exemple 12,50.")]
    milk = plan.items[1].values
    assert (milk["barcode"], milk["retail_price_cents"]) == ("5410001000094", 1450)
    assert (milk["quota_quantity"], milk["quota_scope"], milk["quota_period"]) == (2, "per_child_under_3", "month")


def test_barcode_or_name_twice_in_the_file(db):
    data = csv_bytes("Nom;Catégorie;Code-barres", "Riz;Frais;5410001000018", "Riz complet;Frais;5410001000018",
                     "Sel;Épicerie sèche;", "SEL;Épicerie sèche;")
    plan = svc.analyse_file("products", "p.csv", data)
    assert errors_of(plan) == [
        (3, "Code-barres", "Le code-barres 5410001000018 est déjà à la ligne 2."),
        (5, "Nom", "Le produit « SEL » est déjà à la ligne 4 ; donnez-lui un code-barres s'il s'agit d'un autre "
                   "produit."),
    ]


CARD = "250000000000" + gtin_check_digit("250000000000")


def test_row_checks_reuse_the_stock_rules(db):
    """Reserved barcode ranges, negative weights, both social prices, unknown units: the row errors."""
    data = csv_bytes("Nom;Catégorie;Unité;Poids net (g);Code-barres;Prix social;Pourcentage social",
                     f"Riz;Frais;pièce;500;{CARD};;",
                     "Sel;Frais;pièce;-5;;;",
                     "Thé;Frais;pièce;100;;0,50;10",
                     "Eau;Frais;bouteille;;;;",
                     ";Frais;;;;;")
    plan = svc.analyse_file("products", "p.csv", data)
    assert errors_of(plan) == [
        (2, "Code-barres", "Ce code appartient à une plage réservée aux étiquettes, cartes ou badges : il ne peut "
                           "pas être le code-barres d’un produit."),
        (3, "Poids net (g)", "Le poids doit être supérieur à zéro, ou laissé vide."),
        (4, "Pourcentage social", "Indiquez soit un prix social, soit un pourcentage du prix de référence, pas "
                                  "les deux."),
        (5, "Unité", "Unité inconnue « bouteille » : écrivez pièce, kg ou litre."),
        (6, "Nom", "Indiquez le nom du produit."),
    ]


def test_existing_product_matched_by_barcode_is_skipped_not_updated(db):
    from grocery.stock.services import ensure_default_categories

    product = make_product(name="Pâtes maison", barcode="5410001000018", retail_price_cents=300,
                           category=ensure_default_categories()[0])
    plan = svc.analyse_file("products", "products.csv", sample("products.csv"))
    assert plan.present[0].lines == (2,)
    assert product.retail_price_cents == 300


def test_a_row_that_became_invalid_before_confirmation_refuses_everything(db):
    """A category deactivated between preview and confirmation: the import is refused, nothing written."""
    actor, batch, plan = _start(db, sample("products_cp1252.csv"), "products_cp1252.csv")
    assert plan.errors == []
    db.session.commit()
    drinks = db.session.scalar(select(ProductCategory).where(ProductCategory.name == "Boissons"))
    drinks.is_active = False
    db.session.commit()
    with pytest.raises(ImportRefused):
        svc.confirm_import(actor, batch, only_valid=False)
    db.session.rollback()
    assert _count(db, Product) == 0
    assert db.session.get(ImportBatch, batch.id).status == "pending"


def test_a_barcode_taken_between_the_checks_and_the_writing_refuses_everything(db):
    """Another person gives line 4's barcode to a product after the checks: the bulk writing refuses the whole
    import naming the line, and writes nothing (no product, no barcode, no audit event)."""
    actor, batch, plan = _start(db, sample("products_cp1252.csv"), "products_cp1252.csv")
    db.session.commit()
    plan = svc.preview_import(batch)
    make_product(name="Savon de Marseille", barcode="5410001000070")
    db.session.commit()
    products, events = _count(db, Product), _count(db, AuditEvent)
    with pytest.raises(ImportRefused) as caught:
        svc.apply_plan(actor, batch, plan, only_valid=False)
    db.session.rollback()
    assert caught.value.message == ("Ligne 4 : Le code-barres 5410001000070 est déjà utilisé par « Savon de "
                                    "Marseille ». Rien n'a été importé.")
    assert (_count(db, Product), _count(db, ProductBarcode), _count(db, AuditEvent)) == (products, 1, events)
    assert db.session.get(ImportBatch, batch.id).status == "pending"


def test_an_xlsx_with_an_empty_title_column(db):
    data = xlsx_bytes([["Nom", "Catégorie", None], ["Riz", "Frais", "oops"]])
    with pytest.raises(ImportRefused) as caught:
        svc.analyse_file("products", "p.xlsx", data)
    assert caught.value.message.startswith("La colonne 3 contient des valeurs mais pas de titre sur la première "
                                           "ligne")


def test_a_line_with_more_cells_than_titles(db):
    plan = svc.analyse_file("products", "p.csv", csv_bytes("Nom;Catégorie", "Riz;Frais;500;oops"))
    assert errors_of(plan) == [(2, "", "Cette ligne a 4 cellules mais la première ligne seulement 2 titres : "
                                       "vérifiez le séparateur et les guillemets.")]


def test_files_left_pending_are_erased_after_a_day(db):
    """Is a previewed file that nobody confirmed erased after 24 hours (and then refused at confirmation)?"""
    from datetime import timedelta

    from grocery.timeutil import utcnow

    actor, batch, _plan = _start(db, sample("products_cp1252.csv"), "products_cp1252.csv")
    batch.created_at = utcnow() - timedelta(hours=25)
    db.session.flush()
    assert svc.purge_stale_imports() == 1
    db.session.expire_all()
    assert (batch.status, batch.content) == ("cancelled", None)
    with pytest.raises(GroceryError) as caught:
        svc.confirm_import(actor, batch, only_valid=False)
    assert caught.value.message == "Cet import est terminé : chargez à nouveau le fichier pour l'importer encore."
    assert _count(db, Product) == 0
