"""job engine: outbox messages are claimed with a lease

Revision ID: 0005_jobs_outbox_lease
Revises: 0003_data_hardening
Create Date: 2026-11-29 23:10:00

- notifications.claimed_by, notifications.lease_until: a worker claims a batch of due messages for a while
  (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, a conditional UPDATE on SQLite); a worker killed mid-batch
  leaves its claims to expire, and another worker then takes the messages it had not marked.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_jobs_outbox_lease'
down_revision = '0003_data_hardening'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claimed_by')
