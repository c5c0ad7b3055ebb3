"""Figures of a till session for its closing report: sales by payment method, refunds, cash."""

from sqlalchemy import func, select

from grocery.checkout.models import CashMovement, Sale, SaleRefund, TillSession
from grocery.extensions import db


def session_summary(till: TillSession) -> dict:
    """Counts and amounts of one till session, in a fixed number of queries."""
    by_method = {method: {"count": count, "paid_cents": int(paid or 0), "retail_cents": int(retail or 0)}
                 for method, count, paid, retail in db.session.execute(
                     select(Sale.payment_method, func.count(Sale.id), func.sum(Sale.paid_cents),
                            func.sum(Sale.retail_cents))
                     .where(Sale.till_session_id == till.id).group_by(Sale.payment_method))}
    refunds = db.session.execute(
        select(func.count(SaleRefund.id), func.coalesce(func.sum(SaleRefund.amount_cents), 0),
               func.coalesce(func.sum(SaleRefund.cash_returned_cents), 0))
        .where(SaleRefund.till_session_id == till.id)).one()
    moves = dict(db.session.execute(
        select(CashMovement.kind, func.sum(CashMovement.amount_cents))
        .where(CashMovement.session_id == till.id).group_by(CashMovement.kind)).all())
    sales = db.session.scalars(select(Sale).where(Sale.till_session_id == till.id)
                               .order_by(Sale.created_at.desc())).all()
    paid = sum(v["paid_cents"] for v in by_method.values())
    retail = sum(v["retail_cents"] for v in by_method.values())
    return {
        "by_method": by_method,
        "sales_count": sum(v["count"] for v in by_method.values()),
        "paid_cents": paid,
        "retail_cents": retail,
        "savings_cents": retail - paid,
        "refunds_count": refunds[0],
        "refunds_cents": int(refunds[1]),
        "cash_returned_cents": int(refunds[2]),
        "cash_in_cents": int(moves.get("cash_in") or 0),
        "cash_out_cents": int(moves.get("cash_out") or 0),
        "sales": sales,
    }
