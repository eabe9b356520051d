"""organisations can be deactivated (administration pages)

Revision ID: 0004b_organisation_active
Revises: 0003_data_hardening
Create Date: 2026-11-29 23:15:00

- organisations.active: a deactivated organisation keeps its records and history; the service deactivates its
  users with it (they cannot sign in). Existing organisations stay active.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004b_organisation_active'
down_revision = '0003_data_hardening'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('active')
