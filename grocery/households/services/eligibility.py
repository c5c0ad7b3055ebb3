"""Eligibility: the criteria, the decisions (reste à vivre, budget from the scale), suspensions and their lifting,
old proofs, and the follow-up lists of the office (expiring, suspended, refused)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from grocery.audit.services import record_event
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.households.models import (
    CHARGE_TYPES,
    INCOME_TYPES,
    OUTCOMES,
    PERIOD_KINDS,
    Criterion,
    Decision,
    DecisionCriterion,
    DecisionLine,
    DecisionSite,
    Household,
)
from grocery.households.services.common import _fr_date, _half_up, add_months
from grocery.households.services.composition import hundredths_text, weighted_composition
from grocery.households.services.periods import decision_period, period_bounds, period_budget
from grocery.money import format_money
from grocery.settings.services import get_setting
from grocery.timeutil import local_today

# --------------------------------------------------------------------------------------------------------------
# Criteria
# --------------------------------------------------------------------------------------------------------------

def save_criterion(actor, criterion: Criterion | None, *, name: str, required_proof: str, proof_validity_days: int,
                   is_active: bool = True) -> Criterion:
    """Create or change an eligibility criterion of the configurable list; names are unique."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", _l("Type the name of the criterion."))
    if proof_validity_days is None or proof_validity_days < 0:
        raise ValidationError("proof_validity_days", _l("Type a number of days, 0 or more."))
    existing = db.session.scalar(select(Criterion).where(func.lower(Criterion.name) == name.lower()))
    if existing is not None and existing is not criterion:
        raise ValidationError("name", _l("A criterion with this name already exists."))
    if criterion is None:
        criterion = Criterion()
        db.session.add(criterion)
    criterion.name, criterion.required_proof = name, (required_proof or "").strip()
    criterion.proof_validity_days, criterion.is_active = proof_validity_days, is_active
    db.session.flush()
    record_event(actor, "criterion.save", criterion, {"name": name, "active": is_active})
    return criterion


def active_criteria() -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).where(Criterion.is_active.is_(True)).order_by(Criterion.name)))


# --------------------------------------------------------------------------------------------------------------
# Eligibility decisions
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Eligibility:
    """Whether a household may shop on a day, and why: `reason` for the till and the household ("see the social
    service"), `office_reason` for the social service itself (what to do about it)."""

    eligible: bool
    reason_code: str | None
    reason: str
    decision: Decision | None
    valid_until: date | None
    #: The date the reason names (start, end or suspension of access), if any.
    reason_day: date | None = None

    @property
    def office_reason(self) -> str:
        if self.eligible or self.reason_code not in OFFICE_REASONS:
            return self.reason
        text = str(OFFICE_REASONS[self.reason_code])
        return text.replace("%(day)s", _fr_date(self.reason_day)) if self.reason_day else text


REASONS = {
    "no_decision": _l("No access decision: see the social service."),
    "not_yet_valid": _l("Access starts on %(day)s: see the social service."),
    "expired": _l("Access expired on %(day)s: see the social service."),
    "suspended": _l("Access suspended since %(day)s: see the social service."),
    "refused": _l("Access refused: see the social service."),
    "ended": _l("Access ended on %(day)s: see the social service."),
    "household_closed": _l("This household is closed: see the social service."),
    "unknown_card": _l("Unknown card: check the card or see the social service."),
    "card_replaced": _l("Card replaced: ask for the new card or see the social service."),
}


#: The same reasons as read by the social service (the office screens): what to do, not whom to see.
OFFICE_REASONS = {
    "no_decision": _l("No access decision yet: record a decision to give access."),
    "not_yet_valid": _l("Access starts on %(day)s."),
    "expired": _l("Access expired on %(day)s: renew it with a new decision."),
    "suspended": _l("Access suspended since %(day)s."),
    "refused": _l("Access refused."),
    "ended": _l("Access ended on %(day)s."),
    "household_closed": _l("This household is closed: reopen it to give access again."),
}


