"""Privacy duties: export of one household, anonymisation command, audit log."""

from datetime import date, timedelta

from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.households import services as hs
from grocery.households.models import Household
from grocery.timeutil import local_today, utcnow
from tests.factories import make_decision, make_household, make_member


def test_export_holds_every_record_and_is_logged(db):
    household = make_household(person={"first_name": "Jean", "last_name": "Peeters"}, notes="Note")
    make_member(household, first_name="Léa")
    make_decision(household, income_cents=100000, charges_cents=50000)
    data = hs.export_household(None, household)
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
