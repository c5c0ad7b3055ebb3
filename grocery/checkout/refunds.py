"""Voids and refunds of sales: what was sold goes back (budget, cash), and the state of the goods decides whether
they are sold again or written off; prints of the receipt counted."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grocery.audit.services import record_event
from grocery.checkout.models import Sale, SaleRefund, SaleRefundLine, TillSession
from grocery.checkout.till import TillClosed
from grocery.errors import NotEligible, NotFound, ValidationError
from grocery.extensions import db
from grocery.timeutil import local_today


def can_void_or_refund(user, sale: Sale, till_session: TillSession | None) -> bool:
    """A cashier may void or refund only in the open session the sale was made in; coordinators and
    administrators (at the sale's site) at any time."""
    from grocery.auth.roles import MANAGERS
    from grocery.sites.services import role_at

    if role_at(user, sale.site_id) in MANAGERS:
        return True
    return till_session is not None and till_session.is_open and sale.till_session_id == till_session.id


#: The state of goods given back, and what becomes of them: "resellable" goes back to its lot; the others are
#: written off as waste with the stock domain's reason of the same name (grocery.stock.models.WASTE_REASONS).
REFUND_CONDITIONS = ("resellable", "damaged", "expired", "recalled")

#: Words of a reason (French, Dutch, English; accents folded) that say the goods cannot be sold again, by the
#: condition they mean. Used only when nobody chose the condition.
_REFUND_CONDITION_WORDS = {
    "recalled": ("rappel", "recall", "terugroep"),
    "expired": ("perime", "peremption", "pourri", "moisi", "avarie", "impropre", "gate", "gatee", "gates",
                "gatees", "expire", "unfit", "spoil", "rotten", "mould", "mold", "bedorven", "vervallen",
                "beschimmeld", "dlc"),
    "damaged": ("abime", "endommage", "casse", "cassee", "casses", "cassees", "dechire", "ecrase", "perce",
                "fuite", "damage", "broken", "torn", "leak", "beschadigd", "kapot", "gebroken", "lek"),
}
#: Words matched whole (as prefixes they would catch "gateau", "lekker"...); the others also as word starts.
_WHOLE_WORDS = frozenset({"gate", "gatee", "gates", "gatees", "dlc", "lek", "torn", "mold", "casse", "cassee",
                          "casses", "cassees"})


def refund_condition(reason: str) -> str:
    """The state of returned goods that a free-text reason states: "damaged", "expired" (unfit for
    consumption) or "recalled" when one of their words appears in it, else "resellable". For callers that let
    the person write the reason only; the refund form asks for the condition."""
    import re
    import unicodedata

    folded = unicodedata.normalize("NFKD", reason or "").encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z]+", folded)
    for condition, stems in _REFUND_CONDITION_WORDS.items():
        if any(word == stem or (stem not in _WHOLE_WORDS and word.startswith(stem)) for word in words
               for stem in stems):
            return condition
    return "resellable"


