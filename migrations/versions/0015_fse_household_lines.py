"""FSE+ indicators and household lines: member sex, presence share (shared custody) and self-declared answers
with consent; income and charge lines of decisions (the existing totals become one line each); versions of the
confidential notes (the existing notes become a first version); weighted persons of decisions.

Existing members get "not stated", full-time presence, no consent and "unknown" answers; existing decisions get
their persons x 100 as weighted persons.

Revision ID: 0015_fse_household_lines
Revises: 0013_auth_sessions
Create Date: 2026-12-01 22:12:41.944906

"""
import sqlalchemy as sa
from alembic import op

import grocery.types

# revision identifiers, used by Alembic.
revision = '0015_fse_household_lines'
down_revision = '0013_auth_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('household_note_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=True),
    sa.Column('written_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_note_versions_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_household_note_versions_written_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_note_versions'))
    )
    with op.batch_alter_table('household_note_versions', schema=None) as batch_op:
        batch_op.create_index('ix_household_note_versions_household', ['household_id', 'written_at'], unique=False)

    op.create_table('decision_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('line_type', sa.String(length=20), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('proof', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind IN ('income', 'charge')", name=op.f('ck_decision_lines_kind_known')),
    sa.CheckConstraint("line_type IN ('integration_income', 'salary', 'unemployment', 'sickness', 'pension', 'family_allowance', 'alimony', 'other_income', 'rent', 'energy', 'water', 'insurance', 'debt', 'health', 'childcare', 'transport', 'other_charge')", name=op.f('ck_decision_lines_type_known')),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_decision_lines_amount_not_negative')),
    sa.ForeignKeyConstraint(['decision_id'], ['eligibility_decisions.id'], name=op.f('fk_decision_lines_decision_id_eligibility_decisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_lines'))
    )
    with op.batch_alter_table('decision_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_lines_decision_id'), ['decision_id'], unique=False)

    with op.batch_alter_table('eligibility_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('persons_hundredths', sa.Integer(), nullable=False, server_default='100'))

    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.String(length=12), nullable=False, server_default='not_stated'))
        batch_op.add_column(sa.Column('presence_percent', sa.Integer(), nullable=False, server_default='100'))
        batch_op.add_column(sa.Column('has_sensitive_consent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('sensitive_consent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('disability', sa.String(length=8), nullable=False, server_default='unknown'))
        batch_op.add_column(sa.Column('homeless', sa.String(length=8), nullable=False, server_default='unknown'))
        batch_op.add_column(sa.Column('migrant_background', sa.String(length=8), nullable=False,
                                      server_default='unknown'))

    # Keep the figures: each decision's weighted persons, its totals as one line each, the notes as a version.
    op.execute("UPDATE eligibility_decisions SET persons_hundredths = persons * 100")
    op.execute("INSERT INTO decision_lines (decision_id, kind, line_type, amount_cents, proof) "
               "SELECT id, 'income', 'other_income', income_cents, '' FROM eligibility_decisions "
               "WHERE income_cents IS NOT NULL ORDER BY id")
    op.execute("INSERT INTO decision_lines (decision_id, kind, line_type, amount_cents, proof) "
               "SELECT id, 'charge', 'other_charge', charges_cents, '' FROM eligibility_decisions "
               "WHERE charges_cents IS NOT NULL ORDER BY id")
    op.execute("INSERT INTO household_note_versions (household_id, text, written_by_id, written_at) "
               "SELECT id, notes, NULL, updated_at FROM households WHERE notes <> '' ORDER BY id")

    # SQLite cannot add a CHECK constraint without copying the table, and dropping the old copy runs the foreign
    # keys' ON DELETE actions (decision criteria, participant links would be lost): there the services check these
    # rules; PostgreSQL gets the constraints.
    if op.get_bind().dialect.name == "sqlite":
        return
    op.create_check_constraint(op.f('ck_eligibility_decisions_persons_hundredths_positive'), 'eligibility_decisions',
                               'persons_hundredths >= 1')
    op.create_check_constraint(op.f('ck_household_members_sex_known'), 'household_members',
                               "sex IN ('not_stated', 'female', 'male')")
    op.create_check_constraint(op.f('ck_household_members_presence_in_range'), 'household_members',
                               'presence_percent >= 1 AND presence_percent <= 100')
    for name in ('disability', 'homeless', 'migrant_background'):
        op.create_check_constraint(op.f(f'ck_household_members_{name}_known'), 'household_members',
                                   f"{name} IN ('unknown', 'yes', 'no')")
    op.create_check_constraint(
        op.f('ck_household_members_sensitive_needs_consent'), 'household_members',
        "has_sensitive_consent OR (disability = 'unknown' AND homeless = 'unknown' "
        "AND migrant_background = 'unknown')")


def downgrade():
    # The lines and note versions are dropped: the decisions keep their totals, the households their notes.
    if op.get_bind().dialect.name != "sqlite":
        for name in ('sensitive_needs_consent', 'migrant_background_known', 'homeless_known', 'disability_known',
                     'presence_in_range', 'sex_known'):
            op.drop_constraint(op.f(f'ck_household_members_{name}'), 'household_members', type_='check')
        op.drop_constraint(op.f('ck_eligibility_decisions_persons_hundredths_positive'), 'eligibility_decisions',
                           type_='check')
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.drop_column('migrant_background')
        batch_op.drop_column('homeless')
        batch_op.drop_column('disability')
        batch_op.drop_column('sensitive_consent_on')
        batch_op.drop_column('has_sensitive_consent')
        batch_op.drop_column('presence_percent')
        batch_op.drop_column('sex')

    with op.batch_alter_table('eligibility_decisions', schema=None) as batch_op:
        batch_op.drop_column('persons_hundredths')

    with op.batch_alter_table('decision_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_lines_decision_id'))

    op.drop_table('decision_lines')
    with op.batch_alter_table('household_note_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_household_note_versions_household')

    op.drop_table('household_note_versions')
