"""Proxy mandates: validity dates, revocation, the till's list, and the proxy recorded with a sale."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import ProxyMandate, SaleProxy
from grocery.audit.models import AuditEvent
from grocery.checkout.services import record_sale
from grocery.errors import Conflict, ValidationError
from grocery.extensions import db as _db
from grocery.timeutil import local_today
from tests.factories import make_household, make_lot, make_product, make_shopper, make_till


def test_a_mandate_is_valid_within_its_dates_only(db):
    household = make_household()
    today = local_today()
    mandate = aps.create_mandate(None, household, full_name="  Josiane   Collin ", identity_document="Carte d'identité",
                                 valid_from=today + timedelta(days=2), valid_until=today + timedelta(days=10))
    assert mandate.full_name == "Josiane Collin"
    assert aps.valid_proxies(household, today) == []
    assert aps.valid_proxies(household, today + timedelta(days=2)) == [mandate]
    assert aps.valid_proxies(household, today + timedelta(days=10)) == [mandate]
    assert aps.valid_proxies(household, today + timedelta(days=11)) == []
    assert _db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_type == "proxy_mandates")) \
        == "proxy.create"


def test_an_open_ended_mandate_and_its_revocation(db):
    household = make_household()
    today = local_today()
    mandate = aps.create_mandate(None, household, full_name="Marc Dupont", valid_from=today - timedelta(days=30))
    assert aps.valid_proxies(household, today + timedelta(days=3650)) == [mandate]
    with pytest.raises(ValidationError):
        aps.revoke_mandate(None, mandate, " ")
    aps.revoke_mandate(None, mandate, "Plus d'accord du ménage")
    assert mandate.revoked_at is not None and mandate.revoke_reason == "Plus d'accord du ménage"
    assert aps.valid_proxies(household, today) == []
    assert mandate.is_valid_on(today - timedelta(days=1))  # before the revocation it was valid
    with pytest.raises(Conflict):
        aps.revoke_mandate(None, mandate, "Encore")


def test_bad_values_are_refused_together_and_write_nothing(db):
    household = make_household()
    today = local_today()
    with pytest.raises(ValidationError) as caught:
        aps.create_mandate(None, household, full_name="", valid_from=today, valid_until=today - timedelta(days=1))
    assert set(caught.value.errors) == {"full_name", "valid_until"}
    aps.create_mandate(None, household, full_name="Ana Silva")
    with pytest.raises(ValidationError):  # the same person twice for overlapping dates
        aps.create_mandate(None, household, full_name="ana silva", valid_from=today + timedelta(days=5))
    assert _db.session.scalar(select(func.count(ProxyMandate.id))) == 1


def test_old_free_text_names_become_mandates_once(db):
    household = make_household(proxy_names=["Josiane Collin", "Pierre Lambert"])
    made = aps.migrate_proxy_names(household)
    assert sorted(m.full_name for m in made) == ["Josiane Collin", "Pierre Lambert"]
    assert all(m.valid_until is None and m.identity_document == "" and m.identity_checked_at is None for m in made)
    assert aps.migrate_proxy_names(household) == []


def _sale():
    household, card = make_shopper()
    product = make_product()
    make_lot(product, 5)
    till = make_till()
    sale = record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                       lines=[{"product_id": product.id, "quantity": 1}], payment={"method": "card"})[0]
    return household, sale


def test_the_sale_keeps_who_shopped(db):
    household, sale = _sale()
    mandate = aps.create_mandate(None, household, full_name="Josiane Collin", identity_document="Carte d'identité")
    row = aps.record_sale_proxy(None, sale, mandate, identity_checked=True, identity_note="Carte d'identité vue")
    assert (row.sale_id, row.mandate_id, row.identity_checked) == (sale.id, mandate.id, True)
    assert mandate.identity_checked_at is not None
    with pytest.raises(Conflict):
        aps.record_sale_proxy(None, sale, mandate, identity_checked=True)


def test_a_proxy_of_another_household_or_out_of_dates_is_refused(db):
    household, sale = _sale()
    other = aps.create_mandate(None, make_household(), full_name="Quelqu'un d'autre")
    later = aps.create_mandate(None, household, full_name="Pas encore",
                               valid_from=local_today() + timedelta(days=1))
    revoked = aps.create_mandate(None, household, full_name="Révoqué")
    aps.revoke_mandate(None, revoked, "Fin")
    for mandate in (other, later, revoked):
        with pytest.raises(ValidationError):
            aps.record_sale_proxy(None, sale, mandate, identity_checked=True)
    assert _db.session.scalar(select(func.count()).select_from(SaleProxy)) == 0


def test_a_closed_household_gets_no_new_proxy(db):
    from grocery.households import services as hs

    household = make_household()
    hs.close_household(None, household)
    with pytest.raises(Conflict):
        aps.create_mandate(None, household, full_name="Marc Dupont")
