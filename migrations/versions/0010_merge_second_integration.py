"""merge the second landing: administration and partners (#9), notifications (#10), joining (#9)

Revision ID: 0010_merge_2
Revises: 0004b_contribution_offers, 0004c_merge_user_language, 0005_reminders
Create Date: 2026-11-30 00:40:00

Developed side by side; they touch different tables and columns (notifications: user_id nullable and email from
0004a, inbox and delivery columns from 0005).
"""

revision = '0010_merge_2'
down_revision = ('0004b_contribution_offers', '0004c_merge_user_language', '0005_reminders')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
