"""Cards and the till summary: what the till may know, and nothing else."""

import json
from datetime import date

from sqlalchemy import select

from grocery.audit.models import AuditEvent
from grocery.barcodes import is_valid_gtin
from grocery.households import services as hs
from tests.factories import make_decision, make_household, make_member

DAY = date(2026, 11, 25)
KEYS = {"card_code", "household_id", "display_name", "eligible", "reason_code", "reason", "valid_until",
        "budget_cents", "budget_left_cents", "period_start", "period_end", "quota_basis", "proxies"}


#: What the till's browser receives (till_summary): each field is shown or computed with by static/js/checkout.
SENT_KEYS = {"card_code", "display_name", "eligible", "reason", "valid_until", "budget_left_cents", "proxies"}


def _lookup(code, day):
    """The server-side till lookup (what the sale and the quote compute with; never sent as it is)."""
    return hs.till_lookup(code, day)[0]


def _private_household(db):
    household = make_household(person={"first_name": "Fatima", "last_name": "Benali", "birth_on": date(1984, 2, 2),
                                       "national_number": "85073003328"},
                               street="Rue Secrète 12", postcode="5020", municipality="Jambes",
                               phone="0470 99 88 77", email="fatima@example.org", notes="Dettes de loyer",
                               proxy_names=["Josiane Collin"])
    make_member(household, birth_on=date(2025, 1, 1), first_name="Ilyas", last_name="Benali")
    make_decision(household, valid_from=date(2026, 11, 1), decided_on=date(2026, 11, 1), income_cents=143210,
                  charges_cents=98765, motive="Motif très personnel")
    return household


def test_card_code_is_random_ean13_with_household_prefix(db):
    household = make_household()
    code = household.active_card.code
    assert len(code) == 13 and code.startswith("25") and is_valid_gtin(code)
    assert household.reference.replace("-", "") not in code


def test_till_lookup_has_exactly_the_allowed_keys_and_no_private_data(db):
    """Does the till's lookup hold only name-to-greet, access, budget, quota basis and proxies: no income, charges,
    notes, address, national number or motive anywhere in the output?"""
    household = _private_household(db)
    hs.consume_budget(household, 400, day=DAY, reference="s1", actor=None)
    summary = _lookup(household.active_card.code, DAY)
    assert set(summary) == KEYS
    assert summary["display_name"] == "Fatima B."
    assert summary["eligible"] is True and summary["reason_code"] is None
    assert summary["valid_until"] == "2027-01-31"
    assert (summary["budget_cents"], summary["budget_left_cents"]) == (1500, 1100)
    assert (summary["period_start"], summary["period_end"]) == ("2026-11-23", "2026-11-29")
    assert summary["quota_basis"] == {"adults": 1, "children": 1, "children_under_3": 1}
    assert summary["proxies"] == ["Josiane Collin"]
    dumped = json.dumps({k: v for k, v in summary.items() if k != "card_code"}, ensure_ascii=False)
    for secret in ("143210", "1432", "98765", "Dettes", "Secrète", "5020", "Jambes", "0470", "example.org",
                   "85073003328", "Motif", "Benali", "1984", "M-"):
        assert secret not in dumped, secret


def test_unknown_card(db):
    make_household()
    for code in ("2500000000000", "5410000000000", "abc", ""):
        summary = _lookup(code, DAY)
        assert set(summary) == KEYS
        assert summary["reason_code"] == "unknown_card" and summary["eligible"] is False
        assert summary["display_name"] is None and summary["household_id"] is None
        assert summary["quota_basis"] is None and summary["proxies"] == []
        assert summary["reason"].startswith("Carte inconnue")


def test_reissue_deactivates_the_old_card_at_once_and_is_logged(db):
    household = _private_household(db)
    old_code = household.active_card.code
    new = hs.issue_card(None, household, reason="stolen")
    assert new.code != old_code and household.active_card is new
    old = _lookup(old_code, DAY)
    assert old["reason_code"] == "card_replaced" and old["reason"].startswith("Carte remplacée")
    assert old["eligible"] is False and old["budget_left_cents"] is None and old["household_id"] is None
    assert _lookup(new.code, DAY)["eligible"] is True
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "card.reissue")).one()
    assert event.details["reason"] == "stolen"


def test_not_eligible_card_shows_reason_without_budget(db):
    household = make_household()
    summary = _lookup(household.active_card.code, DAY)
    assert summary["reason_code"] == "no_decision" and summary["budget_cents"] is None
    assert summary["reason"] == "Aucune décision d'accès : voir le service social."
    hs.close_household(None, household)
    assert _lookup(household.cards[0].code, DAY)["reason_code"] == "household_closed"


def test_till_reads_the_deciding_decisions_of_a_long_history(db):
    """A household followed for years: the till reads only the decisions that decide the day, and decides as the
    whole history would (the latest expired one for the date, the one in force for the budget)."""
    household = make_household()
    for year in (2021, 2022, 2023, 2024):
        make_decision(household, valid_from=date(year, 1, 1), valid_until=date(year, 12, 31),
                      decided_on=date(year, 1, 1), budget_cents=1000 + year, budget_override_motive="Historique")
    code = household.active_card.code
    expired = _lookup(code, date(2025, 3, 1))
    assert expired["reason_code"] == "expired" and "31/12/2024" in expired["reason"]
    assert len(hs.find_till_card(code, date(2025, 3, 1)).household.decisions) == 1  # the last one before the day
    make_decision(household, valid_from=date(2025, 3, 1), valid_until=date(2026, 2, 28),
                  decided_on=date(2025, 3, 1), budget_cents=4500, budget_override_motive="Renouvellement")
    granted = _lookup(code, date(2025, 6, 4))
    assert granted["eligible"] and granted["budget_cents"] == 4500 and granted["valid_until"] == "2026-02-28"
    assert _lookup(code, date(2024, 6, 4))["budget_cents"] == 3024  # an earlier day: its own decision


def test_the_till_browser_gets_only_what_it_shows_or_computes_with(db):
    """Does the browser get no household id, composition, granted budget or period, and only the quotas that apply
    to this household (a limit scaled to 0 by its composition is left out), with only their name and what is left?"""
    household = _private_household(db)
    hs.consume_budget(household, 400, day=DAY, reference="s1", actor=None)
    code = household.active_card.code
    sent = hs.till_summary(code, DAY)
    assert set(sent) == SENT_KEYS
    assert (sent["display_name"], sent["budget_left_cents"], sent["proxies"]) == ("Fatima B.", 1100, ["Josiane Collin"])
    quotas = [{"product_id": 7, "name": "Langes taille 3", "limit": 0, "used": 0, "left": 0, "left_label": "0",
               "period": "week"},
              {"product_id": 8, "name": "Lait 1 l", "limit": 6, "used": 4, "left": 2, "left_label": "2",
               "period": "week"}]
    sent = hs.till_summary(code, DAY, summary=_lookup(code, DAY), quotas=quotas)
    assert set(sent) == SENT_KEYS | {"quotas"}
    assert sent["quotas"] == [{"name": "Lait 1 l", "limit": 6, "left": 2, "left_label": "2"}]
    assert set(hs.till_summary("2500000000000", DAY)) == SENT_KEYS
