"""Privacy duties: export of one household, anonymisation command, audit log."""

import json
from datetime import date, timedelta

from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.households import services as hs
from grocery.households.models import Household
from grocery.timeutil import local_today, utcnow
from tests.factories import make_decision, make_household, make_member, make_report_scenario


def test_export_holds_every_record_and_is_logged(db):
    household = make_household(person={"first_name": "Jean", "last_name": "Peeters"}, notes="Note")
    make_member(household, first_name="Léa")
    make_decision(household, lines=[
        {"kind": "income", "line_type": "salary", "amount_cents": 100000, "proof": "fiche de paie"},
        {"kind": "charge", "line_type": "rent", "amount_cents": 50000, "proof": ""}])
    data = hs.export_household(None, household)
    assert data["decisions"][0]["lines"] == [
        {"kind": "income", "type": "salary", "amount_cents": 100000, "proof": "fiche de paie"},
        {"kind": "charge", "type": "rent", "amount_cents": 50000, "proof": ""}]
    assert data["reference"] == household.reference and data["notes"] == "Note"
    assert [m["first_name"] for m in data["members"]][1] == "Léa"
    assert data["decisions"][0]["income_cents"] == 100000
    assert data["cards"][0]["code"] == household.active_card.code
    assert any(e["action"] == "household.create" for e in data["history"])
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "household.export")).one()


def test_anonymise_command_dry_run_then_real(db, runner):
    """Does `flask anonymise --inactive-years 2` list, then erase names, address, contact, notes and national
    numbers of households inactive for 2 years, keeping postcode and age bands, and log it?"""
    today = local_today()
    old = make_household(person={"first_name": "Ancien", "last_name": "Ménage", "birth_on": date(1950, 6, 15),
                                 "national_number": "85073003328"}, postcode="5100", notes="Secret",
                         email="a@example.org", proxy_names=["Voisin"])
    make_decision(old, valid_from=today - timedelta(days=1200), decided_on=today - timedelta(days=1200),
                  motive="Motif")
    old.created_at = utcnow() - timedelta(days=1300)
    recent = make_household()
    make_decision(recent)
    db.session.commit()
    result = runner.invoke(args=["anonymise", "--inactive-years", "2", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert old.reference in result.output and recent.reference not in result.output
    db.session.expire_all()
    assert db.session.get(Household, old.id).status == "active"
    result = runner.invoke(args=["anonymise", "--inactive-years", "2"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    household = db.session.get(Household, old.id)
    person = household.members[0]
    assert household.status == "anonymised" and household.postcode == "5100"
    assert (household.street, household.phone, household.email, household.notes, household.proxy_names) == \
        ("", "", None, "", [])
    assert "Ancien" not in person.first_name and "Ménage" not in person.last_name
    assert person.national_number is None and person.birth_on == date(1950, 1, 1)
    assert household.decisions[0].motive == ""
    assert household.active_card is None
    assert hs.composition(household, today)["age_bands"]["65+"] == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"household.anonymise", "household.anonymise_run"} <= actions
    assert db.session.get(Household, recent.id).status == "active"


def test_anonymise_refuses_zero_years(db, runner):
    result = runner.invoke(args=["anonymise", "--inactive-years", "0"])
    assert result.exit_code != 0


def test_export_holds_purchases_proxies_lines_notes_history_and_linked_volunteer_records(db):
    """Does the data export hold the household's purchases (sales with lines), its proxies, its decisions' income
    and charge lines, the notes' history and the volunteer records of a participant linked to a member?"""
    from datetime import time

    from grocery.volunteers.household_link import link_household_member
    from grocery.volunteers.services import book_shift
    from tests.factories import make_participant, make_shift

    scenario = make_report_scenario()
    household = scenario["households"][0]
    hs.update_household(None, household, {"proxy_names": ["Voisine Anne"], "notes": "Suivi"})
    member = household.members[0]
    participant = make_participant(first_name=member.first_name, last_name=member.last_name)
    link_household_member(None, participant, member.id)
    book_shift(None, make_shift(held_on=local_today() + timedelta(days=3), start_time=time(9), end_time=time(11)),
               participant)
    other = make_participant()  # not linked: never exported with the household

    data = hs.export_household(None, household)
    assert data["proxy_names"] == ["Voisine Anne"]
    assert [v["text"] for v in data["notes_history"]] == ["Suivi"]
    purchases = data["purchases"]
    sales = [sale for sale in scenario["sales"] if sale.household_id == household.id]
    assert [p["uuid"] for p in purchases] == [sale.uuid for sale in sales]
    assert purchases[0]["lines"][0]["product"] == scenario["pasta"].name
    assert purchases[0]["lines"][0]["quantity"] == 3
    assert purchases[1]["refunds"][0]["reason"] == "Erreur"
    (record,) = data["volunteer_records"]
    assert (record["member_id"], record["first_name"]) == (member.id, member.first_name)
    assert len(record["shifts"]) == 1 and record["shifts"][0]["status"] == "booked"
    assert record["badge_code"] == participant.badge_code != other.badge_code
    json.dumps(data)  # everything is JSON-ready


def test_export_of_a_household_without_purchases_or_volunteering(db):
    data = hs.export_household(None, make_household())
    assert data["purchases"] == [] and data["volunteer_records"] == [] and data["proxy_names"] == []