def reason_text(code: str, day: date | None = None) -> str:
    """The plain reason for a code, with its date (dd/mm/yyyy) where it has one."""
    text = str(REASONS[code])
    return text.replace("%(day)s", _fr_date(day)) if day else text


def decision_in_force(household: Household, day: date) -> Decision | None:
    """The latest decision (by decided_on, then id) whose validity covers the day."""
    covering = [d for d in household.decisions if d.valid_from <= day <= d.valid_until]
    return max(covering, key=lambda d: (d.decided_on, d.id)) if covering else None


def eligibility_on(household: Household, day: date) -> Eligibility:
    """May the household shop on this day? The decision in force decides; a closed household never may."""
    if household.status != "active":
        return Eligibility(False, "household_closed", reason_text("household_closed"), None, None)
    decision = decision_in_force(household, day)
    if decision is not None:
        if decision.outcome == "granted":
            return Eligibility(True, None, _("Access granted until %(day)s.", day=_fr_date(decision.valid_until)),
                               decision, decision.valid_until)
        code = decision.outcome
        return Eligibility(False, code, reason_text(code, decision.valid_from), decision, None, decision.valid_from)
    past = [d for d in household.decisions if d.valid_until < day]
    if past:
        last = max(past, key=lambda d: (d.valid_until, d.decided_on, d.id))
        return Eligibility(False, "expired", reason_text("expired", last.valid_until), None, last.valid_until,
                           last.valid_until)
    future = [d for d in household.decisions if d.valid_from > day]
    if future:
        first = min(future, key=lambda d: d.valid_from)
        return Eligibility(False, "not_yet_valid", reason_text("not_yet_valid", first.valid_from), None, None,
                           first.valid_from)
    return Eligibility(False, "no_decision", reason_text("no_decision"), None, None)


def default_valid_until(valid_from: date) -> date:
    """The last day of validity of a decision taken from valid_from (setting households.decision_months)."""
    return add_months(valid_from, int(get_setting("households.decision_months"))) - timedelta(days=1)



def scale_budget(household: Household, day: date) -> tuple[str, int]:
    """The budget the scale proposes: (period kind, base + per adult x adults + per child x children), each person
    weighted by their presence share (a child in shared custody half of the time: half the amount per child),
    rounded to the cent."""
    counts = weighted_composition(household, day)
    amount = (Decimal(int(get_setting("households.budget_per_household_cents")))
              + Decimal(int(get_setting("households.budget_per_adult_cents")) * counts["adults_hundredths"]) / 100
              + Decimal(int(get_setting("households.budget_per_child_cents")) * counts["children_hundredths"]) / 100)
    return str(get_setting("households.budget_period")), _half_up(amount)


def remaining_days(day: date) -> int:
    """Days the monthly income is divided by: the setting households.remaining_days (30 by default, the CPAS
    convention, so that the month's length never moves a household across the threshold), or the days of the
    calendar month of the day when the setting is 0."""
    days = int(get_setting("households.remaining_days"))
    return days if days > 0 else calendar.monthrange(day.year, day.month)[1]


def remaining_per_day(income_cents: int, charges_cents: int, persons_hundredths: int, days: int) -> int:
    """Reste à vivre per person per day: (income - charges) / persons / days, rounded to the cent; persons in
    hundredths (a child in shared custody half of the time counts 0,5)."""
    value = Decimal(income_cents - charges_cents) * 100 / Decimal(persons_hundredths) / Decimal(days)
    return _half_up(value)


