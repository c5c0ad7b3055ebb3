"""Migration 0021 (stock transfers, per-site thresholds) keeps the stock of an installation at 0020, accepts transfer
movements, and its downgrade keeps each lot equal to the sum of its movements."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db
from tests.foundation.test_migrations import empty_database_url  # noqa: F401 (fixture)
from tests.sites.test_migration_0020 import ROWS

T = "'2026-01-02 10:00:00+00'"
NEW_TABLES = {"stock_transfers", "stock_transfer_lines", "site_product_thresholds"}


def test_upgrade_keeps_the_stock_and_downgrade_keeps_the_ledger(empty_database_url):  # noqa: F811
    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade(revision="0019_budget_category_quotas")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(text(statement))
        upgrade(revision="0020_sites")
        with db.engine.connect() as conn:
            before = conn.execute(text("SELECT id, site_id, kind, quantity FROM stock_movements ORDER BY id")).all()
        upgrade(revision="0021_stock_transfers")
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT id, site_id, kind, quantity FROM stock_movements ORDER BY id")).all() \
                == before
            assert set(inspect(conn).get_table_names()) >= NEW_TABLES
            # A second site receives 4 of lot 1 (9 on hand): the lots, movements and transfer of the service.
            conn.execute(text("INSERT INTO sites (id, name, address, postcode, city, opening_hours, is_active, "
                              "created_at) VALUES (2, 'Antenne Nord', '', '', '', '', TRUE, " + T + ")"))
            conn.execute(text("INSERT INTO lots (id, site_id, product_id, donation_id, source, received_on, "
                              "lot_number, quantity_received, quantity_on_hand, created_at) VALUES (2, 2, 1, 1, "
                              "'food_bank', '2026-01-01', '', 4, 4, " + T + ")"))
            conn.execute(text("UPDATE lots SET quantity_on_hand = 5 WHERE id = 1"))
            conn.execute(text("INSERT INTO stock_movements (id, site_id, lot_id, kind, quantity, occurred_at, "
                              "reference) VALUES (3, 1, 1, 'transfer', -4, " + T + ", 'transfer:1'), (4, 2, 2, "
                              "'transfer', 4, " + T + ", 'transfer:1')"))
            conn.execute(text("INSERT INTO stock_transfers (id, from_site_id, to_site_id, note, created_at) "
                              "VALUES (1, 1, 2, '', " + T + ")"))
            conn.execute(text("INSERT INTO stock_transfer_lines (id, transfer_id, product_id, from_lot_id, "
                              "to_lot_id, quantity, out_movement_id, in_movement_id) VALUES (1, 1, 1, 1, 2, 4, 3, 4)"))
            conn.execute(text("INSERT INTO site_product_thresholds (site_id, product_id, low_stock_threshold) "
                              "VALUES (2, 1, 12)"))
        with db.engine.connect() as conn:  # the new check still refuses an unknown kind
            with pytest.raises(IntegrityError):
                conn.execute(text("INSERT INTO stock_movements (site_id, lot_id, kind, quantity, occurred_at) "
                                  "VALUES (1, 1, 'bogus', 1, " + T + ")"))
            conn.rollback()
        downgrade(revision="0020_sites")
        with db.engine.connect() as conn:
            assert not NEW_TABLES & set(inspect(conn).get_table_names())
            kinds = conn.execute(text("SELECT kind FROM stock_movements WHERE id IN (3, 4)")).scalars().all()
            assert kinds == ["adjustment", "adjustment"]
            for lot_id, on_hand in ((1, 5), (2, 4)):
                summed = conn.execute(text(f"SELECT sum(quantity) FROM stock_movements WHERE lot_id = {lot_id}"))
                assert summed.scalar() == on_hand
        downgrade(revision="0019_budget_category_quotas")  # 0020's downgrade still drops the site columns
        upgrade()
        db.session.remove()
        db.engine.dispose()
