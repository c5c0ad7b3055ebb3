"""Till session rules: one open session per till held by one person, a float, cash in and out with a reason, a blind
closing count, a hand-over, an explanation of a large cash difference."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, select

from grocery.audit.services import record_event
from grocery.checkout.models import DENOMINATIONS, CashMovement, Sale, SaleRefund, TillSession
from grocery.dbutil import run
from grocery.errors import Conflict, GroceryError, ValidationError
from grocery.extensions import db
from grocery.money import format_money
from grocery.settings.services import get_setting
from grocery.sites.context import current_site_id
from grocery.timeutil import utcnow


class NotTillHolder(GroceryError):
    code = "not_till_holder"
    status = 403
    default_message = _l("This till session is held by someone else: ask them or a coordinator to hand it over to "
                         "you, or open another till.")


def is_manager(actor, site_id: int | None = None) -> bool:
    """Whether `actor` is a coordinator or an administrator where it acts: the signed-in user at the current site
    (grocery.sites.roles.current_role, read once per request and free for an account without site grants), another
    actor at `site_id` when given (grocery.sites.services.role_at), else by its account's role (a command, a test)."""
    from flask import has_request_context
    from flask_login import current_user

    from grocery.auth.roles import MANAGERS

    if actor is None:
        return False
    if has_request_context() and getattr(current_user, "id", None) == getattr(actor, "id", None) and site_id is None:
        from grocery.sites.roles import current_role

        return current_role() in MANAGERS
    if site_id is not None:
        from grocery.sites.services import role_at

        return role_at(actor, site_id) in MANAGERS
    return getattr(actor, "role", None) in MANAGERS


def may_work_in(actor, session: TillSession) -> bool:
    """The holder of a till session works in it (sells, voids, moves cash, closes); coordinators and administrators
    may too. Anyone else may not, whatever URL they open."""
    return is_manager(actor) or (actor is not None and session.held_by_id == getattr(actor, "id", None))


def require_holder(actor, session: TillSession) -> None:
    if not may_work_in(actor, session):
        raise NotTillHolder(_l("%(till)s is held by %(name)s: ask them or a coordinator to hand it over to you.",
                               till=session.till_name, name=session.held_by.display_name))


class TillClosed(GroceryError):
    code = "till_closed"
    status = 409
    default_message = _l("The till is closed: open it with a float before selling.")


@dataclass(frozen=True)
class TillRef:
    """A till session as a sale needs it: its id and whether it is open; with what the server knows of the till's
    contact (grocery.checkout.offline), read in the same statement."""

    id: int
    is_open: bool
    #: The session's site: its sales and their stock movements belong to it.
    site_id: int | None = None
    opened_at: datetime | None = None
    last_contact_at: datetime | None = None
    contact_gaps: list | None = None


@cache
def _till_status_query():
    return (select(TillSession.status, TillSession.held_by_id, TillSession.opened_at, TillSession.last_contact_at,
                   TillSession.contact_gaps, TillSession.site_id)
            .where(TillSession.id == bindparam("session_id")))


def till_ref(session_id, actor=None) -> TillRef | None:
    """The till session with this id as a TillRef (one light query), or None. With an actor, only the session's
    holder (or a coordinator, an administrator) gets it: anyone else is refused (NotTillHolder)."""
    if not isinstance(session_id, int) or isinstance(session_id, bool):
        return None
    row = run(_till_status_query(), {"session_id": session_id}).first()
    if row is None:
        return None
    status, held_by_id, opened_at, last_contact_at, contact_gaps, site_id = row
    if actor is not None and held_by_id != getattr(actor, "id", None) and not is_manager(actor):
        raise NotTillHolder()
    return TillRef(id=session_id, is_open=status == "open", site_id=site_id, opened_at=opened_at,
                   last_contact_at=last_contact_at, contact_gaps=contact_gaps)


def till_names() -> list[str]:
    """The tills configured in the settings, one per line."""
    names = [line.strip() for line in str(get_setting("checkout.till_names")).splitlines()]
    return [name[:40] for name in names if name] or ["Caisse 1"]


