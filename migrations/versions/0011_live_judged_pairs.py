"""judged pairs: every decision on a request-offer pair kept as a relevance judgement

Revision ID: 0011_live_judged_pairs
Revises: 0010_merge_2
Create Date: 2026-11-30 02:20:00

- judged_pairs (request, offer, match, decision, relevant, capacity, reason, origin, fit, band, score, model,
  index_revision, decided_by, decided_at, backfilled): written by kb/services/exchanges.py in the same transaction
  as each decision on a match (kb/services/judgements.py); read by `flask kb eval --live`.
- Backfill: every decision already in the audit trail (events of matches: propose, accept, decline, approve,
  reject) becomes a judged pair with the fit and band its match was proposed with (backfilled = true). A match
  with no event at all (older data) gets one judged pair for its proposal. This copies the mapping of
  kb.models.matching.JUDGEMENTS as it stood when written (a migration does not import the application).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_live_judged_pairs'
down_revision = '0010_merge_2'
branch_labels = None
depends_on = None

RELEVANT = {'propose': True, 'interest': True, 'accept': True, 'approve': True, 'decline': False, 'reject': False}


def upgrade():
    judged = op.create_table(
        'judged_pairs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('offer_id', sa.Integer(), nullable=False),
        sa.Column('match_id', sa.Integer(), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('relevant', sa.Boolean(), nullable=False),
        sa.Column('capacity', sa.String(length=16), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('origin', sa.String(length=16), nullable=True),
        sa.Column('fit', sa.Float(), nullable=True),
        sa.Column('band', sa.String(length=8), nullable=True),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('model', sa.String(length=200), nullable=True),
        sa.Column('index_revision', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('backfilled', sa.Boolean(), nullable=False),
        sa.CheckConstraint("decision IN ('propose', 'interest', 'accept', 'approve', 'decline', 'reject')",
                           name=op.f('ck_judged_pairs_decision')),
        sa.CheckConstraint("band IS NULL OR band IN ('strong', 'possible', 'weak')", name=op.f('ck_judged_pairs_band')),
        sa.CheckConstraint('fit IS NULL OR (fit >= 0 AND fit <= 1)', name=op.f('ck_judged_pairs_fit')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_judged_pairs_request_id_requests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_judged_pairs_offer_id_offers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_judged_pairs_match_id_matches'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_judged_pairs_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_judged_pairs')),
    )
    op.create_index(op.f('ix_judged_pairs_request_id'), 'judged_pairs', ['request_id'])
    op.create_index(op.f('ix_judged_pairs_offer_id'), 'judged_pairs', ['offer_id'])
    op.create_index(op.f('ix_judged_pairs_match_id'), 'judged_pairs', ['match_id'])
    _backfill(judged)


def _backfill(judged):
    bind = op.get_bind()
    matches = sa.table('matches', sa.column('id', sa.Integer), sa.column('request_id', sa.Integer),
                       sa.column('offer_id', sa.Integer), sa.column('origin', sa.String),
                       sa.column('score', sa.Float), sa.column('explanation', sa.JSON),
                       sa.column('proposed_by_id', sa.Integer), sa.column('created_at', sa.DateTime(timezone=True)))
    events = sa.table('events', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                      sa.column('actor_id', sa.Integer), sa.column('record_type', sa.String),
                      sa.column('record_id', sa.Integer), sa.column('action', sa.String),
                      sa.column('reason', sa.Text), sa.column('details', sa.JSON))
    shown = {}
    for m in bind.execute(sa.select(matches)).mappings():
        e = m['explanation'] if isinstance(m['explanation'], dict) else {}
        fit = e.get('fit')
        shown[m['id']] = {
            'request_id': m['request_id'], 'offer_id': m['offer_id'], 'match_id': m['id'], 'origin': m['origin'],
            'fit': float(fit) if isinstance(fit, (int, float)) and 0 <= fit <= 1 else None,
            'band': e.get('band') if e.get('band') in ('strong', 'possible', 'weak') else None,
            'score': m['score'], 'model': (e.get('model') or None), 'index_revision': e.get('revision'),
            'proposed_by_id': m['proposed_by_id'], 'created_at': m['created_at'],
        }
    rows, seen = [], set()
    for ev in bind.execute(sa.select(events).where(
            events.c.record_type == 'match', events.c.action.in_(('propose', 'accept', 'decline', 'approve', 'reject')))
            .order_by(events.c.id)).mappings():
        base = shown.get(ev['record_id'])
        if base is None:
            continue
        seen.add(ev['record_id'])
        action = ev['action']
        details = ev['details'] if isinstance(ev['details'], dict) else {}
        if action == 'propose':
            interest = base['origin'] == 'interest'
            decision, capacity = ('interest', 'provider') if interest else ('propose', 'secretariat')
        else:
            decision = action
            capacity = details.get('as') if action in ('accept', 'decline') else 'secretariat'
        rows.append(_row(base, decision, capacity, ev['reason'], ev['actor_id'], ev['at']))
    for match_id, base in shown.items():
        if match_id not in seen:
            interest = base['origin'] == 'interest'
            rows.append(_row(base, 'interest' if interest else 'propose', 'provider' if interest else 'secretariat',
                             None, base['proposed_by_id'], base['created_at']))
    if rows:
        op.bulk_insert(judged, rows)


def _row(base, decision, capacity, reason, actor_id, at):
    return {'request_id': base['request_id'], 'offer_id': base['offer_id'], 'match_id': base['match_id'],
            'decision': decision, 'relevant': RELEVANT[decision], 'capacity': capacity, 'reason': reason or None,
            'origin': base['origin'], 'fit': base['fit'], 'band': base['band'], 'score': base['score'],
            'model': base['model'],
            'index_revision': base['index_revision'] if isinstance(base['index_revision'], int) else None,
            'decided_by_id': actor_id, 'decided_at': at, 'backfilled': True}


def downgrade():
    op.drop_index(op.f('ix_judged_pairs_match_id'), table_name='judged_pairs')
    op.drop_index(op.f('ix_judged_pairs_offer_id'), table_name='judged_pairs')
    op.drop_index(op.f('ix_judged_pairs_request_id'), table_name='judged_pairs')
    op.drop_table('judged_pairs')
