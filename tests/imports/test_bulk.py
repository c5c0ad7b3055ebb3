"""Bulk writing of imports: the records and audit events the domain services would write, each record with its own
line, files larger than one chunk, a conflict while writing refused whole, and the default row limit."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.barcodes import PREFIX_HOUSEHOLD_CARD, gtin_check_digit, is_valid_gtin
from grocery.households import services as hs
from grocery.households.models import Household, HouseholdCard, Member
from grocery.imports import bulk
from grocery.imports import households as household_import
from grocery.imports import services as svc
from grocery.imports.limits import ImportLimits
from grocery.imports.models import ImportBatch
from grocery.imports.parsing import ImportRefused, read_table
from grocery.stock import services as stock
from grocery.stock.models import Product, ProductBarcode
from grocery.timeutil import local_today
from tests.factories import make_household, make_user
from tests.imports.helpers import csv_bytes
from tests.utils import text_of


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _import(db, kind: str, data: bytes, actor):
    batch, _plan = svc.start_import(actor, kind, f"{kind}.csv", data, max_bytes=10_000_000)
    plan = svc.confirm_import(actor, batch, only_valid=False)
    db.session.commit()
    return batch, plan


def _ean13(body: str) -> str:
    return body + str(gtin_check_digit(body))


def _columns(record, *skip: str) -> dict:
    return {c.key: getattr(record, c.key) for c in type(record).__table__.columns if c.key not in ("id", *skip)}


def test_imported_products_are_those_the_stock_services_create(db):
    """Each imported product has the columns, barcode and audit event stock.create_product gives the same values."""
    actor = make_user(role="stock_manager")
    instore = _ean13("200000000001")
    data = csv_bytes("nom;catégorie;unité;poids net (g);prix de référence;code-barres;prix social;quota;quota par",
                     "Riz long grain;Épicerie sèche;pièce;1000;2,19;5410001000025;0,40;2;adulte",
                     "Pommes;Fruits et légumes;kg;;2,50;;;;",
                     f"Savon;Hygiène;pièce;125;1,95;{instore};;;")
    plan = svc.analyse_file("products", "p.csv", data)
    _import(db, "products", data, actor)
    imported = {p.name: p for p in db.session.scalars(select(Product))}
    for item in plan.items:
        twin = stock.create_product(actor, **{k: v for k, v in item.values.items() if k not in ("barcode", "cleaned")})
        product = imported[item.label]
        assert _columns(product, "created_at") == _columns(twin, "created_at")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stock.product_create",
                                                           AuditEvent.target_id == str(product.id)))
        twin_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stock.product_create",
                                                                AuditEvent.target_id == str(twin.id)))
        assert (event.actor_id, event.target_type) == (twin_event.actor_id, twin_event.target_type) == (
            actor.id, "products")
        assert event.details == {**twin_event.details, "barcode": item.values["barcode"]}
    assert {(b.product.name, b.code, b.is_instore) for b in db.session.scalars(select(ProductBarcode))} == {
        ("Riz long grain", "5410001000025", False), ("Savon", instore, True)}


def test_imported_households_are_those_the_households_services_create(db):
    """References follow the existing ones; people as hs.clean_person gives them; a first card; the audit events
    of hs.create_household and hs.add_member, in that order, with the importer as author."""
    actor = make_user(role="social_worker")
    existing = make_household()
    db.session.commit()
    prefix, number = existing.reference.rsplit("-", 1)
    data = csv_bytes("référence;nom;prénom;date de naissance;lien;code postal;rue;consentement",
                     "A;Dubois;Fatima;21/03/1985;;5000;Rue des Lilas 12;01/02/2026",
                     "A;Dubois;Yanis;02/09/2015;enfant;;;",
                     "A;Dubois;Marc;05/01/1980;partenaire;;;",
                     "B;Lambert;Julie;05/01/1980;;1030;;")
    batch, _plan = _import(db, "households", data, actor)
    assert batch.records_created == 2
    dubois, lambert = db.session.scalars(select(Household).where(Household.id != existing.id)
                                         .order_by(Household.id)).all()
    assert (dubois.reference, lambert.reference) == (f"{prefix}-{int(number) + 1:04d}",
                                                     f"{prefix}-{int(number) + 2:04d}")
    assert (dubois.status, dubois.street, dubois.postcode, dubois.consent_on, dubois.consent_recorded_by_id) == (
        "active", "Rue des Lilas 12", "5000", date(2026, 2, 1), actor.id)
    assert (lambert.street, lambert.consent_recorded_by_id) == ("", None)
    yanis = next(m for m in dubois.members if m.first_name == "Yanis")
    expected = hs.clean_person({"first_name": "Yanis", "last_name": "Dubois", "birth_on": date(2015, 9, 2),
                                "relation": "child"}, today=local_today())
    assert {key: getattr(yanis, key) for key in expected} == expected
    assert (yanis.is_active, yanis.sex, yanis.presence_percent, yanis.disability) == (True, "not_stated", 100,
                                                                                       "unknown")
    card = dubois.active_card
    assert card.code.startswith(PREFIX_HOUSEHOLD_CARD) and is_valid_gtin(card.code)
    assert (card.issued_by_id, lambert.active_card.code != card.code) == (actor.id, True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "households",
                                                         AuditEvent.target_id == str(dubois.id))
                                .order_by(AuditEvent.id)).all()
    by_name = {m.first_name: m.id for m in dubois.members}
    assert [(e.action, e.details, e.actor_id) for e in events] == [
        ("household.create", {"reference": dubois.reference}, actor.id),
        ("card.issue", {"card_id": card.id, "replaced_card_ids": [], "reason": None}, actor.id),
        ("member.add", {"member_id": by_name["Yanis"], "relation": "child"}, actor.id),
        ("member.add", {"member_id": by_name["Marc"], "relation": "partner"}, actor.id)]
    assert dubois.reference_person.first_name == "Fatima"


def test_files_larger_than_one_chunk_keep_each_record_with_its_own_lines(db):
    """More rows than one INSERT chunk: every barcode on its own product, every person in their own household."""
    actor = make_user(role="coordinator")
    count = bulk.CHUNK + 150
    products = ["nom;catégorie;code-barres"] + [f"Produit {n};Frais;{_ean13(f'2000000{n:05d}')}"
                                                for n in range(count)]
    _import(db, "products", csv_bytes(*products), actor)
    rows = db.session.execute(select(Product.name, ProductBarcode.code).join(ProductBarcode.product)).all()
    assert len(rows) == count
    assert all(code == _ean13(f"2000000{int(name.split()[1]):05d}") for name, code in rows)
    people = ["référence;nom;prénom;date de naissance;code postal"] + [
        f"F{n // 2};Famille{n // 2};Personne{n};01/01/{1950 + n % 50};1000" for n in range(count)]
    _import(db, "households", csv_bytes(*people), actor)
    members = db.session.execute(select(Member.first_name, Member.last_name, Member.relation)).all()
    assert len(members) == count
    assert all(last == f"Famille{int(first[8:]) // 2}" for first, last, _relation in members)
    assert sorted(relation for first, _last, relation in members if int(first[8:]) % 2 == 0) == [
        "reference"] * (count // 2)
    assert _count(db, HouseholdCard) == count // 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "member.add")) == count // 2


def test_a_conflict_while_writing_refuses_the_whole_import(db, monkeypatch):
    """Another person takes the reference given to a new household meanwhile (the database refuses it twice):
    the import is refused with a message, nothing of it is written."""
    actor = make_user(role="social_worker")
    existing = make_household()
    db.session.commit()
    counts = [_count(db, model) for model in (Household, Member, HouseholdCard, AuditEvent)]
    monkeypatch.setattr(household_import, "_new_references", lambda _year, count: [existing.reference] * count)
    batch, _plan = svc.start_import(actor, "households", "h.csv", csv_bytes(
        "référence;nom;prénom;date de naissance;code postal", "A;Dubois;Fatima;21/03/1985;5000"), max_bytes=10_000)
    db.session.commit()
    with pytest.raises(ImportRefused) as caught:
        svc.confirm_import(actor, batch, only_valid=False)
    db.session.rollback()
    assert caught.value.message == ("Une autre modification a été enregistrée pendant l'import et le contredit : "
                                    "rien n'a été importé ; vérifiez à nouveau le fichier.")
    assert [_count(db, model) for model in (Household, Member, HouseholdCard, AuditEvent)] == counts
    assert db.session.get(ImportBatch, batch.id).status == "pending"


def test_the_default_row_limit_is_20000_lines(app):
    """A grocery's file of 20 000 lines (titles included) is read; one more line refuses it, naming the limit."""
    assert ImportLimits().max_rows == 20_000
    lines = ["nom;catégorie"] + [f"Produit {n};Frais" for n in range(19_999)]
    with app.app_context():
        assert app.config["GROCERY_IMPORT_MAX_ROWS"] == 20_000
        assert len(read_table("p.csv", csv_bytes(*lines)).rows) == 19_999
        with pytest.raises(ImportRefused) as caught:
            read_table("p.csv", csv_bytes(*lines, "Thé;Boissons"))
    assert caught.value.message.startswith("Le fichier a plus de 20\u202f000 lignes (la limite d'un import)")


