"""The demo data shows what the reports and the till are for: FSE+ indicators with figures, a category quota."""

from datetime import timedelta

from sqlalchemy import func, select

from grocery.auth.models import User
from grocery.checkout.services import quote_sale
from grocery.households.models import Household, Member
from grocery.households.services import eligibility_on
from grocery.reports.services import parse_period, programme_report
from grocery.stock.demo import BABY_HYGIENE
from grocery.stock.models import Lot, Product, ProductCategory
from grocery.timeutil import local_today


def test_demo_gives_fse_figures_and_a_category_quota_and_loads_once(runner, db):
    """After `flask demo`, does the FSE+ report of the last month count women, persons with a disability, homeless
    persons and persons with a migrant background (self-declared, with consent), does a baby-hygiene quota refuse
    a household without a child under 3, and does `--skip-if-loaded` leave the data as it is?"""
    assert runner.invoke(args=["demo"]).exit_code == 0
    today = local_today()
    indicators = programme_report(parse_period(start=(today - timedelta(days=30)).isoformat(),
                                               end=today.isoformat()))["indicators"]
    assert indicators["total"] > 0 and 0 < indicators["women"] < indicators["total"]
    for name in ("disability", "homeless", "migrant_background"):
        assert indicators[name]["yes"] > 0 and 0 < indicators[name]["unknown"] < indicators["total"], name
    # answers only with consent (the database refuses the others), and some sex left "not stated"
    assert db.session.scalar(select(func.count(Member.id)).where(Member.sex == "not_stated")) > 0
    assert db.session.scalar(select(func.count(Member.id)).where(Member.has_sensitive_consent.is_(True))) > 0

    category = db.session.scalar(select(ProductCategory).where(ProductCategory.name == BABY_HYGIENE))
    assert (category.quota_quantity, category.quota_scope, category.quota_period) == (2, "per_child_under_3",
                                                                                       "week")
    wipes = db.session.scalar(select(Product).join(Lot, Lot.product_id == Product.id)
                              .where(Product.category_id == category.id, Lot.quantity_on_hand > 0).limit(1))
    assert wipes is not None
    households = db.session.scalars(select(Household).order_by(Household.id)).all()
    without_baby = next(h for h in households if h.active_card is not None and eligibility_on(h, today).eligible
                        and all((today - m.birth_on).days > 3 * 366 for m in h.members))
    violations = quote_sale(without_baby.active_card.code, [{"product_id": wipes.id, "quantity": 1}]).violations
    assert [(v["code"], v["product_id"], v.get("category_id")) for v in violations] == \
        [("quota_exceeded", wipes.id, category.id)]

    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (User, Household, Product)]
    again = runner.invoke(args=["demo", "--skip-if-loaded"])
    assert again.exit_code == 0
    assert [db.session.scalar(select(func.count()).select_from(model)) for model in (User, Household, Product)] \
        == counts
