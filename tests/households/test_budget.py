"""Budget periods and the ledger: consumption, refunds, over-budget refusals, concurrent sales."""

import os
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from grocery.errors import NotEligible, OverBudget, ValidationError
from grocery.households import services as hs
from grocery.households.models import BudgetMovement
from tests.factories import make_decision, make_household

WEDNESDAY = date(2026, 11, 25)


def test_week_runs_monday_to_sunday_and_month_is_calendar_month(db):
    assert hs.period_bounds("week", WEDNESDAY) == (date(2026, 11, 23), date(2026, 11, 29))
    assert hs.period_bounds("week", date(2026, 11, 23)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert hs.period_bounds("week", date(2026, 11, 29)) == (date(2026, 11, 23), date(2026, 11, 29))
    assert hs.period_bounds("month", date(2027, 2, 10)) == (date(2027, 2, 1), date(2027, 2, 28))


def test_budget_period_follows_the_granted_decision(db):
    from grocery.settings.services import update_settings

    household = make_household()
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1))
    assert hs.budget_period(household, WEDNESDAY) == (date(2026, 11, 23), date(2026, 11, 29))
    update_settings(None, {"households.budget_period": "month"})
    make_decision(household, valid_from=date(2026, 11, 24), decided_on=date(2026, 11, 24))
    # The new decision's month is cut to its start: its own period, from the 24th.
    assert hs.budget_period(household, WEDNESDAY) == (date(2026, 11, 24), date(2026, 11, 30))


def test_consume_and_refund_through_the_ledger(db):
    """Is budget_left the granted budget minus sales plus refunds of the period, and a new week full again?"""
    household = make_household()  # one adult: 10 € per week
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1))
    assert hs.budget_left(household, WEDNESDAY) == 1000
    sale = hs.consume_budget(household, 700, day=WEDNESDAY, reference="sale-1", actor=None)
    assert (sale.amount_cents, sale.kind, sale.period_start) == (-700, "sale", date(2026, 11, 23))
    assert hs.budget_left(household, WEDNESDAY) == 300
    hs.refund_budget(household, 200, day=WEDNESDAY, reference="sale-1", actor=None, reason="Retour")
    assert hs.budget_left(household, WEDNESDAY) == 500
    assert hs.budget_left(household, date(2026, 11, 30)) == 1000


def test_over_budget_is_refused_with_what_is_left(db):
    household = make_household()
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1))
    hs.consume_budget(household, 900, day=WEDNESDAY, reference="a", actor=None)
    with pytest.raises(OverBudget) as caught:
        hs.consume_budget(household, 101, day=WEDNESDAY, reference="b", actor=None)
    assert "1,00 €" in caught.value.message.replace("\xa0", " ")
    assert db.session.scalar(select(func.count(BudgetMovement.id))) == 1


def test_refund_cannot_exceed_the_sale(db):
    from grocery.errors import Conflict

    household = make_household()
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1))
    hs.consume_budget(household, 300, day=WEDNESDAY, reference="s", actor=None)
    with pytest.raises(Conflict):
        hs.refund_budget(household, 301, day=WEDNESDAY, reference="s", actor=None)


def test_not_eligible_and_bad_amounts_are_refused(db):
    household = make_household()
    assert hs.budget_left(household, WEDNESDAY) == 0
    with pytest.raises(NotEligible):
        hs.consume_budget(household, 100, day=WEDNESDAY, reference="x", actor=None)
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1))
    for amount in (0, -5):
        with pytest.raises(ValidationError):
            hs.consume_budget(household, amount, day=WEDNESDAY, reference="x", actor=None)


@pytest.mark.skipif(not os.environ.get("GROCERY_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="PostgreSQL only (row locks)")
def test_concurrent_sales_never_overspend(app, db):
    """Do 10 threads each taking 3 € from a 10 € budget, each in its own session, never overspend?"""
    household = make_household()
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1))
    db.session.commit()
    household_id = household.id
    results: list[str] = []
    barrier = threading.Barrier(10)

    def sell(n: int) -> None:
        with app.app_context():
            from grocery.extensions import db as thread_db
            from grocery.households.models import Household

            target = thread_db.session.get(Household, household_id)
            barrier.wait()
            try:
                hs.consume_budget(target, 300, day=WEDNESDAY, reference=f"t{n}", actor=None)
                thread_db.session.commit()
                results.append("ok")
            except OverBudget:
                thread_db.session.rollback()
                results.append("over")
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=sell, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert results.count("ok") == 3 and results.count("over") == 7
    assert hs.budget_left(db.session.get(type(household), household_id), WEDNESDAY) == 100


