"""user language: none until the user chooses one (the browser's language is used meanwhile)

Revision ID: 0004a_user_language
Revises: 0004a_accounts
Create Date: 2026-11-29 23:20:00

users.language becomes nullable. A user who never chose a language (no `language` event in the audit trail)
and holds the old default, English, gets none: the interface then follows their browser (Accept-Language).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004a_user_language'
down_revision = '0004a_accounts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=True)
    op.execute(sa.text(
        "UPDATE users SET language = NULL WHERE language = 'en' AND id NOT IN "
        "(SELECT record_id FROM events WHERE record_type = 'user' AND action = 'language')"))


def downgrade():
    op.execute(sa.text("UPDATE users SET language = 'en' WHERE language IS NULL"))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=2), nullable=False)
