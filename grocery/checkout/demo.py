"""Demo: till sessions of the past days with real sales (FEFO lots, budgets, quotas), one refund."""

import random
import uuid
from datetime import time, timedelta

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from grocery.auth.models import User
from grocery.checkout.services import quote_sale, record_sale, refund_sale
from grocery.checkout.till import close_till, expected_cash_cents, open_till, till_names
from grocery.demo import register_demo
from grocery.extensions import db
from grocery.timeutil import local_to_utc, local_today


@register_demo(50, _l("till"))
def load_demo() -> str:
    from grocery.households.models import Household
    from grocery.households.services import eligibility_on
    from grocery.stock.models import Lot, Product

    rng = random.Random(2026)
    today = local_today()
    cashier = db.session.scalar(select(User).where(User.username == "caisse"))
    if cashier is None:
        return gettext("no cashier account: no sales")
    households = [h for h in db.session.scalars(select(Household).order_by(Household.id))
                  if h.active_card is not None and eligibility_on(h, today).eligible]
    products = db.session.scalars(
        select(Product).join(Lot, Lot.product_id == Product.id)
        .where(Product.unit_kind == "piece", Product.quota_quantity.is_(None), Lot.quantity_on_hand > 3,
               Lot.use_by_on.is_(None) | (Lot.use_by_on >= today))
        .distinct().order_by(Product.id)).all()
    if not households or not products:
        return gettext("no households or products: no sales")
    sales, sessions, refunded = 0, 0, 0
    first_sale = None
    for days_ago in (6, 4, 3, 1):
        day = today - timedelta(days=days_ago)
        till = open_till(cashier, till_names()[0], float_cents=5000)
        till.opened_at = local_to_utc(day, time(9, 15))
        for index, household in enumerate(rng.sample(households, k=min(5, len(households)))):
            lines = [{"product_id": p.id, "quantity": rng.randint(1, 2)}
                     for p in rng.sample(products, k=min(rng.randint(3, 7), len(products)))]
            card = household.active_card.code
            if quote_sale(card, lines, day).violations:
                continue  # over budget or short of stock: the demo skips this cart (the quote writes nothing)
            sale, _ = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card, lines=lines, day=day,
                                  payment={"method": "cash", "tendered_cents": 10000})
            sale.created_at = local_to_utc(day, time(9 + index, 20))
            sales += 1
            first_sale = first_sale or sale
        if first_sale is not None and not refunded and first_sale.till_session_id == till.id:
            line = first_sale.lines[0]
            refund_sale(cashier, first_sale, {line.id: 1}, reason="Produit abîmé rapporté", till_session=till,
                        day=day)
            refunded = 1
        counted = expected_cash_cents(till) - (200 if days_ago == 3 else 0)
        close_till(cashier, till, counted_cents=counted, note="Pièce de 2 € introuvable" if days_ago == 3 else "")
        till.closed_at = local_to_utc(day, time(13, 5))
        sessions += 1
    db.session.flush()
    return ", ".join((ngettext("%(num)d till session closed", "%(num)d till sessions closed", sessions),
                      ngettext("%(num)d sale", "%(num)d sales", sales),
                      ngettext("%(num)d refund", "%(num)d refunds", refunded)))
