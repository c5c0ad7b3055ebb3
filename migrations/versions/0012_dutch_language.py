"""Dutch: accounts may choose Nederlands; donors and participants get the language of their documents

users.preferred_language accepts 'nl'; donors.preferred_language and volunteer_participants.preferred_language
are new (existing rows get 'fr', the language every document was printed in until now).

Revision ID: 0012_dutch_language
Revises: 0011_till_session_holder
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_dutch_language'
down_revision = '0011_till_session_holder'
branch_labels = None
depends_on = None

LANGUAGES = "preferred_language IN ('fr', 'nl', 'en')"


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_language_known'), type_='check')
        batch_op.create_check_constraint('language_known', LANGUAGES)
    for table in ('donors', 'volunteer_participants'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('preferred_language', sa.String(length=5), nullable=False,
                                          server_default='fr'))
            batch_op.create_check_constraint('language_known', LANGUAGES)
        # The models give the default; the server default only filled the existing rows.
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('preferred_language', server_default=None)


def downgrade():
    for table in ('volunteer_participants', 'donors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_language_known'), type_='check')
            batch_op.drop_column('preferred_language')
    op.execute("UPDATE users SET preferred_language = 'fr' WHERE preferred_language NOT IN ('fr', 'en')")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_language_known'), type_='check')
        batch_op.create_check_constraint('language_known', "preferred_language IN ('fr', 'en')")
