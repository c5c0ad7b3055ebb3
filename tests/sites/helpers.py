"""Helpers of the site tests: a second site, a sale made at a site, a logo's bytes, the audit trail's size."""

import uuid

from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.checkout.services import record_sale
from grocery.checkout.till import open_till
from grocery.extensions import db
from grocery.sites.context import current_site_id
from grocery.sites.models import Site
from tests.factories import PASSWORD, make_lot, make_product, make_shopper

#: The smallest bytes the logo check takes for a PNG and a JPEG (it reads their signature).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def first_site() -> Site:
    return db.session.get(Site, current_site_id())


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def sale_at(site: Site, cashier, *, till_name: str = "Caisse 1"):
    """A sale of two units at `site`, by `cashier`, on a till opened there; returns (sale, till)."""
    till = open_till(cashier, till_name, float_cents=0, site_id=site.id)
    product = make_product(retail_price_cents=200, price_rule="fixed", social_price_cents=100)
    lot = make_lot(product, 5)
    lot.site_id = site.id
    _household, card = make_shopper()
    sale, _created = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                                 lines=[{"product_id": product.id, "quantity": 2}],
                                 payment={"method": "cash", "tendered_cents": 1000})
    return sale, till


def log_in(client, user):
    """Log the client in as `user` (an account already committed, with its grants)."""
    token = client.csrf_token("/login")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
