"""Reports per site and consolidated: each site's report keeps to its own sales, receptions, stock and shifts; the
consolidated figures are the sums of the sites' for amounts and quantities, and count persons once; the scope
selector and the refusals of the pages."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.reports.services import Period, activity_report, preset_period, programme_report
from grocery.sites.context import current_site_id, using_site
from grocery.sites.services import create_site, grant_site_role
from tests.factories import make_report_scenario, make_user
from tests.reports.test_views import counted_statements
from tests.utils import text_of


def _two_sites(db):
    """Site A (the first) and site B, each with the report scenario of the month (their own products, till, sales,
    receptions, waste and shift); the first household of A also shops once at B."""
    from grocery.checkout.services import record_sale
    from grocery.checkout.till import close_till, expected_cash_cents

    site_a = current_site_id()
    a = make_report_scenario()
    # An open till's name is unique across sites: A's "Caisse 1" closes before B opens its own.
    close_till(a["coordinator"], a["till"], counted_cents=expected_cash_cents(a["till"]))
    site_b = create_site(make_user(Role.ADMIN), name="Antenne B", postcode="5000", city="Namur")
    with using_site(site_b.id):
        b = make_report_scenario()
        record_sale(b["till"].opened_by, b["till"], sale_uuid=str(uuid.uuid4()),
                    card_code=a["households"][0].active_card.code,
                    lines=[{"product_id": b["beans"].id, "quantity": 1}, {"product_id": b["pasta"].id, "quantity": 1}],
                    payment={"method": "cash", "tendered_cents": 100_000})
    db.session.commit()
    return site_a, site_b.id, a, b


def _period(scenario):
    """This month, and the last one when today is its first day: site B's shift is held the day before A's (a day
    counts as validated whatever the site)."""
    month = preset_period("this_month", scenario["today"])
    return Period(preset_period("this_month", scenario["today"] - timedelta(days=1)).start, month.end)


def _additive(report: dict) -> dict:
    """The additive figures of an activity report: amounts, quantities, visits, hours."""
    sales, figures = report["sales"], {}
    for key in ("visits", "paid_cents", "retail_cents", "savings_cents", "refunded_cents"):
        figures[key] = sales[key]
    for part in ("distribution", "donations", "waste", "stock"):
        total = report[part]["total"]
        figures[part] = (total.pieces, total.grams, total.retail_cents)
    figures["donations_count"] = report["donations"]["donations"]
    figures["minutes"] = report["volunteering"]["total_minutes"]
    return figures


def test_the_consolidated_activity_report_is_the_sum_of_the_sites_and_counts_persons_once(db):
    """Are amounts, quantities and visits of the consolidated report the sums of the two sites', while a household
    that shopped at both sites counts once?"""
    from grocery.checkout.models import Sale
    from grocery.households.models import Member

    site_a, site_b, a, _b = _two_sites(db)
    period = _period(a)
    report_a, report_b = activity_report(period, (site_a,)), activity_report(period, (site_b,))
    everything = activity_report(period)
    assert activity_report(period, (site_a, site_b)) == {**everything, "sites": (site_a, site_b)}

    figures_a, figures_b, figures_all = _additive(report_a), _additive(report_b), _additive(everything)
    for key, value in figures_all.items():
        if isinstance(value, tuple):
            assert value == tuple(x + y for x, y in zip(figures_a[key], figures_b[key], strict=True)), key
        else:
            assert value == figures_a[key] + figures_b[key], key
    assert figures_a["visits"] and figures_b["visits"] and figures_a["stock"] != (0, 0, 0)

    # Distinct households and persons, not sums: A's first household (3 persons) shopped at both sites.
    served = {site: set(db.session.scalars(select(Sale.household_id).where(
        Sale.status == "completed", Sale.site_id == site))) for site in (site_a, site_b)}
    assert served[site_a] & served[site_b] == {a["households"][0].id}
    assert report_a["sales"]["households"] == len(served[site_a])
    assert report_b["sales"]["households"] == len(served[site_b])
    assert everything["sales"]["households"] == len(served[site_a] | served[site_b])
    assert everything["sales"]["households"] == report_a["sales"]["households"] + report_b["sales"]["households"] - 1
    persons = {site: set(db.session.scalars(select(Member.id).where(Member.household_id.in_(ids))))
               for site, ids in served.items()}
    assert report_a["persons"]["total"] == len(persons[site_a])
    assert everything["persons"]["total"] == len(persons[site_a] | persons[site_b])
    assert everything["persons"]["total"] == report_a["persons"]["total"] + report_b["persons"]["total"] - 3


def test_a_site_report_agrees_with_its_own_ledgers_and_nothing_of_the_other_site(db):
    """Recomputed from each site's stock ledger, budget ledger and rows, are a site's figures its own only?"""
    from grocery.checkout.models import Sale
    from grocery.stock.models import Lot, StockMovement

    site_a, site_b, a, b = _two_sites(db)
    period = _period(a)
    for site, scenario, other in ((site_a, a, b), (site_b, b, a)):
        report = activity_report(period, (site,))
        movements = db.session.scalars(select(StockMovement).where(StockMovement.site_id == site)).all()
        grams_out = sum(m.lot.product.weight_g(m.quantity) for m in movements if m.kind in ("sale", "return"))
        assert report["distribution"]["total"].grams == -grams_out
        paid = db.session.scalar(select(func.sum(Sale.paid_cents)).where(Sale.status == "completed",
                                                                         Sale.site_id == site))
        assert report["sales"]["paid_cents"] == paid - report["sales"]["refunded_cents"]
        lots = db.session.scalars(select(Lot).where(Lot.site_id == site)).all()
        assert {lot.product_id for lot in lots} == {scenario[name].id for name in ("pasta", "cheese", "beans")}
        assert report["stock"]["total"].grams == sum(lot.product.weight_g(lot.quantity_on_hand) for lot in lots)
        names = set(report["stock"]["by_category"]) | set(report["distribution"]["by_category"])
        assert other["pasta"].category.name not in names and other["cheese"].category.name not in names
        assert [row["activity"] for row in report["volunteering"]["by_activity"]] == [scenario["activity"].name]
        assert report["volunteering"]["by_engagement"]["article60"] == {"active": 1, "with_hours": 1}
        assert report["volunteering"]["attestations"] == 1
    assert activity_report(period)["volunteering"]["by_engagement"]["article60"] == {"active": 2, "with_hours": 2}


def test_the_fead_report_per_site_and_for_the_installation(db):
    """Is the FEAD / FSE+ report of each site recomputed from its own ledger, and the installation's their sum (the
    persons counted once)?"""
    from grocery.stock.models import StockMovement

    site_a, site_b, a, b = _two_sites(db)
    period = _period(a)
    reports = {site: programme_report(period, sites=(site,)) for site in (site_a, site_b)}
    everything = programme_report(period)
    for site, scenario in ((site_a, a), (site_b, b)):
        (beans,) = reports[site]["rows"]
        assert beans.product_id == scenario["beans"].id
        moves = db.session.scalars(select(StockMovement).where(StockMovement.lot_id == scenario["lots"][2].id)).all()
        assert beans.received == sum(m.quantity for m in moves if m.kind == "receipt")
        assert beans.wasted == -sum(m.quantity for m in moves if m.kind == "waste")
        assert beans.distributed == -sum(m.quantity for m in moves if m.kind in ("sale", "return"))
        assert beans.in_stock == sum(m.quantity for m in moves)
    assert sorted(row.product_id for row in everything["rows"]) == sorted((a["beans"].id, b["beans"].id))
    for key, value in everything["totals"].items():
        assert value == reports[site_a]["totals"].get(key, 0) + reports[site_b]["totals"].get(key, 0), key
    for key in ("grams", "value_cents"):
        assert everything["deliveries"][key] == sum(reports[site]["deliveries"][key] for site in reports)
    assert len(everything["deliveries"]["deliveries"]) == 2
    # A's first household (3 persons) took FEAD beans at both sites: counted once.
    assert everything["households"] == reports[site_a]["households"] + reports[site_b]["households"] - 1
    assert everything["persons"]["total"] == (reports[site_a]["persons"]["total"]
                                              + reports[site_b]["persons"]["total"] - 3)
    assert everything["indicators"]["total"] == everything["persons"]["total"]


# --------------------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------------------

def test_one_site_shows_no_scope_selector(client, db, login):
    """On a one-site installation, do the report pages look as before (no site named, no selector)?"""
    make_report_scenario()
    db.session.commit()
    login(Role.COORDINATOR)
    for page in ("/reports/", "/reports/activity", "/reports/fead"):
        html = client.get(page).get_data(as_text=True)
        assert 'name="site"' not in html and '<option value="all"' not in html, page


def test_an_administrator_chooses_a_site_or_all_sites(client, db, login):
    """Does an administrator get the selector with every site and "all sites", and the figures of the scope?"""
    _site_a, site_b, a, b = _two_sites(db)
    login(Role.ADMIN)
    html = client.get("/reports/activity").get_data(as_text=True)
    assert 'name="site"' in html and "Antenne B" in html and '<option value="all"' in html
    own = client.get(f"/reports/activity?site={site_b}")
    assert own.status_code == 200
    text = text_of(own)
    assert "Antenne B" in text and b["pasta"].category.name in text and a["pasta"].category.name not in text
    everything = text_of(client.get("/reports/activity?site=all"))
    assert b["pasta"].category.name in everything and a["pasta"].category.name in everything
    csv = client.get(f"/reports/fead.csv?preset=this_month&site={site_b}")
    assert csv.status_code == 200 and f"site-{site_b}" in csv.headers["Content-Disposition"]
    body = csv.get_data(as_text=True)
    assert b["beans"].name in body and a["beans"].name not in body
    assert "all-sites" in client.get("/reports/activity.csv?site=all").headers["Content-Disposition"]


def test_a_coordinator_of_one_site_cannot_reach_the_other_or_the_consolidated_report(client, db, login):
    """A coordinator of site A only: no selector, A's figures, and site B's or the consolidated report by URL is
    refused (404 for the site, 403 for all sites), pages and CSV alike."""
    from grocery.sites.models import Site

    site_a, site_b, a, b = _two_sites(db)
    user = login(Role.COORDINATOR)
    grant_site_role(make_user(Role.ADMIN), user, db.session.get(Site, site_a), "coordinator")
    db.session.commit()
    html = client.get("/reports/activity").get_data(as_text=True)
    assert '<select id="site"' not in html and '<option value="all"' not in html
    assert a["pasta"].category.name in html and b["pasta"].category.name not in html
    for page in ("/reports/activity", "/reports/activity.csv", "/reports/fead", "/reports/fead.csv"):
        assert client.get(f"{page}?site={site_b}").status_code == 404, page
        assert client.get(f"{page}?site=all").status_code == 403, page
        assert client.get(f"{page}?site=nonsense").status_code == 404, page
    assert client.get(f"/reports/activity?site={site_a}").status_code == 200


def test_a_coordinator_of_two_sites_of_three_gets_no_consolidated_report(client, db, login):
    """With sites A, B and C, does a coordinator of A and B choose between A and B only?"""
    from grocery.sites.models import Site

    site_a, site_b, _a, _b = _two_sites(db)
    admin = make_user(Role.ADMIN)
    site_c = create_site(admin, name="Antenne C")
    user = login(Role.COORDINATOR)
    grant_site_role(admin, user, db.session.get(Site, site_a), "coordinator")
    grant_site_role(admin, user, db.session.get(Site, site_b), "coordinator")
    db.session.commit()
    html = client.get("/reports/fead").get_data(as_text=True)
    assert "Antenne B" in html and "Antenne C" not in html and '<option value="all"' not in html
    assert client.get(f"/reports/fead?site={site_b}").status_code == 200
    assert client.get(f"/reports/fead?site={site_c.id}").status_code == 404
    assert client.get("/reports/fead?site=all").status_code == 403


def test_a_cashier_at_a_site_is_not_a_coordinator_there(client, db, login):
    """A coordinator of A who is only a cashier at B: B's report is not found."""
    from grocery.sites.models import Site

    site_a, site_b, _a, _b = _two_sites(db)
    admin = make_user(Role.ADMIN)
    user = login(Role.COORDINATOR)
    grant_site_role(admin, user, db.session.get(Site, site_a), "coordinator")
    grant_site_role(admin, user, db.session.get(Site, site_b), "cashier")
    db.session.commit()
    assert client.get(f"/reports/activity?site={site_b}").status_code == 404
    assert client.get("/reports/activity?site=all").status_code == 403
    assert client.get(f"/reports/activity?site={site_a}").status_code == 200


