"""Words that read right: counts with their plural, and each reader told what they can do."""

from grocery.auth.roles import Role
from grocery.stock.services import add_donation_line, start_donation
from grocery.timeutil import local_today
from tests.factories import make_category, make_donor, make_household, make_product
from tests.utils import text_of


def test_household_page_counts_one_adult_in_the_singular(client, login, db):
    login(Role.SOCIAL_WORKER)
    household = make_household()
    db.session.commit()
    page = text_of(client.get(f"/households/{household.id}"))
    assert "1 adulte, 0 enfant." in page and "adulte(s)" not in page


def test_social_worker_is_not_sent_to_the_social_service(client, login, db):
    """The social worker reads what to do about a household without a decision, not "see the social service"
    (which the till shows the household)."""
    login(Role.SOCIAL_WORKER)
    household = make_household()
    db.session.commit()
    page = text_of(client.get(f"/households/{household.id}"))
    assert "Aucune décision d'accès : enregistrez une décision" in page
    assert "voir le service social" not in page
    index = text_of(client.get("/households/", query_string={"q": household.reference}))
    assert "voir le service social" not in index


def test_till_still_tells_the_household_to_see_the_social_service(app, db):
    from grocery.households.services import eligibility_on

    household = make_household()
    with app.test_request_context():
        result = eligibility_on(household, local_today())
        assert "voir le service social" in result.reason
        assert "voir le service social" not in result.office_reason


def test_reception_of_one_lot_says_it_in_the_singular(client, login, db):
    login(Role.STOCK_MANAGER)
    make_category(name="Épicerie sèche")
    donation = start_donation(None, make_donor(kind="food_bank"), local_today(), "")
    add_donation_line(donation, make_product(name="Riz"), quantity=1)
    db.session.commit()
    response = client.post_form(f"/stock/receptions/{donation.id}/confirm", follow_redirects=True)
    page = text_of(response)
    assert "1 lot est en stock" in page and "1 lots" not in page
