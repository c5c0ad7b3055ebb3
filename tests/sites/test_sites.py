"""Sites: the first site, adding a site (refusals), the role a user has at a site, the current site, and the
writers that put each row of a site-owned table on its site."""

import uuid
from datetime import time, timedelta

import pytest
from flask import session
from flask_login import login_user
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.checkout.models import Sale
from grocery.checkout.refunds import refund_sale
from grocery.checkout.services import record_sale
from grocery.checkout.till import open_till
from grocery.errors import Conflict, ValidationError
from grocery.settings.models import Setting
from grocery.sites.context import SESSION_KEY, NoSite, current_site_id, forget_current_site, using_site
from grocery.sites.models import Site, SiteRole
from grocery.sites.services import create_site, grant_site_role, has_several_sites, role_at, site_ids_for
from grocery.stock.models import StockMovement
from grocery.stock.services import add_donation_line, confirm_donation, ledger_mismatches, start_donation
from grocery.timeutil import local_today
from grocery.volunteers.models import DaySheet
from grocery.volunteers.services.attendance import validate_day
from grocery.volunteers.services.planning import create_template, generate_shifts
from grocery.volunteers.workshops import create_workshop
from tests.factories import make_activity, make_donor, make_lot, make_product, make_shopper, make_user


def _first_site(db) -> Site:
    site = db.session.get(Site, current_site_id())
    assert site is not None
    return site


def test_first_site_comes_from_the_organisation_settings(db):
    """A database made from the models gets its first site when the first site-owned row is written: named and
    addressed like the organisation, and the lot is on it."""
    db.session.add_all([Setting(key="org.name", value="Épicerie Saint-Roch"),
                        Setting(key="org.address", value="Rue de Fer 3\nBoîte 2\n5000 Namur")])
    db.session.flush()
    assert db.session.scalar(select(func.count(Site.id))) == 0
    lot = make_lot(quantity=4)
    site = db.session.get(Site, lot.site_id)
    assert (site.name, site.address, site.postcode, site.city) == ("Épicerie Saint-Roch", "Rue de Fer 3\nBoîte 2",
                                                                   "5000", "Namur")
    assert db.session.scalar(select(func.count(Site.id))) == 1
    assert not has_several_sites()
    # Once the installation has a site, none is made again: with every site closed, writing is refused.
    site.is_active = False
    db.session.flush()
    forget_current_site()
    with pytest.raises(NoSite):
        current_site_id()
    with pytest.raises(NoSite):  # before the flush, not wrapped in the database layer's StatementError
        make_lot(quantity=1)
    db.session.rollback()


def test_create_site_refuses_a_blank_or_taken_name_and_a_bad_postcode(db):
    """Is a site without a name, with another site's name (any case) or with a postcode that is not four digits
    refused, with nothing written?"""
    admin = make_user(Role.ADMIN)
    first = _first_site(db)
    with pytest.raises(ValidationError) as blank:
        create_site(admin, name="   ")
    assert blank.value.field == "name"
    with pytest.raises(Conflict):
        create_site(admin, name=first.name.upper())
    with pytest.raises(ValidationError) as postcode:
        create_site(admin, name="Antenne Nord", postcode="50000")
    assert postcode.value.field == "postcode"
    assert db.session.scalar(select(func.count(Site.id))) == 1
    north = create_site(admin, name=" Antenne Nord ", address="Rue Nord 1", postcode="5000", city="Namur",
                        opening_hours="Mardi 9-12")
    assert north.name == "Antenne Nord" and has_several_sites()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "site.create")).one()
    assert event.target_type == "sites" and event.target_id == str(north.id)


def test_role_at_a_site_follows_the_grants(db):
    """Administrator: every site. No grant: every site with the account's role. With grants: only the granted
    sites, a grant for the site itself winning over the grant for every site."""
    admin = make_user(Role.ADMIN)
    site_a = _first_site(db)
    site_b = create_site(admin, name="Antenne B")
    everywhere = make_user(Role.STOCK_MANAGER)
    only_a = make_user(Role.CASHIER)
    mixed = make_user(Role.COORDINATOR)
    grant_site_role(admin, only_a, site_a, "cashier")
    grant_site_role(admin, mixed, None, "coordinator")
    grant_site_role(admin, mixed, site_b, "stock_manager")
    assert (role_at(admin, site_a.id), role_at(admin, site_b.id)) == (Role.ADMIN, Role.ADMIN)
    assert (role_at(everywhere, site_a.id), role_at(everywhere, site_b.id)) == (Role.STOCK_MANAGER,
                                                                              Role.STOCK_MANAGER)
    assert (role_at(only_a, site_a.id), role_at(only_a, site_b.id)) == (Role.CASHIER, None)
    assert (role_at(mixed, site_a.id), role_at(mixed, site_b.id)) == (Role.COORDINATOR, Role.STOCK_MANAGER)
    assert site_ids_for(only_a) == [site_a.id]
    assert site_ids_for(mixed) == site_ids_for(everywhere) == site_ids_for(admin) == [site_a.id, site_b.id]
    # A second grant for the same site replaces the first; an unknown role is refused.
    grant_site_role(admin, only_a, site_a, "stock_manager")
    assert db.session.scalar(select(func.count(SiteRole.id)).where(SiteRole.user_id == only_a.id)) == 1
    assert role_at(only_a, site_a.id) == Role.STOCK_MANAGER
    with pytest.raises(ValidationError):
        grant_site_role(admin, only_a, site_b, "baker")
    assert role_at(only_a, site_b.id) is None


