"""merge the first landing of issues #9 (accounts, administration), #10 (jobs), #11 (roster) and #13 (indexes)

Revision ID: 0009_merge_1
Revises: 0004a_accounts, 0004b_organisation_active, 0005_jobs_outbox_lease, 0007_roster_experts, 0008_list_indexes
Create Date: 2026-11-29 23:30:00

Their branches were developed side by side from 0003_data_hardening and touch different tables and columns.
"""

revision = '0009_merge_1'
down_revision = ('0004a_accounts', '0004b_organisation_active', '0005_jobs_outbox_lease', '0007_roster_experts',
                 '0008_list_indexes')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
