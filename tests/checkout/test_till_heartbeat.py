"""The till page's heartbeat (GET /api/till/ping every 30 s): it keeps the server's record of the till's contact,
which decides whether a late sale counts as offline; and the receipt of a sale made offline says so."""

import uuid
from datetime import timedelta

from grocery.auth.roles import Role
from grocery.checkout.models import TillSession
from grocery.checkout.offline import record_offline_sale
from grocery.timeutil import utcnow
from tests.factories import make_lot, make_product, make_shopper, make_till


def test_the_heartbeat_records_the_tills_contact_and_is_never_cached(client, db, till):
    session = db.session.get(TillSession, till.id)
    session.last_contact_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    response = client.get("/api/till/ping")
    assert response.status_code == 200 and response.json == {"ok": True}
    assert response.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    session = db.session.get(TillSession, till.id)
    assert utcnow() - session.last_contact_at < timedelta(minutes=1)
    assert len(session.contact_gaps) == 1  # the five silent minutes are a gap: sales made in it count as offline


def test_the_heartbeat_of_a_signed_out_tablet_is_refused_in_json(client, db):
    response = client.get("/api/till/ping")
    assert response.status_code == 401 and response.json["error"] == "unauthenticated"


def test_the_heartbeat_of_a_stock_manager_is_refused(client, db, login):
    login(Role.STOCK_MANAGER)
    assert client.get("/api/till/ping").status_code == 403


def test_the_receipt_of_an_offline_sale_says_it_was_sold_offline(client, db, login):
    cashier = login(Role.CASHIER)
    till = make_till(cashier)
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 5)
    sale, _created = record_offline_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                                         lines=[{"product_id": product.id, "quantity": 1}],
                                         payment={"method": "card"}, charged=100,
                                         client_created_at=utcnow() - timedelta(minutes=5))
    db.session.commit()
    page = client.get(f"/till/sales/{sale.id}/receipt").get_data(as_text=True)
    assert "HORS LIGNE" in page and "Vendu hors ligne le" in page
