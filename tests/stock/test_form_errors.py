"""The stock forms show every error at once, next to each field, and write nothing when refused."""

from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.stock.models import Donor, StockCount, StockCountLine, StockMovement
from tests.factories import make_category, make_lot, make_product
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
