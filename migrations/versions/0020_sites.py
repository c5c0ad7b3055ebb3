"""sites: the groceries of one installation; the site-owned tables get their site, existing rows the first site

The first site is made from the organisation settings (org.name, org.address: a last line "5000 Namur" becomes its
postcode and city). Site-owned tables get a NOT NULL site_id referring to sites, every existing row on the first
site: lots, donations, stock_movements, stock_counts, till_sessions, sales, volunteer_shift_templates,
volunteer_shifts, volunteer_day_sheets (one validated sheet per site and day) and volunteer_workshops. Their child
rows (donation and count lines, cash movements, sale lines, refunds, shortfalls, assignments, workshop sessions)
follow their parent. Users get no site grant: a user without one works at every site (grocery.sites.services).

SQLite: the column is added with a plain ALTER TABLE ... ADD COLUMN ... DEFAULT <first site> NOT NULL REFERENCES
sites (id), never by a batch copy of a table with children (with foreign keys on, dropping the old table would
cascade to them). SQLite refuses such a column while foreign keys are enforced: they are off for this migration (no
transaction is open when it starts: SQLite runs each migration in its own), and every foreign key is checked at the
end. The column keeps its default on SQLite (removing it would need the copy); on PostgreSQL the default is dropped.

Revision ID: 0020_sites
Revises: 0019_budget_category_quotas
Create Date: 2026-12-02 02:00:00

"""
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import grocery.types

# revision identifiers, used by Alembic.
revision = '0020_sites'
down_revision = '0019_budget_category_quotas'
branch_labels = None
depends_on = None

#: Site-owned table: its indexes on site_id (name, columns).
SITE_TABLES = {
    'lots': [('ix_lots_site_product', ['site_id', 'product_id'])],
    'donations': [('ix_donations_site_received', ['site_id', 'received_on'])],
    'stock_movements': [('ix_stock_movements_site_time', ['site_id', 'occurred_at'])],
    'stock_counts': [('ix_stock_counts_site_id', ['site_id'])],
    'till_sessions': [('ix_till_sessions_site_opened', ['site_id', 'opened_at'])],
    'sales': [('ix_sales_site_created', ['site_id', 'created_at'])],
    'volunteer_shift_templates': [('ix_volunteer_shift_templates_site_id', ['site_id'])],
    'volunteer_shifts': [('ix_volunteer_shifts_site_held_on', ['site_id', 'held_on'])],
    'volunteer_day_sheets': [],  # the unique (site_id, held_on) below serves its lookups
    'volunteer_workshops': [('ix_volunteer_workshops_site_id', ['site_id'])],
}
ROLES = "role IN ('admin', 'coordinator', 'social_worker', 'stock_manager', 'cashier')"
_POSTCODE_LINE = re.compile(r"^\s*(\d{4})\s+(.+?)\s*$")


def _first_site_values(conn):
    settings = sa.table('settings', sa.column('key', sa.String), sa.column('value', sa.JSON))
    stored = dict(conn.execute(sa.select(settings.c.key, settings.c.value)
                               .where(settings.c.key.in_(['org.name', 'org.address']))).all())
    lines = [line.strip() for line in str(stored.get('org.address') or '').splitlines() if line.strip()]
    postcode = city = ''
    if lines and (match := _POSTCODE_LINE.match(lines[-1])):
        postcode, city = match.group(1), match.group(2)[:80]
        lines = lines[:-1]
    return {'name': str(stored.get('org.name') or 'Épicerie sociale')[:120], 'address': '\n'.join(lines),
            'postcode': postcode, 'city': city, 'opening_hours': '', 'is_active': True,
            'created_at': datetime.now(UTC)}


def upgrade():
    conn = op.get_bind()
    sqlite = conn.dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys = OFF')
    sites = op.create_table(
        'sites',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('postcode', sa.String(length=10), nullable=False),
        sa.Column('city', sa.String(length=80), nullable=False),
        sa.Column('opening_hours', sa.Text(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
        sa.UniqueConstraint('name', name=op.f('uq_sites_name')),
    )
    op.create_table(
        'user_site_roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('created_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(ROLES, name=op.f('ck_user_site_roles_role_known')),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_user_site_roles_site_id_sites'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_site_roles_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_site_roles')),
        sa.UniqueConstraint('user_id', 'site_id', name='uq_user_site_roles_user_site'),
    )
    op.create_index(op.f('ix_user_site_roles_site_id'), 'user_site_roles', ['site_id'], unique=False)
    op.create_index('uq_user_site_roles_every_site', 'user_site_roles', ['user_id'], unique=True,
                    sqlite_where=sa.text('site_id IS NULL'), postgresql_where=sa.text('site_id IS NULL'))

    first = conn.execute(sites.insert().values(**_first_site_values(conn)).returning(sites.c.id)).scalar_one()
    for table, indexes in SITE_TABLES.items():
        fk = f'fk_{table}_site_id_sites'
        if sqlite:
            op.execute(f'ALTER TABLE {table} ADD COLUMN site_id INTEGER NOT NULL DEFAULT {int(first)} '
                       f'CONSTRAINT {fk} REFERENCES sites (id)')
        else:
            op.add_column(table, sa.Column('site_id', sa.Integer(), nullable=False, server_default=str(int(first))))
            op.create_foreign_key(op.f(fk), table, 'sites', ['site_id'], ['id'])
            op.alter_column(table, 'site_id', server_default=None, existing_type=sa.Integer(),
                            existing_nullable=False)
        for name, columns in indexes:
            op.create_index(op.f(name), table, columns, unique=False)

    # One validated day sheet per site and day (was: per day). The table has no children: a copy is safe.
    with op.batch_alter_table('volunteer_day_sheets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_volunteer_day_sheets_held_on'), type_='unique')
        batch_op.create_unique_constraint('uq_volunteer_day_sheets_site_held_on', ['site_id', 'held_on'])
    if sqlite:
        broken = conn.exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the upgrade: {broken}')


def downgrade():
    conn = op.get_bind()
    sqlite = conn.dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys = OFF')  # the copies below drop tables that others refer to
    with op.batch_alter_table('volunteer_day_sheets', schema=None) as batch_op:  # no children: a copy is safe
        batch_op.drop_constraint('uq_volunteer_day_sheets_site_held_on', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_volunteer_day_sheets_held_on'), ['held_on'])
        if not sqlite:
            batch_op.drop_constraint(op.f('fk_volunteer_day_sheets_site_id_sites'), type_='foreignkey')
        batch_op.drop_column('site_id')
    for table, indexes in SITE_TABLES.items():
        for name, _columns in indexes:
            op.drop_index(op.f(name), table_name=table)
        if table == 'volunteer_day_sheets':
            continue
        if sqlite:  # a plain DROP COLUMN (SQLite >= 3.35): the column's own REFERENCES goes with it, no copy
            op.execute(f'ALTER TABLE {table} DROP COLUMN site_id')
        else:
            op.drop_constraint(op.f(f'fk_{table}_site_id_sites'), table, type_='foreignkey')
            op.drop_column(table, 'site_id')
    op.drop_index('uq_user_site_roles_every_site', table_name='user_site_roles')
    op.drop_index(op.f('ix_user_site_roles_site_id'), table_name='user_site_roles')
    op.drop_table('user_site_roles')
    op.drop_table('sites')
