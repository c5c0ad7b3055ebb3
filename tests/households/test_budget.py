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
    assert hs.budget_period(household, WEDNESDAY) == (date(2026, 11, 1), date(2026, 11, 30))


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
