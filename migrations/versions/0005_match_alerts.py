"""match alerts: each request-offer pair is alerted once

Revision ID: 0005_match_alerts
Revises: 0005_answer_links
Create Date: 2026-11-29 23:50:00

- match_alerts (request_id, offer_id unique, score, created_at): the pairs whose parties were alerted when one
  of the two was published (kb/services/alerts.py); a pair already there is never alerted again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_match_alerts'
down_revision = '0005_answer_links'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'match_alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_match_alerts_request_id_requests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_match_alerts_offer_id_offers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_alerts')),
        sa.UniqueConstraint('request_id', 'offer_id', name=op.f('uq_match_alerts_request_id_offer_id')),
    )


def downgrade():
    op.drop_table('match_alerts')
