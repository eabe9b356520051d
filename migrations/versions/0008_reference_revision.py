"""reference revision: one counter of the committed changes to reference data

Revision ID: 0008_reference_revision
Revises: 0003_data_hardening
Create Date: 2026-11-29 23:15:00

- reference_revision (one row): bumped by every transaction that changes countries, regional groups, sectors,
  modalities or SDGs; each process caches the reference lists and labels and drops them when it moves.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_reference_revision'
down_revision = '0003_data_hardening'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'reference_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reference_revision')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('reference_revision')
