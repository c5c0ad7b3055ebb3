"""Migration 0025 turns each free-text proxy name into a mandate, keeps the old column, and downgrades."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db
from tests.foundation.test_migrations import empty_database_url  # noqa: F401 (fixture)

T = "'2026-01-01 10:00:00+00'"
HOUSEHOLD = ("INSERT INTO households (id, reference, street, postcode, municipality, phone, preferred_language, "
             "proxy_names, status, notes, created_at, updated_at) VALUES ({id}, 'M-2026-000{id}', '', '5000', '', "
             "'', 'fr', '{names}', 'active', '', " + T + ", " + T + ")")
NEW_TABLES = {"appointment_opening_lines", "appointment_exceptions", "appointment_slots", "appointment_standing",
              "appointments", "proxy_mandates", "sale_proxies"}


def test_proxy_names_become_mandates_and_the_migration_downgrades(empty_database_url):  # noqa: F811
    """From 0020 holding households with free-text proxies: one open-ended mandate per distinct name, identity not
    checked, the old column untouched; downgrade removes the new tables and keeps the names."""

    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade(revision="0020_sites")
        with db.engine.begin() as conn:
            conn.execute(text(HOUSEHOLD.format(id=1, names='["Josiane Collin", "josiane  collin", ""]')))
            conn.execute(text(HOUSEHOLD.format(id=2, names='["Pierre Lambert"]')))
            conn.execute(text(HOUSEHOLD.format(id=3, names='[]')))
        upgrade(revision="0025_appointments")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT household_id, full_name, identity_document, valid_until, revoked_at "
                                     "FROM proxy_mandates ORDER BY household_id, id")).all()
            assert [(r[0], r[1]) for r in rows] == [(1, "Josiane Collin"), (2, "Pierre Lambert")]
            assert all(r[2] == "" and r[3] is None and r[4] is None for r in rows)
            kept = conn.execute(text("SELECT proxy_names FROM households WHERE id = 2")).scalar()
            assert "Pierre Lambert" in str(kept)
        assert set(inspect(db.engine).get_table_names()) >= NEW_TABLES
        downgrade(revision="0020_sites")
        assert not NEW_TABLES & set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            assert "Josiane" in str(conn.execute(text("SELECT proxy_names FROM households WHERE id = 1")).scalar())
        db.session.remove()
        db.engine.dispose()
