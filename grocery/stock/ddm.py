"""Best-before (DDM) goods past their grace days: the lots waiting for a stock manager's decision (sell, give, discard).

A lot with a best-before date stays sellable until best_before_on + the grace days of its product's category
(ProductCategory.ddm_grace_days, else the setting stock.ddm_grace_days). From the next day (Lot.ddm_hold_from) the
till does not sell it (services.ledger._sellable) until a stock manager decides:
- sell: sellable again until a date (it waits again the day after) or for good;
- give: the lot leaves the stock as goods given away (to another association, a soup kitchen...), an "adjustment"
  movement with the reason "given" and the recipient. Chosen over a free distribution at the till: the till's
  prices belong to the checkout and its statements stay as they are, and a gift out of the grocery is what the
  field does with goods it will not sell; the reports then count them neither as sold nor as waste;
- discard: waste with its reason (expired, damaged, recalled, other), as any waste.
"""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from grocery.audit.services import record_event
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db
from grocery.settings.services import get_setting
from grocery.sites.context import current_site_id
from grocery.stock.models import WASTE_REASONS, Lot, Product, ProductCategory
from grocery.timeutil import local_today, utcnow

MAX_GRACE_DAYS = 3650
DECISIONS = ("sell", "give", "discard")
#: The reason written on the movement of a lot given away.
GIVEN_REASON = "given"


def grace_days_by_category() -> dict[int, int]:
    """Grace days per category id: its own, else the setting."""
    default = int(get_setting("stock.ddm_grace_days"))
    rows = db.session.execute(select(ProductCategory.id, ProductCategory.ddm_grace_days))
    return {category_id: default if days is None else days for category_id, days in rows}


def hold_from(best_before_on: date | None, grace_days: int) -> date | None:
    """The first day a lot waits for a decision: the day after its best-before date plus the grace days."""
    return None if best_before_on is None else best_before_on + timedelta(days=grace_days + 1)


def refresh_ddm_holds(category_ids: list[int] | None = None) -> int:
    """Recompute the hold day of the lots with stock and a best-before date on which no decision was taken (of these
    categories, or all): after a category's or the default grace days changed. Returns the lots changed."""
    grace = grace_days_by_category()
    query = (select(Lot, Product.category_id).join(Product, Product.id == Lot.product_id)
             .where(Lot.best_before_on.is_not(None), Lot.ddm_decision.is_(None), Lot.quantity_on_hand > 0))
    if category_ids is not None:
        query = query.where(Product.category_id.in_(category_ids))
    changed = 0
    for lot, category_id in db.session.execute(query):
        wanted = hold_from(lot.best_before_on, grace[category_id])
        if lot.ddm_hold_from != wanted:
            lot.ddm_hold_from = wanted
            changed += 1
    db.session.flush()
    return changed


def waiting_lots(day: date | None = None, *, site_id: int | None = None) -> list[Lot]:
    """Lots of the site (by default the current one) with stock that wait for a decision on `day` (past their
    best-before date and grace days, or past the date until which they were sold again), the oldest best-before
    date first. Lots past their use-by date are not here: they are expired (discard them from the expired list)."""
    day = day or local_today()
    return list(db.session.scalars(
        select(Lot).where(Lot.site_id == (site_id or current_site_id()), Lot.quantity_on_hand > 0,
                          Lot.ddm_hold_from <= day,
                          and_(Lot.use_by_on.is_(None) | (Lot.use_by_on >= day)))
        .order_by(Lot.best_before_on, Lot.id)))


def decide(actor, lot: Lot, decision: str, *, until: date | None = None, recipient: str = "",
           reason: str = "expired", note: str = "", day: date | None = None):
    """A stock manager's decision on a lot waiting past its best-before date:
    - sell: sellable again until `until` (today or later; it waits again the day after) or, without a date, for good;
    - give: the whole lot leaves the stock as given away to `recipient` (required), an adjustment movement;
    - discard: the whole lot is wasted with `reason` (one of the waste reasons).
    Refused: a lot that is not waiting (nothing to decide), an unknown decision, a date in the past."""
    from grocery.stock.services import record_movement, record_waste

    day = day or local_today()
    if decision not in DECISIONS:
        raise ValidationError("decision", _l("Choose: sell, give or discard."))
    if lot.quantity_on_hand <= 0 or lot.ddm_hold_from is None or lot.ddm_hold_from > day:
        raise Conflict(_l("This lot is not waiting for a decision: it is sellable, or already decided."))
    note = (note or "").strip()[:200]
    details = {"decision": decision, "quantity": lot.quantity_on_hand}
    if decision == "sell":
        if until is not None and until < day:
            raise ValidationError("until", _l("Choose today or a later day, or leave the date empty to sell the lot "
                                              "for good."))
        lot.ddm_hold_from = None if until is None else until + timedelta(days=1)
        details["until"] = until.isoformat() if until else None
    elif decision == "give":
        recipient = (recipient or "").strip()
        if not recipient:
            raise ValidationError("recipient", _l("Say to whom the goods are given (an association, a soup "
                                                  "kitchen...)."))
        details["recipient"] = recipient[:120]
        record_movement(lot, -lot.quantity_on_hand, "adjustment", actor=actor,
                        reason=f"{GIVEN_REASON}: {recipient}"[:200])
    else:
        if reason not in WASTE_REASONS:
            raise ValidationError("reason", _l("Choose the reason: expired, damaged, recalled or other."))
        details["reason"] = reason
        record_waste(actor, lot, lot.quantity_on_hand, reason, note=note)
    lot.ddm_decision = decision
    lot.ddm_decided_at = utcnow()
    db.session.flush()
    record_event(actor, "stock.ddm_decision", lot, {**details, "note": note})
    return lot
