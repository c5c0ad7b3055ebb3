"""offline sales: flagged for review, stock shortfalls, till contact

Existing sales are online sales (offline false, no review); existing till sessions have no contact recorded.

Revision ID: 0017_offline_sales
Revises: 0016_volunteer_rules
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa

import grocery.types


# revision identifiers, used by Alembic.
revision = '0017_offline_sales'
down_revision = '0016_volunteer_rules'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_shortfalls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sale_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', grocery.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_by_count_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_stock_shortfalls_quantity_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_shortfalls_product_id_products')),
    sa.ForeignKeyConstraint(['sale_id'], ['sales.id'], name=op.f('fk_stock_shortfalls_sale_id_sales')),
    sa.ForeignKeyConstraint(['settled_by_count_id'], ['stock_counts.id'],
                            name=op.f('fk_stock_shortfalls_settled_by_count_id_stock_counts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_shortfalls'))
    )
    with op.batch_alter_table('stock_shortfalls', schema=None) as batch_op:
        batch_op.create_index('ix_stock_shortfalls_product_open', ['product_id', 'settled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_shortfalls_sale_id'), ['sale_id'], unique=False)

    sqlite = op.get_bind().dialect.name == 'sqlite'
    # Plain ALTER TABLE (no batch recreate: sales has children, see 0016).
    with op.batch_alter_table('sales', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('offline', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('review_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('review_reasons', sa.JSON(), nullable=True))
        if not sqlite:
            batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', grocery.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_sales_review_status', ['review_status'], unique=False)
    if sqlite:  # the foreign key goes with the new column (ADD COLUMN ... REFERENCES)
        op.execute('ALTER TABLE sales ADD COLUMN reviewed_by_id INTEGER '
                   'CONSTRAINT fk_sales_reviewed_by_id_users REFERENCES users (id)')
    else:
        op.create_foreign_key(op.f('fk_sales_reviewed_by_id_users'), 'sales', 'users', ['reviewed_by_id'], ['id'])
        op.create_check_constraint(op.f('ck_sales_review_status_known'), 'sales',
                                   "review_status IS NULL OR review_status IN ('pending', 'reviewed')")

    with op.batch_alter_table('till_sessions', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('last_contact_at', grocery.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contact_gaps', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('till_sessions', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('contact_gaps')
        batch_op.drop_column('last_contact_at')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_sales_review_status_known'), 'sales', type_='check')
        op.drop_constraint(op.f('fk_sales_reviewed_by_id_users'), 'sales', type_='foreignkey')
    with op.batch_alter_table('sales', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_sales_review_status')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('review_reasons')
        batch_op.drop_column('review_status')
        batch_op.drop_column('offline')
    with op.batch_alter_table('stock_shortfalls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_shortfalls_sale_id'))
        batch_op.drop_index('ix_stock_shortfalls_product_open')
    op.drop_table('stock_shortfalls')
