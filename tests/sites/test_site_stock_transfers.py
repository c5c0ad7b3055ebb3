"""Stock transfers between sites: the service sends lots from one site to another in one transaction, refuses every
wrong transfer writing nothing, and keeps both sites' ledgers consistent (flask stock-check per site)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.sites.context import current_site_id, using_site
from grocery.sites.models import Site
from grocery.sites.services import create_site, grant_site_role
from grocery.stock.models import Lot, StockMovement, StockTransfer, StockTransferLine
from grocery.stock.services import (
    NotAllowed,
    ledger_mismatches,
    line_field,
    misplaced_movements,
    site_transfers,
    stock_on_hand,
    transfer_mismatches,
    transfer_stock,
)
from grocery.timeutil import local_today
from tests.factories import make_donor, make_lot, make_product, make_user


def _two_sites(db):
    admin = make_user(Role.ADMIN)
    site_a = db.session.get(Site, current_site_id())
    site_b = create_site(admin, name="Antenne Nord")
    return admin, site_a, site_b


def _counts():
    return tuple(db_count(model) for model in (Lot, StockMovement, StockTransfer, StockTransferLine, AuditEvent))


def db_count(model):
    from grocery.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


def test_a_transfer_moves_lots_with_their_dates_source_and_cost(db):
    """Does a transfer take the quantities out of A's lots and make lots at B with the same product, dates,
    received day, source, donation and cost, with one movement out and one in per line, listed on both sides?"""
    admin, site_a, site_b = _two_sites(db)
    today = local_today()
    rice = make_product(name="Riz 1 kg")
    oil = make_product(name="Huile 1 l", unit_kind="litre", net_weight_g=None)
    rice_lot = make_lot(rice, 10, source="food_bank", received_on=date(2026, 10, 3),
                        use_by_on=today + timedelta(days=20), best_before_on=today + timedelta(days=10),
                        lot_number="R-1")
    rice_lot.unit_cost_cents = 95
    oil_lot = make_lot(oil, 5000, source="purchase")
    transfer = transfer_stock(admin, site_b, [(rice_lot, 4), (oil_lot, "1,5")], note="Tournée du mardi")
    db.session.commit()
    assert (transfer.from_site_id, transfer.to_site_id, transfer.note) == (site_a.id, site_b.id, "Tournée du mardi")
    assert (rice_lot.quantity_on_hand, oil_lot.quantity_on_hand) == (6, 3500)
    by_product = {line.product_id: line for line in transfer.lines}
    arrived = by_product[rice.id].to_lot
    assert (arrived.site_id, arrived.product_id, arrived.quantity_on_hand, arrived.quantity_received) == (
        site_b.id, rice.id, 4, 4)
    assert (arrived.use_by_on, arrived.best_before_on, arrived.received_on, arrived.source, arrived.lot_number,
            arrived.unit_cost_cents, arrived.donation_id) == (
        rice_lot.use_by_on, rice_lot.best_before_on, date(2026, 10, 3), "food_bank", "R-1", 95, rice_lot.donation_id)
    assert by_product[oil.id].to_lot.quantity_on_hand == 1500
    out, came = db.session.get(StockMovement, by_product[rice.id].out_movement_id), \
        db.session.get(StockMovement, by_product[rice.id].in_movement_id)
    assert (out.kind, out.quantity, out.site_id, out.lot_id) == ("transfer", -4, site_a.id, rice_lot.id)
    assert (came.kind, came.quantity, came.site_id, came.lot_id) == ("transfer", 4, site_b.id, arrived.id)
    assert [t.id for t in site_transfers(site_a.id)] == [transfer.id]
    assert [t.id for t in site_transfers(site_b.id)] == [transfer.id]
    assert {row.product.id: row.quantity for row in stock_on_hand(site_id=site_b.id)}[rice.id] == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stock.transfer"))
    assert event.details["to"] == "Antenne Nord" and len(event.details["lines"]) == 2
    # Both ledgers consistent.
    assert ledger_mismatches(site_a.id) == ledger_mismatches(site_b.id) == []
    assert misplaced_movements() == [] and transfer_mismatches() == []


def test_a_donation_line_keeps_its_donor(db):
    """A lot received from a donor keeps its donation (and so its donor) at the receiving site."""
    from grocery.stock.services import add_donation_line, confirm_donation, start_donation

    admin, _site_a, site_b = _two_sites(db)
    donor = make_donor(name="Banque alimentaire", kind="food_bank")
    donation = start_donation(admin, donor, local_today())
    add_donation_line(donation, make_product(), quantity=6)
    lot = confirm_donation(admin, donation)[0]
    transfer = transfer_stock(admin, site_b, [(lot, 6)])
    arrived = transfer.lines[0].to_lot
    assert arrived.donation.donor.name == "Banque alimentaire" and lot.quantity_on_hand == 0


@pytest.mark.parametrize("case", ["same site", "inactive", "unknown", "zero", "negative", "over", "over twice",
                                  "other site's lot", "expired", "empty", "text", "no lot"])
def test_wrong_transfers_are_refused_and_write_nothing(db, case):
    """Is each wrong transfer refused with a message that says what to do, with nothing written?"""
    admin, site_a, site_b = _two_sites(db)
    closed = create_site(admin, name="Antenne fermée")
    closed.is_active = False
    today = local_today()
    lot = make_lot(quantity=5)
    with using_site(site_b.id):
        b_lot = make_lot(quantity=5)
    gone = make_lot(quantity=5, use_by_on=today - timedelta(days=1))
    db.session.commit()
    to, lines, field = {
        "same site": (site_a, [(lot, 1)], "to_site_id"),
        "inactive": (closed, [(lot, 1)], "to_site_id"),
        "unknown": (None, [(lot, 1)], "to_site_id"),
        "zero": (site_b, [(lot, 0)], line_field(0)),
        "negative": (site_b, [(lot, -2)], line_field(0)),
        "over": (site_b, [(lot, 6)], line_field(0)),
        "over twice": (site_b, [(lot, 3), (lot, 3)], line_field(1)),
        "other site's lot": (site_b, [(lot, 1), (b_lot, 1)], line_field(1)),
        "expired": (site_b, [(gone, 1)], line_field(0)),
        "empty": (site_b, [], None),
        "text": (site_b, [(lot, "deux")], line_field(0)),
        "no lot": (site_b, [(None, 1)], line_field(0)),
    }[case]
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        transfer_stock(admin, to, lines)
    db.session.rollback()
    assert field in refused.value.errors, refused.value.errors
    assert all(message.strip() for messages in refused.value.errors.values() for message in messages)
    assert _counts() == before
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).quantity_on_hand == 5


def test_every_wrong_line_is_reported_at_once(db):
    admin, _site_a, _site_b = _two_sites(db)
    lot = make_lot(quantity=5)
    with pytest.raises(ValidationError) as refused:
        transfer_stock(admin, None, [(lot, 0), (lot, 9)])
    assert set(refused.value.errors) == {"to_site_id", line_field(0), line_field(1)}


def test_only_the_stock_roles_of_the_sending_site_send(db):
    """A cashier, or a stock manager of site B only, cannot send site A's goods; a stock manager of A can."""
    admin, site_a, site_b = _two_sites(db)
    lot = make_lot(quantity=5)
    cashier = make_user(Role.CASHIER)
    other = make_user(Role.STOCK_MANAGER)
    grant_site_role(admin, other, site_b, "stock_manager")
    keeper = make_user(Role.STOCK_MANAGER)
    grant_site_role(admin, keeper, site_a, "stock_manager")
    for user in (cashier, other):
        with pytest.raises(NotAllowed):
            transfer_stock(user, site_b, [(lot, 1)], from_site_id=site_a.id)
    assert db_count(StockTransfer) == 0
    transfer_stock(keeper, site_b, [(lot, 1)], from_site_id=site_a.id)
    assert lot.quantity_on_hand == 4


