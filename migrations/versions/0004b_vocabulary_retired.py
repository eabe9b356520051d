"""sectors and modalities can be retired (administration of the vocabularies)

Revision ID: 0004b_vocabulary_retired
Revises: 0004b_organisation_active
Create Date: 2026-11-29 23:20:00

- sectors.retired, modalities.retired: a retired entry is offered by no form and refused on new tags, but
  stays on the records that have it (and keeps its labels there). Nothing is ever deleted.
- a unique position per vocabulary: the entry's stable number (its audit events name it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004b_vocabulary_retired'
down_revision = '0004b_organisation_active'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('sectors', 'modalities'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False, server_default=sa.false()))
            batch_op.create_unique_constraint(op.f(f'uq_{table}_position'), ['position'])


def downgrade():
    for table in ('modalities', 'sectors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'uq_{table}_position'), type_='unique')
            batch_op.drop_column('retired')