def test_current_site_is_the_only_one_the_given_one_or_the_users_choice(app, db):
    """One site: that one. using_site(): the given one. Several sites: outside a request the first; in a request
    the one chosen in the login session if the user works there, else the first of the user's sites; a user who
    works at none of them is refused."""
    admin = make_user(Role.ADMIN)
    site_a = _first_site(db)
    assert current_site_id() == site_a.id
    site_b = create_site(admin, name="Antenne B")
    with using_site(site_b.id):
        assert current_site_id() == site_b.id
    forget_current_site()
    assert current_site_id() == site_a.id
    only_b = make_user(Role.CASHIER)
    grant_site_role(admin, only_b, site_b, "cashier")
    coordinator = make_user(Role.COORDINATOR)
    gone = make_user(Role.CASHIER)
    grant_site_role(admin, gone, site_b, "cashier")
    cases = [(only_b, None, site_b.id), (coordinator, site_b.id, site_b.id), (coordinator, None, site_a.id),
             (only_b, site_a.id, site_b.id)]
    for user, chosen, expected in cases:
        with app.test_request_context():
            forget_current_site()  # the test's application context outlives each request context
            user.session_key = "test"
            login_user(user)
            if chosen is not None:
                session[SESSION_KEY] = chosen
            assert current_site_id() == expected, (user.username, chosen)
    site_b.is_active = False  # two open sites left (A and C), neither of them the user's
    create_site(admin, name="Antenne C")
    with app.test_request_context():
        forget_current_site()
        gone.session_key = "test"
        login_user(gone)
        with pytest.raises(NoSite):
            current_site_id()


def test_writers_put_each_row_on_its_site(db):
    """A till opened at site B sells B's lot: the sale, its stock movements and a refund's return are on B; a
    reception started at B gives lots and receipts on B; a day sheet goes to the current site; every ledger adds
    up, and site A's rows are untouched."""
    admin = make_user(Role.ADMIN)
    site_a = _first_site(db)
    site_b = create_site(admin, name="Antenne B")
    product = make_product(retail_price_cents=200)
    lot_a = make_lot(make_product(), 5)  # another product: the till does not choose lots by site yet
    assert lot_a.site_id == site_a.id
    with using_site(site_b.id):
        donation = start_donation(admin, make_donor(), local_today())
        add_donation_line(donation, product, quantity=6)
        lots_b = confirm_donation(admin, donation)
        sheet = validate_day(admin, donation.received_on)
    assert donation.site_id == site_b.id and [lot.site_id for lot in lots_b] == [site_b.id]
    assert sheet.site_id == site_b.id
    cashier = make_user(Role.CASHIER)
    till = open_till(cashier, "Caisse 1", float_cents=0, site_id=site_b.id)
    assert till.site_id == site_b.id
    _household, card = make_shopper()
    sale, created = record_sale(cashier, till, sale_uuid=str(uuid.uuid4()), card_code=card,
                                lines=[{"product_id": product.id, "quantity": 2}],
                                payment={"method": "cash", "tendered_cents": 1000})
    assert created and sale.site_id == site_b.id
    assert db.session.scalar(select(Sale.site_id).where(Sale.id == sale.id)) == site_b.id
    refund_sale(cashier, sale, {line.id: 1 for line in sale.lines}, reason="Erreur", till_session=till,
                condition="resellable")
    moved = db.session.execute(select(StockMovement.kind, StockMovement.site_id, StockMovement.lot_id)
                               .order_by(StockMovement.id)).all()
    by_lot = {(kind, lot_id): site_id for kind, site_id, lot_id in moved}
    assert by_lot[("receipt", lot_a.id)] == site_a.id
    for (kind, lot_id), site_id in by_lot.items():
        lot_site = site_a.id if lot_id == lot_a.id else site_b.id
        assert site_id == lot_site, (kind, lot_id)
    assert {kind for kind, _site, _lot in moved} >= {"receipt", "sale", "return"}
    assert ledger_mismatches() == []
    assert db.session.scalar(select(func.count(DaySheet.id))) == 1


def test_shifts_generated_from_a_slot_are_held_at_its_site(db):
    """A weekly slot of site B gives shifts at site B; each site generates its own slots' shifts (the current
    site's by default); a workshop and a slot made without a site go to the current one."""
    admin = make_user(Role.ADMIN)
    site_a = _first_site(db)
    site_b = create_site(admin, name="Antenne B")
    activity = make_activity()
    with using_site(site_b.id):
        slot_b = create_template(admin, weekday=0, start_time=time(9, 0), end_time=time(12, 0), activity=activity,
                                 capacity=2)
    slot_a = create_template(admin, weekday=0, start_time=time(13, 0), end_time=time(16, 0), activity=activity,
                             capacity=2)
    monday = local_today() + timedelta(days=7 - local_today().weekday())
    shifts = generate_shifts(admin, monday, monday)
    assert [(shift.template_id, shift.site_id) for shift in shifts] == [(slot_a.id, site_a.id)]
    shifts = generate_shifts(admin, monday, monday, site_id=site_b.id)
    assert [(shift.template_id, shift.site_id) for shift in shifts] == [(slot_b.id, site_b.id)]
    assert (slot_a.site_id, slot_b.site_id) == (site_a.id, site_b.id)
    assert create_workshop(admin, title="Cuisine").site_id == site_a.id