# --------------------------------------------------------------------------------------------------------------
# Periods that follow the decision (issue #17)
# --------------------------------------------------------------------------------------------------------------

SUNDAY = date(2026, 11, 29)


def _granted(household, valid_from, valid_until=None, **extra):
    return make_decision(household, valid_from=valid_from, decided_on=valid_from, valid_until=valid_until, **extra)


def test_a_decision_starting_on_a_sunday_gets_one_seventh_of_the_week(db):
    """Does a weekly decision starting on a Sunday give a first period of that Sunday alone, with 1/7 of the
    budget (to the cent), then whole weeks?"""
    household = make_household()  # one adult: 10 € per week
    _granted(household, SUNDAY)
    assert hs.budget_period(household, SUNDAY) == (SUNDAY, SUNDAY)
    assert hs.budget_granted(household, SUNDAY) == 143  # 10 € x 1/7 = 1,428...
    assert hs.budget_left(household, SUNDAY) == 143
    with pytest.raises(OverBudget):
        hs.consume_budget(household, 144, day=SUNDAY, reference="s", actor=None)
    monday = date(2026, 11, 30)
    assert hs.budget_period(household, monday) == (monday, date(2026, 12, 6))
    assert hs.budget_left(household, monday) == 1000


def test_a_monthly_decision_starting_on_the_20th_gets_the_days_left(db):
    from grocery.settings.services import update_settings

    update_settings(None, {"households.budget_period": "month"})
    household = make_household()
    _granted(household, date(2026, 11, 20))
    assert hs.budget_period(household, date(2026, 11, 25)) == (date(2026, 11, 20), date(2026, 11, 30))
    assert hs.budget_left(household, date(2026, 11, 25)) == 367  # 10 € x 11/30 = 3,666...
    assert hs.budget_left(household, date(2026, 12, 20)) == 1000
    assert hs.budget_period(household, date(2027, 1, 5)) == (date(2027, 1, 1), date(2027, 1, 31))


def test_a_decision_ending_mid_week_has_a_prorated_last_period(db):
    household = make_household()
    _granted(household, date(2026, 11, 2), valid_until=WEDNESDAY)
    assert hs.budget_period(household, date(2026, 11, 23)) == (date(2026, 11, 23), WEDNESDAY)
    assert hs.budget_left(household, date(2026, 11, 23)) == 429  # Monday to Wednesday: 3/7
    assert hs.budget_left(household, date(2026, 11, 16)) == 1000


def test_rounding_and_rule_of_a_partial_period_are_settings(db):
    from grocery.settings.services import update_settings

    household = make_household()
    _granted(household, SUNDAY)
    update_settings(None, {"households.budget_rounding_cents": 10})
    assert hs.budget_granted(household, SUNDAY) == 140
    update_settings(None, {"households.budget_rounding_cents": 100})
    assert hs.budget_granted(household, SUNDAY) == 100
    update_settings(None, {"households.budget_partial_period": "full"})
    assert hs.budget_granted(household, SUNDAY) == 1000


def test_a_renewal_starts_the_day_after_the_end_with_its_own_period(db):
    """Are the two halves of a week split between a decision and its renewal two periods, each with the budget of
    its days, the spending of the first not taken from the second?"""
    household = make_household()
    _granted(household, date(2026, 11, 2), valid_until=WEDNESDAY)
    hs.consume_budget(household, 400, day=WEDNESDAY, reference="a", actor=None)
    assert hs.budget_left(household, WEDNESDAY) == 29
    renewal = _granted(household, date(2026, 11, 26))
    assert renewal.supersedes_id is not None
    thursday = date(2026, 11, 26)
    assert hs.budget_period(household, thursday) == (thursday, SUNDAY)
    assert hs.budget_left(household, thursday) == 571  # Thursday to Sunday: 4/7
    sale = hs.consume_budget(household, 500, day=SUNDAY, reference="b", actor=None)
    assert sale.period_start == thursday
    assert hs.budget_left(household, WEDNESDAY) == 29


