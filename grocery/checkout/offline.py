"""Offline sales: when a sale made while the till had no network is accepted as such, and how it is recorded even
when a check fails by the time it arrives (flagged for review, stock shortfalls, budget consumed as sold)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from grocery.checkout.models import Sale, StockShortfall, TillSession
from grocery.checkout.price_labels import take_price_labels
from grocery.checkout.services import (
    UnknownCard,
    _check_uuid,
    _parse_lines,
    _payment,
    _products_and_lots,
    _receipt_figures,
    _replayed_sale,
    in_sale_transaction,
    price_lines,
    write_sale,
)
from grocery.checkout.till import TillClosed, TillRef
from grocery.errors import GroceryError, InsufficientStock, ValidationError
from grocery.extensions import db
from grocery.money import format_money
from grocery.timeutil import to_local, utcnow

#: A silence of the till longer than this is a gap in its contact with the server (the till asks something at
#: least every 30 seconds while its page is open: see the README, "Offline sales").
GAP = timedelta(seconds=60)
#: Tolerance on the tablet's clock around a gap (tablets set their clock from the network: seconds apart).
GRACE = timedelta(seconds=30)
#: The till's contact is written at most this often (each request does not need to take the row's write lock).
WRITE_EVERY = timedelta(seconds=10)
#: The gaps kept per till session (the most recent).
MAX_GAPS = 50
#: The cash the cashier can have charged for one sale, in cents (as for tendered cash).
MAX_CHARGED_CENTS = 1_000_000


@dataclass(frozen=True)
class Contact:
    """What the server knew of a till's contact just before the current request."""

    opened_at: datetime
    last_contact_at: datetime | None
    gaps: tuple[tuple[datetime, datetime], ...]


def contact_write_due(till: TillRef, now: datetime | None = None) -> bool:
    """Whether note_contact will write: the till's contact was last written WRITE_EVERY ago or more (or never)."""
    now = now or utcnow()
    return till.last_contact_at is None or not timedelta(0) <= now - till.last_contact_at < WRITE_EVERY


def _gaps(stored) -> list[tuple[datetime, datetime]]:
    return [(datetime.fromisoformat(start), datetime.fromisoformat(end)) for start, end in stored or []]


def note_contact(till: TillRef | int, now: datetime | None = None) -> Contact | None:
    """Record that the till working in this session reached the server now (any request of its page). A silence
    longer than GAP since its previous request is kept as a gap. Returns the contact as it was before this
    request (None for no such session).

    The contact is written at most once every WRITE_EVERY (one UPDATE, no read of its own: the TillRef carries the
    contact, read with the till's status), so that the till's requests do not each take the row's write lock. The
    recorded contact is therefore exact to WRITE_EVERY, well within GRACE."""
    now = now or utcnow()
    if not isinstance(till, TillRef):
        found = db.session.get(TillSession, till, populate_existing=True)
        if found is None:
            return None
        till = TillRef(id=found.id, is_open=found.is_open, site_id=found.site_id, opened_at=found.opened_at,
                       last_contact_at=found.last_contact_at, contact_gaps=found.contact_gaps)
    gaps = _gaps(till.contact_gaps)
    before = Contact(opened_at=till.opened_at, last_contact_at=till.last_contact_at, gaps=tuple(gaps))
    previous = till.last_contact_at or till.opened_at
    if not contact_write_due(till, now):
        return before
    values: dict = {"last_contact_at": now}
    if now - previous > GAP:
        gaps = [*gaps, (previous, now)][-MAX_GAPS:]
        values["contact_gaps"] = [[start.isoformat(), end.isoformat()] for start, end in gaps]
    db.session.execute(update(TillSession)
                       .where(TillSession.id == till.id,
                              (TillSession.last_contact_at.is_(None)) | (TillSession.last_contact_at < now))
                       .values(**values).execution_options(synchronize_session=False))
    return before


def offline_accepted(contact: Contact | None, client_time: datetime | None, now: datetime | None = None) -> bool:
    """The `offline` flag of a sale counts only when the server saw the till silent when the sale was made: its
    client time lies within a gap in the till's contact (with GRACE for the tablet's clock), including the silence
    that this very request ends, never before the till was opened nor in the future. Otherwise the sale is handled
    as made online, with the strict refusals: a till that is reachable cannot use the flag to pass a refusal."""
    now = now or utcnow()
    if contact is None or client_time is None or client_time > now + GRACE or client_time < contact.opened_at:
        return False
    windows = list(contact.gaps)
    previous = contact.last_contact_at or contact.opened_at
    if now - previous > GAP:  # the silence this request ends
        windows.append((previous, now))
    return any(start - GRACE <= client_time <= end + GRACE for start, end in windows)


