"""The till's scan service and label reading in JavaScript (static/js/checkout), run under Node: only digits a
person typed slowly become a quantity, bursts and garbage never do, both AZERTY layouts, the label verifier digit
exactly as the server computes it."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from grocery.barcodes import gtin_check_digit
from grocery.stock.labels import encode_measure_label, price_verifier_digit

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

WEIGHT = encode_measure_label("weight", 124, 1250)
PRICE = encode_measure_label("price", 123, 349)


def _wrong_verifier(code: str) -> str:
    body = code[:7] + str((int(code[7]) + 1) % 10) + code[8:12]
    return body + gtin_check_digit(body)


@pytest.fixture(scope="module")
def results():
    out = subprocess.run([NODE, str(ROOT / "tests/checkout/js/scanner_cases.mjs"), str(ROOT) + "/", WEIGHT, PRICE,  # noqa: S603
                          _wrong_verifier(WEIGHT), _wrong_verifier(PRICE), encode_measure_label("weight", 123, 500)],
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_a_scanners_burst_is_one_scan_sold_once(results):
    assert results["scan_with_enter"] == [["5400020270202", 1]]
    assert results["scan_without_enter"] == [["5400020270202", 1]]


def test_a_quantity_typed_by_a_person_multiplies_the_next_scan(results):
    assert results["pending_after_person"] == "3"
    assert results["person_quantity_then_scan"] == [["5400020270202", 3]]


def test_garbage_from_a_scanner_never_becomes_a_quantity(results):
    """`<script>alert(1)</script>` used to leave "51" waiting and the next product was sold 51 times."""
    assert results["garbage_pending"] == ""
    assert results["garbage_then_product"] == [["<script>alert(1)</script>", 1], ["5400020270202", 1]]
    assert results["garbage_without_enter_then_product"] == [["<script>alert(1)</script>", 1], ["5400020270202", 1]]
    assert results["short_burst"] == {"scans": [["51", 1]], "pending": ""}  # refused by the till, nothing waits


def test_french_and_belgian_azerty_digits(results):
    assert results["azerty"] == [["1234567890", 1], ["1234567890", 1]]


def test_escape_enter_and_a_refused_scan_clear_the_quantity(results):
    assert results["escape"] == {"pending": "", "scans": []}
    assert results["enter_clears"] == {"pending": "", "scans": []}
    assert results["refused_scan_clears_quantity"] == [["5 4 0 0", 1], ["5400020270202", 1]]  # "2" is used up


def test_a_code_typed_by_hand_and_confirmed_with_enter(results):
    assert results["typed_by_hand"] == [["5400020270202", 1]]


def test_the_browser_computes_the_verifier_digit_as_the_server(results):
    assert results["verifiers"] == {f"{v:04d}": price_verifier_digit(f"{v:04d}") for v in range(10000)}


def test_labels_read_in_the_browser(results):
    lookups = results["lookups"]
    assert lookups[WEIGHT]["kind"] == "product" and lookups[WEIGHT]["quantity"] == 1250
    assert lookups[PRICE] == {"kind": "product", "quantity": 1, "price_cents": 349, "label": PRICE,
                              "decoded": {"itemRef": 123, "value": 349}}
    assert lookups[_wrong_verifier(WEIGHT)]["kind"] == "bad_label"  # refused in the browser, as on the server
    assert lookups[_wrong_verifier(PRICE)]["kind"] == "bad_label"
    assert lookups[encode_measure_label("weight", 123, 500)]["kind"] == "wrong_label"  # a weight on a piece product


def test_the_camera_adds_a_product_in_view_once(results):
    """A product left in front of the camera used to be added every 1.5 s; now once, and again only after it has
    left the view."""
    assert results["camera"] == [[0, "5400020270202"], [6800, "5400020270202"], [7000, "96100007"]]
