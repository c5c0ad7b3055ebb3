"""The till at several sites, through its services: it sells from its till session's site's stock only (FEFO, the
catalogue's quantities, quote, sale, offline replay, card snapshot); a decision names the sites where a household
shops; one budget and one set of quotas whatever the site; open till names per site."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.audit.models import AuditEvent
from grocery.auth.roles import Role
from grocery.checkout.catalogue import catalogue_snapshot
from grocery.checkout.models import Sale
from grocery.checkout.offline import record_offline_sale
from grocery.checkout.services import quote_sale, record_sale, till_household
from grocery.checkout.snapshot import cards_snapshot
from grocery.checkout.till import open_till
from grocery.errors import Conflict, GroceryError, InsufficientStock, NotEligible, ValidationError
from grocery.households.models import BudgetMovement, Decision, DecisionSite
from grocery.households.services import budget_left, decide_eligibility, lift_suspension
from grocery.households.services.till import other_site_reason
from grocery.sites.context import current_site_id, using_site
from grocery.sites.services import create_site
from grocery.stock.models import Lot, StockMovement
from grocery.stock.services import allocate_fefo, ledger_mismatches, sellable_quantities
from grocery.timeutil import local_today, utcnow
from tests.factories import make_decision, make_household, make_lot, make_product, make_shopper, make_user

CARD = {"method": "card"}


@pytest.fixture()
def sites(db):
    """(site A: the first, site B: "Antenne Nord") and a cashier who works at both (no grant: every site)."""
    site_a = current_site_id()
    site_b = create_site(None, name="Antenne Nord", city="Namur").id
    return site_a, site_b


def _till(site_id, name="Caisse 1", user=None):
    return open_till(user or make_user(Role.CASHIER), name, float_cents=0, site_id=site_id)


def _sell(till, card, lines, sale_uuid=None):
    return record_sale(till.opened_by, till, sale_uuid=sale_uuid or str(uuid.uuid4()), card_code=card, lines=lines,
                       payment=CARD)


def _counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Sale, StockMovement, BudgetMovement))


# --------------------------------------------------------------------------------------------------------------
# Stock: the till session's site only
# --------------------------------------------------------------------------------------------------------------


def test_fefo_takes_the_lots_of_the_tills_site_even_when_another_site_has_an_earlier_one(db, sites):
    """Site A has a lot expiring sooner; a till of site B sells from B's lot, its movements are B's, A's lot does not
    move; the quote, the sellable quantities and the catalogue count each site's lots."""
    site_a, site_b = sites
    today = local_today()
    product = make_product(price_rule="fixed", social_price_cents=100)
    lot_a = make_lot(product, 5, best_before_on=today + timedelta(days=2))
    with using_site(site_b):
        lot_b = make_lot(product, 8, best_before_on=today + timedelta(days=30))
    _household, card = make_shopper(budget_cents=5000)
    till_b = _till(site_b)
    assert [a.lot.id for a in allocate_fefo(product, 3, today, site_id=site_a)] == [lot_a.id]
    assert [a.lot.id for a in allocate_fefo(product, 3, today, site_id=site_b)] == [lot_b.id]
    assert sellable_quantities(today, site_id=site_a)[product.id] == 5
    assert sellable_quantities(today, site_id=site_b)[product.id] == 8
    units = {site: {row[0]: row[6] for row in catalogue_snapshot(today, site_id=site)["products"]}[product.id]
             for site in (site_a, site_b)}
    assert units == {site_a: 5, site_b: 8}
    quote = quote_sale(card, [{"product_id": product.id, "quantity": 7}], today, site_id=site_b)
    assert quote.violations == [] and [a.lot.id for a in quote.lines[0].allocations] == [lot_b.id]
    sale, created = _sell(till_b, card, [{"product_id": product.id, "quantity": 7}])
    assert created and sale.site_id == site_b
    assert [line["lot_id"] for line in sale.written_lines] == [lot_b.id]
    db.session.expire_all()
    assert db.session.get(Lot, lot_a.id).quantity_on_hand == 5
    assert db.session.get(Lot, lot_b.id).quantity_on_hand == 1
    moved = db.session.execute(select(StockMovement.site_id, StockMovement.quantity)
                               .where(StockMovement.kind == "sale")).all()
    assert moved == [(site_b, -7)]
    assert ledger_mismatches() == []


