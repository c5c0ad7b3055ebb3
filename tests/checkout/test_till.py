"""Till sessions: a float, cash in and out with a reason, a blind closing count."""

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.checkout.models import CashMovement, TillSession
from grocery.checkout.till import (
    TillClosed,
    close_till,
    count_total,
    expected_cash_cents,
    open_till,
    record_cash_movement,
)
from grocery.errors import Conflict, ValidationError
from tests.factories import make_till, make_user
from tests.utils import text_of


def test_open_with_a_float_counted_by_denomination(db):
    """Is the float the total of the coins and notes counted, and is the opening logged?"""
    cashier = make_user(Role.CASHIER)
    till = open_till(cashier, "Caisse 1", float_detail={"2000": 1, "500": 2, "200": 5, "50": "4"})
    assert till.float_cents == 2000 + 1000 + 1000 + 200
    assert till.float_detail == {"2000": 1, "500": 2, "200": 5, "50": 4}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "till.open"))
    assert (event.target_type, event.target_id, event.details["float_cents"]) == ("till_sessions", str(till.id), 4200)


def test_one_open_session_per_till(db):
    make_till()
    with pytest.raises(Conflict):
        make_till()


@pytest.mark.parametrize("kwargs", [{"float_cents": None}, {"float_cents": -100}, {"float_detail": {"2000": -1}},
                                    {"float_detail": {"300": 1}}, {"float_detail": {"2000": "deux"}}])
def test_bad_floats_are_refused(db, kwargs):
    cashier = make_user(Role.CASHIER)
    with pytest.raises(ValidationError):
        open_till(cashier, "Caisse 1", **kwargs)
    assert db.session.scalar(select(func.count(TillSession.id))) == 0


def test_unknown_till_is_refused(db):
    with pytest.raises(ValidationError):
        open_till(make_user(Role.CASHIER), "Caisse 9", float_cents=0)


def test_cash_movements_need_an_amount_and_a_reason(db):
    till = make_till(float_cents=3000)
    cashier = till.opened_by
    with pytest.raises(ValidationError):
        record_cash_movement(cashier, till, "cash_in", 1000, "  ")
    with pytest.raises(ValidationError):
        record_cash_movement(cashier, till, "cash_in", 0, "monnaie")
    with pytest.raises(ValidationError):
        record_cash_movement(cashier, till, "cash_out", 3001, "coffre")  # more than the drawer holds
    record_cash_movement(cashier, till, "cash_in", 1000, "Monnaie de la banque")
    record_cash_movement(cashier, till, "cash_out", 2500, "Dépôt au coffre")
    assert db.session.scalar(select(func.count(CashMovement.id))) == 2
    assert expected_cash_cents(till) == 3000 + 1000 - 2500


def test_blind_close_records_the_difference(db):
    """Is the expected amount computed only at closing, and the difference kept?"""
    till = make_till(float_cents=5000)
    record_cash_movement(till.opened_by, till, "cash_in", 500, "Monnaie")
    closed = close_till(till.opened_by, till, count_detail={"2000": 2, "1000": 1, "200": 2}, note="")
    assert (closed.expected_cents, closed.counted_cents, closed.difference_cents) == (5500, 5400, -100)
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(TillClosed):
        record_cash_movement(till.opened_by, till, "cash_in", 100, "trop tard")


def test_count_total_ignores_empty_counts():
    assert count_total({"2000": None, "500": ""}) is None
    assert count_total({"1": 3, "20000": 1}) == (20003, {"1": 3, "20000": 1})


def test_till_pages_open_and_close(client, db, login):
    """Can a cashier open the till from the page, and is the expected amount shown only after the count?"""
    login(Role.CASHIER)
    response = client.post_form("/till/open", {"till_name": "Caisse 1", "float_cents": "40,00"})
    assert response.status_code == 302
    till = db.session.scalar(select(TillSession))
    assert till.float_cents == 4000
    close_page = text_of(client.get(f"/till/sessions/{till.id}/close"))
    assert "40,00" not in close_page  # blind count: the expected amount is not shown before counting
    response = client.post_form(f"/till/sessions/{till.id}/close", {"d_2000": "2", "note": ""})
    assert response.status_code == 302
    report = text_of(client.get(f"/till/sessions/{till.id}/report"))
    assert "Attendu dans le tiroir" in report and "40,00" in report


def test_till_form_refuses_a_bad_amount(client, db, login):
    login(Role.CASHIER)
    for amount in ["12,5 $", "-3", "abc"]:
        page = text_of(client.post_form("/till/open", {"till_name": "Caisse 1", "float_cents": amount}))
        assert "montant" in page.lower()
    assert db.session.scalar(select(func.count(TillSession.id))) == 0
