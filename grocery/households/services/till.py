"""What the till may know about a card: the household read in one statement, its summary for the till."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Text, and_, bindparam, case, cast, exists, func, or_, select, type_coerce
from sqlalchemy.orm import aliased

from grocery.barcodes import code_kind
from grocery.dbutil import run
from grocery.extensions import db
from grocery.households.models import (
    BudgetMovement,
    Decision,
    DecisionSite,
    Household,
    HouseholdCard,
    Member,
    pick_reference_person,
)
from grocery.households.services.composition import composition
from grocery.households.services.eligibility import eligibility_on, reason_text
from grocery.households.services.periods import decision_period, period_bounds, period_budget
from grocery.settings.models import Setting

# --------------------------------------------------------------------------------------------------------------
# What the till may know
# --------------------------------------------------------------------------------------------------------------

class TillMember(NamedTuple):
    first_name: str
    last_name: str
    birth_on: date
    relation: str


class TillDecision(NamedTuple):
    id: int
    decided_on: date
    valid_from: date
    valid_until: date
    outcome: str
    budget_cents: int
    budget_period: str
    #: The household may shop at the till's site under this decision: the decision names no site (every site), or
    #: names this one (decision_at_site).
    at_site: bool = True


@dataclass
class TillHousehold:
    """A household as the till reads it at every card scan and sale: plain rows from one query instead of ORM
    objects. It answers like a Household to eligibility_on, composition, display_name and budget_period."""

    id: int
    reference: str
    status: str
    proxy_names: list
    #: The active members, in the order they were added.
    active_members: list[TillMember]
    #: The decisions that can decide the day asked: covering it or later, and the last one(s) before it.
    decisions: list[TillDecision]
    #: Net budget ledger movements by period start: for each decision, of its week and of its month containing the
    #: day asked (decision_period's start: the calendar start, or the decision's start when later).
    ledger: dict[date, int]
    #: The settings households.budget_partial_period and households.budget_rounding_cents, read with the card (None:
    #: not stored, the defaults).
    proration: tuple = (None, None)

    @property
    def reference_person(self):
        return pick_reference_person(self.active_members)


@dataclass(frozen=True)
class TillCard:
    is_active: bool
    deactivation_reason: str | None
    household: TillHousehold


def decision_at_site(site_id):
    """SQL: the decision (of the row) lets its household shop at the site `site_id` (a value or a bindparam): it
    names no site (every site), or names this one."""
    named = exists().where(DecisionSite.decision_id == Decision.id)
    here = exists().where(DecisionSite.decision_id == Decision.id, DecisionSite.site_id == site_id)
    return type_coerce(or_(~named, here), Boolean)


@cache
def _till_card_queries():
    def spent(start: str):
        # The ledger of the decision's period containing the day: it starts on the calendar start, or on the
        # decision's own start when that is later (decision_period); read per decision row, in the same statement.
        period_start = case((Decision.valid_from > bindparam(start), Decision.valid_from), else_=bindparam(start))
        return (select(func.coalesce(func.sum(BudgetMovement.amount_cents), 0))
                .where(BudgetMovement.household_id == Household.id, BudgetMovement.period_start == period_start)
                .scalar_subquery())

    # The decisions that can decide the day (eligibility_on): those covering it or later, and the last one(s)
    # before it; not the whole history, so the rows stay few for a household followed for years. One range on
    # valid_until (no OR), so that PostgreSQL looks at this household's decisions only.
    earlier = aliased(Decision)
    last_end_before = (select(func.max(earlier.valid_until))
                       .where(earlier.household_id == Household.id, earlier.valid_until < bindparam("day"))
                       .scalar_subquery())
    def setting(key: str):
        return select(Setting.value).where(Setting.key == key).scalar_subquery()

    # One row per (active member, decision): a handful, read in one statement.
    card = (select(HouseholdCard.is_active, HouseholdCard.deactivation_reason, Household.id, Household.reference,
                   Household.status, cast(Household.proxy_names, Text), setting("households.budget_partial_period"),
                   setting("households.budget_rounding_cents"),
                   Member.id, Member.first_name, Member.last_name, Member.birth_on, Member.relation,
                   Decision.id, Decision.decided_on, Decision.valid_from, Decision.valid_until, Decision.outcome,
                   Decision.budget_cents, Decision.budget_period, decision_at_site(bindparam("site_id")),
                   spent("week_start"), spent("month_start"))
            .join(Household, Household.id == HouseholdCard.household_id)
            .outerjoin(Member, and_(Member.household_id == Household.id, Member.is_active.is_(True)))
            .outerjoin(Decision, and_(Decision.household_id == Household.id,
                                      Decision.valid_until >= func.coalesce(last_end_before, bindparam("day"))))
            .where(HouseholdCard.code == bindparam("code")).order_by(Member.id, Decision.id))
    lock = (select(Household.id).join(HouseholdCard, HouseholdCard.household_id == Household.id)
            .where(HouseholdCard.code == bindparam("code")).with_for_update(of=Household))
    return card, lock


def find_till_card(code: str, day: date, *, lock: bool = False, site_id: int | None = None) -> TillCard | None:
    """The card with this code and its household as the till needs them on a day, in one statement; each decision
    says whether it lets the household shop at the site `site_id` (TillDecision.at_site). With lock,
    the household row is locked first (PostgreSQL; SQLite serialises writers), so that the budget and quotas
    read next are read under the lock."""
    card_query, lock_query = _till_card_queries()
    code = (code or "").strip()
    db.session.flush()  # households, members, decisions or movements added through the ORM count
    if lock and db.session.get_bind().dialect.name != "sqlite":
        run(lock_query, {"code": code})
    week_start, month_start = period_bounds("week", day)[0], period_bounds("month", day)[0]
    rows = run(card_query, {"code": code, "day": day, "week_start": week_start, "month_start": month_start,
                            "site_id": site_id}).all()
    if not rows:
        return None
    card_active, reason, household_id, reference, status, proxies, rule, step = rows[0][:8]
    members: dict[int, TillMember] = {}
    decisions: dict[int, TillDecision] = {}
    ledger: dict[date, int] = {}
    member_end = 9 + len(TillMember._fields)
    decision_end = member_end + len(TillDecision._fields)
    for row in rows:
        if row[8] is not None:
            members.setdefault(row[8], TillMember(*row[9:member_end]))
        if row[member_end] is not None and row[member_end] not in decisions:
            decision = decisions[row[member_end]] = TillDecision(*row[member_end:decision_end])
            week_spent, month_spent = row[decision_end:]
            ledger[max(week_start, decision.valid_from)] = int(week_spent)
            ledger[max(month_start, decision.valid_from)] = int(month_spent)
    proxies = (json.loads(proxies) if proxies else None) or []  # read as text: decoded once, not per row
    household = TillHousehold(id=household_id, reference=reference, status=status, proxy_names=proxies,
                              active_members=list(members.values()), decisions=list(decisions.values()),
                              ledger=ledger, proration=(rule, step))
    return TillCard(is_active=card_active, deactivation_reason=reason, household=household)


TILL_KEYS = ("card_code", "household_id", "display_name", "eligible", "reason_code", "reason", "valid_until",
             "budget_cents", "budget_left_cents", "period_start", "period_end", "quota_basis", "proxies")


def display_name(household: Household) -> str:
    """First name and initial of the last name of the reference person ("Fatima B.")."""
    person = household.reference_person
    if person is None:
        return household.reference
    return f"{person.first_name} {person.last_name[:1].upper()}." if person.last_name else person.first_name


def till_summary(card_code: str, day: date, *, summary: dict | None = None, quotas: list[dict] | None = None) -> dict:
    """What the till's browser receives about a card, and nothing more: each field is one the till shows or computes
    with (README, "What the till knows about a household"). The name to greet, access and why not, until when, the
    budget left, the proxies, and the quotas that apply to this household (a limit scaled to 0 by its composition
    does not apply) with what is left. No household id, composition, granted budget, period, income, charges, notes,
    address, national number or motive. `summary` is a till_lookup summary already read for this card (the till's card
    lookup reads it once for the quotas too); `quotas` the quota_state of the household, when the till asks for it."""
    if summary is None:
        summary = till_lookup(card_code, day)[0]
    sent = {key: summary[key] for key in ("card_code", "display_name", "eligible", "reason", "valid_until",
                                          "budget_left_cents", "proxies")}
    if quotas is not None:
        sent["quotas"] = [{key: quota[key] for key in ("name", "limit", "left", "left_label")}
                          for quota in quotas if quota["limit"] > 0]
    return sent


def other_site_reason(decision_id: int) -> str:
    """The till's refusal of a household whose decision names other sites than the till's (no social data: the
    cashier learns where the household may shop, nothing of why)."""
    return str(_l("This household does not shop at this site: its access is for %(sites)s. Send them there, or "
                  "see the social service.", sites=_site_names(decision_id)))


def till_lookup(card_code: str, day: date, *, lock: bool = False,
                site_id: int | None = None) -> tuple[dict, TillHousehold | None]:
    """The till summary of a card and the household it was computed from (None for an unknown card). With lock,
    the budget is read under lock_household (a sale). At a till of the site `site_id` (None: no site is checked,
    the office's reads), a household whose decision in force names other sites is refused (reason_code
    "other_site"), with neither its budget nor its period."""
    code = (card_code or "").strip()
    summary = dict.fromkeys(TILL_KEYS)
    summary.update(card_code=code, eligible=False, proxies=[])
    card = find_till_card(code, day, lock=lock, site_id=site_id) if code_kind(code) == "household_card" else None
    if card is None:
        summary.update(reason_code="unknown_card", reason=reason_text("unknown_card"))
        return summary, None
    household = card.household
    if not card.is_active and card.deactivation_reason != "household_closed":
        summary.update(reason_code="card_replaced", reason=reason_text("card_replaced"),
                       display_name=display_name(household))
        return summary, household
    eligibility = eligibility_on(household, day)
    counts = composition(household, day)
    summary.update(
        household_id=household.id, display_name=display_name(household), eligible=eligibility.eligible,
        reason_code=eligibility.reason_code, reason=eligibility.reason,
        valid_until=eligibility.valid_until.isoformat() if eligibility.valid_until else None,
        quota_basis={"adults": counts["adults"], "children": counts["children"],
                     "children_under_3": counts["children_under_3"]},
        proxies=list(household.proxy_names or []))
    if eligibility.eligible and site_id is not None and not eligibility.decision.at_site:
        summary.update(eligible=False, reason_code="other_site", valid_until=None,
                       reason=other_site_reason(eligibility.decision.id))
        return summary, household
    if eligibility.eligible:
        start, end = decision_period(eligibility.decision, day)
        granted = period_budget(eligibility.decision, start, end, proration=household.proration)
        summary.update(budget_cents=granted, budget_left_cents=granted + household.ledger.get(start, 0),
                       period_start=start.isoformat(), period_end=end.isoformat())
    return summary, household


def _site_names(decision_id: int) -> str:
    """The names of the sites a decision names, "A, B" (read only when the till refuses a household: not on the
    till's usual path)."""
    from grocery.sites.models import Site

    names = db.session.scalars(select(Site.name).join(DecisionSite, DecisionSite.site_id == Site.id)
                               .where(DecisionSite.decision_id == decision_id).order_by(Site.name)).all()
    return ", ".join(names)
