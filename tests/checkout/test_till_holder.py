"""Who works in a till session: its holder (the opener, or whom it was handed over to), coordinators; what a
cashier sees (the receipts and sales of the open session they hold); a large cash difference explained."""

import json
import uuid

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.checkout.models import CashMovement, Sale, TillSession
from grocery.checkout.services import record_sale
from grocery.checkout.till import (
    NotTillHolder,
    close_till,
    expected_cash_cents,
    explain_difference,
    handover_till,
    till_ref,
)
from grocery.errors import ValidationError
from grocery.households.models import Household
from tests.factories import make_lot, make_product, make_shopper, make_till, make_user
from tests.utils import text_of


def _sale_in(till, cashier):
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=50)
    make_lot(product, 5)
    sale, _ = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                          lines=[{"product_id": product.id, "quantity": 1}], payment={"method": "card"})
    return sale, card, product


def _switch_user(client, login, role):
    """The person at this browser changes: log out, log another account in."""
    client.post_form("/logout")
    return login(role)


def _post_json(client, url, body):
    token = client.csrf_token()
    return client.post(url, data=json.dumps(body), content_type="application/json", headers={"X-CSRFToken": token})


def test_till_ref_refuses_anyone_but_the_holder_and_managers(db):
    holder = make_user(Role.CASHIER)
    till = make_till(holder)
    assert till.held_by_id == holder.id
    assert till_ref(till.id, holder).is_open
    assert till_ref(till.id, make_user(Role.COORDINATOR)).id == till.id
    assert till_ref(till.id, make_user(Role.ADMIN)).id == till.id
    with pytest.raises(NotTillHolder):
        till_ref(till.id, make_user(Role.CASHIER))
    assert till_ref(None, holder) is None and till_ref(True, holder) is None


def test_another_cashier_cannot_take_a_till_by_opening_its_screen_url(client, db, login):
    """One GET of another's screen URL used to make the browser sell in that session: now refused, nothing set."""
    till = make_till(make_user(Role.CASHIER))
    db.session.commit()
    login(Role.CASHIER)
    response = client.get(f"/till/sessions/{till.id}/screen", follow_redirects=True)
    assert "est tenue par" in text_of(response)
    with client.session_transaction() as browser:
        assert "till_session_id" not in browser
        browser["till_session_id"] = till.id  # even with the session id in its cookie
    _household, card = make_shopper()
    product = make_product(price_rule="fixed", social_price_cents=50)
    make_lot(product, 5)
    db.session.commit()
    response = _post_json(client, "/api/till/sales", {"uuid": str(uuid.uuid4()), "household_card": card,
                                                      "lines": [{"product_id": product.id, "quantity": 1}],
                                                      "payment": {"method": "card"}})
    assert response.status_code == 403 and response.json["error"] == "not_till_holder"
    assert db.session.scalar(select(func.count(Sale.id))) == 0


def test_another_cashier_cannot_move_the_cash_nor_close(client, db, login):
    till = make_till(make_user(Role.CASHIER))
    db.session.commit()
    intruder = login(Role.CASHIER)
    assert "est tenue par" in text_of(client.get(f"/till/sessions/{till.id}/cash", follow_redirects=True))
    client.post_form(f"/till/sessions/{till.id}/cash", {"kind": "cash_out", "amount_cents": "10,00",
                                                         "reason": "pour moi"})
    client.post_form(f"/till/sessions/{till.id}/close", {"counted_cents": "50,00"})
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CashMovement.id))) == 0
    assert db.session.get(TillSession, till.id).is_open
    with pytest.raises(NotTillHolder):
        close_till(intruder, db.session.get(TillSession, till.id), counted_cents=5000)


def test_handover_by_the_holder_is_logged_and_moves_the_rights(client, db, login):
    first = login(Role.CASHIER)
    till = make_till(first)
    second = make_user(Role.CASHIER)
    db.session.commit()
    assert client.get(f"/till/sessions/{till.id}/screen").status_code == 200
    response = client.post_form(f"/till/sessions/{till.id}/handover", {"user_id": str(second.id)},
                                follow_redirects=True)
    assert "est maintenant tenue par" in text_of(response)
    db.session.expire_all()
    assert db.session.get(TillSession, till.id).held_by_id == second.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "till.handover"))
    assert event.details == {"from_user_id": first.id, "to_user_id": second.id} and event.actor_id == first.id
    with client.session_transaction() as browser:
        assert "till_session_id" not in browser  # this browser no longer sells in it
    assert client.get(f"/till/sessions/{till.id}/screen").status_code == 302


def test_handover_refusals(db):
    holder = make_user(Role.CASHIER)
    till = make_till(holder)
    with pytest.raises(NotTillHolder):  # only the holder or a coordinator hands over
        handover_till(make_user(Role.CASHIER), till, make_user(Role.CASHIER))
    inactive = make_user(Role.CASHIER)
    inactive.is_active_account = False
    for target in (None, make_user(Role.STOCK_MANAGER), inactive, holder):
        with pytest.raises(ValidationError):
            handover_till(holder, till, target)
    coordinator = make_user(Role.COORDINATOR)
    other = make_user(Role.CASHIER)
    handover_till(coordinator, till, other)
    assert till.held_by_id == other.id
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "till.handover")) == 1


