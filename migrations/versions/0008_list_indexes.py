"""list indexes: tag, language and catalogue lookups the list filters and counts need

Revision ID: 0008_list_indexes
Revises: 0008_reference_revision
Create Date: 2026-11-29 23:20:00

Checked with EXPLAIN ANALYZE on PostgreSQL at 100,000 offers (bench/explain.py, docs/PERFORMANCE.md):
- {offer,request}_{sectors,modalities,sdgs} (tag, record id) and {offer,request}_languages (code, record id):
  a filter by sector, modality or language reads the records of that tag from an index instead of scanning
  the whole link table (their primary keys start with the record id);
- offers (status, valid_until): the catalogue's COUNT of published, unexpired offers from the index alone.
"""
from alembic import op


revision = '0008_list_indexes'
down_revision = '0008_reference_revision'
branch_labels = None
depends_on = None

TAGS = [('request_sectors', 'sector_code', 'request_id'), ('request_modalities', 'modality_code', 'request_id'),
        ('request_sdgs', 'sdg_number', 'request_id'), ('offer_sectors', 'sector_code', 'offer_id'),
        ('offer_modalities', 'modality_code', 'offer_id'), ('offer_sdgs', 'sdg_number', 'offer_id')]


def upgrade():
    for table, tag, owner in TAGS:
        op.create_index(f'ix_{table}_{tag}', table, [tag, owner])
    op.create_index('ix_request_languages_code', 'request_languages', ['code', 'request_id'])
    op.create_index('ix_offer_languages_code', 'offer_languages', ['code', 'offer_id'])
    op.create_index('ix_offers_status_valid_until', 'offers', ['status', 'valid_until'])


def downgrade():
    op.drop_index('ix_offers_status_valid_until', table_name='offers')
    op.drop_index('ix_offer_languages_code', table_name='offer_languages')
    op.drop_index('ix_request_languages_code', table_name='request_languages')
    for table, tag, _owner in reversed(TAGS):
        op.drop_index(f'ix_{table}_{tag}', table_name=table)