def remaining_explanation(income_cents, charges_cents, persons_hundredths, days, result, threshold) -> str:
    """The computation in words, e.g. "(1 200,00 € − 850,00 €) / 3 persons / 30 days = 3,89 € (threshold 7,00 €)"."""
    below = _("below the threshold") if result < threshold else _("above the threshold")
    return _("(%(income)s income − %(charges)s charges) / %(persons)s person(s) / %(days)d days = %(result)s per "
             "person per day: %(position)s of %(threshold)s.", income=format_money(income_cents),
             charges=format_money(charges_cents), persons=hundredths_text(persons_hundredths), days=days,
             result=format_money(result), position=below, threshold=format_money(threshold))


def clean_budget_lines(lines: list[dict] | None) -> list[dict]:
    """The income and charge lines of a decision, checked: a known type for its kind, an amount of 0 or more,
    a proof of at most 200 characters. Lines without an amount are left out."""
    cleaned = []
    for line in lines or []:
        kind, amount = line.get("kind"), line.get("amount_cents")
        if amount is None:
            continue
        types = INCOME_TYPES if kind == "income" else CHARGE_TYPES if kind == "charge" else ()
        line_type = line.get("line_type") or ""
        if line_type not in types:
            raise ValidationError("lines", _l("Choose the type of each income and charge line from the list."))
        if not isinstance(amount, int) or amount < 0:
            raise ValidationError("lines", _l("The amount cannot be negative."))
        proof = (line.get("proof") or "").strip()
        if len(proof) > 200:
            raise ValidationError("lines", _l("At most %(n)d characters.", n=200))
        cleaned.append({"kind": kind, "line_type": line_type, "amount_cents": amount, "proof": proof})
    return cleaned


def line_totals(lines: list[dict]) -> tuple[int | None, int | None]:
    """(income, charges) summed from the lines; income None when there is no income line (not assessed)."""
    incomes = [line["amount_cents"] for line in lines if line["kind"] == "income"]
    charges = [line["amount_cents"] for line in lines if line["kind"] == "charge"]
    if not incomes:
        return None, (sum(charges) if charges else None)
    return sum(incomes), sum(charges)


def remaining_preview(household: Household, income_cents: int | None, charges_cents: int | None,
                      day: date) -> dict | None:
    """The reste à vivre a decision would record, with its explanation (None without income): per person weighted
    by presence, per day over the setting's days (30 by default)."""
    if income_cents is None:
        return None
    charges = charges_cents or 0
    persons = max(1, len([m for m in household.active_members if m.birth_on <= day]))
    weighted = max(1, weighted_composition(household, day)["persons_hundredths"])
    days = remaining_days(day)
    threshold = int(get_setting("households.remaining_threshold_cents"))
    result = remaining_per_day(income_cents, charges, weighted, days)
    return {"income_cents": income_cents, "charges_cents": charges, "persons": persons,
            "persons_hundredths": weighted, "persons_text": hundredths_text(weighted), "days": days,
            "result_cents": result, "threshold_cents": threshold, "is_below": result < threshold,
            "explanation": remaining_explanation(income_cents, charges, weighted, days, result, threshold)}


