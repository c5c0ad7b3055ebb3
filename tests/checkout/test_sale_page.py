"""The sale page: give lines back or cancel the sale, always with a reason."""

import uuid

from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.checkout.models import Sale, SaleRefund
from grocery.checkout.services import record_sale
from tests.factories import make_lot, make_product, make_shopper, make_till
from tests.utils import text_of


def _sale(client, login):
    cashier = login(Role.CASHIER)
    till = make_till(cashier)
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=50)
    make_lot(product, 5)
    sale, _ = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": 3}], payment={"method": "card"})
    return till, sale


def test_refund_needs_a_reason_and_a_whole_number(client, db, login):
    """Without a reason, or with a quantity that is not a whole number, is anything given back? (no)"""
    till, sale = _sale(client, login)
    db.session.commit()
    client.get(f"/till/sessions/{till.id}/screen")
    line = sale.lines[0]
    no_reason = client.post_form(f"/till/sales/{sale.id}", {"action": "refund", f"line_{line.id}": "1",
                                                            "reason": " "}, follow_redirects=True)
    assert "Indiquez le motif" in text_of(no_reason)
    not_a_number = client.post_form(f"/till/sales/{sale.id}", {"action": "refund", f"line_{line.id}": "1,5",
                                                               "reason": "abîmé"}, follow_redirects=True)
    assert "nombres entiers" in text_of(not_a_number)
    assert db.session.scalars(select(SaleRefund)).all() == []


def test_cashier_refunds_then_cancels_from_the_page(client, db, login):
    till, sale = _sale(client, login)
    db.session.commit()
    client.get(f"/till/sessions/{till.id}/screen")
    line = sale.lines[0]
    client.post_form(f"/till/sales/{sale.id}", {"action": "refund", f"line_{line.id}": "1", "reason": "abîmé"})
    client.post_form(f"/till/sales/{sale.id}", {"action": "void", "reason": "erreur de ménage"})
    db.session.expire_all()
    kinds = db.session.scalars(select(SaleRefund.kind).order_by(SaleRefund.id)).all()
    assert kinds == ["refund", "void"]
    assert db.session.get(Sale, sale.id).status == "voided"
