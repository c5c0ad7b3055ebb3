"""stock: cost price of purchased goods, best-before (DDM) grace days per category and the lots waiting for a decision

Existing rows are kept: existing lots and lines get no cost (valued at the reference price, as before), categories
take the default grace days of the setting (NULL), and lots past their best-before date by more than the default
30 days are put on hold from the day after their window ended (the till then waits for a stock manager's decision,
as for new lots).

Only nullable columns are added, with plain ALTER TABLE ADD COLUMN (no batch rebuild: with foreign keys on, a
rebuild of lots or donation_lines would cascade to their children).

Revision ID: 0018_stock_cost_ddm
Revises: 0017_offline_sales
Create Date: 2026-12-01 23:30:00

"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import grocery.types

# revision identifiers, used by Alembic.
revision = '0018_stock_cost_ddm'
down_revision = '0017_offline_sales'
branch_labels = None
depends_on = None

DEFAULT_GRACE_DAYS = 30


def upgrade():
    op.add_column('product_categories', sa.Column('ddm_grace_days', sa.Integer(), nullable=True))
    op.add_column('donation_lines', sa.Column('unit_cost_cents', sa.Integer(), nullable=True))
    op.add_column('lots', sa.Column('unit_cost_cents', sa.Integer(), nullable=True))
    op.add_column('lots', sa.Column('ddm_hold_from', sa.Date(), nullable=True))
    op.add_column('lots', sa.Column('ddm_decision', sa.String(length=10), nullable=True))
    op.add_column('lots', sa.Column('ddm_decided_at', grocery.types.UTCDateTime(), nullable=True))
    connection = op.get_bind()
    lots = sa.table('lots', sa.column('id', sa.Integer), sa.column('best_before_on', sa.Date),
                    sa.column('ddm_hold_from', sa.Date))
    days = connection.scalars(sa.select(lots.c.best_before_on).where(lots.c.best_before_on.is_not(None))
                              .distinct()).all()
    for best_before_on in days:  # one UPDATE per distinct date: the date arithmetic stays in Python
        connection.execute(lots.update().where(lots.c.best_before_on == best_before_on).values(
            ddm_hold_from=best_before_on + timedelta(days=DEFAULT_GRACE_DAYS + 1)))


def downgrade():
    # recreate='never': plain ALTER TABLE DROP COLUMN on SQLite (>= 3.35), never a rebuild that cascades.
    with op.batch_alter_table('lots', schema=None, recreate='never') as batch_op:
        for column in ('ddm_decided_at', 'ddm_decision', 'ddm_hold_from', 'unit_cost_cents'):
            batch_op.drop_column(column)
    with op.batch_alter_table('donation_lines', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('unit_cost_cents')
    with op.batch_alter_table('product_categories', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('ddm_grace_days')