def count_total(detail: dict | None) -> tuple[int, dict[str, int]] | None:
    """Total of a count by denomination ({cents: number of coins or notes}); None when nothing was counted."""
    if not detail:
        return None
    clean: dict[str, int] = {}
    for key, number in detail.items():
        if number in (None, ""):
            continue
        try:
            denomination, number = int(key), int(number)
        except (TypeError, ValueError):
            raise ValidationError("count", _l("Type whole numbers of coins and notes.")) from None
        if denomination not in DENOMINATIONS:
            raise ValidationError("count", _l("Unknown coin or note: %(value)s.", value=key))
        if number < 0:
            raise ValidationError("count", _l("A number of coins or notes cannot be negative."))
        if number:
            clean[str(denomination)] = number
    if not clean:
        return None
    return sum(int(k) * n for k, n in clean.items()), clean


def _amount(total_cents: int | None, detail: dict | None, field: str) -> tuple[int, dict | None]:
    counted = count_total(detail)
    if counted is not None:
        return counted
    if total_cents is None:
        raise ValidationError(field, _l("Enter the amount, or count the coins and notes."))
    if total_cents < 0:
        raise ValidationError(field, _l("The amount cannot be negative."))
    return total_cents, None


def open_session_for(till_name: str, site_id: int | None = None) -> TillSession | None:
    """The open session of this till at the site (by default the current site): till names are the site's own."""
    return db.session.scalar(select(TillSession).where(
        TillSession.site_id == (site_id if site_id is not None else current_site_id()),
        TillSession.till_name == till_name, TillSession.status == "open"))


def open_till(actor, till_name: str, *, float_cents: int | None = None, float_detail: dict | None = None,
              site_id: int | None = None) -> TillSession:
    """Open a till with its float (typed as a total or counted by denomination); one open session per till and
    site (the till names are the same list at every site: "Caisse 1" may be open at two sites at once). The session
    belongs to `site_id`, by default the current site (grocery.sites.context): its sales and their stock movements
    will belong to it."""
    if till_name not in till_names():
        raise ValidationError("till_name", _l("Unknown till: choose one of the list."))
    amount, detail = _amount(float_cents, float_detail, "float_cents")
    site_id = site_id or current_site_id()
    current = open_session_for(till_name, site_id)
    if current is not None:
        raise Conflict(_l("%(till)s is already open (since %(time)s): close it first or continue it.",
                          till=till_name, time=current.opened_at.strftime("%H:%M")))
    session = TillSession(till_name=till_name, opened_by_id=actor.id, held_by_id=actor.id, float_cents=amount,
                          float_detail=detail, status="open", site_id=site_id)
    db.session.add(session)
    db.session.flush()
    record_event(actor, "till.open", session, {"till": till_name, "float_cents": amount})
    return session


def _require_open(session: TillSession) -> None:
    if not session.is_open:
        raise TillClosed(_l("This till session is closed."))


def expected_cash_cents(session: TillSession) -> int:
    """Cash the drawer should hold now: float, plus cash brought in, minus cash taken out, plus cash sales net of
    cash refunds."""
    signed = case((CashMovement.kind == "cash_in", CashMovement.amount_cents), else_=-CashMovement.amount_cents)
    moved = db.session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(CashMovement.session_id == session.id)) or 0
    return session.float_cents + moved + cash_sales_net_cents(session)


def cash_sales_net_cents(session: TillSession) -> int:
    """Cash received for sales in this session, minus cash given back for voids and refunds."""
    received = db.session.scalar(
        select(func.coalesce(func.sum(Sale.paid_cents), 0)).where(
            Sale.till_session_id == session.id, Sale.payment_method == "cash")) or 0
    returned = db.session.scalar(
        select(func.coalesce(func.sum(SaleRefund.cash_returned_cents), 0)).where(
            SaleRefund.till_session_id == session.id)) or 0
    return received - returned


