"""Reste à vivre per 30 days, income and charges as lines, shared custody as a fraction of a person."""

from datetime import date

import pytest
from sqlalchemy import func, select

from grocery.errors import ValidationError
from grocery.households import services as hs
from grocery.households.models import Decision, DecisionLine
from grocery.settings.services import update_settings
from tests.factories import make_decision, make_household, make_member

#: 630 € left for 3 persons: 7,00 € per person per day over 30 days, 6,77 € over 31, 7,50 € over 28.
LINES = [{"kind": "income", "line_type": "integration_income", "amount_cents": 150000, "proof": "attestation CPAS"},
         {"kind": "charge", "line_type": "rent", "amount_cents": 65000, "proof": "bail"},
         {"kind": "charge", "line_type": "energy", "amount_cents": 22000, "proof": ""}]


def _three_persons():
    household = make_household()
    make_member(household, birth_on=date(2012, 1, 1))
    make_member(household, birth_on=date(2014, 1, 1))
    return household


def test_same_household_same_reste_a_vivre_in_february_and_march(db):
    """Does the same household stay on the same side of the threshold in February (28 days) and March (31)?"""
    household = _three_persons()
    february = hs.remaining_preview(household, 150000, 87000, date(2027, 2, 10))
    march = hs.remaining_preview(household, 150000, 87000, date(2027, 3, 10))
    assert february["days"] == march["days"] == 30
    assert february["result_cents"] == march["result_cents"] == 700
    assert not february["is_below"] and not march["is_below"]
    assert "/ 3 personne(s) / 30 jours" in march["explanation"]


def test_calendar_days_when_the_setting_is_zero(db):
    """With the setting at 0, is the month's own length used (and the household crosses the threshold)?"""
    household = _three_persons()
    update_settings(None, {"households.remaining_days": 0})
    assert hs.remaining_preview(household, 150000, 87000, date(2027, 2, 10))["result_cents"] == 750
    march = hs.remaining_preview(household, 150000, 87000, date(2027, 3, 10))
    assert (march["days"], march["result_cents"], march["is_below"]) == (31, 677, True)


def test_income_and_charges_are_lines_summed(db):
    """Are the lines recorded with type, amount and proof, and summed into the decision's figures?"""
    household = _three_persons()
    decision = make_decision(household, valid_from=date(2027, 2, 1), decided_on=date(2027, 2, 1), lines=LINES)
    assert (decision.income_cents, decision.charges_cents) == (150000, 87000)
    assert [(line.kind, line.line_type, line.amount_cents, line.proof) for line in decision.lines] == [
        ("income", "integration_income", 150000, "attestation CPAS"), ("charge", "rent", 65000, "bail"),
        ("charge", "energy", 22000, "")]
    assert (decision.days_in_month, decision.remaining_per_day_cents) == (30, 700)


def test_totals_alone_become_one_line_each(db):
    """Do callers that give two totals (imports, older code) still get one income and one charge line?"""
    decision = make_decision(make_household(), income_cents=100000, charges_cents=40000)
    assert [(line.kind, line.line_type, line.amount_cents) for line in decision.lines] == [
        ("income", "other_income", 100000), ("charge", "other_charge", 40000)]


@pytest.mark.parametrize(("line", "message"), [
    ({"kind": "income", "line_type": "rent", "amount_cents": 1000}, "type"),
    ({"kind": "charge", "line_type": "rent", "amount_cents": -1}, "négatif"),
    ({"kind": "charge", "line_type": "rent", "amount_cents": 1000, "proof": "x" * 201}, "200"),
])
def test_bad_lines_are_refused_and_nothing_is_written(db, line, message):
    household = make_household()
    with pytest.raises(ValidationError) as error:
        make_decision(household, lines=[LINES[0], line])
    assert error.value.field == "lines" and message in str(error.value.message)
    assert db.session.scalar(select(func.count(Decision.id))) == 0
    assert db.session.scalar(select(func.count(DecisionLine.id))) == 0


def test_charges_without_income_are_refused(db):
    with pytest.raises(ValidationError) as error:
        make_decision(make_household(), lines=LINES[1:])
    assert error.value.field == "income_cents"


def test_shared_custody_counts_a_fraction_in_budget_and_reste_a_vivre(db):
    """A child there half of the time: half the amount per child in the scale, 1,5 persons in the reste à vivre;
    the till still greets the household with its head count for quotas and the granted budget."""
    household = make_household()
    make_member(household, birth_on=date(2016, 5, 1), presence_percent=50)
    day = date(2027, 3, 1)
    assert hs.weighted_composition(household, day) == {"adults_hundredths": 100, "children_hundredths": 50,
                                                       "persons_hundredths": 150}
    assert hs.scale_budget(household, day) == ("week", 1000 + 250)
    preview = hs.remaining_preview(household, 90000, 45000, day)
    assert (preview["persons"], preview["persons_hundredths"], preview["result_cents"]) == (2, 150, 1000)
    assert "/ 1,5 personne(s) / 30 jours" in preview["explanation"]
    decision = make_decision(household, valid_from=day, decided_on=day, income_cents=90000, charges_cents=45000)
    assert (decision.budget_cents, decision.persons, decision.persons_hundredths) == (1250, 2, 150)

    summary = hs.till_lookup(household.active_card.code, day)[0]
    assert summary["quota_basis"] == {"adults": 1, "children": 1, "children_under_3": 0}
    assert summary["budget_cents"] == summary["budget_left_cents"] == 1250
    assert hs.till_summary(household.active_card.code, day)["budget_left_cents"] == 1250


def test_full_time_by_default_and_presence_out_of_range_refused(db):
    household = make_household()
    child = make_member(household)
    assert child.presence_percent == 100
    for bad in (0, 101):
        with pytest.raises(ValidationError) as error:
            make_member(household, first_name="Autre", presence_percent=bad)
        assert error.value.field == "presence_percent"
