"""stock transfers between sites and per-site low-stock thresholds

New tables: stock_transfers and stock_transfer_lines (goods sent from one site's lots to another site: each line
names the sending lot, the lot made at the receiving site and the two "transfer" movements), and
site_product_thresholds (a site's own low-stock threshold for a product). stock_movements.kind accepts "transfer".

PostgreSQL: the kind check is dropped and made again. SQLite: the check's text is changed in the schema itself
(PRAGMA writable_schema, the procedure SQLite documents for changing a CHECK constraint, which leaves the rows as
they are: every row already passes the new check). A batch copy of stock_movements would instead turn its site_id
column's inline REFERENCES (migration 0020) into a table constraint, which the downgrade of 0020 (ALTER TABLE ...
DROP COLUMN site_id) could no longer drop, and would copy the whole ledger.

Revision ID: 0021_stock_transfers
Revises: 0020_sites
Create Date: 2026-12-02 04:40:00

"""
import sqlalchemy as sa
from alembic import op

import grocery.types

# revision identifiers, used by Alembic.
revision = '0021_stock_transfers'
down_revision = '0020_sites'
branch_labels = None
depends_on = None

OLD_KINDS = ('receipt', 'sale', 'return', 'waste', 'adjustment', 'count')
NEW_KINDS = (*OLD_KINDS, 'transfer')


def _kinds(kinds):
    return "kind IN ({})".format(", ".join(repr(kind) for kind in kinds))


def _set_movement_kinds(old, new):
    conn = op.get_bind()
    if conn.dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_stock_movements_kind_known'), 'stock_movements', type_='check')
        op.create_check_constraint(op.f('ck_stock_movements_kind_known'), 'stock_movements', _kinds(new))
        return
    table_sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'stock_movements'").scalar()
    if _kinds(old) not in table_sql:
        raise RuntimeError(f'stock_movements: the kind check is not the expected one: {table_sql}')
    version = conn.exec_driver_sql('PRAGMA schema_version').scalar()
    conn.exec_driver_sql('PRAGMA writable_schema = ON')
    conn.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'stock_movements'",
                         (table_sql.replace(_kinds(old), _kinds(new)),))
    conn.exec_driver_sql(f'PRAGMA schema_version = {int(version) + 1}')
    conn.exec_driver_sql('PRAGMA writable_schema = OFF')
    if conn.exec_driver_sql('PRAGMA integrity_check').scalar() != 'ok':
        raise RuntimeError('stock_movements: the schema change broke the database')


def upgrade():
    _set_movement_kinds(OLD_KINDS, NEW_KINDS)
    op.create_table(
        'site_product_thresholds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('low_stock_threshold', sa.Integer(), nullable=False),
        sa.CheckConstraint('low_stock_threshold >= 0', name=op.f('ck_site_product_thresholds_low_stock_positive')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_site_product_thresholds_product_id_products'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_product_thresholds_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_product_thresholds')),
        sa.UniqueConstraint('site_id', 'product_id', name='uq_site_product_thresholds_site_product'),
    )
    op.create_index(op.f('ix_site_product_thresholds_product_id'), 'site_product_thresholds', ['product_id'],
                    unique=False)
    op.create_table(
        'stock_transfers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('from_site_id', sa.Integer(), nullable=False),
        sa.Column('to_site_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('from_site_id <> to_site_id', name=op.f('ck_stock_transfers_sites_differ')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stock_transfers_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['from_site_id'], ['sites.id'], name=op.f('fk_stock_transfers_from_site_id_sites')),
        sa.ForeignKeyConstraint(['to_site_id'], ['sites.id'], name=op.f('fk_stock_transfers_to_site_id_sites')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfers')),
    )
    op.create_index('ix_stock_transfers_from_created', 'stock_transfers', ['from_site_id', 'created_at'],
                    unique=False)
    op.create_index('ix_stock_transfers_to_created', 'stock_transfers', ['to_site_id', 'created_at'], unique=False)
    op.create_table(
        'stock_transfer_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('transfer_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('from_lot_id', sa.Integer(), nullable=False),
        sa.Column('to_lot_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('out_movement_id', sa.Integer(), nullable=False),
        sa.Column('in_movement_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_transfer_lines_quantity_positive')),
        sa.ForeignKeyConstraint(['from_lot_id'], ['lots.id'], name=op.f('fk_stock_transfer_lines_from_lot_id_lots')),
        sa.ForeignKeyConstraint(['in_movement_id'], ['stock_movements.id'],
                                name=op.f('fk_stock_transfer_lines_in_movement_id_stock_movements')),
        sa.ForeignKeyConstraint(['out_movement_id'], ['stock_movements.id'],
                                name=op.f('fk_stock_transfer_lines_out_movement_id_stock_movements')),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_stock_transfer_lines_product_id_products')),
        sa.ForeignKeyConstraint(['to_lot_id'], ['lots.id'], name=op.f('fk_stock_transfer_lines_to_lot_id_lots')),
        sa.ForeignKeyConstraint(['transfer_id'], ['stock_transfers.id'],
                                name=op.f('fk_stock_transfer_lines_transfer_id_stock_transfers'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfer_lines')),
    )
    for column in ('transfer_id', 'from_lot_id', 'to_lot_id'):
        op.create_index(op.f(f'ix_stock_transfer_lines_{column}'), 'stock_transfer_lines', [column], unique=False)


def downgrade():
    for column in ('transfer_id', 'from_lot_id', 'to_lot_id'):
        op.drop_index(op.f(f'ix_stock_transfer_lines_{column}'), table_name='stock_transfer_lines')
    op.drop_table('stock_transfer_lines')
    op.drop_index('ix_stock_transfers_to_created', table_name='stock_transfers')
    op.drop_index('ix_stock_transfers_from_created', table_name='stock_transfers')
    op.drop_table('stock_transfers')
    op.drop_index(op.f('ix_site_product_thresholds_product_id'), table_name='site_product_thresholds')
    op.drop_table('site_product_thresholds')
    # The transfers' movements stay (each lot still equals the sum of its movements) as adjustments, a kind the
    # old check accepts.
    op.execute("UPDATE stock_movements SET kind = 'adjustment' WHERE kind = 'transfer'")
    _set_movement_kinds(NEW_KINDS, OLD_KINDS)
