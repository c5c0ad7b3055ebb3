"""sale receipt figures: the budget left after a sale and the names its receipt shows, kept at the time of the
sale; the state of the goods of a refund

Existing sales keep NULL (the budget left after them cannot be rebuilt without replaying the eligibility rules of
that day): their receipt says the budget left today instead. Existing refunds keep NULL (their goods went back to
their lot).

Revision ID: 0010_sale_receipt_figures
Revises: 0009_till_write_indexes
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_sale_receipt_figures'
down_revision = '0009_till_write_indexes'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns added without a table copy (ALTER TABLE ... ADD COLUMN on both databases).
    op.add_column('sales', sa.Column('budget_left_cents', sa.Integer(), nullable=True))
    op.add_column('sales', sa.Column('receipt_figures', sa.JSON(), nullable=True))
    with op.batch_alter_table('sale_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('condition', sa.String(length=20), nullable=True))
        batch_op.create_check_constraint(
            'condition_known', "condition IS NULL OR condition IN ('resellable', 'damaged', 'expired', 'recalled')")


def downgrade():
    with op.batch_alter_table('sale_refunds', schema=None) as batch_op:
        batch_op.drop_constraint('condition_known', type_='check')
        batch_op.drop_column('condition')
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.drop_column('receipt_figures')
        batch_op.drop_column('budget_left_cents')
