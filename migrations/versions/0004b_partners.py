"""partners as parties: their priorities, and requests that seek co-financing

Revision ID: 0004b_partners
Revises: 0004b_vocabulary_retired
Create Date: 2026-11-29 23:35:00

- organisations.priority_sectors, priority_regions, priority_countries, priority_sdgs, priority_contributions
  (JSON lists; null or empty: no preference).
- requests.seeks_cofinancing (indexed), cofinancing_amount (>= 0), cofinancing_currency, cofinancing_purpose.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004b_partners'
down_revision = '0004b_vocabulary_retired'
branch_labels = None
depends_on = None

PRIORITIES = ('priority_sectors', 'priority_regions', 'priority_countries', 'priority_sdgs', 'priority_contributions')


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        for name in PRIORITIES:
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=True))
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seeks_cofinancing', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('cofinancing_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('cofinancing_currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('cofinancing_purpose', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_requests_seeks_cofinancing'), ['seeks_cofinancing'], unique=False)
        batch_op.create_check_constraint(op.f('ck_requests_cofinancing_amount'),
                                         'cofinancing_amount IS NULL OR cofinancing_amount >= 0')


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_requests_cofinancing_amount'), type_='check')
        batch_op.drop_index(batch_op.f('ix_requests_seeks_cofinancing'))
        for name in ('cofinancing_purpose', 'cofinancing_currency', 'cofinancing_amount', 'seeks_cofinancing'):
            batch_op.drop_column(name)
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        for name in reversed(PRIORITIES):
            batch_op.drop_column(name)
