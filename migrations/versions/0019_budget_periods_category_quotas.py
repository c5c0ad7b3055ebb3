"""Category quotas: a quota rule on a product category (quantity, to whom, period), beside the product quotas.

Budget periods that follow the decision need no column: the ledger's period_start is already the first day of the
period, now the decision's start when a decision starts within a week or a month. Existing categories get no
quota. Columns are added with plain ALTER TABLE (no rebuild of product_categories, whose products refer to it); the
check constraints are added on PostgreSQL (SQLite cannot add a constraint to an existing table without a rebuild;
the application checks the same rules, grocery.stock.services.clean_quota).

Revision ID: 0019_budget_category_quotas
Revises: 0018_stock_cost_ddm
Create Date: 2026-12-01 23:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_budget_category_quotas'
down_revision = '0018_stock_cost_ddm'
branch_labels = None
depends_on = None

CHECKS = {
    "ck_product_categories_quota_positive": "quota_quantity IS NULL OR quota_quantity > 0",
    "ck_product_categories_quota_scope_known":
        "quota_scope IS NULL OR quota_scope IN ('household', 'per_adult', 'per_child', 'per_child_under_3')",
    "ck_product_categories_quota_period_known": "quota_period IS NULL OR quota_period IN ('week', 'month')",
}


def upgrade():
    op.add_column('product_categories', sa.Column('quota_quantity', sa.Integer(), nullable=True))
    op.add_column('product_categories', sa.Column('quota_scope', sa.String(length=20), nullable=True))
    op.add_column('product_categories', sa.Column('quota_period', sa.String(length=10), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        for name, condition in CHECKS.items():
            op.create_check_constraint(op.f(name), 'product_categories', condition)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        for name in CHECKS:
            op.drop_constraint(op.f(name), 'product_categories', type_='check')
    with op.batch_alter_table('product_categories', schema=None) as batch_op:
        batch_op.drop_column('quota_period')
        batch_op.drop_column('quota_scope')
        batch_op.drop_column('quota_quantity')