def charged_cents(data: dict) -> int:
    """The total the cashier charged offline (`total_cents`), what the household paid; when lines carry their
    `price_cents`, their sum must be that total."""
    total = data.get("total_cents")
    if not isinstance(total, int) or isinstance(total, bool) or not 0 <= total <= MAX_CHARGED_CENTS:
        raise ValidationError("total_cents", _l("An offline sale needs the total the household paid."))
    prices = [line.get("price_cents") for line in data.get("lines") or [] if isinstance(line, dict)]
    valid = all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= MAX_CHARGED_CENTS for p in prices)
    if any(price is not None for price in prices) and (not valid or sum(prices) != total):
        raise ValidationError("total_cents", _l("The prices of the lines do not add up to the total paid."))
    return total


def record_offline_sale(actor, till_session: TillSession | TillRef | None, *, sale_uuid, card_code: str, lines,
                        payment: dict | None, charged: int, client_created_at: datetime) -> tuple[Sale, bool]:
    """Record a sale made offline (offline_accepted said so): the household left with the goods, so it is recorded
    even when a check now fails (card no longer valid, budget spent meanwhile, quota, stock), and it is marked
    "pending" review with what failed. Its day is the day it was made. The lots are allocated FEFO and each line
    priced by its lot's rules as for any sale, from the till session's site's lots; the household paid what the
    cashier charged (`charged`: the sale's total and paid amount, and the budget consumed, overspending the period if
    need be). Units that no lot covers are recorded as a StockShortfall on the product (stock never goes below zero).
    Idempotent by uuid like record_sale; an unknown card, an unknown product, a closed till or a malformed request
    are still refused."""
    sale_uuid = _check_uuid(sale_uuid)
    return in_sale_transaction(_record_offline_once, actor, till_session, sale_uuid=sale_uuid, card_code=card_code,
                               lines=lines, payment=payment, charged=charged, client_created_at=client_created_at)


def _record_offline_once(actor, till_session, *, sale_uuid: str, card_code, lines, payment, charged: int,
                         client_created_at: datetime) -> tuple[Sale, bool]:
    from grocery.households.services import budget_period, till_lookup
    from grocery.stock.services import retail_value_cents

    try:
        if till_session is None or not till_session.is_open:
            raise TillClosed()
        day = to_local(client_created_at).date()
        summary, household = till_lookup(card_code, day, lock=True, site_id=till_session.site_id)
        if household is None:
            raise UnknownCard()
        parsed = _parse_lines(lines)
        method, tendered, change = _payment(payment, charged)
        reasons: list[dict] = []
        if not summary["eligible"]:
            reasons.append({"code": summary["reason_code"], "product_id": None, "message": str(summary["reason"])})
        products, quantities, shortfalls = _allocate_what_lots_cover(parsed, day, reasons, till_session.site_id)
        labels = take_price_labels(lines)
        priced, _violations = price_lines(None, None, [(pid, q) for pid, q in quantities.items() if q > 0], day,
                                          strict=False, site_id=till_session.site_id,
                                          labels={pid: labels[pid] for pid in labels
                                                  if pid not in shortfalls} if labels else None)
        _check_quotas(household.id, summary["quota_basis"], parsed, day, reasons, till_session.site_id)
        period_start, _end = budget_period(household, day)
        left = summary["budget_left_cents"]
        if left is None:
            left = household.ledger.get(period_start, 0)  # no budget granted that day: what is left is spent
        if charged > left:
            reasons.append({"code": "over_budget", "product_id": None, "message": str(_l(
                "The total (%(total)s) is more than the budget left (%(left)s).",
                total=format_money(charged), left=format_money(max(left, 0))))})
        priced_total = sum(line.price_cents for line in priced)
        if priced_total != charged:
            reasons.append({"code": "price_differs", "product_id": None, "message": str(_l(
                "Charged %(charged)s; the lots sold come to %(priced)s.", charged=format_money(charged),
                priced=format_money(priced_total)))})
    except GroceryError:
        existing = _replayed_sale(sale_uuid, card_code, lines, payment)
        if existing is not None:
            return existing, False
        raise
    values = {"uuid": sale_uuid, "site_id": till_session.site_id, "till_session_id": till_session.id,
              "household_id": household.id,
              "card_code": card_code, "cashier_id": actor.id, "created_at": utcnow(),
              "client_created_at": client_created_at, "budget_period_start": period_start, "total_cents": charged,
              "retail_cents": sum(line.retail_cents for line in priced) + sum(
                  retail_value_cents(products[pid], quantity) for pid, quantity in shortfalls.items()),
              "paid_cents": charged,
              "payment_method": method, "tendered_cents": tendered, "change_cents": change, "status": "completed",
              "receipt_prints": 0, "budget_left_cents": left - charged,
              "receipt_figures": _receipt_figures(summary, priced), "offline": True,
              "review_status": "pending" if reasons else None, "review_reasons": reasons or None,
              "reviewed_by_id": None, "reviewed_at": None}
    sale, created = write_sale(actor, household, values, priced, lines=lines, payment=payment)
    if created and shortfalls:
        db.session.add_all(StockShortfall(product_id=product_id, sale_id=sale.id, quantity=quantity,
                                          created_at=values["created_at"])
                           for product_id, quantity in shortfalls.items())
        db.session.flush()
    return sale, created


