"""Decisions on request-offer pairs kept as relevance judgements (`judged_pairs`), for `kb eval --live`.

kb/services/exchanges.py calls record_judgement for every decision on a match, inside the decision's own unit
of work (so a decision rolled back leaves no judgement), right after auditing it. The relevance each decision
stands for is kb.models.matching.JUDGEMENTS: a proposal by the secretariat, a centre's interest, an acceptance
or an approval say "relevant"; a decline or a rejection (always with a reason, kept) say "not relevant".
"""
from __future__ import annotations

from typing import Any

from kb.extensions import db
from kb.models import JUDGEMENTS, JudgedPair, Match, User, utcnow


def shown_with(match: Match) -> dict[str, Any]:
    """The fit, band, score, model and index revision the pair was shown with when the match was proposed
    (stored with the match's explanation; none when the offer was not in the catalogue then)."""
    e = match.explanation if isinstance(match.explanation, dict) else {}
    fit = e.get("fit")
    revision = e.get("revision")
    return {"fit": float(fit) if isinstance(fit, (int, float)) else None,
            "band": e.get("band") if e.get("band") in ("strong", "possible", "weak") else None,
            "score": match.score, "model": e.get("model") or None,
            "index_revision": revision if isinstance(revision, int) else None}


def decision_for(action: str, origin: str) -> str:
    """The judgement a workflow action stands for: a centre proposing its own offer is 'interest'."""
    if action == "propose":
        return "interest" if str(origin) == "interest" else "propose"
    return action


def record_judgement(actor: User | None, match: Match, action: str, capacity: str,
                     reason: str | None = None) -> JudgedPair:
    """Keep one decision on the match's pair as a judged pair (flushes; the caller's unit of work commits)."""
    decision = decision_for(action, str(match.origin))
    pair = JudgedPair(request_id=match.request_id, offer_id=match.offer_id, match_id=match.id, decision=decision,
                      relevant=JUDGEMENTS[decision], capacity=capacity, reason=(reason or "").strip() or None,
                      origin=str(match.origin), decided_by_id=actor.id if actor else None, decided_at=utcnow(),
                      backfilled=False, **shown_with(match))
    db.session.add(pair)
    db.session.flush()
    return pair

