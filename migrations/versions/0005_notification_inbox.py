"""notifications as an in-app inbox: kind, record link, read mark

Revision ID: 0005_notification_inbox
Revises: 0005_jobs_outbox_lease
Create Date: 2026-11-29 23:20:00

- notifications.kind: what the message is about (record_update, review, match_proposed, ...; see
  kb/workflow/recipients.py); existing rows become record_update.
- notifications.record_type, record_id: the record the inbox links to (copied from the event for existing rows).
- notifications.title: the record's title when the notification was made (pages and e-mails are written in
  each reader's language around it).
- notifications.read_at: when its user marked it read (NULL: unread); index (user_id, read_at) for the count.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_notification_inbox'
down_revision = '0005_jobs_outbox_lease'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), nullable=False, server_default='record_update'))
        batch_op.add_column(sa.Column('record_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('record_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('read_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'])
    op.execute("UPDATE notifications SET record_type = (SELECT e.record_type FROM events e WHERE e.id = notifications.event_id), "
               "record_id = (SELECT e.record_id FROM events e WHERE e.id = notifications.event_id)")
    # The kinds of earlier notifications, as kb/workflow/recipients.py would have chosen them.
    op.execute("UPDATE notifications SET kind = 'exchange_update' WHERE record_type = 'exchange'")
    op.execute("UPDATE notifications SET kind = CASE WHEN (SELECT e.action FROM events e WHERE e.id = notifications.event_id)"
               " = 'propose' THEN 'match_proposed' ELSE 'match_update' END WHERE record_type = 'match'")
    op.execute("UPDATE notifications SET kind = 'review' WHERE record_type IN ('request', 'offer') "
               "AND (SELECT e.action FROM events e WHERE e.id = notifications.event_id) = 'submit' "
               "AND (SELECT u.role FROM users u WHERE u.id = notifications.user_id) = 'secretariat'")
    for table, kind in (('requests', 'request'), ('offers', 'offer')):
        op.execute(f"UPDATE notifications SET title = (SELECT substr(r.title, 1, 300) FROM {table} r "
                   f"WHERE r.id = notifications.record_id) WHERE record_type = '{kind}'")


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
        batch_op.drop_column('read_at')
        batch_op.drop_column('title')
        batch_op.drop_column('record_id')
        batch_op.drop_column('record_type')
        batch_op.drop_column('kind')
