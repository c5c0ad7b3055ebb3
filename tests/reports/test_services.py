"""Report services: figures of a known month, recomputed independently from the ledgers, and bad periods."""

from datetime import date

import pytest
from sqlalchemy import func, select

from grocery.errors import ValidationError
from grocery.reports.services import (
    Period,
    activity_report,
    age_band,
    dashboard,
    parse_period,
    preset_period,
    programme_report,
)
from tests.factories import make_report_scenario


def _this_month(scenario) -> Period:
    return preset_period("this_month", scenario["today"])


def test_activity_report_figures_of_a_known_month(db):
    """Does the activity report give the hand-computed figures of the scenario month?"""
    scenario = make_report_scenario()
    report = activity_report(_this_month(scenario))
    sales = report["sales"]
    assert (sales["households"], sales["visits"]) == (2, 4)  # the voided sale is not a visit
    # pasta 40 c (20 % of 2,00 €), cheese 2,40 €/kg, FEAD beans free; one packet of pasta refunded.
    assert sales["paid_cents"] == 2 * (120 + 360 + 80) - 40
    assert sales["retail_cents"] == 2 * (600 + 600 + 1800 + 400) - 200
    assert sales["savings_cents"] == sales["retail_cents"] - sales["paid_cents"]
    assert report["persons"]["bands"] == {"0-2": 1, "3-14": 1, "15-17": 0, "18-24": 0, "25-64": 1, "65+": 1}
    assert report["persons"]["total"] == 4

    distribution = report["distribution"]
    assert (distribution["total"].pieces, distribution["total"].grams) == (9 + 4, 9 * 500 + 4 * 1000 + 3000)
    assert distribution["by_source"]["fead"].pieces == 4
    assert distribution["by_source"]["supermarket"].grams == 9 * 500 + 3000
    assert sum(q.grams for q in distribution["by_category"].values()) == distribution["total"].grams

    donations = report["donations"]
    assert donations["by_source"]["supermarket"].pieces == 40
    assert donations["by_source"]["supermarket"].grams == 40 * 500 + 10_000
    assert donations["by_source"]["supermarket"].retail_cents == 40 * 200 + 12_000
    assert donations["by_source"]["fead"].retail_cents == 30 * 300
    assert donations["donations"] == 2

    waste = report["waste"]["by_reason"]
    assert (waste["damaged"].pieces, waste["damaged"].grams, waste["damaged"].retail_cents) == (2, 1000, 400)
    assert (waste["expired"].pieces, waste["expired"].grams, waste["expired"].retail_cents) == (1, 1300, 660)

    stock = report["stock"]["total"]
    assert stock.pieces == (40 - 9 - 2) + (30 - 4 - 1)
    assert stock.grams == 29 * 500 + 25 * 1000 + (10_000 - 3000 - 300)

    volunteering = report["volunteering"]
    assert volunteering["total_minutes"] == 180
    assert volunteering["by_activity"][0]["activity"] == scenario["activity"].name
    assert volunteering["by_engagement"]["article60"] == {"active": 1, "with_hours": 1}
    assert volunteering["attestations"] == 1


def test_activity_report_agrees_with_an_independent_recomputation_from_the_ledgers(db):
    """Recomputed from the stock ledger, the budget ledger and the rows one by one, are the figures the same?"""
    from grocery.checkout.models import Sale
    from grocery.households.models import BudgetMovement, Member
    from grocery.stock.models import Lot, StockMovement

    scenario = make_report_scenario(households=3)
    period = _this_month(scenario)
    report = activity_report(period)

    movements = db.session.scalars(select(StockMovement)).all()
    out = {"sale": 0, "return": 0}
    grams_out = 0
    for movement in movements:
        if movement.kind in out:
            out[movement.kind] += movement.quantity
            grams_out += movement.lot.product.weight_g(movement.quantity)
    # Sales minus returns (the voided sale's units went out and came back).
    assert report["distribution"]["total"].grams == -grams_out
    budget_spent = -db.session.scalar(select(func.sum(BudgetMovement.amount_cents)))
    assert report["sales"]["paid_cents"] == budget_spent

    sales = db.session.scalars(select(Sale).where(Sale.status == "completed")).all()
    households = {sale.household_id for sale in sales}
    assert report["sales"]["households"] == len(households)
    members = db.session.scalars(select(Member).where(Member.household_id.in_(households))).all()
    assert report["persons"]["total"] == len({m.id for m in members})

    on_hand = sum(lot.product.weight_g(lot.quantity_on_hand) for lot in db.session.scalars(select(Lot)))
    assert report["stock"]["total"].grams == on_hand
    ledger_sum = sum(m.lot.product.weight_g(m.quantity) for m in movements)
    assert report["stock"]["total"].grams == ledger_sum

    fead = programme_report(period)
    (beans,) = fead["rows"]
    beans_moves = [m for m in movements if m.lot.source == "fead"]
    assert beans.received == sum(m.quantity for m in beans_moves if m.kind == "receipt")
    assert beans.wasted == -sum(m.quantity for m in beans_moves if m.kind == "waste")
    assert beans.distributed == -sum(m.quantity for m in beans_moves if m.kind in ("sale", "return"))
    assert beans.in_stock == sum(m.quantity for m in beans_moves)


