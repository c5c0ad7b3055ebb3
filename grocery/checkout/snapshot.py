"""The offline card snapshot: the cards valid today with what the till shows and computes with (the budget left, the
quota rules, products' and categories', with what each household took in their periods), read in a fixed number of
statements whatever the number of households or rules."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import Text, and_, case, cast, exists, func, select
from sqlalchemy.orm import aliased

from grocery.checkout.models import Sale, SaleLine
from grocery.checkout.services import QuotaRule, quota_bounds, quota_limit, quota_rules, quota_windows
from grocery.extensions import db
from grocery.timeutil import local_to_utc

#: What each card of the snapshot holds: the till summary's fields (households.services.till_summary), nothing more.
CARD_FIELDS = ("card_code", "display_name", "eligible", "reason", "valid_until", "budget_left_cents", "proxies",
               "quotas", "renewal_warning")
#: What each quota of a card holds: the summary's (name, limit, left, left_label) and what the till needs to apply it
#: to a cart offline: the rule it is (kind, id), the unit of its quantities, its period and what was used in it.
QUOTA_FIELDS = ("kind", "id", "name", "unit", "period", "limit", "used", "left", "left_label")


def _rows(day: date, site_id: int):
    """One row per (card, active member, decision that can decide the day) of the households with an active card
    and a granted decision covering the day, with the net ledger of the decision's week and month (cut to its
    start, as households.services.decision_period) and the budget proration settings."""
    from grocery.households.models import BudgetMovement, Decision, Household, HouseholdCard, Member
    from grocery.households.services import period_bounds
    from grocery.households.services.till import decision_at_site
    from grocery.settings.models import Setting

    week_start, month_start = period_bounds("week", day)[0], period_bounds("month", day)[0]

    def spent(calendar_start: date):
        period_start = case((Decision.valid_from > calendar_start, Decision.valid_from), else_=calendar_start)
        return (select(func.coalesce(func.sum(BudgetMovement.amount_cents), 0))
                .where(BudgetMovement.household_id == Household.id, BudgetMovement.period_start == period_start)
                .scalar_subquery())

    def setting(key: str):
        return select(Setting.value).where(Setting.key == key).scalar_subquery()

    earlier = aliased(Decision)
    last_end_before = (select(func.max(earlier.valid_until))
                       .where(earlier.household_id == Household.id, earlier.valid_until < day).scalar_subquery())
    granting = aliased(Decision)
    granted_today = exists().where(granting.household_id == Household.id, granting.outcome == "granted",
                                   granting.valid_from <= day, granting.valid_until >= day)
    query = (select(HouseholdCard.code, Household.id, Household.reference, Household.status,
                    cast(Household.proxy_names, Text), setting("households.budget_partial_period"),
                    setting("households.budget_rounding_cents"),
                    Member.id, Member.first_name, Member.last_name, Member.birth_on, Member.relation,
                    Decision.id, Decision.decided_on, Decision.valid_from, Decision.valid_until, Decision.outcome,
                    Decision.budget_cents, Decision.budget_period, decision_at_site(site_id),
                    spent(week_start), spent(month_start))
             .join(Household, Household.id == HouseholdCard.household_id)
             .outerjoin(Member, and_(Member.household_id == Household.id, Member.is_active.is_(True)))
             .outerjoin(Decision, and_(Decision.household_id == Household.id,
                                       Decision.valid_until >= func.coalesce(last_end_before, day)))
             .where(HouseholdCard.is_active.is_(True), Household.status == "active", granted_today)
             .order_by(Household.id, Member.id, Decision.id))
    return db.session.execute(query).all(), week_start, month_start


def _households(day: date, site_id: int) -> dict[str, object]:
    """{card code: TillHousehold} of the active cards whose household has a granted decision covering the day (each
    decision saying whether it lets the household shop at the site)."""
    from grocery.households.services import TillDecision, TillHousehold, TillMember

    rows, week_start, month_start = _rows(day, site_id)
    found: dict[str, TillHousehold] = {}
    seen: set[tuple[str, str, int]] = set()
    member_end = 8 + len(TillMember._fields)
    decision_end = member_end + len(TillDecision._fields)
    for row in rows:
        code = row[0]
        household = found.get(code)
        if household is None:
            proxies = (json.loads(row[4]) if row[4] else None) or []
            household = found[code] = TillHousehold(
                id=row[1], reference=row[2], status=row[3], proxy_names=proxies, active_members=[], decisions=[],
                ledger={}, proration=(row[5], row[6]))
        if row[7] is not None and (code, "member", row[7]) not in seen:
            seen.add((code, "member", row[7]))
            household.active_members.append(TillMember(*row[8:member_end]))
        if row[member_end] is not None and (code, "decision", row[member_end]) not in seen:
            seen.add((code, "decision", row[member_end]))
            decision = TillDecision(*row[member_end:decision_end])
            household.decisions.append(decision)
            week_spent, month_spent = row[decision_end:]
            household.ledger[max(week_start, decision.valid_from)] = int(week_spent)
            household.ledger[max(month_start, decision.valid_from)] = int(month_spent)
    return found


def _quota_used(rules: list[QuotaRule], day: date) -> dict[tuple[int, str, int], int]:
    """{(household id, kind, rule id): quantity taken in the rule's period} for every household, net of refunds: the
    base units of a product; the pieces of a category's products sold by the piece (services.quota_used, for all
    households at once). One statement per period kind among the rules."""
    from grocery.stock.models import Product

    used: dict[tuple[int, str, int], int] = {}
    for since, until, product_ids, category_ids in quota_windows(rules, day):
        rows = db.session.execute(
            select(Sale.household_id, SaleLine.product_id, Product.category_id, Product.unit_kind,
                   func.sum(SaleLine.quantity - SaleLine.refunded_quantity))
            .join(Sale, Sale.id == SaleLine.sale_id)
            .join(Product, Product.id == SaleLine.product_id)
            .where(Sale.created_at >= since, Sale.created_at < until,
                   SaleLine.product_id.in_(sorted(product_ids)) | Product.category_id.in_(sorted(category_ids)))
            .group_by(Sale.household_id, SaleLine.product_id, Product.category_id, Product.unit_kind))
        for household_id, product_id, category_id, unit_kind, total in rows:
            total = int(total or 0)
            if product_id in product_ids:
                used[(household_id, "product", product_id)] = total
            if category_id in category_ids and unit_kind == "piece":
                key = (household_id, "category", category_id)
                used[key] = used.get(key, 0) + total
    return used


def _proxies(day: date) -> dict[int, list[dict]]:
    """{household id: its mandates valid on the day, as the till's card lookup lists them (id, name, document to
    check), by name}. One statement for every household."""
    from grocery.appointments.models import ProxyMandate
    from grocery.timeutil import local_day_bounds

    _start, end = local_day_bounds(day)
    rows = db.session.execute(
        select(ProxyMandate.household_id, ProxyMandate.id, ProxyMandate.full_name, ProxyMandate.identity_document)
        .where(ProxyMandate.valid_from <= day,
               (ProxyMandate.valid_until.is_(None)) | (ProxyMandate.valid_until >= day),
               (ProxyMandate.revoked_at.is_(None)) | (ProxyMandate.revoked_at >= end)))
    found: dict[int, list[dict]] = {}
    for household_id, mandate_id, name, document in rows:
        found.setdefault(household_id, []).append({"id": mandate_id, "name": name, "document": document or ""})
    for proxies in found.values():
        proxies.sort(key=lambda p: (p["name"].casefold(), p["id"]))
    return found


def cards_snapshot(day: date, *, site_id: int | None = None) -> dict:
    """The cards valid on the day at the till's site `site_id` (None: the current site; a household whose decision
    names other sites is left out, as the till would refuse it), each with only what the till's summary holds
    (till_summary: card code, name to greet, eligible, reason, valid until, budget left, the proxies valid today
    with the document to check, the quotas that apply with what is left, the renewal warning) plus, on each quota,
    the rule it is and what was used, so that the till applies products' and categories' quotas offline. No
    household id, reference, composition, birth date, address, income or note: the quota limits come already scaled
    to the household's composition. `quota_rules` lists every rule in force: a rule missing from a card's quotas is
    one its composition scales to 0 (the household may take none). It expires at the end of the local day."""
    from grocery.checkout.services import till_site
    from grocery.checkout.visit import renewal_warning
    from grocery.households.services import composition, decision_period, display_name, eligibility_on, period_budget
    from grocery.stock.services import format_quantity

    households = _households(day, till_site(site_id))
    proxies = _proxies(day) if households else {}
    rules = quota_rules()
    used = _quota_used(rules, day) if rules and households else {}
    cards = []
    for code, household in households.items():
        eligibility = eligibility_on(household, day)
        if not eligibility.eligible or not eligibility.decision.at_site:
            continue
        counts = composition(household, day)
        basis = {"adults": counts["adults"], "children": counts["children"],
                 "children_under_3": counts["children_under_3"]}
        start, end = decision_period(eligibility.decision, day)
        granted = period_budget(eligibility.decision, start, end, proration=household.proration)
        quotas = []
        for rule in rules:
            limit = quota_limit(rule, basis)
            if limit <= 0:
                continue
            taken = used.get((household.id, rule.kind, rule.id), 0)
            left = max(0, limit - taken)
            quotas.append({"kind": rule.kind, "id": rule.id, "name": rule.name, "unit": rule.unit_kind,
                           "period": rule.quota_period or "week", "limit": limit, "used": taken, "left": left,
                           "left_label": format_quantity(rule, left)})
        cards.append({"card_code": code, "display_name": display_name(household), "eligible": True,
                      "reason": eligibility.reason,
                      "valid_until": eligibility.valid_until.isoformat() if eligibility.valid_until else None,
                      "budget_left_cents": granted + household.ledger.get(start, 0),
                      "proxies": proxies.get(household.id, []), "quotas": quotas,
                      "renewal_warning": renewal_warning(eligibility.valid_until, day, household.decisions)})
    expires: datetime = local_to_utc(day + timedelta(days=1), time(0, 0))
    periods = {period: quota_bounds(period, day) for period in ("week", "month")}
    return {"day": day.isoformat(), "expires_at": expires.isoformat(),
            "quota_rules": [{"kind": rule.kind, "id": rule.id, "name": rule.name, "unit": rule.unit_kind,
                             "period": rule.quota_period or "week"} for rule in rules],
            "quota_periods": {period: {"start": start.isoformat(), "end": (end - timedelta(days=1)).isoformat()}
                              for period, (start, end) in periods.items()},
            "cards": cards}
