"""auth sessions: login sessions kept on the server; login attempts record refusals and their purpose

auth_sessions holds one row per login (hash of the cookie's key, last seen, ended at logout). login_attempts gets
`refused` (refused by the throttle: not a failure), `purpose` (login or kiosk_exit) and an index by address for the
per-address throttle.

Revision ID: 0013_auth_sessions
Revises: 0012_dutch_language
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

import grocery.types

# revision identifiers, used by Alembic.
revision = '0013_auth_sessions'
down_revision = '0012_dutch_language'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'auth_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('user_token', sa.String(length=64), nullable=False),
        sa.Column('created_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', grocery.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('remote_addr', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_auth_sessions_key_hash')),
    )
    op.create_index('ix_auth_sessions_user', 'auth_sessions', ['user_id'], unique=False)
    # Plain ADD COLUMN with a server default: no table copy on SQLite, existing attempts keep their rows.
    op.add_column('login_attempts', sa.Column('refused', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('login_attempts', sa.Column('purpose', sa.String(length=16), server_default=sa.text("'login'"),
                                              nullable=False))
    op.create_index('ix_login_attempts_address', 'login_attempts', ['remote_addr', 'attempted_at'], unique=False)


def downgrade():
    op.drop_index('ix_login_attempts_address', table_name='login_attempts')
    with op.batch_alter_table('login_attempts') as batch_op:
        batch_op.drop_column('purpose')
        batch_op.drop_column('refused')
    op.drop_index('ix_auth_sessions_user', table_name='auth_sessions')
    op.drop_table('auth_sessions')