def decide_eligibility(actor, household: Household, *, outcome: str, motive: str = "",
                       valid_from: date | None = None, valid_until: date | None = None,
                       decided_on: date | None = None, income_cents: int | None = None,
                       charges_cents: int | None = None, criteria: list[dict] | None = None,
                       budget_cents: int | None = None, budget_override_motive: str = "",
                       lines: list[dict] | None = None, site_ids: list[int] | None = None) -> Decision:
    """Record a new eligibility decision; it supersedes the previous one, which stays in the history.

    Refused, suspended and ended decisions need a motive. Income and charges are lines (type, monthly amount,
    proof), summed; income_cents / charges_cents alone become one "other" line each. The budget comes from the
    scale unless the social worker overrides it with a motive. Proofs older than their criterion allows are flagged
    (the decision still saves: the social worker decides). A granted decision may name the sites where the household
    shops (`site_ids`, active sites of the installation): the tills of other sites refuse it; naming none lets it
    shop at every site. Its budget and quotas are one, whatever the site."""
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before deciding."))
    if outcome not in OUTCOMES:
        raise ValidationError("outcome", _l("Choose an outcome: granted, refused, suspended or ended."))
    today = local_today()
    decided_on = decided_on or today
    valid_from = valid_from or decided_on
    current = eligibility_on(household, valid_from)
    if valid_until is None:
        if outcome in {"suspended", "ended"} and current.eligible:
            valid_until = current.decision.valid_until
        else:
            valid_until = default_valid_until(valid_from)
    if valid_until < valid_from:
        raise ValidationError("valid_until", _l("The end of validity cannot be before its start."))
    motive = (motive or "").strip()
    if outcome != "granted" and not motive:
        raise ValidationError("motive", _l("Write the motive of this decision."))
    for name, value in (("income_cents", income_cents), ("charges_cents", charges_cents)):
        if value is not None and value < 0:
            raise ValidationError(name, _l("The amount cannot be negative."))
    if lines is None:
        lines = []
        if income_cents is not None:
            lines.append({"kind": "income", "line_type": "other_income", "amount_cents": income_cents})
        if charges_cents is not None:
            lines.append({"kind": "charge", "line_type": "other_charge", "amount_cents": charges_cents})
    budget_lines = clean_budget_lines(lines)
    income_cents, charges_cents = line_totals(budget_lines)
    if charges_cents is not None and income_cents is None:
        raise ValidationError("income_cents", _l("Type the monthly income to compute the reste à vivre."))
    period_kind, scale = scale_budget(household, valid_from)
    if period_kind not in PERIOD_KINDS:
        period_kind = "week"
    override_motive = (budget_override_motive or "").strip()
    if outcome != "granted":
        scale = granted = 0
        override_motive = ""
    elif budget_cents is None or budget_cents == scale:
        granted = scale
    else:
        if budget_cents < 0:
            raise ValidationError("budget_cents", _l("The amount cannot be negative."))
        if not override_motive:
            raise ValidationError("budget_override_motive",
                                  _l("The budget differs from the scale (%(scale)s): write why.",
                                     scale=format_money(scale)))
        granted = budget_cents
    sites = decision_sites(site_ids) if outcome == "granted" else []
    criterion_lines = []
    for item in criteria or []:
        criterion = db.session.get(Criterion, item.get("criterion_id") or 0)
        if criterion is None or not criterion.is_active:
            raise ValidationError("criteria", _l("Unknown criterion: choose one from the list."))
        proof_on = item.get("proof_dated_on")
        if proof_on and proof_on > decided_on:
            raise ValidationError("criteria", _l("A proof cannot be dated after the decision."))
        too_old = is_proof_too_old(criterion, proof_on, decided_on)
        if any(line.criterion_id == criterion.id for line in criterion_lines):
            continue
        criterion_lines.append(DecisionCriterion(criterion_id=criterion.id, criterion=criterion,
                                       proof_seen=(item.get("proof_seen") or "").strip()[:200],
                                       proof_dated_on=proof_on, is_proof_too_old=too_old))
    preview = remaining_preview(household, income_cents, charges_cents, valid_from)
    previous = max(household.decisions, key=lambda d: (d.decided_on, d.id)) if household.decisions else None
    decision = Decision(
        household=household, decided_by_id=getattr(actor, "id", None), decided_on=decided_on, valid_from=valid_from,
        valid_until=valid_until, outcome=outcome, motive=motive, supersedes_id=previous.id if previous else None,
        income_cents=income_cents, charges_cents=(charges_cents or 0) if income_cents is not None else None,
        persons=preview["persons"] if preview else max(1, len(household.active_members)),
        persons_hundredths=preview["persons_hundredths"] if preview else max(
            1, weighted_composition(household, valid_from)["persons_hundredths"]),
        days_in_month=preview["days"] if preview else remaining_days(valid_from),
        remaining_per_day_cents=preview["result_cents"] if preview else None,
        threshold_cents=int(get_setting("households.remaining_threshold_cents")), budget_period=period_kind,
        budget_cents=granted, scale_budget_cents=scale, budget_override_motive=override_motive,
        criteria=criterion_lines, lines=[DecisionLine(**line) for line in budget_lines],
        site_links=[DecisionSite(site_id=site.id) for site in sites])
    db.session.add(decision)
    db.session.flush()
    record_event(actor, "decision.create", decision, {
        "sites": [site.name for site in sites] or None,
        "household_id": household.id, "outcome": outcome, "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(), "budget_cents": granted, "budget_period": period_kind,
        "budget_overridden": granted != scale,
        "old_proofs": sum(1 for line in criterion_lines if line.is_proof_too_old)})
    return decision


