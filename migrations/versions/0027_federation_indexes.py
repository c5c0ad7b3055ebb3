"""federation indexes: the lots found by their received date (issue #15)

The reports of a period find the receptions of the period by the lots' received date (the activity report's goods
received, the FEAD/FSE+ report's ledger of receipts): without an index every lot of the installation was read, 1.75
million in a federation of 50 sites. A plain index: a lot's received date never changes, so the till's updates of
the quantity on hand stay HOT (no index of the lots holds quantity_on_hand, see 0009).

Revision ID: 0027_federation_indexes
Revises: 0025_appointments
Create Date: 2026-12-02 05:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_federation_indexes'
down_revision = '0025_appointments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_lots_received_on', 'lots', ['received_on'], unique=False)


def downgrade():
    op.drop_index('ix_lots_received_on', table_name='lots')
