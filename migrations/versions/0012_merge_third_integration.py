"""merge the third landing: judged pairs from decisions (#12 section 6) and the second embedder's vectors (#12 section 5)

Revision ID: 0012_merge_3
Revises: 0011_live_judged_pairs, 0011_quality_e5
Create Date: 2026-11-30 03:20:00

Developed side by side; they touch different tables (judged_pairs is new; the e5 columns are on requests and offers).
"""

revision = '0012_merge_3'
down_revision = ('0011_live_judged_pairs', '0011_quality_e5')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
