"""Eligibility decisions: the decision in force, reason codes, defaults, bad input, reste à vivre, lists."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from grocery.errors import ValidationError
from grocery.households import services as hs
from grocery.households.models import Decision, DecisionCriterion
from grocery.timeutil import local_today
from tests.factories import make_criterion, make_decision, make_household, make_member

D = date(2026, 10, 1)


def test_no_decision(db):
    result = hs.eligibility_on(make_household(), D)
    assert (result.eligible, result.reason_code, result.decision) == (False, "no_decision", None)


def test_granted_then_expired_then_not_yet_valid(db):
    """Is a household eligible inside the validity, 'expired' after it (with the date), 'not_yet_valid' before?"""
    household = make_household()
    decision = make_decision(household, valid_from=D, valid_until=date(2026, 10, 12), decided_on=D)
    inside = hs.eligibility_on(household, date(2026, 10, 12))
    assert inside.eligible and inside.decision is decision and inside.valid_until == date(2026, 10, 12)
    after = hs.eligibility_on(household, date(2026, 10, 13))
    assert after.reason_code == "expired"
    assert after.reason == "Accès expiré le 12/10/2026 : voir le service social."
    before = hs.eligibility_on(household, date(2026, 9, 30))
    assert before.reason_code == "not_yet_valid" and not before.eligible


def test_later_suspension_supersedes_the_granted_decision(db):
    """Does a later suspended decision win over a granted one covering the same day, with history kept?"""
    household = make_household()
    granted = make_decision(household, valid_from=D, decided_on=D)
    suspended = make_decision(household, outcome="suspended", motive="Documents manquants",
                              valid_from=date(2026, 10, 20), decided_on=date(2026, 10, 20))
    assert suspended.valid_until == granted.valid_until  # suspension covers the rest of the access
    assert suspended.supersedes_id == granted.id
    assert hs.eligibility_on(household, date(2026, 10, 19)).eligible
    result = hs.eligibility_on(household, date(2026, 10, 21))
    assert result.reason_code == "suspended" and result.decision is suspended
    renewed = make_decision(household, valid_from=date(2026, 11, 2), decided_on=date(2026, 11, 2))
    assert hs.eligibility_on(household, date(2026, 11, 3)).decision is renewed
    assert len(household.decisions) == 3


@pytest.mark.parametrize("outcome", ["refused", "ended"])
def test_refused_and_ended(db, outcome):
    household = make_household()
    make_decision(household, outcome=outcome, motive="Motif", valid_from=D, decided_on=D)
    result = hs.eligibility_on(household, D + timedelta(days=1))
    assert result.reason_code == outcome and not result.eligible


def test_same_day_order_uses_id(db):
    """On the same decided_on, is the decision saved last the one in force?"""
    household = make_household()
    make_decision(household, valid_from=D, decided_on=D)
    last = make_decision(household, outcome="ended", motive="Déménagement", valid_from=D, decided_on=D)
    assert hs.eligibility_on(household, D).decision is last


def test_default_validity_is_three_months_and_configurable(db):
    household = make_household()
    decision = make_decision(household, valid_from=date(2026, 11, 30), decided_on=date(2026, 11, 30))
    assert decision.valid_until == date(2027, 2, 27)  # 28 Feb 2027 is three months later; the day before ends it
    from grocery.settings.services import update_settings

    update_settings(None, {"households.decision_months": 6})
    assert hs.default_valid_until(date(2026, 1, 1)) == date(2026, 6, 30)


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"valid_from": D, "valid_until": D - timedelta(days=1)}, "valid_until", "fin de validité"),
    ({"income_cents": -1}, "income_cents", "négatif"),
    ({"income_cents": 100000, "charges_cents": -5}, "charges_cents", "négatif"),
    ({"criteria": [{"criterion_id": 999999}]}, "criteria", "Critère inconnu"),
    ({"budget_cents": 5000}, "budget_override_motive", "barème"),
    ({"outcome": "refused", "motive": ""}, "motive", "motif"),
    ({"outcome": "maybe"}, "outcome", "décision"),
])
def test_bad_decision_input_is_refused_and_writes_nothing(db, values, field, message):
    household = make_household()
    db.session.commit()
    with pytest.raises(ValidationError) as caught:
        hs.decide_eligibility(None, household, **{"outcome": "granted", "motive": "", **values})
    db.session.rollback()
    assert caught.value.field == field
    assert message in caught.value.message.lower() or message in caught.value.message
    assert db.session.scalar(select(func.count(Decision.id))) == 0


def test_remaining_income_per_person_per_day(db):
    """Is the reste à vivre (income − charges) / persons / days of the month, shown against the threshold?"""
    household = make_household()
    make_member(household)
    make_member(household)
    decision = make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1),
                             income_cents=120000, charges_cents=85000)
    assert (decision.persons, decision.days_in_month) == (3, 30)
    assert decision.remaining_per_day_cents == 389  # 350,00 € / 3 / 30 = 3,888…
    assert decision.threshold_cents == 700
    preview = hs.remaining_preview(household, 120000, 85000, date(2026, 11, 1))
    assert preview["is_below"]
    explanation = preview["explanation"].replace("\xa0", " ").replace("\u202f", " ")
    assert "1 200,00 €" in explanation and "3,89 €" in explanation and "7,00 €" in explanation


def test_budget_from_scale_and_override_with_motive(db):
    """Does the scale give 10 € per adult and 5 € per child per week, and an override need (and keep) a motive?"""
    household = make_household(person={"birth_on": date(1980, 1, 1)})
    make_member(household, birth_on=date(1982, 1, 1), relation="partner")
    make_member(household, birth_on=date(2020, 1, 1))
    decision = make_decision(household, valid_from=D, decided_on=D)
    assert (decision.budget_period, decision.budget_cents, decision.scale_budget_cents) == ("week", 2500, 2500)
    override = make_decision(household, valid_from=D, decided_on=D, budget_cents=4000,
                             budget_override_motive="Régime médical")
    assert override.budget_cents == 4000 and override.is_budget_overridden
    refused = make_decision(household, outcome="refused", motive="Au-dessus du seuil", valid_from=D, decided_on=D)
    assert refused.budget_cents == 0


def test_old_proof_is_flagged_not_blocking(db):
    household = make_household()
    criterion = make_criterion(proof_validity_days=90)
    decision = make_decision(household, decided_on=D, valid_from=D, criteria=[
        {"criterion_id": criterion.id, "proof_seen": "Attestation CPAS", "proof_dated_on": D - timedelta(days=91)}])
    line = db.session.scalars(select(DecisionCriterion)).one()
    assert line.is_proof_too_old
    warning = hs.proof_warnings(decision)[0].replace(criterion.name, "")  # the test name's counter may hold "91"
    assert "91" not in warning and "90 jours" in warning
    fresh = make_decision(household, decided_on=D, valid_from=D, criteria=[
        {"criterion_id": criterion.id, "proof_dated_on": D - timedelta(days=90)}])
    assert hs.proof_warnings(fresh) == []


def test_inactive_criterion_is_unknown(db):
    criterion = make_criterion(is_active=False)
    with pytest.raises(ValidationError):
        make_decision(make_household(), criteria=[{"criterion_id": criterion.id}])


def test_follow_up_lists(db):
    """Expiring within 14 days without renewal, suspended today, refused this month."""
    today = local_today()
    expiring = make_household()
    make_decision(expiring, valid_from=today - timedelta(days=80), valid_until=today + timedelta(days=5),
                  decided_on=today - timedelta(days=80))
    renewed = make_household()
    first = make_decision(renewed, valid_from=today - timedelta(days=80), valid_until=today + timedelta(days=5),
                          decided_on=today - timedelta(days=80))
    make_decision(renewed, valid_from=first.valid_until + timedelta(days=1))
    later = make_household()
    make_decision(later, valid_from=today)
    suspended = make_household()
    make_decision(suspended, valid_from=today - timedelta(days=10), decided_on=today - timedelta(days=10))
    make_decision(suspended, outcome="suspended", motive="Rappel")
    refused = make_household()
    make_decision(refused, outcome="refused", motive="Au-dessus du seuil")
    assert [h for h, _d in hs.expiring_soon(today)] == [expiring]
    assert [h for h, _d in hs.suspended_households(today)] == [suspended]
    assert [d.household for d in hs.refused_in_month(today)] == [refused]


def test_a_saved_decision_cannot_be_edited(db):
    """Is editing a saved decision refused (a new decision must supersede it)?"""
    decision = make_decision(make_household(), valid_from=D, decided_on=D)
    db.session.commit()
    decision.valid_until = D + timedelta(days=365)
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    decision.motive = "Autre motif"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_every_change_is_in_the_audit_log(db):
    """Do household, member, decision and card changes all reach the audit log?"""
    from grocery.audit.models import AuditEvent

    household = make_household()
    member = make_member(household)
    hs.update_member(None, member, {**hs._person_of(member), "relation": "child", "first_name": "Autre"})
    decision = make_decision(household)
    hs.issue_card(None, household, reason="lost")
    hs.update_household(None, household, {"phone": "081 00 00 00"})
    hs.close_household(None, household)
    hs.reopen_household(None, household)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"household.create", "card.issue", "member.add", "member.update", "decision.create", "card.reissue",
            "household.update", "household.close", "household.reopen"} <= actions
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.create")).one().target_id \
        == str(decision.id)


def test_criterion_bad_input(db):
    with pytest.raises(ValidationError) as caught:
        make_criterion(proof_validity_days=-1)
    assert caught.value.field == "proof_validity_days"
    with pytest.raises(ValidationError) as caught:
        make_criterion(name="  ")
    assert caught.value.field == "name"
