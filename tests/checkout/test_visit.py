"""The till's side of a visit: today's appointments of the till's site, the card scan that marks one arrived (a
walk-in served the same, nothing written), the proxies the till lists and the sale that keeps who shopped (refusals
write nothing), the offline sale's proxy, the receipt, and the renewal warning of the last days of access."""

import json
import uuid
from datetime import time, timedelta

from sqlalchemy import func, select

from grocery.appointments import services as aps
from grocery.appointments.models import Appointment, SaleProxy
from grocery.audit.models import AuditEvent
from grocery.checkout.models import Sale, TillSession
from grocery.checkout.visit import household_visit, renewal_warning
from grocery.extensions import db as _db
from grocery.sites.context import current_site_id
from grocery.timeutil import local_today, utcnow
from tests.appointments.helpers import appointment_today
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper


def _post(client, body):
    return client.post("/api/till/sales", data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def _sale(card, product, proxy=None, **extra):
    body = {"uuid": str(uuid.uuid4()), "household_card": card, "lines": [{"product_id": product.id, "quantity": 1}],
            "payment": {"method": "card"}, **extra}
    if proxy is not None:
        body["proxy"] = proxy
    return body


def _goods():
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 10)
    return product


def _count(model) -> int:
    return _db.session.scalar(select(func.count()).select_from(model))


# --------------------------------------------------------------------------------------------------------------
# Appointments
# --------------------------------------------------------------------------------------------------------------

def test_todays_appointments_in_order_with_the_name_only(client, db, till):
    late, _card = make_shopper()
    early, _card2 = make_shopper()
    appointment_today(late, at=time(11, 30))
    appointment_today(early, at=time(9, 15), status="arrived")
    cancelled, _ = make_shopper()
    appointment_today(cancelled, at=time(10), status="cancelled")
    db.session.commit()
    response = client.get("/api/till/appointments")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = response.json["appointments"]
    assert [(row["time"], row["arrived"]) for row in rows] == [("09:15", True), ("11:30", False)]
    assert set(rows[0]) == {"id", "time", "name", "arrived"}
    text = response.get_data(as_text=True)
    assert late.street not in text and "budget" not in text


def test_another_sites_appointments_are_not_listed(client, db, till):
    from grocery.sites.services import create_site

    other = create_site(None, name="Antenne Nord")
    household, _card = make_shopper()
    appointment_today(household, site_id=other.id)
    db.session.commit()
    assert client.get("/api/till/appointments").json["appointments"] == []


def test_appointments_need_an_open_till(client, db, till):
    from grocery.checkout.till import close_till

    close_till(till.opened_by, db.session.get(TillSession, till.id), counted_cents=5000)
    db.session.commit()
    response = client.get("/api/till/appointments")
    assert response.status_code == 409 and response.json["error"] == "till_closed"


def test_the_card_scan_marks_the_appointment_arrived_once(client, db, till):
    household, card = make_shopper()
    appointment = appointment_today(household, at=time(10))
    db.session.commit()
    first = client.get(f"/api/till/households/{card}")
    assert first.status_code == 200
    assert first.json["appointment"] == {"id": appointment.id, "time": "10:00", "arrived": True}
    db.session.refresh(appointment)
    arrived_at = appointment.arrived_at
    assert appointment.status == "arrived" and arrived_at is not None
    events = _count(AuditEvent)
    second = client.get(f"/api/till/households/{card}")
    assert second.json["appointment"]["arrived"] is True
    db.session.refresh(appointment)
    assert appointment.arrived_at == arrived_at and _count(AuditEvent) == events  # idempotent, nothing written


def test_a_walk_in_is_served_as_before_and_nothing_is_written(client, db, till):
    _household, card = make_shopper()
    product = _goods()
    db.session.commit()
    events = _count(AuditEvent)
    response = client.get(f"/api/till/households/{card}")
    assert response.status_code == 200 and response.json["eligible"] and response.json["appointment"] is None
    assert _count(AuditEvent) == events and _count(Appointment) == 0
    assert _post(client, _sale(card, product)).status_code == 201


