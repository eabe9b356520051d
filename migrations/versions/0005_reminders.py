"""reminders: each reminder (record, stage) is sent once

Revision ID: 0005_reminders
Revises: 0005_match_alerts
Create Date: 2026-11-29 23:55:00

- reminders_sent (record_type, record_id, stage unique, sent_at): a stage names the reminder and what it was
  about ("party", "secretariat" for a proposed match; "expiring:<date>", "expired:<date>" for an offer, so a
  renewed offer is reminded again; "quiet:<date>" for an exchange without activity since that date).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_reminders'
down_revision = '0005_match_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminders_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('record_type', sa.String(length=32), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
        sa.UniqueConstraint('record_type', 'record_id', 'stage', name=op.f('uq_reminders_sent_record_type_record_id_stage')),
    )


def downgrade():
    op.drop_table('reminders_sent')
