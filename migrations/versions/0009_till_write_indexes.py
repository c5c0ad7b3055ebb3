"""till write indexes: drop three indexes every sale line paid for and no query needs

ix_sale_lines_product_sale served the first quota query (it now starts from the household's sales),
ix_stock_movements_reference was never searched, and ix_lots_product_stock (product, quantity on hand) moved at
every sale while lots are found through ix_lots_product_id. A sale of 20 lines wrote 20 entries into each.

Revision ID: 0009_till_write_indexes
Revises: 0008_products_quota_index
Create Date: 2026-11-24 02:03:28.193514

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_till_write_indexes'
down_revision = '0008_products_quota_index'
branch_labels = None
depends_on = None


def upgrade():
    # Plain DROP INDEX on both databases (no batch table copy: the tables can hold millions of rows).
    op.drop_index('ix_sale_lines_product_sale', table_name='sale_lines')
    op.drop_index('ix_stock_movements_reference', table_name='stock_movements')
    op.drop_index('ix_lots_product_stock', table_name='lots')


def downgrade():
    op.create_index('ix_lots_product_stock', 'lots', ['product_id', 'quantity_on_hand'], unique=False)
    op.create_index('ix_stock_movements_reference', 'stock_movements', ['reference'], unique=False)
    op.create_index('ix_sale_lines_product_sale', 'sale_lines', ['product_id', 'sale_id'], unique=False)
