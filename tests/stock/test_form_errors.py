"""The stock forms show every error at once, next to each field, and write nothing when refused."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.errors import ValidationError
from grocery.stock.models import (
    Donation,
    DonationLine,
    Donor,
    ProductCategory,
    StockCount,
    StockCountLine,
    StockMovement,
)
from grocery.stock.services import add_donation_line, record_waste, save_category, save_donor, start_donation
from grocery.timeutil import local_today
from tests.factories import make_category, make_donor, make_lot, make_product
from tests.utils import invalid_fields, text_of


def _count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_waste_with_no_quantity_and_a_zero_weight_shows_both(db, client, login):
    login(Role.STOCK_MANAGER)
    lot = make_lot(make_product(), 4)
    db.session.commit()
    before = _count(db, StockMovement)
    response = client.post_form(f"/stock/lots/{lot.id}", {"quantity": "", "reason": "damaged", "weight_g": "0"})
    assert response.status_code == 422
    assert invalid_fields(response) == ["quantity", "weight_g"]
    page = text_of(response)
    assert "Indiquez une quantité" in page and "Le poids doit être supérieur à zéro" in page
    assert _count(db, StockMovement) == before


def test_a_count_with_two_wrong_lines_marks_both_and_saves_nothing(db, client, login):
    login(Role.STOCK_MANAGER)
    category = make_category(name="Conserves")
    first, second = make_lot(make_product(category=category), 10), make_lot(make_product(category=category), 5)
    db.session.commit()
    client.post_form("/stock/counts", {"category": category.id})
    count_id = db.session.scalar(select(StockCount.id))
    response = client.post_form(f"/stock/counts/{count_id}", {f"counted-{first.id}": "-1",
                                                              f"counted-{second.id}": "deux"})
    assert response.status_code == 422
    assert sorted(invalid_fields(response)) == sorted([f"counted-{first.id}", f"counted-{second.id}"])
    assert f'aria-describedby="counted-{first.id}-error"' in response.get_data(as_text=True)
    assert _count(db, StockCountLine) == 0


def test_empty_donor_form_shows_its_name(db, client, login):
    login(Role.STOCK_MANAGER)
    response = client.post_form("/stock/donors/new", {"name": "", "kind": "supermarket", "contact": "",
                                                      "preferred_language": "fr"})
    assert response.status_code == 422
    assert invalid_fields(response) == ["name"]
    assert _count(db, Donor) == 0


def test_an_empty_waste_form_with_a_wrong_reason_shows_every_error_at_once(db, client, login):
    """No quantity, a reason not in the list and a zero weight: the three fields are marked at the first submit
    (the reason by the form, the others by record_waste's checks), and nothing is written."""
    login(Role.STOCK_MANAGER)
    lot = make_lot(make_product(), 4)
    db.session.commit()
    before = _count(db, StockMovement)
    response = client.post_form(f"/stock/lots/{lot.id}", {"quantity": "", "reason": "lost", "weight_g": "0"})
    assert response.status_code == 422
    assert invalid_fields(response) == ["quantity", "reason", "weight_g"]
    page = text_of(response)
    assert "Indiquez une quantité" in page and "Le poids doit être supérieur à zéro" in page
    response = client.post_form(f"/stock/lots/{lot.id}", {"quantity": "9", "reason": "damaged", "weight_g": "0"})
    assert response.status_code == 422 and invalid_fields(response) == ["quantity", "weight_g"]
    assert "Il ne reste que 4" in text_of(response)
    assert _count(db, StockMovement) == before


def test_record_waste_refuses_with_all_its_errors(db):
    """Called directly, the service reports the reason, the quantity and the weight in one refusal."""
    lot = make_lot(make_product(), 4)
    before = _count(db, StockMovement)
    with pytest.raises(ValidationError) as refused:
        record_waste(None, lot, 0, "lost", weight_g=-5)
    assert set(refused.value.errors) == {"reason", "quantity", "weight_g"}
    with pytest.raises(ValidationError) as refused:
        record_waste(None, lot, "1,5", "lost")
    assert set(refused.value.errors) == {"reason", "quantity"}
    assert _count(db, StockMovement) == before and lot.quantity_on_hand == 4
    record_waste(None, lot, "2", "damaged")  # as typed on the form, in pieces
    assert lot.quantity_on_hand == 2


def test_donor_category_and_reception_services_report_every_field(db):
    make_donor(name="Colruyt Namur")
    categories = _count(db, ProductCategory)
    with pytest.raises(ValidationError) as refused:
        save_donor(None, None, name="colruyt namur", kind="bank", preferred_language="de")
    assert set(refused.value.errors) == {"name", "kind", "preferred_language"}
    with pytest.raises(ValidationError) as refused:
        save_category(None, None, name="", default_social_percent=150, ddm_grace_days=-1, quota_quantity=0)
    assert set(refused.value.errors) == {"name", "default_social_percent", "ddm_grace_days", "quota_quantity",
                                         "quota_scope", "quota_period"}
    with pytest.raises(ValidationError) as refused:
        start_donation(None, None, None)
    assert set(refused.value.errors) == {"donor_id", "received_on"}
    donation = start_donation(None, make_donor(kind="purchase"), local_today())
    with pytest.raises(ValidationError) as refused:
        add_donation_line(donation, make_product(), quantity=0, use_by_on=local_today() - timedelta(days=1))
    assert set(refused.value.errors) == {"quantity", "use_by_on", "unit_cost"}
    assert _count(db, DonationLine) == 0 and _count(db, Donor) == 2 and _count(db, Donation) == 1
    assert _count(db, ProductCategory) == categories + 1  # make_product's


def test_a_purchase_line_with_an_unreadable_quantity_shows_the_missing_cost_price_too(db, client, login):
    login(Role.STOCK_MANAGER)
    product = make_product()
    donation = start_donation(None, make_donor(kind="purchase"), local_today())
    db.session.commit()
    response = client.post_form(f"/stock/receptions/{donation.id}/lines",
                                {"product_id": product.id, "quantity": "deux", "unit_cost": ""})
    assert response.status_code == 422
    assert invalid_fields(response) == ["quantity", "unit_cost"]
    assert _count(db, DonationLine) == 0


def test_an_empty_donor_form_with_a_wrong_type_shows_both(db, client, login):
    login(Role.STOCK_MANAGER)
    response = client.post_form("/stock/donors/new", {"name": "", "kind": "bank", "contact": "",
                                                      "preferred_language": "fr"})
    assert response.status_code == 422
    assert invalid_fields(response) == ["name", "kind"]
    assert _count(db, Donor) == 0


def test_a_line_with_a_wrong_date_still_shows_its_zero_quantity(db, client, login):
    """The form refuses the date itself; the service's check of the quantity runs too."""
    login(Role.STOCK_MANAGER)
    product = make_product()
    donation = start_donation(None, make_donor(kind="food_bank"), local_today())
    db.session.commit()
    response = client.post_form(f"/stock/receptions/{donation.id}/lines",
                                {"product_id": product.id, "quantity": "0", "use_by_on": "31/02/2026"})
    assert response.status_code == 422
    assert invalid_fields(response) == ["quantity", "use_by_on"]
    assert _count(db, DonationLine) == 0
