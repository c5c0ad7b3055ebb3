"""Dutch files: column titles and values in Dutch, the model file and the accepted titles in the user's language."""

import io
from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from grocery.households.models import Household, Member
from grocery.imports import services as svc
from grocery.imports.parsing import ImportRefused
from grocery.stock.models import Product
from tests.factories import make_user
from tests.imports.helpers import csv_bytes, errors_of, xlsx_bytes
from tests.utils import text_of

PRODUCTS = csv_bytes(
    "Naam;Categorie;Eenheid;Nettogewicht (g);Prijs;Streepjescode;Sociale prijs;Quotum;Quotum per;"
    "Periode van het quotum;Minimumvoorraad",
    "Rijst;Épicerie sèche;stuk;1000;2,19;5410001000025;0,40;2;per volwassene;maand;5",
    "Appels;Fruits et légumes;kg;;2,50;;;;;;",
    "Melk;Frais;liter;;1,10;;;4;kind onder 3 jaar;per week;",
)
HOUSEHOLDS = [
    ["Referentie", "Naam", "Voornaam", "Geboortedatum", "Relatie", "Rijksregisternummer", "Straat", "Postcode",
     "Gemeente", "Telefoon", "E-mail", "Taal", "Toestemming"],
    ["D1", "Peeters", "An", "21/03/1985", "referentiepersoon", "85.03.21-123.83", "Kerkstraat 1", "2000",
     "Antwerpen", "03 123 45 67", "an.peeters@example.be", "Nederlands", "01/02/2026"],
    ["D1", "Peeters", "Tom", "05/01/1983", "partner", "", "", "", "", "", "", "", ""],
    ["D1", "Peeters", "Lotte", "14/06/2015", "dochter", "", "", "", "", "", "", "", ""],
    ["D2", "Janssens", "Marc", "1978-11-05", "", "", "Stationsstraat 3", "1000", "Brussel", "", "", "Frans", ""],
    ["D2", "Janssens", "Luc", "01/02/1950", "vader", "", "", "", "", "", "", "", ""],
]


def test_a_dutch_product_file_is_imported(db):
    actor = make_user(role="stock_manager")
    batch, plan = svc.start_import(actor, "products", "producten.csv", PRODUCTS, max_bytes=10_000_000)
    assert errors_of(plan) == []
    svc.confirm_import(actor, batch, only_valid=False)
    db.session.commit()
    rice, apples, milk = (db.session.scalar(select(Product).where(Product.name == name))
                          for name in ("Rijst", "Appels", "Melk"))
    assert (rice.unit_kind, rice.net_weight_g, rice.retail_price_cents, rice.price_rule, rice.social_price_cents,
            rice.quota_quantity, rice.quota_scope, rice.quota_period, rice.low_stock_threshold) == (
        "piece", 1000, 219, "fixed", 40, 2, "per_adult", "month", 5)
    assert [b.code for b in rice.barcodes] == ["5410001000025"]
    assert (apples.unit_kind, apples.retail_price_cents) == ("kg", 250)
    assert (milk.unit_kind, milk.quota_quantity, milk.quota_scope, milk.quota_period) == (
        "litre", 4, "per_child_under_3", "week")


def test_a_dutch_household_workbook_is_imported(db):
    actor = make_user(role="social_worker")
    batch, plan = svc.start_import(actor, "households", "gezinnen.xlsx", xlsx_bytes(HOUSEHOLDS),
                                   max_bytes=10_000_000)
    assert errors_of(plan) == []
    svc.confirm_import(actor, batch, only_valid=False)
    db.session.commit()
    peeters = db.session.scalar(select(Household).join(Household.members).where(Member.first_name == "An"))
    assert (peeters.street, peeters.postcode, peeters.municipality, peeters.phone, peeters.email,
            peeters.preferred_language, peeters.consent_on) == (
        "Kerkstraat 1", "2000", "Antwerpen", "03 123 45 67", "an.peeters@example.be", "nl", date(2026, 2, 1))
    assert sorted((m.first_name, m.relation) for m in peeters.members) == [
        ("An", "reference"), ("Lotte", "child"), ("Tom", "partner")]
    assert peeters.reference_person.national_number == "85032112383"
    janssens = db.session.scalar(select(Household).join(Household.members).where(Member.first_name == "Marc"))
    assert janssens.preferred_language == "fr"
    assert sorted((m.first_name, m.relation) for m in janssens.members) == [("Luc", "parent"),
                                                                          ("Marc", "reference")]


def test_unknown_dutch_values_are_explained_in_dutch(app, db):
    data = csv_bytes("Referentie;Naam;Voornaam;Geboortedatum;Relatie;Postcode;Taal",
                     "D1;Peeters;An;21/03/1985;;2000;Zweeds", "D1;Peeters;Tom;05/01/1983;neef;;")
    with force_locale("nl_BE"):
        plan = svc.analyse_file("households", "h.csv", data)
        assert [(line, column, message) for line, column, message in errors_of(plan) if column] == [
            (2, "Taal", "Onbekende taal “Zweeds”: schrijf Nederlands, Frans, Duits, Engels of ander."),
            (3, "Relatie", "Onbekende relatie “neef”: schrijf referentiepersoon, partner, kind, ouder, broer/zus, "
                           "kleinkind of ander.")]
        try:
            svc.analyse_file("products", "p.csv", csv_bytes("Naam;Kleur", "Rijst;wit"))
        except ImportRefused as refusal:
            message = refusal.message
    assert "Aanvaarde kolommen: « naam », « categorie », « eenheid », « nettogewicht (g) »" in message


def test_the_model_file_and_the_accepted_titles_follow_the_users_language(client, login):
    login("stock_manager", preferred_language="nl")
    response = client.get("/imports/products/model.csv")
    assert response.get_data(as_text=True).startswith("\ufeffnaam;categorie;eenheid;nettogewicht (g);"
                                                      "referentieprijs;streepjescode;sociale prijs;")
    assert response.headers["Content-Disposition"] == "attachment; filename=model-products.csv"
    page = text_of(client.get("/imports/products"))
    assert "<td><code>streepjescode</code>, <code>barcode</code>, <code>ean-code</code>" in page


def test_a_dutch_file_through_the_screens(client, login, db):
    login("stock_manager", preferred_language="nl")
    response = client.post_form("/imports/products", {"file": (io.BytesIO(PRODUCTS), "producten.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 302
    response = client.post_form(response.headers["Location"] + "/confirm", {"mode": "all"}, follow_redirects=True)
    assert "3 aangemaakt" in text_of(response)
    assert db.session.scalar(select(Product.name).where(Product.name == "Melk")) == "Melk"