def _allocate_what_lots_cover(parsed: list[tuple[int, int]], day: date, reasons: list[dict],
                              site_id: int) -> tuple[dict, dict[int, int], dict[int, int]]:
    """(products, {product id: quantity the lots of the till's site cover}, {product id: quantity they do not}): the
    lots are locked (a sale) and each product short of stock takes what is left (InsufficientStock says how
    much)."""
    from grocery.stock.services import allocate_fefo_many

    products, lots = _products_and_lots([product_id for product_id, _q in parsed], day, site_id=site_id, lock=True)
    quantities, shortfalls = dict(parsed), {}
    while True:
        try:
            allocate_fefo_many([(products[pid], q) for pid, q in quantities.items() if q > 0], day, lots)
            return products, quantities, shortfalls
        except InsufficientStock as error:
            product_id, available = error.details["product_id"], error.details["available"]
            shortfalls[product_id] = quantities[product_id] - available
            quantities[product_id] = available
            reasons.append({"code": "insufficient_stock", "product_id": product_id, "message": str(error.message)})


def _check_quotas(household_id: int, basis: dict | None, parsed: list[tuple[int, int]], day: date,
                  reasons: list[dict], site_id: int) -> None:
    """Add a reason for each product or category quota the whole quantity handed over goes beyond (the till's own
    quota rules, as a quote would report them)."""
    if not basis:
        return
    _priced, violations = price_lines(household_id, basis, parsed, day, strict=False, site_id=site_id)
    reasons.extend(violation for violation in violations if violation["code"] == "quota_exceeded")


def mark_reviewed(actor, sale: Sale) -> None:
    """A coordinator has looked at an offline sale flagged for review (logged)."""
    from grocery.audit.services import record_event

    if sale.review_status != "pending":
        raise ValidationError(None, _l("This sale is not waiting for review."))
    db.session.execute(update(Sale).where(Sale.id == sale.id).values(
        review_status="reviewed", reviewed_by_id=actor.id, reviewed_at=utcnow()))
    db.session.refresh(sale)
    record_event(actor, "checkout.offline_sale_reviewed", sale, {"reasons": [r["code"] for r in sale.review_reasons
                                                                             or []]})


def sales_to_review(*, include_reviewed: bool = False, limit: int = 200, site_id: int | None = None) -> list[Sale]:
    """The offline sales of the site (by default the current site) that failed a check, oldest first (pending ones;
    with include_reviewed, the last reviewed ones too, newest first after them), with what the review list shows."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from grocery.sites.context import current_site_id

    statuses = ["pending", "reviewed"] if include_reviewed else ["pending"]
    site_id = site_id if site_id is not None else current_site_id()
    query = (select(Sale).where(Sale.review_status.in_(statuses), Sale.site_id == site_id)
             .options(selectinload(Sale.shortfalls), selectinload(Sale.till_session))
             .order_by(Sale.review_status, Sale.created_at).limit(limit))
    return list(db.session.scalars(query))
