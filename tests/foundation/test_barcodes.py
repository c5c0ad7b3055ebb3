"""Check digits, code kinds and barcode images."""

from hypothesis import given
from hypothesis import strategies as st

from grocery.barcodes import (
    PREFIX_HOUSEHOLD_CARD,
    PREFIX_VOLUNTEER_BADGE,
    barcode_data_uri,
    barcode_svg,
    code_kind,
    gtin_check_digit,
    is_valid_gtin,
    make_ean13,
    normalise_gtin,
    random_ean13,
)


def test_known_codes():
    assert is_valid_gtin("5449000000996")  # EAN-13
    assert is_valid_gtin("96385074")  # EAN-8
    assert is_valid_gtin("036000291452")  # UPC-A
    assert not is_valid_gtin("5449000000997")
    assert not is_valid_gtin("54490000009a6")
    assert normalise_gtin("036000291452") == "0036000291452"
    assert is_valid_gtin(normalise_gtin("036000291452"))


def test_kinds_tell_cards_badges_and_products_apart():
    card, badge = random_ean13(PREFIX_HOUSEHOLD_CARD), random_ean13(PREFIX_VOLUNTEER_BADGE)
    assert code_kind(card) == "household_card"
    assert code_kind(badge) == "volunteer_badge"
    assert code_kind("5449000000996") == "product"
    assert code_kind("5449000000997") is None


@given(st.integers(min_value=0, max_value=10**10 - 1))
def test_generated_codes_are_valid(number):
    code = make_ean13("25", number)
    assert len(code) == 13 and is_valid_gtin(code) and code_kind(code) == "household_card"
    assert gtin_check_digit(code[:-1]) == code[-1]


def test_svg_barcode():
    svg = barcode_svg("5449000000996")
    assert svg.startswith("<?xml") and "<svg" in svg
    assert barcode_data_uri("96385074").startswith("data:image/svg+xml;base64,")