def refund_sale(actor, sale: Sale, quantities: dict[int, int] | None, *, reason: str,
                till_session: TillSession | None, condition: str | None = None,
                day: date | None = None) -> SaleRefund:
    """Give back some lines (quantities by sale line id) or, with None, void the whole sale: never more than was
    sold and not yet refunded; the budget is restored, cash is returned from an open till; always with a reason
    and logged. The state of the goods decides where they go: goods in good state ("resellable") go back to their
    lot; damaged, expired (unfit) or recalled goods go back and are written off as waste with that reason, never
    into sellable stock. Without a condition chosen, it is read from the reason (refund_condition)."""
    from grocery.households.models import Household
    from grocery.households.services import lock_household, refund_budget
    from grocery.stock.services import record_movements, record_waste

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", _l("Say why (for example: wrong product, damaged)."))
    if condition in (None, ""):
        condition = refund_condition(reason)
    if condition not in REFUND_CONDITIONS:
        raise ValidationError("condition", _l("Say in which state the goods come back."))
    if sale.status == "voided":
        raise ValidationError("reason", _l("This sale is already cancelled."))
    if not can_void_or_refund(actor, sale, till_session):
        raise NotEligible(_l("Only a coordinator can cancel or refund a sale of another till session."))
    lines = {line.id: line for line in sale.lines}
    if quantities is None:
        wanted = {line_id: line.quantity - line.refunded_quantity for line_id, line in lines.items()
                  if line.quantity > line.refunded_quantity}
        kind = "void"
    else:
        wanted = {}
        for line_id, quantity in quantities.items():
            line = lines.get(line_id)
            if line is None:
                raise NotFound(_l("This line is not part of the sale."))
            if not isinstance(quantity, int) or quantity < 0:
                raise ValidationError("quantity", _l("A quantity must be a whole number."))
            if quantity > line.quantity - line.refunded_quantity:
                raise ValidationError("quantity", _l("At most %(n)s can be given back for this line.",
                                                     n=line.quantity - line.refunded_quantity))
            if quantity:
                wanted[line_id] = quantity
        kind = "refund"
    if not wanted:
        raise ValidationError("quantity", _l("Choose what is given back."))
    # The household first, as a sale locks it before its lots: a refund and a sale never wait for each other in a
    # cycle (PostgreSQL; nothing on SQLite).
    lock_household(sale.household_id)
    refund = SaleRefund(sale_id=sale.id, kind=kind, reason=reason[:200], condition=condition, actor_id=actor.id,
                        amount_cents=0,
                        retail_cents=0, cash_returned_cents=0,
                        till_session_id=till_session.id if till_session is not None and till_session.is_open
                        else None)
    db.session.add(refund)
    db.session.flush()
    for line_id, quantity in wanted.items():
        line = lines[line_id]
        if line.refunded_quantity + quantity == line.quantity:  # the last refund of a line takes the remainder
            already = db.session.scalar(select(func.coalesce(func.sum(SaleRefundLine.amount_cents), 0))
                                        .where(SaleRefundLine.sale_line_id == line.id)) or 0
            amount = line.price_cents - already
        else:
            amount = round(line.price_cents * quantity / line.quantity)
        line.refunded_quantity += quantity
        db.session.add(SaleRefundLine(refund_id=refund.id, sale_line_id=line.id, quantity=quantity,
                                      amount_cents=amount))
        refund.amount_cents += amount
        refund.retail_cents += round(line.retail_cents * quantity / line.quantity)
    record_movements([(lines[line_id].lot_id, lines[line_id].lot.product, quantity)
                      for line_id, quantity in wanted.items()], "return",
                     site_id=sale.site_id, actor_id=actor.id, reason=reason[:200], reference=sale.uuid)
    if condition != "resellable":  # back in the ledger, then out as waste: never sold again
        for line_id, quantity in wanted.items():
            record_waste(actor, lines[line_id].lot, quantity, condition, note=f"{sale.uuid}: {reason}")
    if sale.payment_method == "cash" and refund.amount_cents:
        if refund.till_session_id is None:
            raise TillClosed(_l("Open a till to give the cash back."))
        refund.cash_returned_cents = refund.amount_cents
    if kind == "void":
        sale.status = "voided"
    if refund.amount_cents:
        household = db.session.get(Household, sale.household_id)
        refund_budget(household, refund.amount_cents, day=day or local_today(), reference=sale.uuid, actor=actor,
                      reason=reason[:200])
    db.session.flush()
    record_event(actor, f"sale.{kind}", sale, {"refund_id": refund.id, "amount_cents": refund.amount_cents,
                                              "reason": reason[:200], "condition": condition,
                                              "lines": {str(k): v for k, v in wanted.items()}})
    return refund


def mark_receipt_printed(actor, sale: Sale) -> int:
    """Count a print of the receipt; prints after the first are reprints (shown on the receipt)."""
    sale.receipt_prints += 1
    db.session.flush()
    if sale.receipt_prints > 1:
        record_event(actor, "sale.receipt_reprint", sale, {"prints": sale.receipt_prints})
    return sale.receipt_prints


