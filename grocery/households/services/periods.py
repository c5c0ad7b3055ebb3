"""Budget periods: the week or month of a day, cut to a decision's validity, and the budget of a cut period."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from grocery.households.services.common import _half_up
from grocery.settings.services import get_setting

# --------------------------------------------------------------------------------------------------------------
# Budget periods and the ledger
# --------------------------------------------------------------------------------------------------------------

def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """[start, end] inclusive: a week runs Monday to Sunday, a month from its 1st to its last day."""
    if kind == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def decision_period(decision, day: date) -> tuple[date, date]:
    """The budget period of a granted decision containing the day: the calendar week (Monday to Sunday) or month of
    the day, cut to the decision's own validity. A decision starting on a Sunday has a first period of one day, one
    ending on the 10th a last period from the 1st to the 10th; a renewal (the day after the previous end) starts its
    own period, so the two halves of a week split between two decisions are two periods."""
    start, end = period_bounds(decision.budget_period, day)
    return max(start, decision.valid_from), min(end, decision.valid_until)


def prorate_budget(amount_cents: int, days: int, period_days: int, step: int | None = None) -> int:
    """amount x days / period_days, rounded half up to the step of households.budget_rounding_cents (1: to the
    cent), never more than the amount."""
    step = max(1, int(get_setting("households.budget_rounding_cents") if step is None else step))
    value = _half_up(Decimal(amount_cents) * days / period_days / step) * step
    return min(amount_cents, value)


def period_budget(decision, start: date, end: date, *, proration: tuple | None = None) -> int:
    """The budget of one period [start, end] of a granted decision (decision_period): its budget for a whole week or
    month; for a period cut by the decision's start or end, the budget of the days covered (days / days of the
    calendar period) unless households.budget_partial_period is "full". `proration`: (rule, rounding step) as the
    till read them with the card (else the settings)."""
    if decision.outcome != "granted":
        return 0
    calendar_start, calendar_end = period_bounds(decision.budget_period, start)
    period_days = (calendar_end - calendar_start).days + 1
    days = (end - start).days + 1
    if days >= period_days:
        return decision.budget_cents
    rule, step = proration or (get_setting("households.budget_partial_period"),
                               get_setting("households.budget_rounding_cents"))
    if str(rule or "prorate") == "full":
        return decision.budget_cents
    return prorate_budget(decision.budget_cents, days, period_days, 1 if step is None else int(step))
