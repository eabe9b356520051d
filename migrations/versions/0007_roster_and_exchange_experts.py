"""reporting: roster fields for the indicators, and which experts went on each exchange

Revision ID: 0007_roster_experts
Revises: 0003_data_hardening
Create Date: 2026-11-29 23:10:00

- experts.sex, nationality_code, sectors (JSON list of sector codes), years_experience, cv: what the reporting
  needs about the roster (personal data: the same visibility as the rest of the roster).
- exchange_experts: the roster experts who took part in an exchange, with their expert-days (experts mobilised
  and expert-days contributed in kind are counted from here).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_roster_experts'
down_revision = '0003_data_hardening'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('experts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sex', sa.Enum('female', 'male', 'other', name='expert_sex', native_enum=False,
                                                     create_constraint=True, length=6), nullable=True))
        batch_op.add_column(sa.Column('nationality_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('sectors', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('years_experience', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cv', sa.Text(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_experts_nationality_code_countries'), 'countries',
                                    ['nationality_code'], ['code'])
        batch_op.create_check_constraint(
            op.f('ck_experts_years_experience'), 'years_experience IS NULL OR (years_experience >= 0 AND years_experience <= 80)')
    op.create_table(
        'exchange_experts',
        sa.Column('exchange_id', sa.Integer(), nullable=False),
        sa.Column('expert_id', sa.Integer(), nullable=False),
        sa.Column('expert_days', sa.Float(), nullable=False),
        sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('expert_days >= 0', name=op.f('ck_exchange_experts_expert_days')),
        sa.ForeignKeyConstraint(['exchange_id'], ['exchanges.id'], name=op.f('fk_exchange_experts_exchange_id_exchanges'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_exchange_experts_expert_id_experts')),
        sa.PrimaryKeyConstraint('exchange_id', 'expert_id', name=op.f('pk_exchange_experts')),
    )
    op.create_index(op.f('ix_exchange_experts_expert_id'), 'exchange_experts', ['expert_id'])


def downgrade():
    op.drop_index(op.f('ix_exchange_experts_expert_id'), table_name='exchange_experts')
    op.drop_table('exchange_experts')
    with op.batch_alter_table('experts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_experts_years_experience'), type_='check')
        batch_op.drop_constraint(op.f('ck_experts_expert_sex'), type_='check')
        batch_op.drop_constraint(op.f('fk_experts_nationality_code_countries'), type_='foreignkey')
        for col in ('cv', 'years_experience', 'sectors', 'nationality_code', 'sex'):
            batch_op.drop_column(col)