def test_a_file_over_the_default_row_limit_is_refused_through_the_screen(client, login, db):
    login("stock_manager")
    lines = ["nom;catégorie"] + [f"Produit {n};Frais" for n in range(20_000)]
    response = client.post_form("/imports/products", {"file": (io.BytesIO(csv_bytes(*lines)), "p.csv")},
                                content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Le fichier a plus de 20\u202f000 lignes" in text_of(response)
    assert (_count(db, ImportBatch), _count(db, Product)) == (0, 0)


def test_duplicate_checks_read_in_bulk_agree_with_the_households_services(db):
    """For every person of a file, the plan's verdict (already present, already a member elsewhere, new) is the one
    hs.find_possible_duplicates and hs.check_duplicates give: by national number or by name and birth date,
    closed households included, anonymised ones and members who left not counted as active."""
    actor = make_user(role="social_worker")
    active = make_household(person={"first_name": "Fatima", "last_name": "Dubois", "birth_on": date(1985, 3, 21),
                                    "national_number": "85032112383"})
    yanis = hs.add_member(actor, active, {"first_name": "Yanis", "last_name": "Dubois", "birth_on": date(2015, 9, 2),
                                          "relation": "child"})
    closed = make_household(person={"first_name": "Marc", "last_name": "Lambert", "birth_on": date(1978, 11, 5)})
    hs.add_member(actor, closed, {"first_name": "Julie", "last_name": "Lambert", "birth_on": date(1980, 1, 5),
                                  "relation": "partner"})
    hs.close_household(actor, closed)
    other = make_household(person={"first_name": "Anne", "last_name": "Peeters", "birth_on": date(1979, 4, 12)})
    tom = hs.add_member(actor, other, {"first_name": "Tom", "last_name": "Peeters", "birth_on": date(1983, 1, 5),
                                       "relation": "partner"})
    hs.update_member(actor, tom, {"first_name": "Tom", "last_name": "Peeters", "birth_on": date(1983, 1, 5),
                                  "relation": "partner"}, is_active=False)
    gone = make_household(person={"first_name": "Paul", "last_name": "Martin", "birth_on": date(1990, 2, 1)})
    hs.anonymise_household(actor, gone)
    db.session.commit()
    data = csv_bytes(
        "référence;nom;prénom;date de naissance;lien;numéro national;code postal",
        "N;Autre;Nom;21/03/1985;;85.03.21-123.83;5000",       # Fatima's national number: already present
        "S;DUBOIS;Sarah;21/03/1985;;;5000",                   # same last name and birth date: already present
        "C;Lambert;Marc;05/11/1978;;;1030",                   # reference person of a closed household: present
        "M;Nouveau;Ref;01/01/1970;;;5000",
        "M;Dubois;Yanis;02/09/2015;enfant;;",                 # active in an active household: refused
        "T;Neuf;Ref;01/01/1971;;;5000",
        "T;Peeters;Tom;05/01/1983;partenaire;;",              # left his household: free
        "U;Neuve;Ref;01/01/1972;;;5000",
        "U;Lambert;Julie;05/01/1980;partenaire;;",            # member of a closed household: free
        "A;Martin;Paul;01/02/1990;;;5000",                    # anonymised: not known any more
    )
    plan = svc.analyse_file("households", "h.csv", data)
    assert [p.lines for p in plan.present] == [(2,), (3,), (4,)]
    assert [(e.line, e.column, e.message) for e in plan.sorted_errors()] == [
        (6, "nom", hs.AlreadyMember(yanis).message)]
    assert [item.values["key"] for item in plan.items] == ["T", "U", "A"]
    today = local_today()
    for first, last, birth, number, present in (("Nom", "Autre", date(1985, 3, 21), "85032112383", True),
                                                 ("Sarah", "DUBOIS", date(1985, 3, 21), None, True),
                                                 ("Marc", "Lambert", date(1978, 11, 5), None, True),
                                                 ("Paul", "Martin", date(1990, 2, 1), None, False)):
        person = hs.clean_person({"first_name": first, "last_name": last, "birth_on": birth,
                                  "national_number": number}, today=today)
        assert bool(hs.find_possible_duplicates(person)) is present
    for first, last, birth, refused in (("Yanis", "Dubois", date(2015, 9, 2), True),
                                        ("Tom", "Peeters", date(1983, 1, 5), False),
                                        ("Julie", "Lambert", date(1980, 1, 5), False)):
        person = hs.clean_person({"first_name": first, "last_name": last, "birth_on": birth}, today=today)
        if refused:
            with pytest.raises(hs.AlreadyMember):
                hs.check_duplicates(person, household_id=None, confirm=True)
        else:
            hs.check_duplicates(person, household_id=None, confirm=True)
