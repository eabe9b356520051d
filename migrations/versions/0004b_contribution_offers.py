"""a partner's offer of a contribution, accepted or declined by the secretariat

Revision ID: 0004b_contribution_offers
Revises: 0004b_partners
Create Date: 2026-11-29 23:45:00

- contribution_offers: what a partner offers to bring to an exchange (kind, amount, currency, expert-days,
  description), its state (offered, accepted, declined, withdrawn), the secretariat's reason and decision, and
  the contribution created when it is accepted.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004b_contribution_offers'
down_revision = '0004b_partners'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contribution_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('offered', 'accepted', 'declined', 'withdrawn', name='contribution_offer_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('kind', sa.Enum('money', 'expert-days', 'hosting', 'in-kind-other', name='contribution_offer_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('expert_days', sa.Float(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('offered_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('contribution_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount IS NULL OR amount >= 0', name=op.f('ck_contribution_offers_amount')),
    sa.CheckConstraint('expert_days IS NULL OR expert_days >= 0', name=op.f('ck_contribution_offers_expert_days')),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_contribution_offers_exchange_id_exchanges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_contribution_offers_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['offered_by_id'], ['users.id'], name=op.f('fk_contribution_offers_offered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_contribution_offers_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], name=op.f('fk_contribution_offers_contribution_id_contributions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contribution_offers'))
    )
    with op.batch_alter_table('contribution_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_offers_exchange_id'), ['exchange_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_offers_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contribution_offers_status'), ['status'], unique=False)


def downgrade():
    op.drop_table('contribution_offers')
