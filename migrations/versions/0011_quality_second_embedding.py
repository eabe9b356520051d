"""second embedding: the e5 vector of each request and offer, computed by the job workers

Revision ID: 0011_quality_e5
Revises: 0010_merge_2
Create Date: 2026-11-30 02:10:00

Three nullable columns per record table, like the first embedding's (vector bytes, model name, content
hash): a record saved before the worker ran has none, and is scored by the USE-only model until then.
"""
import sqlalchemy as sa
from alembic import op


revision = '0011_quality_e5'
down_revision = '0010_merge_2'
branch_labels = None
depends_on = None

TABLES = ('requests', 'offers')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('embedding_e5', sa.LargeBinary(), nullable=True))
            batch.add_column(sa.Column('embedding_e5_model', sa.String(length=200), nullable=True))
            batch.add_column(sa.Column('embedding_e5_hash', sa.String(length=64), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite has it since 3.35), not batch mode: batch mode recreates the table
    # on SQLite, and its DROP TABLE fails with the foreign keys of matches, exchanges and events pointing at rows.
    for table in TABLES:
        for column in ('embedding_e5_hash', 'embedding_e5_model', 'embedding_e5'):
            op.drop_column(table, column)
