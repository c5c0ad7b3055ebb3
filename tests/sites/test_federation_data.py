"""`flask generate-large --sites N`: a federation's dataset (small sizes here), each site with its own stock, tills,
sales and shifts, the households' one budget whatever the site. On PostgreSQL every table that allows it is written
with COPY (the threshold is lowered to 0)."""

from collections import Counter

import click
import pytest
from sqlalchemy import func, select

from grocery import bulkwrite
from grocery.auth.roles import Role
from grocery.largedata import generate_history
from tests.factories import make_user

SMALL = ["--households", "9", "--products", "12", "--sale-lines", "3000", "--years", "1", "--restocks", "2",
         "--volunteers", "6"]


def _quiet(*_args, **_kwargs):
    return None


def test_three_sites_each_keep_their_stock_tills_sales_and_shifts(app, db, monkeypatch):
    """With --sites 3: three sites; is every site-owned row on one of them, each movement on its lot's site, each
    sale on its till session's site and taking from its site's lots, the stock consistent at every site
    (stock-check), each household shopping mostly at its home site from its one budget?"""
    from grocery.checkout.models import Sale, SaleLine, TillSession
    from grocery.households.models import BudgetMovement
    from grocery.sites.models import Site
    from grocery.stock.models import Donation, Lot, StockMovement
    from grocery.volunteers.models import Assignment, DaySheet, Shift

    monkeypatch.setattr(bulkwrite, "COPY_FROM", 0)
    make_user(Role.CASHIER)
    db.session.commit()
    runner = app.test_cli_runner()
    outcome = runner.invoke(args=["generate-large", "--sites", "3", *SMALL])
    assert outcome.exit_code == 0, outcome.output
    site_ids = list(db.session.scalars(select(Site.id).order_by(Site.id)))
    assert len(site_ids) == 3
    assert db.session.scalars(select(Site.name).order_by(Site.id)).all()[1:] == ["Antenne 02", "Antenne 03"]

    for model in (Lot, Donation, StockMovement, TillSession, Sale, Shift, DaySheet):
        per_site = dict(db.session.execute(select(model.site_id, func.count()).group_by(model.site_id)).all())
        assert set(per_site) == set(site_ids), model.__tablename__  # every site has some, no other site
    assert db.session.scalar(select(func.count()).select_from(StockMovement).join(Lot, Lot.id == StockMovement.lot_id)
                             .where(StockMovement.site_id != Lot.site_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Lot).join(Donation, Donation.id == Lot.donation_id)
                             .where(Donation.site_id != Lot.site_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(Sale)
                             .join(TillSession, TillSession.id == Sale.till_session_id)
                             .where(TillSession.site_id != Sale.site_id)) == 0
    assert db.session.scalar(select(func.count()).select_from(SaleLine).join(Sale, Sale.id == SaleLine.sale_id)
                             .join(Lot, Lot.id == SaleLine.lot_id).where(Lot.site_id != Sale.site_id)) == 0
    # Each site has its own till "Caisse 1", one session per opening day.
    sessions = Counter(db.session.execute(select(TillSession.site_id, TillSession.till_name)))
    assert len(sessions) == 3 and len(set(sessions.values())) == 1
    # Every lot equals its movements (checked at each site: the lots of one site, with their movements).
    for site_id in site_ids:
        total = func.coalesce(func.sum(StockMovement.quantity), 0)
        mismatches = db.session.execute(
            select(Lot.id).outerjoin(StockMovement, StockMovement.lot_id == Lot.id).where(Lot.site_id == site_id)
            .group_by(Lot.id, Lot.quantity_on_hand).having(total != Lot.quantity_on_hand)).all()
        assert mismatches == []
    checked = runner.invoke(args=["stock-check"])
    assert checked.exit_code == 0, checked.output

    # One budget: each household's budget movements are its sales at every site.
    spent = dict(db.session.execute(select(BudgetMovement.household_id, -func.sum(BudgetMovement.amount_cents))
                                    .group_by(BudgetMovement.household_id)).all())
    sold = dict(db.session.execute(select(Sale.household_id, func.sum(Sale.total_cents))
                                   .where(Sale.total_cents > 0).group_by(Sale.household_id)).all())
    assert spent == sold and len(sold) == 9
    visits = Counter(db.session.execute(select(Sale.household_id, Sale.site_id)))
    by_household: dict[int, Counter] = {}
    for (household_id, site_id), number in visits.items():
        by_household.setdefault(household_id, Counter())[site_id] = number
    homes = {household_id: counter.most_common(1)[0][0] for household_id, counter in by_household.items()}
    assert Counter(homes.values()) == dict.fromkeys(site_ids, 3)  # three households at home at each site
    assert all(counter[homes[household_id]] > sum(counter.values()) / 2
               for household_id, counter in by_household.items())
    assert any(len(counter) > 1 for counter in by_household.values())  # some shop at another antenne too

    # A participant works at one site: their bookings are all on that site's shifts.
    worked = db.session.execute(select(Assignment.participant_id, func.count(func.distinct(Shift.site_id)))
                                .join(Shift, Shift.id == Assignment.shift_id)
                                .group_by(Assignment.participant_id)).all()
    assert worked and all(number == 1 for _participant, number in worked)
    assert "3" in outcome.output


def test_application_writes_at_a_generated_site_afterwards(db, monkeypatch):
    """After a federation is generated (with COPY on PostgreSQL), a till opens at its second site and a household
    and a product are added: the id sequences were moved past the generated rows."""
    from grocery.checkout.till import open_till
    from grocery.sites.context import using_site
    from tests.factories import make_household, make_product

    monkeypatch.setattr(bulkwrite, "COPY_FROM", 0)
    copied = []
    copy = bulkwrite._copy
    monkeypatch.setattr(bulkwrite, "_copy", lambda table, *args: copied.append(table.name) or copy(table, *args))
    cashier = make_user(Role.CASHIER)
    result = generate_history(households=4, products=5, sale_lines=200, years=1, restocks=1, volunteers=2, sites=2,
                              echo=_quiet)
    db.session.flush()
    assert result["sites"] == 2 and result["lots"] == 2 * 5 * 2 and result["sales"] == 20
    from grocery.sites.models import Site

    second = db.session.scalars(select(Site.id).order_by(Site.id)).all()[1]
    with using_site(second):
        till = open_till(cashier, "Caisse 1", float_cents=1000)
    household, product = make_household(), make_product()
    db.session.flush()
    assert till.site_id == second and household.id and product.id
    if bulkwrite.is_postgresql():  # the big tables went by COPY; tables with JSON columns by executemany
        assert {"sales", "sale_lines", "stock_movements", "budget_movements", "lots"} <= set(copied)
        assert "households" not in copied
    else:
        assert copied == []


def test_one_site_is_the_dataset_without_sites(db):
    """--sites 1 (the default): no site is added, every row is on the installation's site, and the figures are those
    of the generator before sites (no "sites" figure)."""
    from grocery.checkout.models import Sale
    from grocery.sites.models import Site
    from grocery.stock.models import Lot, StockMovement
    from grocery.stock.services import ledger_mismatches

    make_user(Role.CASHIER)
    result = generate_history(households=5, products=8, sale_lines=500, years=1, restocks=2, volunteers=3,
                              echo=_quiet)
    db.session.flush()
    assert db.session.scalar(select(func.count(Site.id))) == 1
    site_id = db.session.scalar(select(Site.id))
    for model in (Lot, StockMovement, Sale):
        assert set(db.session.scalars(select(model.site_id).distinct())) == {site_id}
    assert "sites" not in result and result["lots"] == 8 * 3 and result["sales"] == 50
    assert ledger_mismatches() == []


def test_no_site_is_refused(db):
    """--sites 0 is refused with a message, before anything is written."""
    from grocery.households.models import Household

    make_user(Role.CASHIER)
    with pytest.raises(click.ClickException, match="au moins un site"):
        generate_history(households=3, products=2, sale_lines=20, sites=0, echo=_quiet)
    assert db.session.scalar(select(func.count(Household.id))) == 0
