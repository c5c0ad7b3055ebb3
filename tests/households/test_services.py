"""Households and members: creation, bad input, duplicates, composition, search, closing."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.barcodes import code_kind
from grocery.errors import ValidationError
from grocery.households import services as hs
from grocery.households.models import Household, Member
from grocery.households.natnum import is_valid_national_number, national_number_check
from grocery.timeutil import local_today
from tests.factories import make_household, make_member


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_national_numbers_before_and_after_2000():
    """Are both forms of the mod-97 check accepted, and a wrong check digit refused?"""
    assert national_number_check("850730033") == "28"
    assert is_valid_national_number("85073003328")
    body = "050412123"  # born in 2005: the check uses 2 + body
    check = national_number_check(body, born_2000_or_later=True)
    assert is_valid_national_number(body + check)
    assert not is_valid_national_number("85073003329")
    assert not is_valid_national_number("8507300332")
    assert not is_valid_national_number("8507300332a")


def test_create_household_gives_reference_card_and_audit(db):
    """Does a new household get a M-YYYY-NNNN reference, its reference person, a card and audit events?"""
    household = make_household(person={"national_number": "85.07.30-033.28"})
    year = local_today().year
    assert household.reference == f"M-{year}-0001"
    assert make_household().reference == f"M-{year}-0002"
    assert household.reference_person.relation == "reference"
    assert household.reference_person.national_number == "85073003328"
    card = household.active_card
    assert code_kind(card.code) == "household_card" and card.code.startswith("25")
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(household.id))))
    assert {"household.create", "card.issue"} <= actions


@pytest.mark.parametrize(("household", "person", "field", "message"), [
    ({"postcode": "500"}, {}, "postcode", "4 chiffres"),
    ({"postcode": "50001"}, {}, "postcode", "4 chiffres"),
    ({"email": "pas-une-adresse"}, {}, "email", "adresse e-mail"),
    ({}, {"birth_on": date.today() + timedelta(days=2)}, "birth_on", "futur"),
    ({}, {"national_number": "85073003329"}, "national_number", "numéro de registre national"),
    ({}, {"national_number": "12345"}, "national_number", "numéro de registre national"),
    ({}, {"last_name": " "}, "last_name", "nom"),
])
def test_bad_household_input_is_refused_in_french_and_writes_nothing(db, household, person, field, message):
    """Does each bad value give a French message on its field, with no row written?"""
    before = (_count(db, Household), _count(db, Member), _count(db, AuditEvent))
    values = {"street": "Rue de Fer 1", "postcode": "5000", "municipality": "Namur", **household}
    identity = {"first_name": "Marie", "last_name": "Dubois", "birth_on": date(1980, 1, 1), **person}
    with pytest.raises(ValidationError) as caught:
        hs.create_household(None, household=values, person=identity)
    db.session.rollback()
    assert caught.value.field == field
    assert message in caught.value.message
    assert (_count(db, Household), _count(db, Member), _count(db, AuditEvent)) == before


def test_same_last_name_and_birth_date_warns_then_saves_when_confirmed(db):
    """Is a possible duplicate (same last name and birth date, other first name) a warning one can confirm?"""
    first = make_household(person={"first_name": "Marie", "last_name": "Dubois", "birth_on": date(1980, 1, 1)})
    db.session.commit()
    person = {"first_name": "Mariette", "last_name": "DUBOIS", "birth_on": date(1980, 1, 1)}
    with pytest.raises(hs.PossibleDuplicate) as caught:
        hs.create_household(None, household={"postcode": "5000"}, person=person)
    db.session.rollback()
    assert [m.household_id for m in caught.value.matches] == [first.id]
    assert _count(db, Household) == 1
    second = hs.create_household(None, household={"postcode": "5000"}, person=person, confirm_duplicates=True)
    assert second.id != first.id


def test_same_national_number_is_the_same_person(db):
    """Is a national number already active elsewhere refused, and only a warning once that household is closed?"""
    first = make_household(person={"national_number": "85073003328"})
    person = {"first_name": "X", "last_name": "Autre", "birth_on": date(1985, 7, 30),
              "national_number": "85073003328"}
    with pytest.raises(hs.AlreadyMember):
        hs.create_household(None, household={"postcode": "5000"}, person=person, confirm_duplicates=True)
    hs.close_household(None, first)
    with pytest.raises(hs.PossibleDuplicate):
        hs.create_household(None, household={"postcode": "5000"}, person=person)


def test_one_person_cannot_be_active_in_two_households(db):
    """Is the same person (same national number, or same names and birth date) refused in a second household,
    even when the social worker confirms, with the other household named?"""
    first = make_household(person={"first_name": "Marie", "last_name": "Dubois", "birth_on": date(1980, 1, 1)})
    other = make_household()
    with pytest.raises(hs.AlreadyMember) as caught:
        make_member(other, first_name="marie", last_name="Dubois", birth_on=date(1980, 1, 1), relation="partner")
    assert first.reference in caught.value.message
    assert caught.value.member.household_id == first.id
    hs.update_member(None, first.reference_person, {**hs._person_of(first.reference_person),
                                                    "relation": "reference"}, is_active=False)
    member = make_member(other, first_name="Marie", last_name="Dubois", birth_on=date(1980, 1, 1),
                         relation="partner")
    assert member.household_id == other.id


def test_adding_member_checks_duplicates_too(db):
    make_household(person={"first_name": "Ali", "last_name": "Benali", "birth_on": date(2010, 5, 5)})
    household = make_household()
    with pytest.raises(hs.PossibleDuplicate):
        hs.add_member(None, household, {"first_name": "Sami", "last_name": "Benali", "birth_on": date(2010, 5, 5),
                                        "relation": "child"})


def test_composition_counts_adults_children_and_age_bands(db):
    """Are adults (18+), children, children under 3 and the six age bands counted on the given day?"""
    day = date(2026, 11, 23)
    household = make_household(person={"birth_on": date(1960, 1, 1)})  # 66
    make_member(household, birth_on=date(2008, 11, 23), relation="child")  # 18 today: adult, 18-24
    make_member(household, birth_on=date(2008, 11, 24), relation="child")  # 17
    make_member(household, birth_on=date(2024, 1, 1))  # 2
    make_member(household, birth_on=date(2023, 11, 23))  # 3
    make_member(household, birth_on=date(1990, 1, 1), relation="partner")  # 36
    left = make_member(household, birth_on=date(2000, 1, 1))
    hs.update_member(None, left, {**hs._person_of(left), "relation": "child"}, is_active=False)
    counts = hs.composition(household, day)
    assert counts["adults"] == 3 and counts["children"] == 3 and counts["children_under_3"] == 1
    assert counts["age_bands"] == {"0-2": 1, "3-14": 1, "15-17": 1, "18-24": 1, "25-64": 1, "65+": 1}


def test_search_by_name_reference_card_code_and_birth_date(db):
    household = make_household(person={"first_name": "Élodie", "last_name": "Lemaître",
                                       "birth_on": date(1977, 4, 2)})
    make_household()
    assert hs.search_households("lemaitre") == [household]
    assert hs.search_households("élodie LEMAÎTRE") == [household]
    assert hs.search_households(household.reference) == [household]
    assert hs.search_households(household.active_card.code) == [household]
    assert hs.search_households("", date(1977, 4, 2)) == [household]
    assert hs.search_households("personne") == []


def test_update_logs_field_names_not_values(db):
    """Does an update write the audit log without copying the personal values into it?"""
    household = make_household()
    changed = hs.update_household(None, household, {"notes": "Confidentiel : dettes", "phone": "0470 11 22 33"})
    assert set(changed) == {"notes", "phone"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "household.update")).one()
    assert event.details == {"fields": ["phone", "notes"]}
    assert "dettes" not in str(event.details)


def test_closing_a_household_stops_its_card(db):
    household = make_household()
    hs.close_household(None, household)
    assert household.status == "closed" and household.active_card is None
    assert hs.eligibility_on(household, local_today()).reason_code == "household_closed"


def test_references_go_on_past_9999_in_a_year(db):
    """After M-2026-9999 (the highest as text too), is the next reference M-2026-10000, then M-2026-10001? Yes:
    the last is the longest, then the highest (a 6,667-household import reaches it in a year)."""
    year = local_today().year
    household = make_household()
    household.reference = f"M-{year}-9999"
    db.session.flush()
    assert hs.next_reference(year) == f"M-{year}-10000"
    assert make_household().reference == f"M-{year}-10000"
    assert hs.next_reference(year) == f"M-{year}-10001"
