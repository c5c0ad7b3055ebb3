"""The till's offline computations in JavaScript (static/js/checkout/offline-rules.js), run under Node: prices
rounded as the server rounds them, the budget and quotas counting the sales waiting in the queue, the refusals of
the offline total, the cards snapshot valid for its day only."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


@pytest.fixture(scope="module")
def results():
    out = subprocess.run([NODE, str(ROOT / "tests/checkout/js/offline_cases.mjs"), str(ROOT) + "/"],  # noqa: S603
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout)


def test_prices_are_rounded_as_the_server_rounds_them(results):
    assert results["prices"] == {
        "pieces": {"price": 900, "retail": 1500},
        "weight_half_up": {"price": 374, "retail": 313},
        "weight_exact_half": {"price": 251, "retail": 251},
        "label": {"price": 180, "retail": 500},
    }


def test_the_budget_and_quotas_shown_count_the_sales_waiting_for_this_card_only(results):
    assert results["pending"] == {"cents": 650, "products": {"1": 1, "2": 2, "3": 500},
                                  "categories": {"10": 1, "20": 2}}  # pieces only: the apples by weight do not count
    assert results["adjusted"] == {"budget": 350, "quotas": [["Riz", 1, "1"], ["Hygiène bébé", 1, "1"]],
                                   "unchanged": 1000}


def test_an_offline_total_within_the_rules_has_no_refusal(results):
    quote = results["quote_ok"]
    assert quote["total_cents"] == 330 and quote["retail_cents"] == 525 and quote["offline"] is True
    assert quote["violations"] == []  # 3,30 € of the 3,50 € left, one rice of the one left
    assert [line["price_cents"] for line in quote["lines"]] == [300, 30]


def test_an_offline_total_over_the_budget_or_a_quota_is_refused_as_online(results):
    quote = results["quote_refused"]
    assert quote["total_cents"] == 600 + 200 + 299
    assert [(v["code"], v["product_id"], v["message"]) for v in quote["violations"]] == [
        ("quota_exceeded", 1, "quota Riz left 1"),
        ("quota_exceeded", 2, "quota Hygiène bébé left 1"),
        ("over_budget", None, "over 10.99 > 3.50"),
    ]


def test_a_quota_is_found_by_its_kind_and_id_or_by_its_name(results):
    assert results["quota_by_kind"] == {"kind": "category", "id": 20, "unit": "piece"}
    assert results["quota_unknown"] is None


def test_the_cards_snapshot_serves_its_day_only(results):
    assert results["snapshot"]["found"] == {"card_code": "A", "display_name": "Famille A"}
    assert results["snapshot"]["unknown"] is None
    assert results["snapshot"]["expired"] is None
