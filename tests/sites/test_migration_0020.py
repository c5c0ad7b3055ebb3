"""Migration 0020 keeps every row and puts it on one first site made from the organisation settings."""

from flask_migrate import upgrade
from sqlalchemy import text

from grocery import create_app
from grocery.config import TestingConfig
from grocery.extensions import db
from tests.foundation.test_migrations import empty_database_url  # noqa: F401 (fixture)

T = "'2026-01-01 10:00:00+00'"
ROWS = [
    "INSERT INTO settings (key, value, updated_at) VALUES ('org.name', '\"Épicerie du Centre\"', " + T + ")",
    "INSERT INTO settings (key, value, updated_at) VALUES ('org.address', '\"Rue Haute 12\\n5000 Namur\"', "
    + T + ")",
    "INSERT INTO users (id, username, display_name, password_hash, role, is_active, preferred_language, created_at, "
    "session_token) VALUES (1, 'caisse', 'Caisse', 'x', 'cashier', TRUE, 'fr', " + T + ", 't')",
    "INSERT INTO product_categories (id, name, default_social_percent, sort_order, is_active) "
    "VALUES (1, 'Frais', 20, 0, TRUE)",
    "INSERT INTO products (id, name, category_id, unit_kind, retail_price_cents, price_rule, low_stock_threshold, "
    "is_active, created_at) VALUES (1, 'Lait', 1, 'piece', 100, 'category', 0, TRUE, " + T + ")",
    "INSERT INTO donors (id, name, kind, contact, is_active, preferred_language) "
    "VALUES (1, 'Banque alimentaire', 'food_bank', '', TRUE, 'fr')",
    "INSERT INTO donations (id, donor_id, received_on, programme, status, created_at) "
    "VALUES (1, 1, '2026-01-01', '', 'confirmed', " + T + ")",
    "INSERT INTO donation_lines (id, donation_id, product_id, quantity, lot_number) VALUES (1, 1, 1, 10, '')",
    "INSERT INTO lots (id, product_id, donation_id, source, received_on, lot_number, quantity_received, "
    "quantity_on_hand, created_at) VALUES (1, 1, 1, 'food_bank', '2026-01-01', '', 10, 9, " + T + ")",
    "INSERT INTO stock_movements (id, lot_id, kind, quantity, occurred_at, donation_id) "
    "VALUES (1, 1, 'receipt', 10, " + T + ", 1)",
    "INSERT INTO stock_movements (id, lot_id, kind, quantity, occurred_at) VALUES (2, 1, 'sale', -1, " + T + ")",
    "INSERT INTO stock_counts (id, status, opened_at, reason) VALUES (1, 'open', " + T + ", '')",
    "INSERT INTO households (id, reference, street, postcode, municipality, phone, preferred_language, proxy_names, "
    "status, notes, created_at, updated_at) VALUES (1, 'M-2026-0001', '', '5000', '', '', 'fr', '[]', 'active', "
    "'', " + T + ", " + T + ")",
    "INSERT INTO till_sessions (id, till_name, status, opened_at, opened_by_id, held_by_id, float_cents) "
    "VALUES (1, 'Caisse 1', 'open', " + T + ", 1, 1, 5000)",
    "INSERT INTO sales (id, uuid, till_session_id, household_id, card_code, cashier_id, created_at, "
    "budget_period_start, total_cents, retail_cents, paid_cents, payment_method, status, receipt_prints) VALUES "
    "(1, '00000000-0000-4000-8000-000000000001', 1, 1, '2900000000015', 1, " + T + ", '2026-01-01', 20, 100, 20, "
    "'cash', 'completed', 0)",
    "INSERT INTO sale_lines (id, sale_id, product_id, lot_id, quantity, price_cents, retail_cents, source, "
    "is_free_programme, past_best_before, refunded_quantity) VALUES (1, 1, 1, 1, 1, 20, 100, 'food_bank', FALSE, "
    "FALSE, 0)",
    "INSERT INTO volunteer_activities (id, name, is_active) VALUES (1, 'Caisse', TRUE)",
    "INSERT INTO volunteer_shift_templates (id, weekday, start_time, end_time, activity_id, capacity, is_active) "
    "VALUES (1, 1, '09:00:00', '12:00:00', 1, 2, TRUE)",
    "INSERT INTO volunteer_shifts (id, template_id, held_on, start_time, end_time, activity_id, capacity, "
    "is_cancelled, cancel_reason) VALUES (1, 1, '2026-01-06', '09:00:00', '12:00:00', 1, 2, FALSE, '')",
    "INSERT INTO volunteer_day_sheets (id, held_on, validated_at) VALUES (1, '2026-01-06', " + T + ")",
    "INSERT INTO volunteer_workshops (id, title, description, created_at) VALUES (1, 'Cuisine', '', " + T + ")",
]
SITE_TABLES = ("lots", "donations", "stock_movements", "stock_counts", "till_sessions", "sales",
               "volunteer_shift_templates", "volunteer_shifts", "volunteer_day_sheets", "volunteer_workshops")
CHILD_TABLES = ("donation_lines", "sale_lines", "households", "users", "products")


def test_upgrade_puts_every_row_on_the_first_site(empty_database_url):  # noqa: F811
    """Does the upgrade from 0019 keep every row of the site-owned tables and their children, on one first site
    named and addressed from the settings, with no grant for the existing accounts?"""

    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(MigrationConfig)
    with app.app_context():
        upgrade(revision="0019_budget_category_quotas")
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(text(statement))
            before = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                      for table in SITE_TABLES + CHILD_TABLES}
        upgrade(revision="0020_sites")
        with db.engine.connect() as conn:
            sites = conn.execute(text("SELECT id, name, address, postcode, city, is_active FROM sites")).all()
            assert len(sites) == 1
            site_id, name, address, postcode, city, is_active = sites[0]
            assert (name, address, postcode, city, bool(is_active)) == ("Épicerie du Centre", "Rue Haute 12",
                                                                         "5000", "Namur", True)
            for table in SITE_TABLES + CHILD_TABLES:
                assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == before[table], table
            for table in SITE_TABLES:
                assert before[table] >= 1, table
                on_site = conn.execute(text(f"SELECT site_id FROM {table}")).scalars().all()
                assert on_site == [site_id] * before[table], table
            assert conn.execute(text("SELECT count(*) FROM user_site_roles")).scalar() == 0
            # The ledger still adds up: the lot's cached quantity equals its movements.
            assert conn.execute(text("SELECT sum(quantity) FROM stock_movements WHERE lot_id = 1")).scalar() == 9
        # Every site_id refers to sites; on PostgreSQL no default is left (a writer that names no site fails).
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                default = conn.execute(text("SELECT column_default FROM information_schema.columns WHERE "
                                            "table_name = 'lots' AND column_name = 'site_id'")).scalar()
                assert default is None
                refers = conn.execute(text(
                    "SELECT count(*) FROM information_schema.table_constraints WHERE constraint_type = 'FOREIGN KEY' "
                    "AND constraint_name LIKE 'fk_%_site_id_sites'")).scalar()
            else:
                refers = sum(any(row[2] == "sites" and row[3] == "site_id"
                                 for row in conn.exec_driver_sql(f"PRAGMA foreign_key_list({table})"))
                             for table in SITE_TABLES)
            assert refers >= len(SITE_TABLES)
        db.session.remove()
        db.engine.dispose()