def test_the_renew_button_proposes_the_day_after_the_end(client, db, login):
    from grocery.auth.roles import Role
    from grocery.timeutil import local_today

    login(Role.SOCIAL_WORKER)
    household = make_household()
    decision = make_decision(household)
    db.session.commit()
    page = client.get(f"/households/{household.id}/decide?outcome=granted&renew=1").get_data(as_text=True)
    assert f'value="{(decision.valid_until + __import__("datetime").timedelta(days=1)).isoformat()}"' in page
    assert local_today() <= decision.valid_until


def _suspended(household):
    """Granted from Monday 2 November to 31 January, suspended from Wednesday 25 November (its end unchanged)."""
    granted = _granted(household, date(2026, 11, 2), valid_until=date(2027, 1, 31))
    hs.consume_budget(household, 600, day=date(2026, 11, 23), reference="before", actor=None)
    suspension = make_decision(household, outcome="suspended", motive="Pas de nouvelles", valid_from=WEDNESDAY,
                               decided_on=WEDNESDAY)
    assert suspension.valid_until == granted.valid_until
    return granted


def test_a_lifted_suspension_resumes_the_decision_with_the_budget_of_the_days_left(db):
    household = make_household()
    granted = _suspended(household)
    friday = date(2026, 11, 27)
    assert not hs.eligibility_on(household, friday).eligible
    resumed = hs.lift_suspension(None, household, motive="Documents reçus", day=friday)
    assert (resumed.outcome, resumed.valid_from, resumed.valid_until) == ("granted", friday, granted.valid_until)
    assert resumed.budget_cents == granted.budget_cents and resumed.budget_period == "week"
    assert hs.eligibility_on(household, friday).decision.id == resumed.id
    assert hs.budget_period(household, friday) == (friday, SUNDAY)
    assert hs.budget_left(household, friday) == 429  # Friday to Sunday: 3/7 of 10 €
    assert hs.budget_left(household, date(2026, 11, 30)) == 1000
    assert not hs.eligibility_on(household, date(2027, 2, 1)).eligible


def test_lifting_is_refused_without_a_suspension_or_a_motive(db):
    from grocery.errors import Conflict
    from grocery.households.models import Decision

    household = make_household()
    _granted(household, date(2026, 11, 2))
    with pytest.raises(Conflict):
        hs.lift_suspension(None, household, motive="Retour", day=WEDNESDAY)
    other = make_household()
    _suspended(other)
    with pytest.raises(ValidationError):
        hs.lift_suspension(None, other, motive="  ", day=date(2026, 11, 27))
    assert db.session.scalar(select(func.count(Decision.id))) == 3
    with pytest.raises(Conflict):  # after the end of the suspended decision nothing is left to resume
        hs.lift_suspension(None, other, motive="Retour", day=date(2027, 2, 1))


def test_the_household_page_lifts_a_suspension_and_shows_the_prorated_period(client, db, login, monkeypatch):
    """Lifted from the household page on Friday 27 November (suspended since Wednesday): the page then shows the
    budget of the week and that of Friday to Sunday, prorated."""
    import grocery.households.services.eligibility
    import grocery.households.views
    from grocery.auth.roles import Role

    friday = date(2026, 11, 27)
    for module in (grocery.households.services.eligibility, grocery.households.views):
        monkeypatch.setattr(module, "local_today", lambda: friday)
    login(Role.SOCIAL_WORKER)
    household = make_household()
    granted = _suspended(household)
    db.session.commit()
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Lever la suspension" in page and "31/01/2027" in page
    refused = client.post_form(f"/households/{household.id}/lift-suspension", data={"motive": " "})
    assert refused.status_code == 302
    assert not hs.eligibility_on(household, friday).eligible
    client.post_form(f"/households/{household.id}/lift-suspension", data={"motive": "Documents reçus"})
    db.session.expire_all()
    eligibility = hs.eligibility_on(household, friday)
    assert eligibility.eligible and eligibility.decision.valid_until == granted.valid_until
    page = client.get(f"/households/{household.id}").get_data(as_text=True)
    assert "Lever la suspension" not in page
    assert "27/11/2026 – 29/11/2026" in page and "au prorata" in page and "4,29" in page
