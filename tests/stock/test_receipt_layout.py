"""The donation receipt on a 390 px phone fits the width: no sideways scroll of the page or of the receipt
(headless Chromium), with long product names, large totals and the receipt in Dutch."""

import pytest

from grocery.auth.roles import Role
from grocery.stock.services import add_donation_line, confirm_donation, start_donation
from grocery.timeutil import local_today
from tests.factories import make_donor, make_product, make_user
from tests.foundation.test_layout import WIDTHS, _log_in, browser  # noqa: F401 - the browser fixture
from tests.volunteers.test_phone_layout import SCROLLING

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_donation_receipt_fits_a_phone(db, live_server, browser, language):  # noqa: F811
    manager = make_user(Role.STOCK_MANAGER)
    donor = make_donor(name="Banque alimentaire Namur-Luxembourg", kind="food_bank", preferred_language=language)
    donation = start_donation(None, donor, local_today(), "Arrivage du 23/10")
    for name, quantity in (("Gel hydroalcoolique désinfectant 500 ml", 240), ("Liquide lave-vaisselle", 180),
                           ("Sérum physiologique", 999)):
        add_donation_line(donation, make_product(name=name, retail_price_cents=1299), quantity=quantity)
    confirm_donation(None, donation)
    db.session.commit()
    page = _log_in(browser, live_server, manager, 390, 844)
    page.goto(f"{live_server}/stock/receptions/{donation.id}/receipt")
    assert page.locator("article.receipt tbody tr").count() == 3
    assert page.evaluate(WIDTHS)[0] <= 390
    assert page.evaluate(SCROLLING) == []
    page.context.close()
