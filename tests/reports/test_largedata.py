"""The large-dataset generator (small sizes here): donations, waste and volunteering stay consistent."""

from datetime import timedelta

from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.largedata import generate_history
from grocery.reports.services import activity_report, parse_period, programme_report
from grocery.timeutil import local_today
from tests.factories import make_user


def test_generated_history_keeps_the_ledger_consistent_and_feeds_the_reports(db):
    """After generation, does every lot equal the sum of its movements, come from a donation line, and do the
    reports find donations, waste, FEAD goods and volunteer hours?"""
    from grocery.stock import ddm
    from grocery.stock.models import DonationLine, Lot, Product, StockMovement
    from grocery.stock.services import ledger_mismatches
    from grocery.volunteers.models import Assignment

    make_user(Role.CASHIER)
    result = generate_history(households=8, products=30, sale_lines=2000, years=1, restocks=3, volunteers=6,
                              echo=lambda *_a, **_k: None)
    db.session.flush()
    assert ledger_mismatches() == []
    assert result["lots"] == 30 * 4
    assert db.session.scalar(select(func.count(DonationLine.id))) == result["lots"]
    assert db.session.scalar(select(func.sum(DonationLine.quantity))) == \
        db.session.scalar(select(func.sum(Lot.quantity_received)))
    # Only the last lot of each product keeps stock (the checkout benchmark relies on one sellable lot).
    assert db.session.scalar(select(func.count(Lot.id)).where(Lot.quantity_on_hand > 0)) == 30
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "waste")) == \
        result["waste_movements"]
    assert db.session.scalar(select(func.count(Assignment.id))) == result["assignments"] > 0
    # Every lot carries its best-before hold day as a reception sets it; none waits (the benchmark sells them all).
    grace = ddm.grace_days_by_category()
    lots = db.session.execute(select(Lot.best_before_on, Lot.ddm_hold_from, Product.category_id)
                              .join(Product, Product.id == Lot.product_id)).all()
    assert lots and all(best_before is not None and hold == ddm.hold_from(best_before, grace[category])
                        for best_before, hold, category in lots)
    assert ddm.refresh_ddm_holds() == 0 and ddm.waiting_lots() == []

    today = local_today()
    period = parse_period(start=(today - timedelta(days=366)).isoformat(), end=today.isoformat())
    assert activity_report(parse_period(start="2000-01-01", end="2009-12-31"))["sales"]["visits"] == 0
    report = activity_report(period)
    assert report["sales"]["visits"] > 0
    assert report["donations"]["total"].pieces > 0
    assert report["volunteering"]["total_minutes"] > 0
    fead = programme_report(period)
    assert sum(row.distributed for row in fead["rows"]) == report["distribution"]["by_source"]["fead"].pieces


def test_generator_adds_products_alone(db):
    """Can the generator add only products (no households, no sales), as the checkout benchmark does?"""
    from grocery.stock.models import Product
    from grocery.stock.services import ledger_mismatches

    make_user(Role.CASHIER)
    result = generate_history(households=0, products=12, sale_lines=0, seed=7, volunteers=0,
                              echo=lambda *_a, **_k: None)
    db.session.flush()
    assert result["sales"] == 0
    assert db.session.scalar(select(func.count(Product.id))) == 12
    assert ledger_mismatches() == []


def test_the_application_adds_rows_after_a_generated_history(db):
    """Rows generated with their own ids must not block the next ones the application adds (PostgreSQL id
    sequences are moved past them): a till opens, a household and a product are created."""
    from grocery.checkout.till import open_till
    from tests.factories import make_household, make_product

    cashier = make_user(Role.CASHIER)
    generate_history(households=3, products=5, sale_lines=200, years=1, restocks=1, volunteers=2,
                     echo=lambda *_a, **_k: None)
    db.session.flush()
    till = open_till(cashier, "Caisse 1", float_cents=1000)  # the generated sessions are all closed
    household, product = make_household(), make_product()
    db.session.flush()
    assert till.id and household.id and product.id