def test_a_till_whose_site_lacks_the_stock_refuses_and_writes_nothing(db, sites):
    """Another site's stock does not count: the quote reports the shortage, the sale is refused and writes no sale,
    no movement, no budget."""
    _site_a, site_b = sites
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 50)  # at site A only
    _household, card = make_shopper(budget_cents=5000)
    till_b = _till(site_b)
    lines = [{"product_id": product.id, "quantity": 1}]
    assert [v["code"] for v in quote_sale(card, lines, site_id=site_b).violations] == ["insufficient_stock"]
    before = _counts(db)
    with pytest.raises(InsufficientStock):
        _sell(till_b, card, lines)
    assert _counts(db) == before


def test_an_offline_sale_replayed_at_a_site_takes_that_sites_lots(db, sites):
    """The offline replay allocates from its till session's site: what B's lots do not cover is a shortfall, even
    when site A has plenty."""
    _site_a, site_b = sites
    product = make_product(price_rule="fixed", social_price_cents=100)
    lot_a = make_lot(product, 50)
    with using_site(site_b):
        lot_b = make_lot(product, 2)
    household, card = make_shopper(budget_cents=5000)
    till_b = _till(site_b)
    sale, created = record_offline_sale(till_b.opened_by, till_b, sale_uuid=str(uuid.uuid4()), card_code=card,
                                        lines=[{"product_id": product.id, "quantity": 3}], payment=CARD,
                                        charged=300, client_created_at=utcnow() - timedelta(minutes=5))
    assert created and sale.site_id == site_b
    assert [reason["code"] for reason in sale.review_reasons] == ["insufficient_stock", "price_differs"]
    assert [(s.product_id, s.quantity) for s in sale.shortfalls] == [(product.id, 1)]
    db.session.expire_all()
    assert (db.session.get(Lot, lot_a.id).quantity_on_hand, db.session.get(Lot, lot_b.id).quantity_on_hand) == (50, 0)
    assert budget_left(household, local_today()) == 4700


# --------------------------------------------------------------------------------------------------------------
# Decisions name their sites
# --------------------------------------------------------------------------------------------------------------


def test_a_household_whose_decision_names_site_a_is_refused_at_site_b(db, sites):
    """At B's till: refused with where it may shop, no budget nor period told; no sale written. At A's: served."""
    site_a, site_b = sites
    product = make_product(price_rule="fixed", social_price_cents=100)
    make_lot(product, 10)
    with using_site(site_b):
        make_lot(product, 10)
    household = make_household()
    make_decision(household, budget_cents=5000, budget_override_motive="Test", site_ids=[site_a])
    card = household.active_card.code
    with pytest.raises(NotEligible) as refused:
        till_household(card, local_today(), site_id=site_b)
    assert str(refused.value.message) == other_site_reason(household.decisions[0].id)  # names site A
    assert till_household(card, local_today(), site_id=site_a)["budget_left_cents"] == 5000
    before = _counts(db)
    with pytest.raises(NotEligible):
        _sell(_till(site_b), card, [{"product_id": product.id, "quantity": 1}])
    assert _counts(db) == before
    sale, _created = _sell(_till(site_a), card, [{"product_id": product.id, "quantity": 1}])
    assert sale.site_id == site_a


def test_the_tills_refusal_names_the_allowed_sites_and_nothing_social(db, sites):
    """What the till's lookup summary holds for a household of another site: not eligible, the reason naming the
    sites where it shops, no budget, no period, no validity."""
    from grocery.households.services import till_lookup

    site_a, site_b = sites
    household = make_household()
    make_decision(household, budget_cents=5000, budget_override_motive="Test", site_ids=[site_b])
    summary, _household = till_lookup(household.active_card.code, local_today(), site_id=site_a)
    assert summary["eligible"] is False and summary["reason_code"] == "other_site"
    assert "Antenne Nord" in summary["reason"]
    assert summary["budget_left_cents"] is None and summary["period_start"] is None
    assert summary["valid_until"] is None
    assert till_lookup(household.active_card.code, local_today())[0]["eligible"]  # the office: no site checked


def test_the_card_snapshot_of_a_till_holds_only_the_households_allowed_at_its_site(db, sites):
    site_a, site_b = sites
    only_a = make_household()
    make_decision(only_a, budget_cents=5000, budget_override_motive="Test", site_ids=[site_a])
    both = make_household()
    make_decision(both, budget_cents=5000, budget_override_motive="Test", site_ids=[site_a, site_b])
    _everywhere, card_everywhere = make_shopper()
    today = local_today()
    at_a = {card["card_code"] for card in cards_snapshot(today, site_id=site_a)["cards"]}
    at_b = {card["card_code"] for card in cards_snapshot(today, site_id=site_b)["cards"]}
    assert at_a == {only_a.active_card.code, both.active_card.code, card_everywhere}
    assert at_b == {both.active_card.code, card_everywhere}