def test_stock_check_reports_each_site_and_finds_a_broken_transfer(db, runner):
    """Does `flask stock-check` check each site (and one with --site, by id or name), pass after a transfer, and
    fail when a transfer's movement in was tampered with?"""
    admin, site_a, site_b = _two_sites(db)
    lot = make_lot(quantity=8)
    transfer = transfer_stock(admin, site_b, [(lot, 3)])
    db.session.commit()
    result = runner.invoke(args=["stock-check"])
    assert result.exit_code == 0, result.output
    assert f"Site {site_a.name}" in result.output and "Site Antenne Nord" in result.output
    assert runner.invoke(args=["stock-check", "--site", "antenne nord"]).exit_code == 0
    only = runner.invoke(args=["stock-check", "--site", str(site_a.id)])
    assert only.exit_code == 0 and "Antenne Nord" not in only.output
    unknown = runner.invoke(args=["stock-check", "--site", "Nulle part"])
    assert unknown.exit_code == 1 and "Nulle part" in unknown.output
    line = transfer.lines[0]
    db.session.execute(text("UPDATE stock_movements SET quantity = 2 WHERE id = :id"), {"id": line.in_movement_id})
    db.session.execute(text("UPDATE lots SET quantity_on_hand = 2 WHERE id = :id"), {"id": line.to_lot_id})
    db.session.commit()
    broken = runner.invoke(args=["stock-check", "--site", "Antenne Nord"])
    assert broken.exit_code == 1 and f"transfert {transfer.id}, ligne {line.id} : 3 envoyés, 3 sortis et 2 entrés" \
        in broken.output, broken.output
    # A movement written on another site than its lot's is found too.
    db.session.execute(text("UPDATE stock_movements SET site_id = :b WHERE id = :id"),
                       {"b": site_b.id, "id": line.out_movement_id})
    db.session.commit()
    assert misplaced_movements(site_a.id) == [(line.out_movement_id, lot.id, site_b.id, site_a.id)]
    assert runner.invoke(args=["stock-check", "--site", str(site_a.id)]).exit_code == 1
