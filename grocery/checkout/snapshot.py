"""The offline card snapshot: the cards valid today with what the till shows and computes with, read in a fixed
number of statements whatever the number of households."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import Text, and_, cast, exists, func, select
from sqlalchemy.orm import aliased

from grocery.checkout.models import Sale, SaleLine
from grocery.checkout.services import quota_bounds, quota_limit
from grocery.extensions import db
from grocery.timeutil import local_day_bounds, local_to_utc


def _rows(day: date):
    from grocery.households.models import BudgetMovement, Decision, Household, HouseholdCard, Member
    from grocery.households.services import period_bounds

    week_start, month_start = period_bounds("week", day)[0], period_bounds("month", day)[0]

    def spent(start: date):
        return (select(func.coalesce(func.sum(BudgetMovement.amount_cents), 0))
                .where(BudgetMovement.household_id == Household.id, BudgetMovement.period_start == start)
                .scalar_subquery())

    earlier = aliased(Decision)
    last_end_before = (select(func.max(earlier.valid_until))
                       .where(earlier.household_id == Household.id, earlier.valid_until < day).scalar_subquery())
    granting = aliased(Decision)
    granted_today = exists().where(granting.household_id == Household.id, granting.outcome == "granted",
                                   granting.valid_from <= day, granting.valid_until >= day)
    query = (select(HouseholdCard.code, Household.id, Household.reference, Household.status,
                    cast(Household.proxy_names, Text), spent(week_start), spent(month_start),
                    Member.id, Member.first_name, Member.last_name, Member.birth_on, Member.relation,
                    Decision.id, Decision.decided_on, Decision.valid_from, Decision.valid_until, Decision.outcome,
                    Decision.budget_cents, Decision.budget_period)
             .join(Household, Household.id == HouseholdCard.household_id)
             .outerjoin(Member, and_(Member.household_id == Household.id, Member.is_active.is_(True)))
             .outerjoin(Decision, and_(Decision.household_id == Household.id,
                                       Decision.valid_until >= func.coalesce(last_end_before, day)))
             .where(HouseholdCard.is_active.is_(True), Household.status == "active", granted_today)
             .order_by(Household.id, Member.id, Decision.id))
    return db.session.execute(query).all(), week_start, month_start


def _households(day: date) -> dict[str, object]:
    """{card code: TillHousehold} of the active cards whose household has a granted decision covering the day."""
    from grocery.households.services import TillDecision, TillHousehold, TillMember

    rows, week_start, month_start = _rows(day)
    found: dict[str, TillHousehold] = {}
    seen: set[tuple[str, str, int]] = set()
    member_end = 8 + len(TillMember._fields)
    for row in rows:
        code = row[0]
        household = found.get(code)
        if household is None:
            proxies = (json.loads(row[4]) if row[4] else None) or []
            household = found[code] = TillHousehold(
                id=row[1], reference=row[2], status=row[3], proxy_names=proxies, active_members=[], decisions=[],
                ledger={week_start: int(row[5]), month_start: int(row[6])})
        if row[7] is not None and (code, "member", row[7]) not in seen:
            seen.add((code, "member", row[7]))
            household.active_members.append(TillMember(*row[8:member_end]))
        if row[member_end] is not None and (code, "decision", row[member_end]) not in seen:
            seen.add((code, "decision", row[member_end]))
            household.decisions.append(TillDecision(*row[member_end:]))
    return found


def _quota_used(household_ids: list[int], products: list, day: date) -> dict[tuple[int, int], int]:
    """{(household id, product id): base units taken in the product's quota period}, one statement per period."""
    used: dict[tuple[int, int], int] = {}
    by_period: dict[str, list[int]] = {}
    for product in products:
        by_period.setdefault(product.quota_period or "week", []).append(product.id)
    for period, product_ids in by_period.items():
        start, end = quota_bounds(period, day)
        since, until = local_day_bounds(start)[0], local_day_bounds(end - timedelta(days=1))[1]
        rows = db.session.execute(
            select(Sale.household_id, SaleLine.product_id, func.sum(SaleLine.quantity - SaleLine.refunded_quantity))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .where(Sale.created_at >= since, Sale.created_at < until, SaleLine.product_id.in_(product_ids))
            .group_by(Sale.household_id, SaleLine.product_id))
        used.update({(household_id, product_id): int(total or 0) for household_id, product_id, total in rows})
    return used


def cards_snapshot(day: date) -> dict:
    """The cards valid on the day, each with only what the till's summary holds (till_summary: card code, name to
    greet, eligible, reason, valid until, budget left, proxies, the quotas that apply with what is left): no
    household id, composition or other personal data. It expires at the end of the local day."""
    from grocery.households.services import budget_period, composition, display_name, eligibility_on
    from grocery.stock.services import format_quantity, till_quota_products

    households = _households(day)
    products = till_quota_products()
    used = _quota_used([h.id for h in households.values()], products, day) if products and households else {}
    cards = []
    for code, household in households.items():
        eligibility = eligibility_on(household, day)
        if not eligibility.eligible:
            continue
        counts = composition(household, day)
        basis = {"adults": counts["adults"], "children": counts["children"],
                 "children_under_3": counts["children_under_3"]}
        start, _end = budget_period(household, day)
        quotas = []
        for product in products:
            limit = quota_limit(product, basis)
            if limit <= 0:
                continue
            left = max(0, limit - used.get((household.id, product.id), 0))
            quotas.append({"name": product.name, "limit": limit, "left": left,
                           "left_label": format_quantity(product, left)})
        cards.append({"card_code": code, "display_name": display_name(household), "eligible": True,
                      "reason": eligibility.reason,
                      "valid_until": eligibility.valid_until.isoformat() if eligibility.valid_until else None,
                      "budget_left_cents": eligibility.decision.budget_cents + household.ledger[start],
                      "proxies": list(household.proxy_names or []), "quotas": quotas})
    expires: datetime = local_to_utc(day + timedelta(days=1), time(0, 0))
    return {"day": day.isoformat(), "expires_at": expires.isoformat(), "cards": cards}