@pytest.mark.parametrize("scope", ["site_b", "all"])
def test_the_statements_of_a_scoped_page_do_not_grow_with_the_data(client, db, login, scope):
    """Does each page of a site's or of the consolidated report run the same number of statements with more data?"""
    _site_a, site_b, _a, _b = _two_sites(db)
    login(Role.ADMIN)
    value = site_b if scope == "site_b" else "all"
    pages = [f"/reports/activity?site={value}", f"/reports/activity.csv?site={value}",
             f"/reports/fead?site={value}", f"/reports/fead.csv?site={value}", "/reports/"]

    def counts():
        result = {}
        for page in pages:
            client.get(page)
            with counted_statements(db) as statements:
                assert client.get(page).status_code == 200, page
            result[page] = len(statements)
        return result

    small = counts()
    with using_site(site_b):
        make_report_scenario(households=5)
    make_report_scenario(households=5)
    db.session.commit()
    assert counts() == small


def test_the_dashboard_of_a_site_counts_its_own_till_and_sales(db):
    """Do the dashboard's till, month and chart figures of a site count that site's sales and open tills only?"""
    from grocery.reports.services import dashboard

    site_a, site_b, a, b = _two_sites(db)
    day = a["today"]
    boards = {site: dashboard(day, sites=(site,)) for site in (site_a, site_b)}
    everything = dashboard(day)
    assert boards[site_a]["till"]["open_tills"] == 0  # A's till was closed, B's is open
    assert boards[site_b]["till"]["open_tills"] == everything["till"]["open_tills"] == 1
    for key in ("visits", "paid_cents"):
        assert everything["month"][key] == boards[site_a]["month"][key] + boards[site_b]["month"][key] > 0
        assert boards[site_a]["month"][key] and boards[site_b]["month"][key]
    assert everything["daily"][-1][1] == boards[site_a]["daily"][-1][1] + boards[site_b]["daily"][-1][1]
    assert boards[site_b]["month"]["visits"] == activity_report(_period(b), (site_b,))["sales"]["visits"]
