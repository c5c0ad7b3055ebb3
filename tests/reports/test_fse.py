"""FSE+ report: receptions on their received date, the ESF+ indicators of end recipients, value and tonnes per
programme and per delivery, recomputed from the ledgers; and the page that shows them."""

from datetime import date, timedelta

from sqlalchemy import select

from grocery.auth.roles import Role
from grocery.households import services as hs
from grocery.reports.services import activity_report, preset_period, programme_report
from tests.factories import make_donor, make_household, make_member, make_product, make_report_scenario, make_user
from tests.utils import text_of


def _month(scenario):
    return preset_period("this_month", scenario["today"])


def _profile(member, **values):
    person = {"first_name": member.first_name, "last_name": member.last_name, "birth_on": member.birth_on,
              "relation": member.relation}
    hs.update_member(None, member, {**person, **values})


def test_a_reception_counts_on_its_received_date_not_its_confirmation(db):
    """A FEAD delivery received on the last day of last month and confirmed today: received last month (and in its
    stock at the end), not this month."""
    from grocery.stock.services import add_donation_line, confirm_donation, start_donation

    today = date.today()
    coordinator = make_user(Role.COORDINATOR)
    product = make_product(net_weight_g=1000, retail_price_cents=250)
    received_on = today.replace(day=1) - timedelta(days=1)
    donation = start_donation(coordinator, make_donor(kind="fead"), received_on, programme="FSE+ 2026")
    add_donation_line(donation, product, quantity=12)
    confirm_donation(coordinator, donation)  # confirmed now

    last_month, this_month = preset_period("last_month", today), preset_period("this_month", today)
    (row,) = programme_report(last_month)["rows"]
    assert (row.received, row.in_stock) == (12, 12)
    assert programme_report(this_month)["rows"][0].received == 0
    assert activity_report(last_month)["donations"]["by_source"]["fead"].pieces == 12
    assert activity_report(last_month)["stock"]["total"].pieces == 12
    assert "fead" not in activity_report(this_month)["donations"]["by_source"]


def test_esf_indicators_of_a_known_month(db):
    """Persons reached and of which children, young people, seniors, women, disabled, homeless, migrant
    background; unknown counted, answers without consent unknown."""
    scenario = make_report_scenario(households=2)
    first, second = scenario["households"]
    adult, child, _baby = first.members
    _profile(adult, sex="female", has_sensitive_consent=True, disability="no", homeless="yes",
             migrant_background="yes")
    _profile(child, sex="male")
    (senior,) = second.members
    _profile(senior, sex="female", has_sensitive_consent=True, disability="yes")
    indicators = programme_report(_month(scenario))["indicators"]
    assert indicators["total"] == 4
    assert (indicators["children"], indicators["young"], indicators["seniors"]) == (2, 0, 1)
    assert (indicators["women"], indicators["sex_not_stated"]) == (2, 1)
    assert indicators["disability"] == {"yes": 1, "unknown": 2}
    assert indicators["homeless"] == {"yes": 1, "unknown": 3}  # the senior consented but did not answer
    assert indicators["migrant_background"] == {"yes": 1, "unknown": 3}


def test_fse_figures_agree_with_an_independent_recomputation_from_the_ledgers(db):
    """Recomputed row by row from the members, the sale lines and the stock ledger, are the ESF+ indicators, the
    tonnes and the value per delivery and per programme the same?"""
    from grocery.checkout.models import Sale, SaleLine
    from grocery.households.models import Member
    from grocery.stock.models import Lot, StockMovement

    scenario = make_report_scenario(households=3)
    for household in scenario["households"][1:]:
        young = make_member(household, birth_on=date(2000, 1, 1), sex="female", has_sensitive_consent=True,
                            homeless="yes")
        assert young.presence_percent == 100
    make_household()  # not served: never counted
    period = _month(scenario)
    report = programme_report(period)

    lines = db.session.scalars(select(SaleLine).join(Sale).where(
        Sale.status == "completed", SaleLine.source == "fead")).all()
    lines = [line for line in lines if line.quantity > line.refunded_quantity]
    served = {line.sale.household_id for line in lines}
    members = [m for m in db.session.scalars(select(Member).where(Member.household_id.in_(served)))
               if m.birth_on <= period.end and (m.left_on is None or m.left_on >= period.start)]
    ages = [hs.age_on(m.birth_on, period.end) for m in members]
    indicators = report["indicators"]
    assert indicators["total"] == len({m.id for m in members}) == report["persons"]["total"]
    assert indicators["children"] == sum(1 for age in ages if age < 18)
    assert indicators["young"] == sum(1 for age in ages if 18 <= age <= 29) == 2
    assert indicators["seniors"] == sum(1 for age in ages if age >= 65)
    assert indicators["women"] == sum(1 for m in members if m.sex == "female")
    assert indicators["homeless"]["yes"] == sum(1 for m in members if m.has_sensitive_consent and m.homeless == "yes")
    assert indicators["homeless"]["unknown"] == sum(1 for m in members if m.homeless == "unknown")

    deliveries = report["deliveries"]
    by_lot = {}
    for line in lines:
        net = line.quantity - line.refunded_quantity
        lot = db.session.get(Lot, line.lot_id)
        grams, cents = by_lot.get(lot.donation_id, (0, 0))
        value = (line.retail_cents * net * 2 + line.quantity) // (2 * line.quantity)
        by_lot[lot.donation_id] = (grams + lot.product.weight_g(net), cents + value)
    assert {row["donation_id"]: (row["grams"], row["value_cents"]) for row in deliveries["deliveries"]} == by_lot
    # The sale ledger agrees: FEAD units out (sales) minus back (returns), in grams.
    moves = db.session.scalars(select(StockMovement).join(Lot).where(
        Lot.source == "fead", StockMovement.kind.in_(("sale", "return")))).all()
    assert deliveries["grams"] == -sum(m.lot.product.weight_g(m.quantity) for m in moves) == 3 * 2 * 1000
    assert deliveries["value_cents"] == 3 * 2 * 300
    (programme,) = deliveries["programmes"]
    assert (programme["programme"], programme["deliveries"], programme["grams"]) == ("FSE+ test", 1, 6000)


def test_the_fse_page_shows_the_indicators_and_the_deliveries(client, db, login):
    scenario = make_report_scenario()
    adult = scenario["households"][0].members[0]
    _profile(adult, sex="female", has_sensitive_consent=True, homeless="yes")
    db.session.commit()
    login(Role.COORDINATOR)
    page = text_of(client.get("/reports/fead?preset=this_month")).replace("\xa0", " ").replace("\u202f", " ")
    assert "Indicateurs FSE+" in page
    table = page[page.index('id="esf-indicators"'):page.index('id="deliveries"')]
    assert "Personnes atteintes (total)</td><td class=\"num\">4</td>" in table
    assert "dont femmes</td><td class=\"num\">1</td><td class=\"num\">3</td>" in table
    assert "dont personnes sans abri</td><td class=\"num\">1</td><td class=\"num\">3</td>" in table
    deliveries = page[page.index('id="deliveries"'):]
    assert "FSE+ test" in deliveries and "0,004 t" in deliveries and "12,00 €" in deliveries
    csv = client.get("/reports/fead.csv?preset=this_month").get_data().decode("utf-8-sig")
    assert "dont femmes;1;3" in csv