def decision_sites(site_ids) -> list:
    """The active sites with these ids, in id order (duplicates once); an id of no active site is refused. None or
    no id: no site named (every site)."""
    from grocery.sites.models import Site

    wanted = sorted({site_id for site_id in site_ids or []})
    if not wanted:
        return []
    if any(not isinstance(site_id, int) or isinstance(site_id, bool) for site_id in wanted):
        raise ValidationError("sites", _l("Unknown site: choose among the sites listed."))
    found = list(db.session.scalars(select(Site).where(Site.id.in_(wanted), Site.is_active.is_(True))
                                    .order_by(Site.id)))
    if len(found) != len(wanted):
        raise ValidationError("sites", _l("Unknown site: choose among the sites listed."))
    return found


def decision_allows_site(decision: Decision, site_id: int) -> bool:
    """Whether the decision lets its household shop at the site: it names no site (every site), or names this one.
    The till asks the same in SQL (households.services.till.decision_at_site)."""
    return not decision.site_links or any(link.site_id == site_id for link in decision.site_links)


def suspended_decision(household: Household, day: date) -> tuple[Decision, Decision] | None:
    """(the suspension in force on the day, the granted decision it interrupted and that is still valid then), or
    None when the household is not suspended that day or nothing is left to resume."""
    eligibility = eligibility_on(household, day)
    if eligibility.reason_code != "suspended":
        return None
    suspension = eligibility.decision
    interrupted = [d for d in household.decisions if d.outcome == "granted" and d.id != suspension.id
                   and (d.decided_on, d.id) < (suspension.decided_on, suspension.id)
                   and d.valid_from <= suspension.valid_from <= d.valid_until and d.valid_until >= day]
    if not interrupted:
        return None
    return suspension, max(interrupted, key=lambda d: (d.decided_on, d.id))


def lift_suspension(actor, household: Household, *, motive: str, day: date | None = None) -> Decision:
    """Lift a suspension: the decision it interrupted resumes, with the same end date and budget, from the day of
    lifting. Decisions are never edited, so this records a granted decision copying the resumed one (budget, scale,
    income and charge lines, reste à vivre) from that day to the same end; like any decision starting within a week
    or a month, its first period gets the budget of the days left (period_budget). A motive is required."""
    day = day or local_today()
    if household.status != "active":
        raise Conflict(_l("This household is closed: reopen it before deciding."))
    found = suspended_decision(household, day)
    if found is None:
        raise Conflict(_l("This household is not suspended, or its decision has ended: record a new decision."))
    suspension, resumed = found
    motive = (motive or "").strip()
    if not motive:
        raise ValidationError("motive", _l("Write the motive of this decision."))
    if len(motive) > 2000:
        raise ValidationError("motive", _l("At most %(n)d characters.", n=2000))
    decision = Decision(
        household=household, decided_by_id=getattr(actor, "id", None), decided_on=local_today(), valid_from=day,
        valid_until=resumed.valid_until, outcome="granted", motive=motive, supersedes_id=suspension.id,
        income_cents=resumed.income_cents, charges_cents=resumed.charges_cents, persons=resumed.persons,
        persons_hundredths=resumed.persons_hundredths, remaining_per_day_cents=resumed.remaining_per_day_cents,
        days_in_month=resumed.days_in_month, threshold_cents=resumed.threshold_cents,
        budget_period=resumed.budget_period, budget_cents=resumed.budget_cents,
        scale_budget_cents=resumed.scale_budget_cents, budget_override_motive=resumed.budget_override_motive,
        criteria=[DecisionCriterion(criterion_id=line.criterion_id, proof_seen=line.proof_seen,
                                    proof_dated_on=line.proof_dated_on, is_proof_too_old=line.is_proof_too_old)
                  for line in resumed.criteria],
        lines=[DecisionLine(kind=line.kind, line_type=line.line_type, amount_cents=line.amount_cents,
                            proof=line.proof) for line in resumed.lines],
        site_links=[DecisionSite(site_id=link.site_id) for link in resumed.site_links])
    db.session.add(decision)
    db.session.flush()
    start, end = decision_period(decision, day)
    record_event(actor, "decision.lift_suspension", decision, {
        "household_id": household.id, "suspension_id": suspension.id, "resumed_decision_id": resumed.id,
        "valid_from": day.isoformat(), "valid_until": decision.valid_until.isoformat(),
        "sites": sorted(link.site_id for link in resumed.site_links) or None, "budget_cents": decision.budget_cents,
        "first_period_budget_cents": period_budget(decision, start, end)})
    return decision


