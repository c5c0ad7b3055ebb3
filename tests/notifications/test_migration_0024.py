"""Migration 0024 keeps every household (none agreeing to reminders) and its downgrade leaves 0020's schema."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db
from tests.foundation.test_migrations import empty_database_url  # noqa: F401 (fixture)

T = "'2026-01-01 10:00:00+00'"
ROWS = [
    "INSERT INTO users (id, username, display_name, password_hash, role, is_active, preferred_language, created_at, "
    "session_token) VALUES (1, 'social', 'Sophie', 'x', 'social_worker', TRUE, 'fr', " + T + ", 't')",
    "INSERT INTO households (id, reference, street, postcode, municipality, phone, email, preferred_language, "
    "proxy_names, status, notes, created_at, updated_at) VALUES (1, 'M-2026-0001', '', '5000', '', '', "
    "'famille@example.be', 'nl', '[]', 'active', '', " + T + ", " + T + ")",
    "INSERT INTO household_members (id, household_id, first_name, first_name_key, last_name, last_name_key, "
    "birth_on, relation, is_active, created_at) VALUES (1, 1, 'Ana', 'ana', 'Peeters', 'peeters', '1985-03-21', "
    "'reference', TRUE, " + T + ")",
]


def test_upgrade_keeps_households_without_agreement_and_downgrades(empty_database_url):  # noqa: F811
    """From 0020 holding a household and its member: does 0024 keep them, with accepts_reminders false, add the
    outbox tables, and does the downgrade remove exactly that?"""

    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade(revision="0020_sites")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(text(statement))
        upgrade(revision="0024_outbox")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT accepts_reminders, email FROM households")).all() == [
                (False, "famille@example.be")]
            assert conn.execute(text("SELECT count(*) FROM household_members")).scalar() == 1
            conn.execute(text("INSERT INTO outbox_messages (dedupe_key, kind, household_id, channel, recipient, "
                              "language, subject, body, status, tries, next_attempt_at, last_error, created_at, "
                              "updated_at) VALUES ('k', 'test', 1, 'email', 'famille@example.be', 'nl', 's', 'b', "
                              "'pending', 0, " + T + ", '', " + T + ", " + T + ")"))
            conn.execute(text("INSERT INTO staff_email_addresses (user_id, email, updated_at) VALUES "
                              "(1, 'sw@example.be', " + T + ")"))
        downgrade(revision="0020_sites")
        tables = set(inspect(db.engine).get_table_names())
        assert "outbox_messages" not in tables and "staff_email_addresses" not in tables
        assert "accepts_reminders" not in {c["name"] for c in inspect(db.engine).get_columns("households")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM household_members")).scalar() == 1
            assert conn.execute(text("SELECT email FROM households")).scalar() == "famille@example.be"
        upgrade()
        db.session.remove()
        db.engine.dispose()
