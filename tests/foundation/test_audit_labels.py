"""The audit log reads in words: actions, records and details labelled and translated, personal data not shown;
names sorted as a reader expects."""

import re
from pathlib import Path

from grocery.audit.labels import ACTION_LABELS, TARGET_LABELS, describe_details
from grocery.audit.services import record_event
from grocery.auth.roles import Role
from grocery.i18n import sort_key
from tests.utils import text_of

ROOT = Path(__file__).resolve().parents[2] / "grocery"
#: The values the f-string actions take (till movements, refunds, imports, kiosk).
DYNAMIC = {"till.{kind}": ["till.cash_in", "till.cash_out"], "sale.{kind}": ["sale.void", "sale.refund"],
           "imports.{batch.kind}": ["imports.products", "imports.households"],
           "volunteers.kiosk_{result['action']}": ["volunteers.kiosk_check_in", "volunteers.kiosk_check_out"]}


def _recorded_actions() -> set[str]:
    """Every action string passed to record_event in the code (conditional ones included)."""
    found = set()
    for path in ROOT.rglob("*.py"):
        for call in re.findall(r"record_event\((.{0,200}?)\)", path.read_text(), flags=re.S):
            for literal in re.findall(r"f?\"([a-z_]+\.[a-z_{}.\['\]]+)\"", call):
                found.update(DYNAMIC.get(literal, [literal]))
    return found


def test_every_recorded_action_has_a_label():
    actions = _recorded_actions()
    assert len(actions) > 60
    assert not actions - set(ACTION_LABELS), sorted(actions - set(ACTION_LABELS))


def test_every_record_type_of_an_action_has_a_label(app):
    from grocery.extensions import db

    tables = set(db.metadata.tables)
    assert not set(TARGET_LABELS) - tables  # no label for a table that does not exist
    for name in ("till_sessions", "households", "products", "lots", "users", "volunteer_shifts"):
        assert name in TARGET_LABELS


def test_audit_page_shows_what_happened_in_words(client, db, login):
    """A till closing reads "Caisse fermée · Session de caisse n° 4 · Attendu dans le tiroir : 40,00 €", with no
    code name (till.close, expected_cents, till_sessions) on the page."""
    login(Role.ADMIN)
    record_event(None, "till.close", ("till_sessions", 4),
                 {"expected_cents": 4000, "counted_cents": 3950, "difference_cents": -50})
    record_event(None, "user.update", ("users", 2), {"display_name": ["Anne Dupont", "Anne Martin"],
                                                     "role": ["cashier", "coordinator"]})
    record_event(None, "household.update", ("households", 9), {"fields": ["phone", "postcode"]})
    db.session.commit()
    page = text_of(client.get("/admin/audit/")).replace("\u202f", " ").replace("\xa0", " ")
    for words in ("Caisse fermée et comptée", "Session de caisse n° 4", "Attendu dans le tiroir", "40,00 €", "39,50 €",
                  "-0,50 €", "Compte modifié", "Caissier·ère → Coordinateur·rice", "Téléphone, Code postal"):
        assert words in page, words
    shown = re.sub(r"<[^>]*>", " ", page)  # what a reader sees (option values and attributes left out)
    for code in ("till.close", "expected_cents", "till_sessions", "display_name", "household.update"):
        assert code not in shown, code
    assert "Anne Dupont" not in page and "Anne Martin" not in page  # a name is personal data: "changed" only


def test_audit_filter_by_action_and_record_type(client, db, login):
    login(Role.ADMIN)
    record_event(None, "household.create", ("households", 7), {"reference": "M-2026-0007"})
    record_event(None, "stock.waste", ("lots", 3), {"quantity": 2})
    db.session.commit()
    page = text_of(client.get("/admin/audit/?action=household.create"))
    assert "M-2026-0007" in page and "Lot n° 3" not in page
    page = text_of(client.get("/admin/audit/?target_type=lots"))
    assert "Lot n° 3" in page and "M-2026-0007" not in page


def test_an_unknown_action_or_detail_reads_as_other(app):
    with app.test_request_context():
        from grocery.audit.labels import action_label

        assert str(action_label("legacy.thing")) == "Autre changement"
        assert describe_details({"mystery_key": 3}) == [("Autre détail", "3")]


def test_names_sort_as_a_reader_expects():
    names = ["Crème fraîche", "Céleri-rave", "carottes", "Abricots", "Œufs", "Éponges", "Ananas"]
    assert sorted(names, key=sort_key) == ["Abricots", "Ananas", "carottes", "Céleri-rave", "Crème fraîche",
                                           "Éponges", "Œufs"]