def test_the_forgotten_card_lookup_marks_arrived_too(client, db, till):
    household, _card = make_shopper()
    person = household.reference_person
    appointment = appointment_today(household)
    db.session.commit()
    response = client.post("/api/till/households/lookup", data=json.dumps(
        {"last_name": person.last_name, "birth_date": person.birth_on.isoformat()}),
        content_type="application/json", headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 200, response.json
    assert response.json["appointment"]["arrived"] is True
    db.session.refresh(appointment)
    assert appointment.status == "arrived"


def test_an_appointment_at_another_site_is_not_marked_here(db):
    from grocery.sites.services import create_site

    here = current_site_id()
    other = create_site(None, name="Antenne Sud")
    household, _card = make_shopper()
    appointment_today(household, site_id=other.id)
    assert household_visit(household.id, here, local_today())["appointment"] is None
    assert household_visit(household.id, other.id, local_today())["appointment"]["time"] == "10:00"


# --------------------------------------------------------------------------------------------------------------
# Proxies
# --------------------------------------------------------------------------------------------------------------

def test_the_lookup_lists_the_valid_proxies_with_the_document(client, db, till):
    household, card = make_shopper()
    today = local_today()
    aps.create_mandate(None, household, full_name="Jeanne Dupont", identity_document="carte d'identité")
    aps.create_mandate(None, household, full_name="Ancien Mandataire", valid_from=today - timedelta(days=60),
                       valid_until=today - timedelta(days=1))
    revoked = aps.create_mandate(None, household, full_name="Révoqué Aujourd'hui")
    aps.revoke_mandate(None, revoked, "Plus autorisé")
    db.session.commit()
    proxies = client.get(f"/api/till/households/{card}").json["proxies"]
    assert [(p["name"], p["document"]) for p in proxies] == [("Jeanne Dupont", "carte d'identité")]


def test_a_sale_keeps_the_proxy_who_shopped(client, db, till):
    household, card = make_shopper()
    mandate = aps.create_mandate(None, household, full_name="Jeanne Dupont", identity_document="carte d'identité")
    product = _goods()
    db.session.commit()
    response = _post(client, _sale(card, product, {"mandate_id": mandate.id, "identity_checked": True,
                                                   "identity_note": "carte vue"}))
    assert response.status_code == 201, response.json
    row = db.session.get(SaleProxy, response.json["id"])
    assert (row.mandate_id, row.identity_checked, row.identity_note) == (mandate.id, True, "carte vue")
    receipt = client.get(response.json["receipt_url"]).get_data(as_text=True)
    assert "Jeanne Dupont" in receipt and "mandataire" in receipt


def test_a_proxy_refused_writes_nothing(client, db, till):
    """Another household's mandate, one ended yesterday, an identity not checked, a malformed proxy: each refuses
    the sale with a clear message; no sale, no budget used, no proxy row."""
    household, card = make_shopper()
    other, _other_card = make_shopper()
    today = local_today()
    theirs = aps.create_mandate(None, other, full_name="Quelqu'un D'autre")
    ended = aps.create_mandate(None, household, full_name="Ancien Mandataire", valid_from=today - timedelta(days=60),
                               valid_until=today - timedelta(days=1))
    valid = aps.create_mandate(None, household, full_name="Jeanne Dupont")
    product = _goods()
    db.session.commit()
    for proxy in ({"mandate_id": theirs.id, "identity_checked": True},
                  {"mandate_id": ended.id, "identity_checked": True},
                  {"mandate_id": valid.id, "identity_checked": False},
                  {"mandate_id": 10**12, "identity_checked": True},
                  {"mandate_id": "1"}, "Jeanne", [1]):
        response = _post(client, _sale(card, product, proxy))
        assert response.status_code in (400, 409, 422), (proxy, response.json)
        assert response.json["message"]
    assert _count(Sale) == 0 and _count(SaleProxy) == 0


def test_an_offline_sale_keeps_its_proxy_and_flags_a_mandate_not_valid(client, db, till):
    """The till was silent: the sale made offline is recorded with its proxy when the mandate was valid that day;
    with a mandate not valid that day, the sale is kept, without proxy, and flagged for review."""
    household, card = make_shopper()
    today = local_today()
    valid = aps.create_mandate(None, household, full_name="Jeanne Dupont")
    ended = aps.create_mandate(None, household, full_name="Ancien Mandataire", valid_from=today - timedelta(days=60),
                               valid_until=today - timedelta(days=1))
    product = _goods()
    session = _db.session.get(TillSession, till.id)
    session.opened_at = utcnow() - timedelta(hours=1)
    session.last_contact_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    at = (utcnow() - timedelta(minutes=5)).isoformat()
    body = _sale(card, product, {"mandate_id": valid.id, "identity_checked": True}, offline=True, total_cents=100,
                 client_created_at=at)
    body["lines"][0]["price_cents"] = 100
    first = _post(client, body)
    assert first.status_code == 201, first.json
    assert db.session.get(SaleProxy, first.json["id"]).mandate_id == valid.id
    body = {**body, "uuid": str(uuid.uuid4()), "proxy": {"mandate_id": ended.id, "identity_checked": True}}
    second = _post(client, body)
    assert second.status_code == 201, second.json
    sale = db.session.get(Sale, second.json["id"])
    assert sale.review_status == "pending" and "proxy_not_valid" in [r["code"] for r in sale.review_reasons]
    assert db.session.get(SaleProxy, sale.id) is None


# --------------------------------------------------------------------------------------------------------------
# Renewal warning
# --------------------------------------------------------------------------------------------------------------

def test_the_renewal_warning_in_the_last_days_only(client, db, till):
    today = local_today()
    ending = make_household()
    make_decision(ending, valid_from=today - timedelta(days=80), valid_until=today + timedelta(days=5),
                  budget_cents=1000, budget_override_motive="Test")
    later = make_household()
    make_decision(later, valid_from=today - timedelta(days=10), valid_until=today + timedelta(days=60),
                  budget_cents=1000, budget_override_motive="Test")
    db.session.commit()
    body = client.get(f"/api/till/households/{ending.active_card.code}").json
    day = (today + timedelta(days=5)).strftime("%d/%m")
    assert body["renewal_warning"] == f"Accès valable jusqu'au {day} : pensez au renouvellement."
    assert client.get(f"/api/till/households/{later.active_card.code}").json["renewal_warning"] is None


def test_no_renewal_warning_once_renewed(db):
    """A later decision already grants the days after: nothing to warn about."""
    from types import SimpleNamespace

    today = local_today()
    end = today + timedelta(days=3)
    renewed = [SimpleNamespace(outcome="granted", valid_from=end + timedelta(days=1), valid_until=end + timedelta(
        days=180))]
    assert renewal_warning(end, today) is not None
    assert renewal_warning(end, today, renewed) is None
    assert renewal_warning(today - timedelta(days=1), today) is None


# --------------------------------------------------------------------------------------------------------------
# The household's data: export and anonymisation
# --------------------------------------------------------------------------------------------------------------

def test_the_export_lists_the_mandates_and_the_sales_by_proxy_and_anonymisation_erases_them(client, db, till):
    from grocery.households.services.privacy import anonymise_household, export_household

    household, card = make_shopper()
    mandate = aps.create_mandate(None, household, full_name="Jeanne Dupont", identity_document="titre de séjour")
    product = _goods()
    appointment_today(household)
    db.session.commit()
    sale = _post(client, _sale(card, product, {"mandate_id": mandate.id, "identity_checked": True,
                                               "identity_note": "vu par Paul"})).json
    data = export_household(None, household)
    assert [(m["full_name"], m["identity_document"]) for m in data["proxy_mandates"]] == [
        ("Jeanne Dupont", "titre de séjour")]
    assert [(s["sale"], s["proxy"], s["identity_note"]) for s in data["sales_by_proxy"]] == [
        (sale["id"], "Jeanne Dupont", "vu par Paul")]
    assert [a["status"] for a in data["appointments"]] == ["booked"]  # no card scan in this test
    anonymise_household(None, household)
    db.session.commit()
    db.session.refresh(mandate)
    assert "Jeanne" not in mandate.full_name and mandate.identity_document == ""
    assert db.session.get(SaleProxy, sale["id"]).identity_note == ""
