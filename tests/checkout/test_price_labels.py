"""Price-embedded labels: read again on the server, tied to the line's product, priced within the source's rules."""

import pytest

from grocery.checkout.price_labels import check_label_line, label_price_cents, read_price_label
from grocery.errors import ValidationError
from grocery.stock.labels import encode_measure_label


def test_a_price_label_is_read_with_its_item_and_price(app):
    code = encode_measure_label("price", 123, 349)
    label = read_price_label(code)
    assert (label.code, label.item_number, label.price_cents) == (code, 123, 349)


@pytest.mark.parametrize("bad", [None, 2200123034900, "", "22001230349", "２２００１２３０３４９０",
                                 encode_measure_label("weight", 123, 349)])
def test_anything_but_a_price_label_is_refused(app, bad):
    with pytest.raises(ValidationError):
        read_price_label(bad)


def test_a_wrong_verifier_digit_is_refused_even_with_a_right_check_digit(app):
    """Is a label whose price verifier digit is wrong (a misread price) refused, as the browser refuses it?"""
    from grocery.barcodes import gtin_check_digit

    good = encode_measure_label("price", 123, 349)
    wrong_verifier = str((int(good[7]) + 1) % 10)
    body = good[:7] + wrong_verifier + good[8:12]
    with pytest.raises(ValidationError):
        read_price_label(body + gtin_check_digit(body))


def test_the_label_must_be_the_lines_product_by_the_piece_and_one_piece(app):
    label = read_price_label(encode_measure_label("price", 123, 349))
    check_label_line(label, product_name="Gouda", item_number=123, unit_kind="piece", quantity=1)
    with pytest.raises(ValidationError):
        check_label_line(label, product_name="Gouda", item_number=124, unit_kind="piece", quantity=1)
    with pytest.raises(ValidationError):
        check_label_line(label, product_name="Gouda", item_number=None, unit_kind="piece", quantity=1)
    with pytest.raises(ValidationError):
        check_label_line(label, product_name="Gouda", item_number=123, unit_kind="kg", quantity=1)
    with pytest.raises(ValidationError):
        check_label_line(label, product_name="Gouda", item_number=123, unit_kind="piece", quantity=2)


def test_the_printed_price_within_the_rules(app):
    """FEAD/FSE+ goods stay free, a capped source caps the label, never above retail, otherwise the label."""
    label = read_price_label(encode_measure_label("price", 123, 349))
    assert label_price_cents(label, retail_price_cents=1000, cap_percent=None) == 349
    assert label_price_cents(label, retail_price_cents=1000, cap_percent=0) == 0  # FEAD: free
    assert label_price_cents(label, retail_price_cents=1000, cap_percent=30) == 300
    assert label_price_cents(label, retail_price_cents=1000, cap_percent=50) == 349
    assert label_price_cents(label, retail_price_cents=200, cap_percent=None) == 200


def test_labels_are_taken_from_the_lines_by_product(app):
    from grocery.checkout.price_labels import take_price_labels

    first, second = encode_measure_label("price", 123, 349), encode_measure_label("price", 123, 410)
    labels = take_price_labels([{"product_id": 5, "quantity": 1, "label": first}, {"product_id": 5, "quantity": 3},
                                {"product_id": 5, "quantity": 1, "label": second}, "malformed"])
    assert [label.price_cents for label in labels[5]] == [349, 410]
    assert take_price_labels(None) == {}
    for bad in ({"product_id": 5, "quantity": 2, "label": first}, {"product_id": 5, "quantity": True, "label": first},
                {"product_id": "5", "quantity": 1, "label": first}, {"product_id": 5, "quantity": 1, "label": "22"}):
        with pytest.raises(ValidationError):
            take_price_labels([bad])


def test_labels_are_checked_against_the_products(app):
    from types import SimpleNamespace

    from grocery.checkout.price_labels import check_labels_for_products

    label = read_price_label(encode_measure_label("price", 123, 349))
    gouda = SimpleNamespace(name="Gouda", unit_kind="piece")
    check_labels_for_products({5: [label]}, {5: gouda}, {5: 123})
    with pytest.raises(ValidationError):
        check_labels_for_products({5: [label]}, {5: gouda}, {5: 999})


def test_item_numbers_are_read_for_labelled_products(db):
    from grocery.checkout.price_labels import item_numbers_of
    from grocery.stock.services import ensure_item_number
    from tests.factories import make_product

    product, other = make_product(), make_product()
    number = ensure_item_number(product)
    assert item_numbers_of([product.id, other.id, product.id]) == {product.id: number, other.id: None}
    assert item_numbers_of([]) == {}


def test_labelled_pieces_of_a_lot_at_their_label_price_the_others_at_the_lots(app):
    """Two pieces from a first lot (both labelled) and two from a FEAD lot (one labelled): the labels first, within
    each lot's rules; the unlabelled pieces at the lot's price."""
    from grocery.checkout.price_labels import price_with_labels

    labels = [read_price_label(encode_measure_label("price", 123, value)) for value in (349, 410, 380)]
    price, left = price_with_labels(labels, 2, retail_price_cents=1000, cap_percent=None, unit_price_cents=250)
    assert (price, [label.price_cents for label in left]) == (349 + 410, [380])
    price, left = price_with_labels(left, 2, retail_price_cents=1000, cap_percent=0, unit_price_cents=0)
    assert (price, left) == (0, [])  # FEAD: the labelled piece stays free
    price, left = price_with_labels([], 3, retail_price_cents=1000, cap_percent=None, unit_price_cents=250)
    assert (price, left) == (750, [])


def test_a_sale_charges_labelled_pieces_at_their_price_within_the_source_rules(db):
    """Are price-labelled pieces sold at their printed price, a FEAD piece still free, the others at the lot's price,
    in the quote and in the sale alike; and is a label of another product refused?"""
    import uuid
    from datetime import date

    from grocery.checkout.services import quote_sale, record_sale
    from grocery.stock.labels import encode_measure_label
    from grocery.stock.services import ensure_item_number
    from tests.factories import make_lot, make_product, make_shopper, make_till

    till = make_till()
    _household, card = make_shopper()
    cheese = make_product(retail_price_cents=1000, price_rule="fixed", social_price_cents=250)
    make_lot(cheese, 1, source="fead")
    make_lot(cheese, 5, source="supermarket", received_on=date(2026, 11, 2))
    number = ensure_item_number(cheese)
    lines = [{"product_id": cheese.id, "quantity": 1, "label": encode_measure_label("price", number, 349)},
             {"product_id": cheese.id, "quantity": 1, "label": encode_measure_label("price", number, 410)},
             {"product_id": cheese.id, "quantity": 2}]
    # FEFO: the FEAD piece first (labelled 3,49 €: free), then the supermarket lot: 4,10 € + 2 x 2,50 €.
    assert quote_sale(card, lines).total_cents == 0 + 410 + 500
    sale, _created = record_sale(till.opened_by, till, sale_uuid=str(uuid.uuid4()), card_code=card, lines=lines,
                                 payment={"method": "card"})
    assert sale.total_cents == 910
    other = make_product()
    make_lot(other, 3)
    with pytest.raises(ValidationError):
        quote_sale(card, [{"product_id": other.id, "quantity": 1,
                           "label": encode_measure_label("price", number, 349)}])