def record_cash_movement(actor, session: TillSession, kind: str, amount_cents: int | None, reason: str | None
                         ) -> CashMovement:
    """Cash in or out of an open drawer needs a positive amount and a reason; never more out than is expected in;
    only the holder of the session (or a coordinator) moves its cash."""
    _require_open(session)
    require_holder(actor, session)
    if kind not in {"cash_in", "cash_out"}:
        raise ValidationError("kind", _l("Choose cash in or cash out."))
    if amount_cents is None or amount_cents <= 0:
        raise ValidationError("amount_cents", _l("The amount must be more than zero."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", _l("Say why the cash moves (for example: change from the bank)."))
    if kind == "cash_out" and amount_cents > (in_drawer := expected_cash_cents(session)):
        raise ValidationError("amount_cents", _l("The drawer should hold only %(amount)s.",
                                                 amount=format_money(in_drawer)))
    movement = CashMovement(session_id=session.id, kind=kind, amount_cents=amount_cents, reason=reason[:200],
                            actor_id=actor.id)
    db.session.add(movement)
    db.session.flush()
    record_event(actor, f"till.{kind}", session, {"amount_cents": amount_cents, "reason": reason[:200]})
    return movement


def close_till(actor, session: TillSession, *, counted_cents: int | None = None, count_detail: dict | None = None,
               note: str | None = None) -> TillSession:
    """Close with a blind count: the cashier counts first; the expected amount and the difference are computed
    and recorded only then. A difference above the setting checkout.max_cash_difference_cents needs an explanation
    before the till closes (count again, or explain). Only the holder (or a coordinator) closes."""
    _require_open(session)
    require_holder(actor, session)
    amount, detail = _amount(counted_cents, count_detail, "counted_cents")
    expected = expected_cash_cents(session)
    note = (note or "").strip()[:2000] or None
    if abs(amount - expected) > max_cash_difference_cents() and note is None:
        raise ValidationError("note", _l("The count differs from what the drawer should hold by more than "
                                         "%(limit)s: count again, or explain the difference in the note.",
                                         limit=format_money(max_cash_difference_cents())))
    session.expected_cents = expected
    session.counted_cents = amount
    session.count_detail = detail
    session.difference_cents = amount - expected
    session.closing_note = note
    session.status = "closed"
    session.closed_at = utcnow()
    session.closed_by_id = actor.id
    db.session.flush()
    record_event(actor, "till.close", session, {"expected_cents": session.expected_cents, "counted_cents": amount,
                                                "difference_cents": session.difference_cents})
    return session


def max_cash_difference_cents() -> int:
    """The cash difference a closing may have without an explanation (setting, default 5,00 €)."""
    return int(get_setting("checkout.max_cash_difference_cents"))


def difference_needs_attention(session: TillSession) -> bool:
    return session.difference_cents is not None and abs(session.difference_cents) > max_cash_difference_cents()


def explain_difference(actor, session: TillSession, explanation: str | None) -> TillSession:
    """A coordinator or an administrator adds or completes the explanation of a closed till's cash difference; the
    text before and after is logged."""
    if not is_manager(actor):
        raise NotTillHolder(_l("Only a coordinator or an administrator can explain a till's difference afterwards."))
    if session.is_open:
        raise TillClosed(_l("This till session is still open: the difference is known after the closing count."))
    text = (explanation or "").strip()[:2000]
    if not text:
        raise ValidationError("explanation", _l("Write the explanation of the difference."))
    before = session.closing_note
    session.closing_note = text
    db.session.flush()
    record_event(actor, "till.explain_difference", session, {"difference_cents": session.difference_cents,
                                                             "before": before, "after": text})
    return session


def handover_till(actor, session: TillSession, to_user) -> TillSession:
    """Hand an open till session over to another cashier (or a coordinator) who works at the till's site: only its
    holder or a coordinator, an administrator may do it; the new holder then sells in it, moves its cash and closes
    it. Logged."""
    from grocery.auth.roles import Role
    from grocery.sites.services import role_at

    _require_open(session)
    require_holder(actor, session)
    if to_user is None or not getattr(to_user, "is_active", False) or role_at(to_user, session.site_id) not in {
            Role.CASHIER, Role.COORDINATOR, Role.ADMIN}:
        raise ValidationError("user", _l("Choose an active cashier, coordinator or administrator of this site."))
    if to_user.id == session.held_by_id:
        raise ValidationError("user", _l("%(name)s already holds this till.", name=to_user.display_name))
    before = session.held_by_id
    session.held_by_id = to_user.id
    db.session.flush()
    record_event(actor, "till.handover", session, {"from_user_id": before, "to_user_id": to_user.id})
    return session
