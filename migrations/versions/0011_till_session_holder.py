"""till session holder: a till session belongs to whoever opened it or to whom it was handed over

Existing sessions are held by their opener.

Revision ID: 0011_till_session_holder
Revises: 0010_sale_receipt_figures
Create Date: 2026-12-01 22:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_till_session_holder'
down_revision = '0010_sale_receipt_figures'
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # The batch below copies the table, drops it and renames the copy: with foreign keys enforced, the DROP
        # would refuse a table that sales, refunds and cash movements reference. Off for this step (no transaction
        # is open here, where SQLite accepts the pragma), and every foreign key checked afterwards.
        op.execute('PRAGMA foreign_keys = OFF')
    with op.batch_alter_table('till_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_by_id', sa.Integer(), nullable=True))
    op.execute('UPDATE till_sessions SET held_by_id = opened_by_id')
    with op.batch_alter_table('till_sessions', schema=None) as batch_op:
        batch_op.alter_column('held_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_till_sessions_held_by_id_users'), 'users', ['held_by_id'], ['id'])
    if sqlite:
        broken = op.get_bind().exec_driver_sql('PRAGMA foreign_key_check').fetchall()
        if broken:
            raise RuntimeError(f'foreign keys broken by the upgrade: {broken}')


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('PRAGMA foreign_keys = OFF')  # the same table copy as in upgrade()
    with op.batch_alter_table('till_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_till_sessions_held_by_id_users'), type_='foreignkey')
        batch_op.drop_column('held_by_id')
