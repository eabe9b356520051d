"""accounts: institution applications, invitations, throttled mail requests, mail to addresses without an account

Revision ID: 0004a_accounts
Revises: 0003_data_hardening
Create Date: 2026-11-29 23:10:00

- applications: an institution's request to join (/join), confirmed by e-mail, decided by the secretariat.
- invitations: a person invited into an organisation with a role (sets a password through the link).
- mail_requests: password-reset and application requests, counted per address and per client (throttling).
- notifications.email, notifications.user_id nullable: a message to an applicant or an invitee, who has no
  account yet.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004a_accounts'
down_revision = '0003_data_hardening'
branch_labels = None
depends_on = None

KINDS = ('ministry', 'cooperation-agency', 'competence-centre', 'training-institute', 'university',
         'regional-body', 'un-agency', 'fund-donor', 'private-company', 'ngo')
ROLES = ('admin', 'secretariat', 'director', 'centre', 'partner')


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=max(map(len, values)))


def upgrade():
    op.create_table(
        'applications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', _enum('application_state', ('unconfirmed', 'waiting', 'approved', 'refused')),
                  nullable=False),
        sa.Column('organisation_name', sa.String(length=300), nullable=False),
        sa.Column('organisation_kind', _enum('application_org_kind', KINDS), nullable=False),
        sa.Column('country_code', sa.String(length=2), nullable=False),
        sa.Column('website', sa.String(length=300), nullable=True),
        sa.Column('person_name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', _enum('application_role', ROLES), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_applications_country_code_countries')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_applications_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_applications_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_applications_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    )
    op.create_index('ix_applications_status_created', 'applications', ['status', 'created_at'])
    op.create_index(op.f('ix_applications_email'), 'applications', ['email'])
    op.create_table(
        'invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('role', _enum('invitation_role', ROLES), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('status', _enum('invitation_state', ('pending', 'accepted')), nullable=False),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_invitations_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_invitations_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    )
    op.create_index(op.f('ix_invitations_email'), 'invitations', ['email'])
    op.create_index(op.f('ix_invitations_organisation_id'), 'invitations', ['organisation_id'])
    op.create_table(
        'mail_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('remote_addr', sa.String(length=64), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_requests')),
    )
    op.create_index('ix_mail_requests_email_at', 'mail_requests', ['purpose', 'email', 'at'])
    op.create_index('ix_mail_requests_addr_at', 'mail_requests', ['purpose', 'remote_addr', 'at'])
    op.create_index(op.f('ix_mail_requests_at'), 'mail_requests', ['at'])
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute(sa.text("DELETE FROM notifications WHERE user_id IS NULL"))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('email')
    op.drop_table('mail_requests')
    op.drop_table('invitations')
    op.drop_table('applications')
