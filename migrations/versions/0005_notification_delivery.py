"""e-mail choices: per user and kind, immediately, in a daily digest or never; mail log without SMTP

Revision ID: 0005_notification_delivery
Revises: 0005_notification_inbox
Create Date: 2026-11-29 23:30:00

- notification_preferences (user_id, kind, delivery: immediately | daily | never), one row per choice made
  (no row: immediately).
- notifications.delivery: now (sent by the outbox) or digest (waits for the user's daily digest); a
  notification the user chose never to receive by e-mail is created `skipped` (it stays in the inbox).
- notifications.transport: smtp, or log when no SMTP server is set (development: the mail log file).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_notification_delivery'
down_revision = '0005_notification_inbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_preferences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('delivery', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
        sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preferences_user_id_kind')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.String(length=8), nullable=False, server_default='now'))
        batch_op.add_column(sa.Column('transport', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('transport')
        batch_op.drop_column('delivery')
    op.drop_table('notification_preferences')
