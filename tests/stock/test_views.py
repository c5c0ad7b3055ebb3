"""The stock pages as a stock manager uses them: reception with an unknown product, receipt, lists, waste,
partial count, labels; and who may open them."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grocery.auth.roles import Role
from grocery.barcodes import make_ean13
from grocery.stock.models import Donation, DonationLine, Lot, Product, StockCount, StockMovement
from grocery.stock.services import confirm_donation, start_donation
from grocery.timeutil import local_today
from tests.factories import make_category, make_donor, make_lot, make_product
from tests.utils import text_of


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("role", [Role.CASHIER, Role.SOCIAL_WORKER])
def test_cashiers_and_social_workers_do_not_reach_stock_pages(client, login, role):
    """Can a cashier or a social worker open the stock pages or see the Stock menu? No."""
    login(role)
    assert client.get("/stock/").status_code == 403
    assert client.get("/stock/receptions/new").status_code == 403
    assert "/stock/" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.STOCK_MANAGER, Role.COORDINATOR, Role.ADMIN])
def test_stock_roles_see_the_menu(client, login, role):
    login(role)
    assert 'href="/stock/"' in client.get("/").get_data(as_text=True)
    assert client.get("/stock/").status_code == 200


@pytest.fixture()
def reception(db, login, client):
    login(Role.STOCK_MANAGER)
    make_category(name="Épicerie sèche")
    donation = start_donation(None, make_donor(name="Banque alimentaire de Namur", kind="food_bank"),
                              local_today(), "Novembre")
    db.session.commit()
    return donation


def test_receive_a_donation_with_an_unknown_product_then_print_the_receipt(db, client, reception):
    """Scan a known product, add it; scan an unknown code, create it inline; confirm; print the receipt."""
    known = make_product(name="Riz long grain 1 kg", barcode=make_ean13("54", 1001), net_weight_g=1000,
                         retail_price_cents=250)
    db.session.commit()
    url = f"/stock/receptions/{reception.id}"
    page = text_of(client.get(url, query_string={"code": known.barcodes[0].code}))
    assert "Riz long grain 1 kg" in page and 'name="product_id"' in page
    response = client.post_form(f"{url}/lines", {"product_id": known.id, "quantity": "12",
                                                 "best_before_on": (local_today() + timedelta(days=300)).isoformat()})
    assert response.status_code == 302
    new_code = make_ean13("54", 2002)
    page = text_of(client.get(url, query_string={"code": new_code}))
    assert f"Code-barres inconnu {new_code}" in page
    category_id = db.session.scalar(select(Product.category_id).where(Product.id == known.id))
    response = client.post_form(f"{url}/lines", {
        "code": new_code, "name": "Pois chiches 400 g", "category": category_id, "unit_kind": "piece",
        "net_weight_g": "400", "retail_price_cents": "1,20", "quantity": "24",
        "use_by_on": (local_today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 302, text_of(response)
    assert "Pois chiches 400 g" in text_of(client.get(url))
    response = client.post_form(f"{url}/confirm")
    assert response.status_code == 302
    assert _count(db, Lot) == 2 and _count(db, StockMovement) == 2
    receipt = text_of(client.get(f"{url}/receipt"))
    assert "Banque alimentaire de Namur" in receipt and "Pois chiches 400 g" in receipt
    assert "21,60 kg" in receipt and "58,80" in receipt  # 12 kg + 9,6 kg; 30,00 € + 28,80 €


@pytest.mark.parametrize(("data", "message"), [
    ({"quantity": "0"}, "La quantité doit être plus que zéro."),
    ({"quantity": "-3"}, "La quantité doit être plus que zéro."),
    ({"quantity": "2", "use_by_on": "2020-01-01"}, "date limite de consommation est déjà dépassée"),
    ({"measure": "1,5"}, "pas un poids"),
])
def test_bad_lines_are_refused_in_french_and_write_nothing(db, client, reception, data, message):
    product = make_product(name="Savon")
    db.session.commit()
    response = client.post_form(f"/stock/receptions/{reception.id}/lines", {"product_id": product.id, **data})
    assert response.status_code == 422
    assert message in text_of(response)
    assert _count(db, DonationLine) == 0


def test_scan_with_a_wrong_check_digit_is_refused(db, client, reception):
    response = client.get(f"/stock/receptions/{reception.id}", query_string={"code": "5410000000001"})
    assert response.status_code == 422 and "chiffre de contrôle" in text_of(response)


def test_inline_product_with_a_used_barcode_is_refused(db, client, reception):
    """A barcode already used by another product: refused, nothing written."""
    code = make_ean13("54", 3003)
    make_product(name="Farine", barcode=code)
    db.session.commit()
    before = _count(db, Product)
    response = client.post_form(f"/stock/receptions/{reception.id}/lines", {
        "code": code, "name": "Autre farine", "category": db.session.scalar(select(Product.category_id)),
        "unit_kind": "piece", "retail_price_cents": "1,00", "quantity": "3"})
    assert response.status_code == 422 and "déjà utilisé par « Farine »" in text_of(response)
    assert _count(db, Product) == before and _count(db, DonationLine) == 0


def test_near_expiry_and_low_stock_lists(db, client, login):
    login(Role.STOCK_MANAGER)
    product = make_product(name="Yaourt nature", low_stock_threshold=20)
    make_lot(product, 6, use_by_on=local_today() + timedelta(days=2))
    make_product(name="Pâtes", low_stock_threshold=0)
    db.session.commit()
    assert "Yaourt nature" in text_of(client.get("/stock/near-expiry"))
    low = text_of(client.get("/stock/low-stock"))
    assert "Yaourt nature" in low and "Pâtes" not in low


def test_discard_expired_lots_in_one_action(db, client, login):
    login(Role.STOCK_MANAGER)
    product = make_product(name="Jambon")
    old = make_lot(product, 4, use_by_on=local_today() - timedelta(days=1))
    fresh = make_lot(product, 3, use_by_on=local_today() + timedelta(days=5))
    db.session.commit()
    assert "Jambon" in text_of(client.get("/stock/expired"))
    response = client.post_form("/stock/expired/discard")
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Lot, old.id).quantity_on_hand, db.session.get(Lot, fresh.id).quantity_on_hand) == (0, 3)


def test_waste_form_refuses_more_than_the_lot(db, client, login):
    login(Role.STOCK_MANAGER)
    lot = make_lot(make_product(), 2)
    db.session.commit()
    response = client.post_form(f"/stock/lots/{lot.id}", {"quantity": "5", "reason": "damaged"})
    assert response.status_code == 422 and "Il ne reste que 2" in text_of(response)
    assert client.post_form(f"/stock/lots/{lot.id}", {"quantity": "1", "reason": "damaged"}).status_code == 302
    assert _count(db, StockMovement) == 2


def test_partial_count_through_the_pages(db, client, login):
    """Open a count of one category, count one lot, refuse a negative count, post: only that lot moves."""
    login(Role.STOCK_MANAGER)
    category = make_category(name="Conserves")
    counted, untouched = make_lot(make_product(category=category), 10), make_lot(make_product(category=category), 5)
    db.session.commit()
    response = client.post_form("/stock/counts", {"category": category.id})
    count_id = db.session.scalar(select(StockCount.id))
    assert response.status_code == 302
    response = client.post_form(f"/stock/counts/{count_id}", {f"counted-{counted.id}": "-1"})
    assert response.status_code == 422 and "ne peut pas être négative" in text_of(response)
    client.post_form(f"/stock/counts/{count_id}", {f"counted-{counted.id}": "7"})
    response = client.post_form(f"/stock/counts/{count_id}/post", {"reason": "Inventaire mensuel"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Lot, counted.id).quantity_on_hand == 7
    assert db.session.get(Lot, untouched.id).quantity_on_hand == 5


def test_label_sheets(db, client, login):
    """Barcode sheet of chosen products; weight label for a kg product; a weight on a piece product refused."""
    login(Role.STOCK_MANAGER)
    rice = make_product(name="Riz", barcode=make_ean13("54", 4004))
    apples = make_product(name="Pommes", unit_kind="kg", net_weight_g=None)
    db.session.commit()
    sheet = text_of(client.get("/stock/labels", query_string={"product": rice.id, "copies": 3}))
    assert sheet.count("data:image/svg+xml;base64,") == 3
    response = client.post_form("/stock/labels/measure", {"product_id": apples.id, "value": "1,250", "copies": 2})
    assert response.status_code == 200 and "1,25 kg" in text_of(response)
    response = client.post_form("/stock/labels/measure", {"product_id": rice.id, "value": "abc", "copies": 1})
    assert response.status_code == 422


def test_product_form_refuses_a_bad_check_digit(db, client, login):
    login(Role.STOCK_MANAGER)
    category = make_category()
    db.session.commit()
    before = _count(db, Product)
    response = client.post_form("/stock/products/new", {"name": "Lait", "category": category.id,
                                                        "unit_kind": "litre", "retail_price_cents": "1,00",
                                                        "price_rule": "category", "quota_scope": "household",
                                                        "quota_period": "week", "barcode": "5410000000001"})
    assert response.status_code == 422 and "chiffre de contrôle" in text_of(response)
    assert _count(db, Product) == before


def test_receipt_needs_a_confirmed_reception(db, client, reception):
    assert client.get(f"/stock/receptions/{reception.id}/receipt").status_code == 404
    product = make_product()
    from grocery.stock.services import add_donation_line

    add_donation_line(db.session.get(Donation, reception.id), product, quantity=1)
    confirm_donation(None, db.session.get(Donation, reception.id))
    db.session.commit()
    assert client.get(f"/stock/receptions/{reception.id}/receipt").status_code == 200


def test_a_weight_label_scan_prefills_the_weight(db, client, reception):
    """Scanning a weight label at reception picks its product and fills in the weight (1,25 kg)."""
    from grocery.stock.services import measure_label_code

    apples = make_product(name="Pommes Jonagold", unit_kind="kg", net_weight_g=None)
    code = measure_label_code(apples, "weight", 1250)
    db.session.commit()
    page = text_of(client.get(f"/stock/receptions/{reception.id}", query_string={"code": code}))
    assert "Pommes Jonagold" in page and 'value="1,25"' in page


def test_confirmation_is_in_the_audit_log(db, client, reception):
    from grocery.audit.models import AuditEvent
    from grocery.stock.services import add_donation_line

    add_donation_line(db.session.get(Donation, reception.id), make_product(), quantity=2)
    db.session.commit()
    assert client.post_form(f"/stock/receptions/{reception.id}/confirm").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stock.donation_confirm"))
    assert event is not None and event.details["lines"] == 1


def test_a_household_card_scanned_at_reception_is_refused_plainly(db, client, reception):
    response = client.get(f"/stock/receptions/{reception.id}", query_string={"code": make_ean13("25", 77)})
    assert response.status_code == 422 and "carte de ménage" in text_of(response)


def test_an_unknown_product_sold_by_weight_is_created_inline_with_its_weight(db, client, reception):
    code = make_ean13("54", 5005)
    category_id = make_category().id
    db.session.commit()
    response = client.post_form(f"/stock/receptions/{reception.id}/lines", {
        "code": code, "name": "Carottes en vrac", "category": category_id, "unit_kind": "kg",
        "retail_price_cents": "1,60", "measure": "2,5"})
    assert response.status_code == 302, text_of(response)
    line = db.session.scalar(select(DonationLine))
    assert (line.product.name, line.product.unit_kind, line.quantity) == ("Carottes en vrac", "kg", 2500)
