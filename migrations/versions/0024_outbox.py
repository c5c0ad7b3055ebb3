"""outbox: the messages to send (reminders), the staff's addresses for reminders, and the households' agreement

outbox_messages holds one row per message (unique dedupe_key), with its channel, recipient, language, text, status
(pending, sent, failed, cancelled), tries and next attempt. staff_email_addresses: where a member of staff receives
their reminders. households.accepts_reminders: false for every existing household (never e-mailed without it).
New tables and one added column only: no batch copy of a table with children on SQLite.

Revision ID: 0024_outbox
Revises: 0022_decision_sites
Create Date: 2026-12-02 04:30:00

"""
import sqlalchemy as sa
from alembic import op

import grocery.types

# revision identifiers, used by Alembic.
revision = '0024_outbox'
down_revision = '0022_decision_sites'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('households', sa.Column('accepts_reminders', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
    op.create_table(
        'outbox_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('about_type', sa.String(length=60), nullable=True),
        sa.Column('about_id', sa.Integer(), nullable=True),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.Column('sent_at', grocery.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_outbox_messages_channel_known')),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'cancelled')",
                           name=op.f('ck_outbox_messages_status_known')),
        sa.CheckConstraint('tries >= 0', name=op.f('ck_outbox_messages_tries_not_negative')),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name=op.f('ck_outbox_messages_sent_has_time')),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_outbox_messages_household_id_households'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key')),
    )
    op.create_index('ix_outbox_messages_due', 'outbox_messages', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_outbox_messages_created', 'outbox_messages', ['created_at'], unique=False)
    op.create_index(op.f('ix_outbox_messages_household_id'), 'outbox_messages', ['household_id'], unique=False)
    op.create_table(
        'staff_email_addresses',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.Column('updated_at', grocery.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_email_addresses_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_email_addresses')),
    )


def downgrade():
    op.drop_table('staff_email_addresses')
    op.drop_index(op.f('ix_outbox_messages_household_id'), table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_created', table_name='outbox_messages')
    op.drop_index('ix_outbox_messages_due', table_name='outbox_messages')
    op.drop_table('outbox_messages')
    # A plain DROP COLUMN (SQLite >= 3.35 has it): never a batch copy of households, whose children would cascade.
    op.drop_column('households', 'accepts_reminders')