def is_proof_too_old(criterion: Criterion, proof_on: date | None, day: date) -> bool:
    """A proof is too old when it is dated more than the criterion's validity (in days) before the day."""
    return bool(proof_on and criterion.proof_validity_days and (day - proof_on).days > criterion.proof_validity_days)


def proof_warnings(decision: Decision) -> list[str]:
    """Plain sentences for the proofs that were too old when the decision was taken."""
    return [_("Proof for “%(criterion)s” dated %(day)s is older than %(days)d days.",
              criterion=line.criterion.name, day=_fr_date(line.proof_dated_on),
              days=line.criterion.proof_validity_days)
            for line in decision.criteria if line.is_proof_too_old]


# --------------------------------------------------------------------------------------------------------------
# Follow-up lists
# --------------------------------------------------------------------------------------------------------------

def _households_with_decisions(condition) -> list[Household]:
    ids = select(Decision.household_id).where(condition)
    return list(db.session.scalars(
        select(Household).where(Household.id.in_(ids), Household.status == "active")
        .options(selectinload(Household.members), selectinload(Household.decisions))
        .order_by(Household.reference)))


def expiring_soon(day: date, days: int | None = None) -> list[tuple[Household, Decision]]:
    """Households whose access ends within `days` (setting households.expiry_warning_days) with no renewal yet."""
    days = int(get_setting("households.expiry_warning_days")) if days is None else days
    limit = day + timedelta(days=days)
    found = []
    for household in _households_with_decisions((Decision.outcome == "granted") & (Decision.valid_until >= day)
                                                & (Decision.valid_until <= limit)):
        now = eligibility_on(household, day)
        if now.eligible and now.valid_until <= limit and not eligibility_on(
                household, now.valid_until + timedelta(days=1)).eligible:
            found.append((household, now.decision))
    return sorted(found, key=lambda pair: pair[1].valid_until)


def suspended_households(day: date) -> list[tuple[Household, Decision]]:
    found = []
    for household in _households_with_decisions((Decision.outcome == "suspended") & (Decision.valid_from <= day)
                                                & (Decision.valid_until >= day)):
        now = eligibility_on(household, day)
        if now.reason_code == "suspended":
            found.append((household, now.decision))
    return found


def refused_in_month(day: date) -> list[Decision]:
    start, end = period_bounds("month", day)
    return list(db.session.scalars(
        select(Decision).where(Decision.outcome == "refused", Decision.decided_on >= start, Decision.decided_on <= end)
        .options(selectinload(Decision.household).selectinload(Household.members))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())))
