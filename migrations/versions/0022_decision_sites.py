"""decision sites, open tills per site: the sites a decision names; a till name open once per site

decision_sites: (decision_id, site_id), the sites where the household may shop under the decision; none (every
decision made before) means every site. The partial unique index of open till sessions becomes (site_id, till_name):
"Caisse 1" may be open at two sites at once. Both are new objects or a plain index swap, no table copy (SQLite).

Downgrade: the sites of decisions are dropped (every decision then allows every site, as before); the old index on
till_name alone fails while one till name is open at two sites: close one of them first.

Revision ID: 0022_decision_sites
Revises: 0021_stock_transfers
Create Date: 2026-12-02 04:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022_decision_sites'
down_revision = '0021_stock_transfers'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_table(
        'decision_sites',
        sa.Column('decision_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['decision_id'], ['eligibility_decisions.id'],
                                name=op.f('fk_decision_sites_decision_id_eligibility_decisions'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_decision_sites_site_id_sites'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('decision_id', 'site_id', name=op.f('pk_decision_sites')),
    )
    op.create_index(op.f('ix_decision_sites_site_id'), 'decision_sites', ['site_id'], unique=False)
    op.drop_index('uq_till_sessions_open_till', table_name='till_sessions', postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('uq_till_sessions_open_till', 'till_sessions', ['site_id', 'till_name'], unique=True,
                    postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    op.drop_index('uq_till_sessions_open_till', table_name='till_sessions', postgresql_where=OPEN, sqlite_where=OPEN)
    op.create_index('uq_till_sessions_open_till', 'till_sessions', ['till_name'], unique=True,
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index(op.f('ix_decision_sites_site_id'), table_name='decision_sites')
    op.drop_table('decision_sites')
