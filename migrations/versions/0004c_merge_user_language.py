"""merge the onboarding branch's user language revision with the first integration merge

Revision ID: 0004c_merge_user_language
Revises: 0004a_user_language, 0009_merge_1
Create Date: 2026-11-29 23:55:00

0004a_user_language only relaxes users.language; the integration heads do not touch that column.
"""

revision = '0004c_merge_user_language'
down_revision = ('0004a_user_language', '0009_merge_1')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
