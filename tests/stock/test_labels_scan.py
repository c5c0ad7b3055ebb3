"""Barcodes, in-store codes, variable-measure labels and the scan parser."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from grocery.barcodes import gtin_check_digit, make_ean13
from grocery.errors import ValidationError
from grocery.stock.labels import (
    ShelfPrices,
    decode_measure_label,
    encode_measure_label,
    price_verifier_digit,
    shelf_prices,
)
from grocery.stock.models import Product, ProductBarcode
from grocery.stock.services import (
    add_barcode,
    find_product_by_code,
    generate_instore_code,
    measure_label_code,
    parse_scan,
)
from tests.factories import make_category, make_product


def test_verifier_digit_matches_the_gs1_example():
    """Does the 4-digit price verifier give GS1's worked example (2875 -> 9)?"""
    assert price_verifier_digit("2875") == "9"
    assert price_verifier_digit("0000") == "0"


@given(st.sampled_from(["weight", "price"]), st.integers(1, 99_999), st.integers(1, 9_999))
def test_label_encoding_round_trips(kind, item, value):
    """Does every encoded label decode to the same kind, item and value, with a valid EAN-13?"""
    code = encode_measure_label(kind, item, value)
    assert len(code) == 13 and code[-1] == gtin_check_digit(code[:-1])
    assert decode_measure_label(code).__dict__ == {"kind": kind, "item_number": item, "value": value}


@given(st.integers(1, 9_999), st.integers(0, 9))
def test_a_wrong_verifier_digit_is_not_read(value, wrong):
    """Is a label whose verifier digit was misread refused, even when its EAN-13 check digit is right?"""
    code = encode_measure_label("weight", 42, value)
    if str(wrong) == code[7]:
        return
    body = code[:7] + str(wrong) + code[8:12]
    assert decode_measure_label(body + gtin_check_digit(body)) is None


def test_every_generated_label_parses_back_to_its_product_and_value(db):
    """Hypothesis: does parse_scan read every printed label back to the same product and value?"""
    category = make_category()
    by_weight = make_product(category=category, unit_kind="kg", net_weight_g=None, retail_price_cents=300)
    by_piece = make_product(category=category)

    @settings(max_examples=150, deadline=None)
    @given(st.booleans(), st.integers(1, 9_999))
    def check(weighted, value):
        product = by_weight if weighted else by_piece
        code = measure_label_code(product, "weight" if weighted else "price", value)
        result = parse_scan(code)
        assert result.product.id == product.id
        if weighted:
            assert (result.kind, result.weight_g, result.quantity, result.price_cents) == ("weight_label", value,
                                                                                           value, None)
        else:
            assert (result.kind, result.price_cents, result.quantity, result.weight_g) == ("price_label", value,
                                                                                           1, None)

    check()


def test_weight_label_on_a_piece_product_is_refused(db, app):
    """Can a weight label be printed for a product counted by the piece? No."""
    with pytest.raises(ValidationError) as error, app.test_request_context():
        measure_label_code(make_product(), "weight", 500)
    assert "pièce" in str(error.value.message)


def test_upc_and_ean13_without_leading_zero_are_found(db):
    """Is a UPC-A stored as EAN-13, and found from its 12-digit scan and from the 13-digit one?"""
    upc = "036000291452"
    product = make_product(barcode=upc)
    assert product.barcodes[0].code == "0" + upc
    assert find_product_by_code(upc) is product
    assert find_product_by_code("0" + upc) is product
    assert parse_scan(upc).product is product


def test_ean8_is_found(db):
    code = "96385074"
    product = make_product(barcode=code)
    assert find_product_by_code(code) is product
    assert parse_scan(code).quantity == 1


@pytest.mark.parametrize(("code", "words"), [
    ("5410000000001", "chiffre de contrôle"),
    ("12345", "n’est pas un code-barres"),
    (make_ean13("25", 123), "carte de ménage"),
    (make_ean13("26", 123), "badge"),
    (make_ean13("54", 987654), "Aucun produit"),
])
def test_scan_refusals_say_why_in_french(db, app, code, words):
    """Do a bad check digit, a card, a badge and an unknown code give a clear French message?"""
    with app.test_request_context():
        with pytest.raises(ValidationError) as error:
            parse_scan(code)
        assert error.value.field == "code"
        assert words in error.value.message


def test_a_barcode_belongs_to_one_product(db, app):
    """Is a barcode already used by another product refused, naming that product, with nothing written?"""
    code = make_ean13("54", 111)
    first = make_product(name="Riz long grain", barcode=code)
    other = make_product()
    with app.test_request_context():
        with pytest.raises(ValidationError) as error:
            add_barcode(None, other, code)
        assert "Riz long grain" in error.value.message
        with pytest.raises(ValidationError):
            make_product(barcode=code)
    assert db.session.scalar(select(func.count()).select_from(ProductBarcode)) == 1
    assert find_product_by_code(code) is first


def test_invalid_check_digit_creates_no_product(db, app):
    """Is a product with a wrong check digit refused, with nothing written?"""
    make_category()
    before = db.session.scalar(select(func.count()).select_from(Product))
    with app.test_request_context(), pytest.raises(ValidationError) as error:
        make_product(barcode="5410000000001")
    assert "chiffre de contrôle" in error.value.message
    assert db.session.scalar(select(func.count()).select_from(Product)) == before


def test_instore_code_is_in_prefix_20_and_scans(db):
    """Does a product without a barcode get a valid in-store EAN-13 (prefix 20) that scans back to it?"""
    product = make_product()
    row = generate_instore_code(None, product)
    assert row.code.startswith("20") and len(row.code) == 13 and row.is_instore
    assert parse_scan(row.code).product is product


def test_shelf_labels_show_the_social_and_reference_prices(db, client, login):
    """Does each shelf label print the social price (the product's rule) and the reference price next to the
    barcode, per kg for a product sold by weight?"""
    from grocery.auth.roles import Role
    from tests.utils import text_of

    rice = make_product(name="Riz", barcode=make_ean13("54", 4005), retail_price_cents=250, price_rule="fixed",
                        social_price_cents=60)
    apples = make_product(name="Pommes", unit_kind="kg", net_weight_g=None, retail_price_cents=300,
                          price_rule="percent", social_percent=30)
    assert shelf_prices(rice) == ShelfPrices(60, 250, "piece")
    assert shelf_prices(apples) == ShelfPrices(90, 300, "kg")
    db.session.commit()
    login(Role.STOCK_MANAGER)
    def spaced(response):
        return " ".join(text_of(response).replace("\u202f", " ").replace("\xa0", " ").split())

    sheet = spaced(client.get("/stock/labels", query_string={"product": rice.id, "copies": 2}))
    assert sheet.count("Prix social 0,60 €") == 2 and sheet.count("Prix de référence 2,50 €") == 2
    page = spaced(client.post_form("/stock/labels/measure", {"product_id": apples.id, "value": "1,250",
                                                             "copies": 1}))
    assert "Prix social 0,90 € le kg" in page and "Prix de référence 3,00 € le kg" in page