def test_a_coordinator_keeps_access_to_any_till(client, db, login):
    till = make_till(make_user(Role.CASHIER))
    db.session.commit()
    login(Role.COORDINATOR)
    assert client.get(f"/till/sessions/{till.id}/screen").status_code == 200
    assert client.get(f"/till/sessions/{till.id}/cash").status_code == 200


def test_a_cashier_sees_only_the_receipts_of_the_open_session_they_hold(client, db, login):
    """/till/sales/<n>/receipt used to show any household's receipt to any cashier."""
    holder = login(Role.CASHIER)
    till = make_till(holder)
    sale, _card, _product = _sale_in(till, holder)
    db.session.commit()
    assert client.get(f"/till/sales/{sale.id}/receipt").status_code == 200
    _switch_user(client, login, Role.CASHIER)  # another cashier at the same tablet
    for url in (f"/till/sales/{sale.id}/receipt", f"/till/sales/{sale.id}", f"/till/sessions/{till.id}/report"):
        assert client.get(url).status_code == 404, url
    token = client.csrf_token()
    assert client.post(f"/till/sales/{sale.id}/printed", headers={"X-CSRFToken": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Sale, sale.id).receipt_prints == 0
    _switch_user(client, login, Role.COORDINATOR)
    assert client.get(f"/till/sales/{sale.id}/receipt").status_code == 200
    assert client.get(f"/till/sessions/{till.id}/report").status_code == 200


def test_after_closing_the_cashier_no_longer_reads_its_receipts(client, db, login):
    holder = login(Role.CASHIER)
    till = make_till(holder)
    sale, _card, _product = _sale_in(till, holder)
    close_till(holder, till, counted_cents=expected_cash_cents(till))
    db.session.commit()
    assert client.get(f"/till/sales/{sale.id}/receipt").status_code == 404
    assert client.get(f"/till/sessions/{till.id}/report").status_code == 200  # their own closing report


def test_the_receipt_is_in_the_households_language_and_the_page_in_the_cashiers(client, db, login):
    holder = login(Role.CASHIER)
    till = make_till(holder)
    sale, _card, _product = _sale_in(till, holder)
    sale_household = db.session.get(Household, sale.household_id)
    sale_household.preferred_language = "en"
    db.session.commit()
    text = text_of(client.get(f"/till/sales/{sale.id}/receipt"))
    assert "You saved" in text and "Thank you" in text  # the ticket: the household's language
    assert "Imprimer" in text and "Retour à la caisse" in text  # the buttons: the cashier's
    sale_household.preferred_language = "other"  # not a language of the application: the default one
    db.session.commit()
    assert "Vous avez économisé" in text_of(client.get(f"/till/sales/{sale.id}/receipt")).replace("\xa0", " ")


def test_a_large_cash_difference_needs_an_explanation_before_closing(db):
    """Over the setting (5,00 € by default) the till stays open until the difference is explained."""
    holder = make_user(Role.CASHIER)
    till = make_till(holder)
    expected = expected_cash_cents(till)
    with pytest.raises(ValidationError) as refused:
        close_till(holder, till, counted_cents=expected - 501)
    assert refused.value.field == "note"
    assert till.is_open and till.counted_cents is None
    close_till(holder, till, counted_cents=expected - 501, note="  Billet de 5 € rendu en trop  ")
    assert (till.status, till.difference_cents, till.closing_note) == ("closed", -501, "Billet de 5 € rendu en trop")
    small = make_till(make_user(Role.CASHIER))
    close_till(small.opened_by, small, counted_cents=expected_cash_cents(small) + 500)  # within the limit
    assert small.status == "closed" and small.closing_note is None


def test_a_coordinator_completes_the_explanation_afterwards_logged(client, db, login):
    holder = make_user(Role.CASHIER)
    till = make_till(holder)
    close_till(holder, till, counted_cents=expected_cash_cents(till) - 800, note="Je ne sais pas")
    with pytest.raises(NotTillHolder):
        explain_difference(holder, till, "Moi aussi")
    db.session.commit()
    login(Role.CASHIER)
    assert client.post_form(f"/till/sessions/{till.id}/explanation", {"explanation": "x"}).status_code == 403
    coordinator = _switch_user(client, login, Role.COORDINATOR)
    response = client.post_form(f"/till/sessions/{till.id}/explanation",
                                {"explanation": "Je ne sais pas. Erreur de rendu sur un billet de 10 €."},
                                follow_redirects=True)
    assert "L'explication est enregistrée" in text_of(response)
    db.session.expire_all()
    till = db.session.get(TillSession, till.id)
    assert till.closing_note == "Je ne sais pas. Erreur de rendu sur un billet de 10 €."
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "till.explain_difference"))
    assert event.actor_id == coordinator.id and event.details["before"] == "Je ne sais pas"
    empty = client.post_form(f"/till/sessions/{till.id}/explanation", {"explanation": " "}, follow_redirects=True)
    assert "Écrivez l'explication" in text_of(empty)
