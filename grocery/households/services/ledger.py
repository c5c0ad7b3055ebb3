"""The budget ledger: what a household was granted for a period, what it spent, what is left; consuming and
refunding under a lock on the household."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from grocery.dbutil import run, run_plain
from grocery.errors import Conflict, NotEligible, OverBudget, ValidationError
from grocery.extensions import db
from grocery.households.models import BudgetMovement, Household
from grocery.households.services.eligibility import decision_in_force, eligibility_on
from grocery.households.services.periods import decision_period, period_bounds, period_budget
from grocery.money import format_money
from grocery.settings.services import get_setting
from grocery.timeutil import utcnow

if TYPE_CHECKING:
    from grocery.households.services.till import TillHousehold


# --------------------------------------------------------------------------------------------------------------
# The ledger
# --------------------------------------------------------------------------------------------------------------

def budget_period(household: Household, day: date) -> tuple[date, date]:
    """The budget period containing the day: that of the granted decision in force (decision_period), else the
    calendar period of the setting households.budget_period."""
    decision = decision_in_force(household, day)
    if decision is not None and decision.outcome == "granted":
        return decision_period(decision, day)
    return period_bounds(str(get_setting("households.budget_period")), day)


def budget_granted(household: Household, day: date) -> int:
    """The budget the granted decision in force gives for the period of the day, prorated when the period is cut by
    the decision's start or end (0 when not eligible)."""
    eligibility = eligibility_on(household, day)
    if not eligibility.eligible:
        return 0
    return period_budget(eligibility.decision, *decision_period(eligibility.decision, day))


@cache
def _ledger_total_query():
    return select(func.coalesce(func.sum(BudgetMovement.amount_cents), 0)).where(
        BudgetMovement.household_id == bindparam("household_id"), BudgetMovement.period_start == bindparam("start"))


def ledger_total(household_id: int, period_start: date) -> int:
    """Sum of the ledger movements of one period (negative: net consumption)."""
    db.session.flush()  # movements added through the ORM count
    return int(run(_ledger_total_query(), {"household_id": household_id, "start": period_start}).scalar() or 0)


def budget_left(household: Household, day: date) -> int:
    """Budget granted for the period of the day, minus consumption, plus refunds (ledger movements)."""
    start, _end = budget_period(household, day)
    return budget_granted(household, day) + ledger_total(household.id, start)


def lock_household(household_id: int) -> None:
    """Serialise budget changes of one household: SELECT ... FOR UPDATE on its row. Nothing on SQLite, where a
    SELECT locks nothing: there writers are serialised by the write transaction (dbutil.begin_write)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return
    run(_lock_query(), {"household_id": household_id})


@cache
def _lock_query():
    return select(Household.id).where(Household.id == bindparam("household_id")).with_for_update()


def consume_budget(household: Household, amount_cents: int, *, day: date, reference: str | None,
                   actor) -> BudgetMovement:
    """Take an amount from the household's budget of the period; refuse more than what is left (OverBudget)."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    lock_household(household.id)
    eligibility = eligibility_on(household, day)
    if not eligibility.eligible:
        raise NotEligible(eligibility.reason)
    start, end = decision_period(eligibility.decision, day)
    left = period_budget(eligibility.decision, start, end) + ledger_total(household.id, start)
    if amount_cents > left:
        raise OverBudget(_l("Only %(left)s is left in the budget of this period.", left=format_money(max(left, 0))),
                         left_cents=left)
    movement = BudgetMovement(household_id=household.id, period_start=start, amount_cents=-amount_cents,
                              kind="sale", reference=reference, actor_id=getattr(actor, "id", None))
    db.session.add(movement)
    db.session.flush()
    return movement


@cache
def _insert_movement():
    return BudgetMovement.__table__.insert()


def consume_budget_at_till(household: TillHousehold, amount_cents: int, *, period_start: date, reference: str,
                           actor_id: int | None) -> None:
    """consume_budget on the till's path, with one plain INSERT: the caller read the household and its budget left
    with till_lookup(lock=True) in this transaction and refused an amount above it."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    run_plain(_insert_movement(), {"household_id": household.id, "period_start": period_start,
                                   "amount_cents": -amount_cents, "kind": "sale", "reference": reference,
                                   "actor_id": actor_id, "created_at": utcnow(), "reason": ""})


def refund_budget(household: Household, amount_cents: int, *, day: date, reference: str | None, actor,
                  reason: str = "") -> BudgetMovement:
    """Give back budget (a returned or cancelled sale). With a reference, the refund goes to the period of that
    sale and cannot exceed what the sale consumed."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    lock_household(household.id)
    start, _end = budget_period(household, day)
    if reference:
        rows = db.session.execute(select(BudgetMovement.period_start, BudgetMovement.amount_cents).where(
            BudgetMovement.household_id == household.id, BudgetMovement.reference == reference)).all()
        consumed = -sum(amount for _start, amount in rows)
        sale_periods = [row_start for row_start, amount in rows if amount < 0]
        if sale_periods:
            start = sale_periods[0]
        if amount_cents > consumed:
            raise Conflict(_l("The refund is more than what this sale took from the budget (%(amount)s).",
                              amount=format_money(max(consumed, 0))))
    movement = BudgetMovement(household_id=household.id, period_start=start, amount_cents=amount_cents,
                              kind="refund", reference=reference, actor_id=getattr(actor, "id", None),
                              reason=(reason or "")[:200])
    db.session.add(movement)
    db.session.flush()
    return movement


def spending_history(household: Household, limit: int = 100) -> list[BudgetMovement]:
    return list(db.session.scalars(select(BudgetMovement).where(BudgetMovement.household_id == household.id)
                                   .order_by(BudgetMovement.created_at.desc(), BudgetMovement.id.desc())
                                   .limit(limit)))
