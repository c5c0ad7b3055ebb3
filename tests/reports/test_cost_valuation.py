"""Report values: donated goods at the reference price, bought goods at their cost price, as the legend says."""

from grocery.auth.roles import Role
from grocery.reports.services import Period, donations_received, stock_at_end, waste_by_reason
from grocery.stock.services import add_donation_line, confirm_donation, record_waste, start_donation
from grocery.timeutil import local_today
from tests.factories import make_donor, make_product
from tests.utils import text_of


def _received(kind, product, *, cost=None, **amount):
    donation = start_donation(None, make_donor(kind=kind), local_today())
    add_donation_line(donation, product, unit_cost_cents=cost, **amount)
    return confirm_donation(None, donation)[0]


def test_purchases_count_at_cost_and_donations_at_the_reference_price(db):
    """Are goods received, waste and stock valued at cost for purchases (per piece and per kg) and at the
    reference price for donations?"""
    rice = make_product(retail_price_cents=250)
    apples = make_product(unit_kind="kg", net_weight_g=None, retail_price_cents=300)
    _received("supermarket", rice, quantity=10)                  # 10 x 2,50 = 25,00
    bought_rice = _received("purchase", rice, cost=110, quantity=20)  # 20 x 1,10 = 22,00
    _received("purchase", apples, cost=150, measure=3001)        # 3,001 kg x 1,50 = 4,5015 -> 4,50
    period = Period(local_today(), local_today())

    received = donations_received(period)
    assert received["by_source"]["supermarket"].retail_cents == 2500
    assert received["by_source"]["purchase"].retail_cents == 2200 + 450
    assert received["total"].retail_cents == 2500 + 2200 + 450

    record_waste(None, bought_rice, 5, "damaged")
    assert waste_by_reason(period)["total"].retail_cents == 5 * 110
    stock = stock_at_end(period)
    assert stock["total"].retail_cents == 2500 + 15 * 110 + 450


def test_the_activity_report_says_how_values_are_counted(db, client, login):
    login(Role.COORDINATOR)
    page = text_of(client.get("/reports/activity", query_string={"preset": "this_month"}))
    assert "les produits achetés au prix d'achat enregistré à leur réception" in page
    assert "les dons au prix de référence" in page
