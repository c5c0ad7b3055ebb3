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
