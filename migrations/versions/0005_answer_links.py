"""e-mail-first answers: a "match proposed" notification's accept/decline links are single-use

Revision ID: 0005_answer_links
Revises: 0005_notification_delivery
Create Date: 2026-11-29 23:40:00

- notifications.answered_at, answered_action: when one of the message's signed links was used, and which
  (accept or decline); a second use is refused with a page saying so.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_answer_links'
down_revision = '0005_notification_delivery'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_action', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('answered_action')
        batch_op.drop_column('answered_at')
