"""sessions that can be ended, throttling by client address

Revision ID: 0002_sessions_throttling
Revises: 0001_initial
Create Date: 2026-11-29

users.session_key: part of every web session's identity; replacing it ends all of a user's sessions.
login_attempts: indexes for counting failures per client address and for pruning old attempts.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002_sessions_throttling"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_key", sa.String(length=64), nullable=True))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_key", sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_key=secrets.token_urlsafe(32)))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("session_key", existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempts_remote_addr_at", ["remote_addr", "at"], unique=False)
        batch_op.create_index("ix_login_attempts_at", ["at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_at")
        batch_op.drop_index("ix_login_attempts_remote_addr_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_key")
