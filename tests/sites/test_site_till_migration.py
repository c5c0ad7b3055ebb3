"""Migration 0022 on a database holding data at 0020: existing decisions name no site (every site), one till name may
then be open at two sites but once per site; the downgrade keeps the rows."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db
from tests.foundation.test_migrations import empty_database_url  # noqa: F401 (fixture)
from tests.sites.test_migration_0020 import ROWS, T

DECISION = ("INSERT INTO eligibility_decisions (id, household_id, decided_on, valid_from, valid_until, outcome, "
            "motive, "
            "persons, persons_hundredths, days_in_month, threshold_cents, budget_period, budget_cents, "
            "scale_budget_cents, budget_override_motive, created_at) VALUES (1, 1, '2026-01-01', '2026-01-01', "
            "'2026-03-31', 'granted', '', 1, 100, 30, 700, 'week', 3000, 3000, '', " + T + ")")


def _open_till(conn, session_id: int, site_id: int):
    conn.execute(text("INSERT INTO till_sessions (id, site_id, till_name, status, opened_at, opened_by_id, "
                      f"held_by_id, float_cents) VALUES ({session_id}, {site_id}, 'Caisse 1', 'open', {T}, 1, 1, 0)"))


def test_upgrade_from_0020_with_data_and_downgrade(empty_database_url):  # noqa: F811
    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade(revision="0019_budget_category_quotas")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(text(statement))
            conn.execute(text(DECISION))
        upgrade(revision="0020_sites")
        upgrade(revision="0022_decision_sites")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM eligibility_decisions")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM decision_sites")).scalar() == 0  # every site
            first = conn.execute(text("SELECT id FROM sites")).scalar()
            second = conn.execute(text("INSERT INTO sites (name, address, postcode, city, opening_hours, is_active, "
                                       f"created_at) VALUES ('Antenne Nord', '', '', '', '', TRUE, {T}) "
                                       "RETURNING id")).scalar()
            conn.execute(text(f"INSERT INTO decision_sites (decision_id, site_id) VALUES (1, {second})"))
            _open_till(conn, 2, second)  # "Caisse 1" is open at the first site too (session 1)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _open_till(conn, 3, first)  # but once per site
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT count(*) FROM till_sessions WHERE status = 'open'")).scalar() == 2
            conn.execute(text(f"UPDATE till_sessions SET status = 'closed', closed_at = {T} WHERE id = 2"))
        downgrade(revision="0020_sites")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM till_sessions")).scalar() == 2
            assert conn.execute(text("SELECT count(*) FROM eligibility_decisions")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
