"""Household imports: one line per person, whole households or nothing, duplicates found, errors listed."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.households.models import Decision, Household, Member
from grocery.households.natnum import national_number_check
from grocery.imports import services as svc
from grocery.imports.parsing import ImportRefused
from tests.factories import make_household, make_user
from tests.imports.helpers import csv_bytes, errors_of, sample, xlsx_bytes

HEADER = "Référence;Nom;Prénom;Date de naissance;Lien;Code postal;Rue"
SAMPLE_ERRORS = [
    (7, "Date de naissance", "Date au mauvais format, attendu jj/mm/aaaa (ici : « 1979/04/12 »)."),
    (8, "Code postal", "Un code postal belge a 4 chiffres, par exemple 5000."),
    (9, "Numéro national", "Ce numéro de registre national n'est pas valable : vérifiez les 11 chiffres (les deux "
                           "derniers sont des chiffres de contrôle)."),
    (10, "Référence", "Le ménage H5 n'est pas importé à cause de l'erreur de la ligne 9."),
]


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _import(db, data: bytes, *, only_valid: bool = True, filename: str = "households.csv"):
    actor = make_user(role="social_worker")
    batch, _plan = svc.start_import(actor, "households", filename, data, max_bytes=10_000_000)
    plan = svc.confirm_import(actor, batch, only_valid=only_valid)
    db.session.commit()
    return actor, batch, plan


def test_sample_lists_every_bad_row_and_writes_nothing(db):
    """Bad date, 3-digit postcode, malformed national number: listed with line and column, nothing written."""
    plan = svc.analyse_file("households", "households.csv", sample("households.csv"))
    assert errors_of(plan) == SAMPLE_ERRORS
    assert (plan.lines_read, plan.lines_ok, plan.lines_present, plan.lines_invalid) == (9, 5, 0, 4)
    assert [item.label for item in plan.items] == ["H1 (Dubois Fatima)", "H2 (Lambert Marc)"]
    assert _count(db, Household) == 0
    assert _count(db, Member) == 0


def test_confirming_while_errors_remain_writes_nothing(db):
    actor = make_user(role="social_worker")
    batch, _plan = svc.start_import(actor, "households", "households.csv", sample("households.csv"),
                                    max_bytes=10_000_000)
    with pytest.raises(ImportRefused):
        svc.confirm_import(actor, batch, only_valid=False)
    db.session.rollback()
    assert _count(db, Household) == 0


def test_valid_households_are_created_through_the_households_services(db):
    """Reference person, members, address from the reference line, card, audit; no eligibility decision."""
    _actor, batch, plan = _import(db, sample("households.csv"))
    assert (batch.records_created, plan.lines_ok) == (2, 5)
    dubois = db.session.scalar(select(Household).join(Household.members).where(Member.first_name == "Fatima"))
    assert dubois.reference_person.first_name == "Fatima"
    assert dubois.reference_person.national_number == "85032112383"
    assert sorted((m.first_name, m.relation, m.birth_on) for m in dubois.members) == [
        ("Fatima", "reference", date(1985, 3, 21)), ("Lina", "child", date(2024, 6, 14)),
        ("Yanis", "child", date(2015, 9, 2))]
    assert (dubois.street, dubois.postcode, dubois.municipality, dubois.phone, dubois.email) == (
        "Rue des Lilas 12", "5000", "Namur", "081 12 34 56", "fatima.dubois@example.be")
    assert dubois.active_card is not None
    lambert = db.session.scalar(select(Household).join(Household.members).where(Member.first_name == "Marc"))
    assert (lambert.preferred_language, lambert.postcode) == ("nl", "1030")
    assert {(m.first_name, m.relation, m.birth_on) for m in lambert.members} == {
        ("Marc", "reference", date(1978, 11, 5)), ("Julie", "partner", date(1980, 1, 5))}
    assert _count(db, Decision) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "household.create")) == 2
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "member.add")) == 3
    log = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "imports.households"))
    assert log.details["created"] == 2


def test_reimporting_the_same_file_creates_no_duplicate(db):
    _import(db, sample("households.csv"))
    plan = svc.analyse_file("households", "households.csv", sample("households.csv"))
    assert (plan.lines_ok, plan.lines_present) == (0, 5)
    reference = db.session.scalar(select(Household.reference).join(Household.members)
                                  .where(Member.first_name == "Fatima"))
    assert plan.present[0].reason == f"Fatima Dubois, né·e le 21/03/1985, est déjà connu·e (ménage {reference})"
    assert _count(db, Household) == 2


def test_a_household_key_equal_to_an_existing_reference_is_already_present(db):
    household = make_household()
    db.session.commit()
    data = csv_bytes(HEADER, f"{household.reference};Autre;Nom;01/01/1970;;5000;")
    plan = svc.analyse_file("households", "h.csv", data)
    assert plan.present[0].reason == f"le ménage {household.reference} existe"
    assert plan.items == []


def test_a_member_active_in_another_household_is_an_error(db):
    other = make_household(person={"first_name": "Yanis", "last_name": "Dubois", "birth_on": date(2015, 9, 2)})
    db.session.commit()
    data = csv_bytes(HEADER, "A;Dubois;Fatima;21/03/1985;;5000;", "A;Dubois;Yanis;02/09/2015;enfant;;")
    plan = svc.analyse_file("households", "h.csv", data)
    assert errors_of(plan) == [(3, "Nom", f"Yanis Dubois est déjà membre actif du ménage {other.reference}. Une "
                                          "personne ne peut appartenir qu'à un seul ménage : enregistrez d'abord son "
                                          "départ de ce ménage.")]


def test_reference_person_rules(db):
    """Two reference persons, or none while relations are given: row errors for that household."""
    data = csv_bytes(HEADER, "A;Petit;Jean;01/01/1970;référence;5000;", "A;Petit;Marie;01/01/1972;Référence;;",
                     "B;Grand;Luc;01/01/2010;enfant;5000;", "B;Grand;Léa;01/01/2012;enfant;;")
    plan = svc.analyse_file("households", "h.csv", data)
    assert errors_of(plan) == [
        (2, "Référence", "Le ménage A n'est pas importé à cause de l'erreur de la ligne 3."),
        (3, "Lien", "Le ménage A a déjà une personne de référence à la ligne 2."),
        (4, "Lien", "Le ménage B n'a pas de personne de référence : écrivez « référence » dans la colonne « Lien » "
                    "d'une de ses lignes."),
        (5, "Référence", "Le ménage B n'est pas importé à cause de l'erreur de la ligne 4."),
    ]


def test_household_details_come_from_the_reference_line(db):
    data = csv_bytes(HEADER, "A;Petit;Jean;01/01/1970;;5000;Rue A 1", "A;Petit;Marie;01/01/1972;partenaire;5000;",
                     "A;Petit;Paul;01/01/2010;enfant;4000;")
    plan = svc.analyse_file("households", "h.csv", data)
    assert errors_of(plan) == [
        (2, "Référence", "Le ménage A n'est pas importé à cause de l'erreur de la ligne 4."),
        (3, "Référence", "Le ménage A n'est pas importé à cause de l'erreur de la ligne 4."),
        (4, "Code postal", "Cette valeur diffère de la ligne de la personne de référence (ligne 2) : les données "
                           "du ménage sont prises sur cette ligne ; laissez cette cellule vide ou écrivez la même "
                           "valeur."),
    ]


def test_the_same_person_twice_in_the_file(db):
    data = csv_bytes(HEADER, "A;Petit;Jean;01/01/1970;;5000;", "B;PETIT;Jean;01/01/1970;;5000;")
    plan = svc.analyse_file("households", "h.csv", data)
    assert errors_of(plan) == [(3, "Nom", "La même personne est déjà à la ligne 2.")]


def test_twins_in_one_household_are_not_duplicates(db):
    data = csv_bytes(HEADER, "A;Petit;Jean;01/01/1970;;5000;", "A;Petit;Léo;05/05/2015;enfant;;",
                     "A;Petit;Léa;05/05/2015;enfant;;")
    _actor, batch, _plan = _import(db, data, only_valid=False)
    assert batch.records_created == 1
    assert _count(db, Member) == 3


def test_row_errors_of_people(db):
    """Missing names, birth dates in the future or missing, unknown relation or language, a bad e-mail."""
    data = csv_bytes("Référence;Nom;Prénom;Date de naissance;Lien;Code postal;E-mail;Langue",
                     "A;;Jean;01/01/1970;;5000;;",
                     "B;Petit;Jean;01/01/2999;;5000;;",
                     "C;Petit;Jean;;;5000;;",
                     "D;Petit;Jean;01/01/1970;cousin;5000;;",
                     "E;Petit;Jean;01/01/1970;;5000;jean-at-example;",
                     "F;Petit;Jean;01/01/1970;;5000;;klingon",
                     ";Petit;Jean;01/01/1970;;5000;;")
    plan = svc.analyse_file("households", "h.csv", data)
    assert errors_of(plan) == [
        (2, "Nom", "Indiquez le nom."),
        (3, "Date de naissance", "La date de naissance ne peut pas être dans le futur."),
        (4, "Date de naissance", "Indiquez la date de naissance, par exemple 21/03/1985."),
        (5, "Lien", "Lien inconnu « cousin » : écrivez référence, partenaire, enfant, parent, frère/sœur, "
                    "petit-enfant ou autre."),
        (6, "E-mail", "Ce n'est pas une adresse e-mail."),
        (7, "Langue", "Langue inconnue « klingon » : écrivez français, néerlandais, allemand, anglais ou autre."),
        (8, "Référence", "Indiquez la référence du ménage (la même sur chaque ligne d'un même ménage)."),
    ]


def test_xlsx_with_real_dates_and_numbers(db):
    """Real date cells, a numeric postcode and a numeric national number (leading zero lost) are understood."""
    body = "010203001"
    number = int(body + national_number_check(body, born_2000_or_later=True))
    rows = [["Ménage", "Nom", "Prénom", "Né le", "Lien", "Numéro national", "Code postal", "Commune"],
            [12, "Dupont", "Alice", datetime(1990, 5, 17), None, None, 6000, "Charleroi"],
            [12, "Dupont", "Noé", datetime(2001, 2, 3), "fils", number, None, None]]
    _actor, _batch, plan = _import(db, xlsx_bytes(rows), only_valid=False, filename="menages.xlsx")
    assert errors_of(plan) == []
    noe = db.session.scalar(select(Member).where(Member.first_name == "Noé"))
    assert (noe.birth_on, noe.relation, noe.national_number) == (date(2001, 2, 3), "child", f"{number:011d}")
    assert noe.household.postcode == "6000"