def test_programme_report_per_fead_product(db):
    """Does the FEAD report give, per product, received, distributed, wasted, in stock, households and persons?"""
    scenario = make_report_scenario()
    report = programme_report(_this_month(scenario))
    assert [row.name for row in report["rows"]] == [scenario["beans"].name]
    row = report["rows"][0]
    assert (row.received, row.distributed, row.wasted, row.in_stock) == (30, 4, 1, 25)
    assert (row.households, row.persons) == (2, 4)
    assert report["households"] == 2
    assert report["persons"]["total"] == 4
    assert report["totals"]["distributed_grams"] == 4000


def test_stock_at_the_end_of_a_past_period_leaves_out_later_movements(db):
    """Is the stock of last month the stock before this month's receptions, sales and waste?"""
    scenario = make_report_scenario()
    last_month = preset_period("last_month", scenario["today"])
    report = activity_report(last_month)
    assert report["stock"]["total"].pieces == 0
    assert report["sales"]["visits"] == 0
    assert report["donations"]["total"].pieces == 0
    assert programme_report(last_month)["rows"] == []


def test_persons_are_counted_by_age_on_the_last_day_of_the_period():
    """Which band is a child who turns 3 on the last day of the period in?"""
    assert age_band(date(2023, 1, 31), date(2026, 1, 31)) == (3, 14)
    assert age_band(date(2023, 2, 1), date(2026, 1, 31)) == (0, 2)
    assert age_band(date(1961, 1, 1), date(2026, 1, 1)) == (65, None)
    assert age_band(date(2027, 1, 1), date(2026, 1, 1)) is None


@pytest.mark.parametrize(("preset", "start", "end"), [
    ("this_month", date(2026, 2, 1), date(2026, 2, 28)),
    ("last_month", date(2026, 1, 1), date(2026, 1, 31)),
    ("this_quarter", date(2026, 1, 1), date(2026, 3, 31)),
    ("this_year", date(2026, 1, 1), date(2026, 12, 31)),
    ("last_year", date(2025, 1, 1), date(2025, 12, 31)),
])
def test_presets(preset, start, end):
    """What are the dates of each preset on 15 February 2026?"""
    period = preset_period(preset, date(2026, 2, 15))
    assert (period.start, period.end) == (start, end)


def test_free_dates_in_iso_or_french_form():
    """Are dates from the date inputs (ISO) and typed in French (DD/MM/YYYY) both accepted?"""
    assert parse_period(start="2026-01-05", end="2026-01-20") == Period(date(2026, 1, 5), date(2026, 1, 20))
    assert parse_period(start="05/01/2026", end="20/01/2026") == Period(date(2026, 1, 5), date(2026, 1, 20))


@pytest.mark.parametrize(("start", "end", "field", "words"), [
    ("2026-02-01", "2026-01-01", "end", "avant son début"),
    ("2026-13-01", "2026-01-01", "start", "JJ/MM/AAAA"),
    ("demain", "2026-01-01", "start", "JJ/MM/AAAA"),
    ("2026-01-01", "", "end", "dernier jour"),
    ("", "2026-01-01", "start", "premier jour"),
    ("2000-01-01", "2026-01-01", "end", "trop longue"),
])
def test_bad_periods_are_refused_with_a_clear_message(app, start, end, field, words):
    """Is a period ending before it starts, or a date in the wrong form, refused with a message on the field?"""
    with app.test_request_context(), pytest.raises(ValidationError) as caught:
        parse_period(start=start, end=end)
    assert caught.value.field == field
    assert words in caught.value.message


def test_unknown_preset_is_refused(app):
    with app.test_request_context(), pytest.raises(ValidationError):
        parse_period(preset="next_century")


def test_dashboard_figures(db):
    """Does the dashboard show today's till, this month's households and the alerts?"""
    scenario = make_report_scenario()
    data = dashboard(scenario["today"])
    assert data["till"]["visits"] == 4
    assert data["till"]["open_tills"] == 1
    assert data["month"]["households"] == 2
    assert data["daily"][-1][1:] == (4, 2)
    assert data["monthly"][-1][2] == 2
    assert len(data["daily"]) == 30 and len(data["monthly"]) == 12


def test_expiring_decisions_agree_with_the_households_list(db):
    """Does the dashboard's two-statement list of expiring decisions name the same households as the households
    domain's own list?"""
    from grocery.households.services import expiring_soon
    from grocery.reports.services import decisions_expiring

    scenario = make_report_scenario(households=4)
    today = scenario["today"]
    expected = {household.id for household, _decision in expiring_soon(today)}
    found = decisions_expiring(today)
    assert {row["household_id"] for row in found["rows"]} == expected
    assert found["count"] == len(expected) == 3
    assert decisions_expiring(today, limit=2)["count"] == 3
