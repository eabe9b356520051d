"""data hardening: imported records keep their file's id; outbox retries wait

Revision ID: 0003_data_hardening
Revises: 0002_sessions_throttling
Create Date: 2026-11-29 19:30:00

- requests.external_id, offers.external_id (unique with organisation_id): `flask kb import` updates or skips
  what an earlier run of the same file created instead of duplicating it.
- notifications.next_attempt_at: after a transient SMTP failure, the message waits before it is tried again.
- request_languages.code, offer_languages.code: 3 characters, for the ISO 639-3 code of a language with no
  ISO 639-1 code (Filipino fil, Tetum tet, Krio kri: the benchmark's requests use them).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_data_hardening'
down_revision = '0002_sessions_throttling'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('requests', 'offers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
            batch_op.create_unique_constraint(op.f(f'uq_{table}_organisation_id_external_id'),
                                              ['organisation_id', 'external_id'])
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    for table in ('request_languages', 'offer_languages'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('code', existing_type=sa.String(length=2), type_=sa.String(length=3),
                                  existing_nullable=False)


def downgrade():
    for table in ('offer_languages', 'request_languages'):
        op.execute(sa.text(f"DELETE FROM {table} WHERE length(code) > 2"))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('code', existing_type=sa.String(length=3), type_=sa.String(length=2),
                                  existing_nullable=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')
    for table in ('offers', 'requests'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f'uq_{table}_organisation_id_external_id'), type_='unique')
            batch_op.drop_column('external_id')
