"""Migration 0015 keeps existing data: totals become one line each, notes a first version, members not stated."""

from flask_migrate import upgrade
from sqlalchemy import text

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db
from tests.foundation.test_migrations import empty_database_url  # noqa: F401 (fixture)

HOUSEHOLD = ("INSERT INTO households (id, reference, street, postcode, municipality, phone, preferred_language, "
             "proxy_names, status, notes, created_at, updated_at) VALUES (1, 'M-2026-0001', '', '5000', '', '', "
             "'fr', '[]', 'active', 'Dettes d''énergie', '2026-01-01 10:00:00+00', '2026-02-01 10:00:00+00')")
MEMBER = ("INSERT INTO household_members (id, household_id, first_name, last_name, first_name_key, last_name_key, "
          "birth_on, relation, is_active, created_at) VALUES (1, 1, 'Anne', 'Test', 'anne', 'test', '1980-01-01', "
          "'reference', TRUE, '2026-01-01 10:00:00+00')")
DECISION = ("INSERT INTO eligibility_decisions (id, household_id, decided_on, valid_from, valid_until, outcome, "
            "motive, income_cents, charges_cents, persons, remaining_per_day_cents, days_in_month, threshold_cents, "
            "budget_period, budget_cents, scale_budget_cents, budget_override_motive, created_at) VALUES "
            "(1, 1, '2026-01-01', '2026-01-01', '2026-03-31', 'granted', '', 120000, 85000, 3, 376, 31, 700, "
            "'week', 2000, 2000, '', '2026-01-01 10:00:00+00')")


def test_upgrade_keeps_totals_notes_and_members(empty_database_url):  # noqa: F811
    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade(revision="0009_till_write_indexes")
        with db.engine.begin() as conn:
            for statement in (HOUSEHOLD, MEMBER, DECISION):
                conn.execute(text(statement))
        upgrade(revision="0015_fse_household_lines")
        with db.engine.connect() as conn:
            lines = conn.execute(text("SELECT kind, line_type, amount_cents FROM decision_lines ORDER BY id")).all()
            decision = conn.execute(text("SELECT income_cents, charges_cents, persons_hundredths, "
                                         "remaining_per_day_cents FROM eligibility_decisions")).one()
            notes = conn.execute(text("SELECT household_id, text, written_by_id FROM household_note_versions")).all()
            member = conn.execute(text("SELECT sex, presence_percent, has_sensitive_consent, disability, homeless, "
                                       "migrant_background FROM household_members")).one()
        assert [tuple(line) for line in lines] == [("income", "other_income", 120000),
                                                   ("charge", "other_charge", 85000)]
        assert tuple(decision) == (120000, 85000, 300, 376)
        assert [tuple(note) for note in notes] == [(1, "Dettes d'énergie", None)]
        assert tuple(member) == ("not_stated", 100, False, "unknown", "unknown", "unknown")
        db.session.remove()
        db.engine.dispose()