def test_a_decision_names_active_sites_only_and_a_refusal_writes_nothing(db, sites):
    """An id of no site (or an inactive site's) is refused: no decision, no site row, no audit event."""
    from grocery.sites.models import Site

    _site_a, site_b = sites
    household = make_household()
    closed = create_site(None, name="Ancienne antenne")
    closed.is_active = False
    db.session.flush()
    before = (db.session.scalar(select(func.count(Decision.id))), db.session.scalar(select(func.count(AuditEvent.id))))
    for wrong in ([site_b, 2**31 - 1], [closed.id], [-1]):
        with pytest.raises(ValidationError) as error:
            decide_eligibility(None, household, outcome="granted", site_ids=wrong)
        assert error.value.field == "sites"
    assert (db.session.scalar(select(func.count(Decision.id))),
            db.session.scalar(select(func.count(AuditEvent.id)))) == before
    assert db.session.scalar(select(func.count()).select_from(DecisionSite)) == 0
    assert db.session.get(Site, site_b).is_active


def test_the_decisions_sites_are_audited_and_kept_when_a_suspension_is_lifted(db, sites):
    site_a, site_b = sites
    household = make_household()
    granted = make_decision(household, budget_cents=3000, budget_override_motive="Test", site_ids=[site_b])
    assert [site.id for site in granted.sites] == [site_b]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.create")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.details["sites"] == ["Antenne Nord"]
    make_decision(household, outcome="suspended", motive="Absences", valid_from=local_today())
    db.session.refresh(household)
    resumed = lift_suspension(None, household, motive="Revenu")
    assert [link.site_id for link in resumed.site_links] == [site_b]
    assert till_household(household.active_card.code, local_today(), site_id=site_b)["eligible"]
    with pytest.raises(NotEligible):
        till_household(household.active_card.code, local_today(), site_id=site_a)


def test_a_refused_decision_names_no_site(db, sites):
    _site_a, site_b = sites
    household = make_household()
    refused = decide_eligibility(None, household, outcome="refused", motive="Revenus trop élevés", site_ids=[site_b])
    assert refused.site_links == []


# --------------------------------------------------------------------------------------------------------------
# One budget, one set of quotas
# --------------------------------------------------------------------------------------------------------------


def test_one_budget_and_one_set_of_quotas_whatever_the_site(db, sites):
    """A sale at A is seen at once by B's till: the same budget left, the same quota left; B refuses what would go
    over either."""
    site_a, site_b = sites
    limited = make_product(price_rule="fixed", social_price_cents=1000, quota_quantity=3, quota_scope="household",
                           quota_period="week")
    make_lot(limited, 10)
    with using_site(site_b):
        make_lot(limited, 10)
    _household, card = make_shopper(budget_cents=3000)
    _sell(_till(site_a), card, [{"product_id": limited.id, "quantity": 2}])
    today = local_today()
    seen = [till_household(card, today, site_id=site) for site in (site_a, site_b)]
    assert [s["budget_left_cents"] for s in seen] == [1000, 1000]
    assert [[q["left"] for q in s["quotas"] if q["name"] == limited.name] for s in seen] == [[1], [1]]
    till_b = _till(site_b)
    before = _counts(db)
    with pytest.raises(GroceryError) as over:  # the quota is checked first, then the budget: either refuses
        _sell(till_b, card, [{"product_id": limited.id, "quantity": 2}])
    assert over.value.code in ("quota_exceeded", "over_budget")
    assert _counts(db) == before
    _sell(till_b, card, [{"product_id": limited.id, "quantity": 1}])
    assert [till_household(card, today, site_id=site)["budget_left_cents"] for site in (site_a, site_b)] == [0, 0]


# --------------------------------------------------------------------------------------------------------------
# Open tills per site
# --------------------------------------------------------------------------------------------------------------


def test_the_same_till_name_may_be_open_at_two_sites_but_once_per_site(db, sites):
    site_a, site_b = sites
    cashier = make_user(Role.CASHIER)
    at_a, at_b = _till(site_a, user=cashier), _till(site_b, user=cashier)
    assert (at_a.till_name, at_a.site_id, at_b.till_name, at_b.site_id) == ("Caisse 1", site_a, "Caisse 1", site_b)
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(Conflict):
        _till(site_b, user=cashier)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
