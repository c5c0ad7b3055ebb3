"""Forms show every error at once, next to each field: an empty form is answered with all its missing fields."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from grocery.errors import FieldErrors, ValidationError
from grocery.households.models import Household
from grocery.stock.models import DonationLine, Product
from grocery.stock.services import start_donation
from grocery.timeutil import local_today
from tests.factories import make_category, make_donor
from tests.utils import text_of


def _invalid_fields(html: str) -> list[str]:
    """The names of the inputs marked aria-invalid="true", in page order."""
    return [re.search(r'name="([^"]+)"', tag).group(1)
            for tag in re.findall(r"<(?:input|select|textarea)[^>]*>", html) if 'aria-invalid="true"' in tag]


def test_field_errors_are_collected_into_one_refusal():
    errors = FieldErrors()
    errors.add("name", "Enter the name.")
    with errors.collect():
        raise ValidationError.several({"price": ["Bad price."], "name": ["Too long."]})
    with pytest.raises(ValidationError) as raised:
        errors.raise_if_any()
    assert raised.value.errors == {"name": ["Enter the name.", "Too long."], "price": ["Bad price."]}
    assert (raised.value.field, raised.value.message) == ("name", "Enter the name.")
    FieldErrors().raise_if_any()  # nothing collected: no refusal


def test_empty_household_form_shows_all_four_missing_fields_at_once(client, login, db):
    """An empty household form used to take four submits to reveal four missing fields: now one."""
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/households/new", {"preferred_language": "fr"})
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert _invalid_fields(html) == ["first_name", "last_name", "birth_on", "postcode"]
    for message in ("Indiquez le prénom.", "Indiquez le nom.", "Indiquez la date de naissance",
                    "Un code postal belge a 4 chiffres"):
        assert message in page, message
    # each message is tied to its field for screen readers
    assert 'aria-describedby="first_name-error"' in html and 'id="postcode-error"' in html
    assert db.session.scalar(select(func.count(Household.id))) == 0


def test_household_form_with_a_bad_date_still_shows_the_other_errors(client, login, db):
    """A date the form itself refuses does not hide the errors the service finds in the other fields."""
    login(Role.SOCIAL_WORKER)
    response = client.post_form("/households/new", {"preferred_language": "fr", "birth_on": "9999-12-31",
                                                    "first_name": "Fatima", "email": "pas une adresse"})
    invalid = _invalid_fields(response.get_data(as_text=True))
    assert invalid == ["last_name", "birth_on", "postcode", "email"]
    assert "Indiquez la date de naissance" not in text_of(response)  # the form's own message for the date, only
    assert db.session.scalar(select(func.count(Household.id))) == 0


@pytest.fixture()
def reception(db, login):
    login(Role.STOCK_MANAGER)
    make_category(name="Épicerie sèche")
    donation = start_donation(None, make_donor(name="Banque alimentaire", kind="food_bank"), local_today(), "")
    db.session.commit()
    return donation


def test_empty_new_product_at_reception_shows_every_missing_field(client, db, reception):
    """The reception's new-product form sent empty names the product, the category and the quantity at once."""
    code = make_ean13("54", 4004)
    response = client.post_form(f"/stock/receptions/{reception.id}/lines",
                                {"code": code, "unit_kind": "piece", "category": ""})
    assert response.status_code == 422
    assert _invalid_fields(response.get_data(as_text=True)) == ["name", "category", "quantity"]
    page = text_of(response)
    assert "Indiquez le nom du produit." in page and "Choisissez une catégorie." in page
    assert db.session.scalar(select(func.count(Product.id))) == 0
    assert db.session.scalar(select(func.count(DonationLine.id))) == 0


def test_new_product_at_reception_with_a_bad_weight_still_shows_the_rest(client, db, reception):
    """A weight the form refuses (letters), a past use-by date and a missing name: all shown, nothing written."""
    code = make_ean13("54", 4005)
    response = client.post_form(f"/stock/receptions/{reception.id}/lines", {
        "code": code, "unit_kind": "piece", "category": "", "net_weight_g": "abc", "quantity": "3",
        "retail_price_cents": "2,50 €", "use_by_on": (local_today() - timedelta(days=2)).isoformat()})
    assert response.status_code == 422
    assert _invalid_fields(response.get_data(as_text=True)) == ["name", "category", "net_weight_g", "use_by_on"]
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_empty_product_form_shows_name_and_category(client, db, login):
    login(Role.STOCK_MANAGER)
    make_category(name="Épicerie sèche")
    db.session.commit()
    response = client.post_form("/stock/products/new", {"name": "", "category": "", "unit_kind": "piece",
                                                        "price_rule": "fixed", "quota_scope": "household",
                                                        "quota_period": "week"})
    assert response.status_code == 422
    assert _invalid_fields(response.get_data(as_text=True))[:2] == ["name", "category"]
    assert "social_price_cents" in _invalid_fields(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Product.id))) == 0
