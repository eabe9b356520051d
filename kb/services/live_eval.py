"""`flask kb eval --live`: the current ranking and the fit, scored on the installation's own decisions.

Every decision on a (request, offer) pair is a judged pair (kb/services/judgements.py). For each pair the *last
word* counts: the pair is relevant when its latest decision is a proposal, a centre's interest, an acceptance or
an approval, and not relevant when it is a decline or a rejection. Its outcome is *accepted* (latest decision an
acceptance or approval), *turned down* (a decline or rejection) or *pending* (only proposed so far, or a centre's
interest not yet answered by the requester). The fit and band of a pair are those it was shown with when
proposed (the latest proposal's).

- nDCG@10 of the current ranking (kb.services.matching.current_ranking) for each request with at least one
  relevant judged pair whose offer is still in the catalogue (published, unexpired): judged pairs as relevance
  (grade 1 relevant, 0 not). Unjudged candidates count as not relevant (a lower bound, as nobody looked at
  them); the condensed figure drops them from the ranking instead (an upper bound, Sakai 2007).
- Acceptance of strong, possible and weak suggestions: accepted / (accepted + turned down) per band shown.
- Calibration of the fit shown against the outcome (accepted = 1, turned down = 0; pending pairs left out):
  ECE over 10 equal-width bins and the reliability table (kb.matching.calibration).
Figures on fewer than MIN_REQUESTS requests or MIN_PAIRS decided pairs are reported with their counts and
flagged as too few to read.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select

from kb.extensions import db
from kb.matching import calibration, evaluation
from kb.models import JudgedPair, Request

MIN_REQUESTS = 5   # requests with a relevant judged pair before nDCG@10 is worth reading
MIN_PAIRS = 20     # decided pairs (accepted or turned down) before acceptance rates and ECE are worth reading
ACCEPTED, TURNED_DOWN, PENDING = "accepted", "turned_down", "pending"
_OUTCOME = {"accept": ACCEPTED, "approve": ACCEPTED, "decline": TURNED_DOWN, "reject": TURNED_DOWN,
            "propose": PENDING, "interest": PENDING}


@dataclass
class Pair:
    """A judged request-offer pair: its last word and the suggestion it was shown as."""

    request_id: int
    offer_id: int
    relevant: bool
    outcome: str
    fit: float | None
    band: str | None
    decisions: int


def judged_pairs() -> list[Pair]:
    """Every judged pair, from the decisions in order (the latest decision is the pair's judgement)."""
    rows = db.session.scalars(select(JudgedPair).order_by(JudgedPair.decided_at, JudgedPair.id)).all()
    return fold(rows)


def fold(rows: list[Any]) -> list[Pair]:
    """Pairs from decision rows in time order (pure: anything with the JudgedPair attributes)."""
    pairs: dict[tuple[int, int], Pair] = {}
    for r in rows:
        key = (r.request_id, r.offer_id)
        p = pairs.get(key)
        if p is None:
            p = pairs[key] = Pair(r.request_id, r.offer_id, r.relevant, _OUTCOME[r.decision], r.fit, r.band, 0)
        p.relevant, p.outcome, p.decisions = bool(r.relevant), _OUTCOME[r.decision], p.decisions + 1
        if r.fit is not None and (r.decision in ("propose", "interest") or p.fit is None):
            p.fit, p.band = r.fit, r.band  # the latest proposal's, else the first known
    return list(pairs.values())


def acceptance(pairs: list[Pair]) -> dict[str, dict[str, Any]]:
    """Per band shown (and 'unknown'): accepted, turned down, pending, and the acceptance rate of the decided."""
    out: dict[str, dict[str, Any]] = {}
    for band in (*calibration.BANDS, "unknown"):
        subset = [p for p in pairs if (p.band or "unknown") == band]
        accepted = sum(p.outcome == ACCEPTED for p in subset)
        down = sum(p.outcome == TURNED_DOWN for p in subset)
        out[band] = {"accepted": accepted, "turned_down": down, "pending": len(subset) - accepted - down,
                     "rate": round(accepted / (accepted + down), 3) if accepted + down else None}
    return out


def calibration_of(pairs: list[Pair]) -> dict[str, Any]:
    """ECE (10 bins) and reliability of the fit shown against the outcome of the decided pairs with a fit."""
    decided = [p for p in pairs if p.fit is not None and p.outcome != PENDING]
    fits = np.array([p.fit for p in decided], dtype=np.float64)
    labels = np.array([1.0 if p.outcome == ACCEPTED else 0.0 for p in decided])
    return {"n": len(decided), "ece": round(calibration.ece(fits, labels), 4) if decided else None,
            "reliability": calibration.reliability(fits, labels) if decided else []}


def ranking_quality(pairs: list[Pair], rank: Callable[[int], list[int] | None], k: int = 10) -> dict[str, Any]:
    """nDCG@k of rank(request id) (offer ids, best first; None when the request is gone) on every request with
    a relevant judged pair it can still rank; unjudged candidates as not relevant, and condensed (left out)."""
    by_request: dict[int, dict[int, int]] = {}
    for p in pairs:
        by_request.setdefault(p.request_id, {})[p.offer_id] = 1 if p.relevant else 0
    rows, condensed, skipped = [], [], 0
    for request_id, rel in sorted(by_request.items()):
        if not any(rel.values()):
            continue
        ranked = rank(request_id)
        if ranked is None:
            skipped += 1
            continue
        rows.append(evaluation.metrics([str(o) for o in ranked], {str(o): g for o, g in rel.items()}, k))
        judged_only = [str(o) for o in ranked if o in rel]
        condensed.append(evaluation.metrics(judged_only, {str(o): g for o, g in rel.items()}, k))
    return {"requests": len(rows), "skipped": skipped,
            f"ndcg@{k}": round(float(np.mean([m["ndcg"] for m in rows])), 4) if rows else None,
            f"ndcg@{k}_condensed": round(float(np.mean([m["ndcg"] for m in condensed])), 4) if condensed else None,
            f"recall@{k}": round(float(np.mean([m["recall"] for m in rows])), 4) if rows else None}


def _rank_request(k: int) -> Callable[[int], list[int] | None]:
    from kb.services import matching

    def rank(request_id: int) -> list[int] | None:
        request = db.session.get(Request, request_id)
        if request is None:
            return None
        return [oid for oid, _fit in matching.current_ranking(request, k)]

    return rank


def _rankable(pairs: list[Pair]) -> list[Pair]:
    """The pairs whose offer the catalogue still holds (an archived or expired offer cannot be ranked)."""
    from kb.services import matching

    entries = matching.manager().catalogues["offer"].entries
    return [p for p in pairs if p.offer_id in entries]


def decision_report() -> dict[str, Any]:
    """Counts, acceptance by band and calibration of the judged pairs (no ranking: cheap enough for a page)."""
    pairs = judged_pairs()
    decided = sum(p.outcome != PENDING for p in pairs)
    return {"pairs": len(pairs), "decided": decided, "pending": len(pairs) - decided,
            "acceptance": acceptance(pairs), "calibration": calibration_of(pairs),
            "enough": decided >= MIN_PAIRS, "min_pairs": MIN_PAIRS}


def live_report(k: int = 10) -> dict[str, Any]:
    """The figures of `kb eval --live` (see the module's docstring)."""
    pairs = judged_pairs()
    rankable = _rankable(pairs) if pairs else []
    quality = ranking_quality(rankable, _rank_request(k), k)
    quality["left_out_pairs"] = len(pairs) - len(rankable)
    decided = sum(p.outcome != PENDING for p in pairs)
    return {"pairs": len(pairs), "decided": decided, "pending": len(pairs) - decided,
            "decisions": db.session.scalar(select(func.count()).select_from(JudgedPair)) or 0,
            "ranking": quality, "acceptance": acceptance(pairs), "calibration": calibration_of(pairs),
            "enough": {"ranking": quality["requests"] >= MIN_REQUESTS, "decided": decided >= MIN_PAIRS},
            "min_requests": MIN_REQUESTS, "min_pairs": MIN_PAIRS, "k": k}


def report_lines(r: dict[str, Any]) -> list[str]:
    """The report as text lines (the CLI prints them)."""
    k = r["k"]
    q = r["ranking"]
    lines = [f"{r['decisions']} decisions on {r['pairs']} request-offer pairs: {r['decided']} decided "
             f"(accepted or turned down), {r['pending']} pending"]
    if not r["pairs"]:
        return [*lines, "No decisions yet: nothing to report. Propose, accept, decline, approve or reject "
                        "matches and run this again."]
    few = "" if r["enough"]["ranking"] else f"  [too few: fewer than {r['min_requests']} requests, not meaningful]"
    if q["requests"]:
        lines.append(f"nDCG@{k} of the current ranking on {q['requests']} requests with a relevant judged pair: "
                     f"{q[f'ndcg@{k}']:.3f} (unjudged candidates count as not relevant), "
                     f"{q[f'ndcg@{k}_condensed']:.3f} condensed (unjudged left out); "
                     f"Recall@{k} {q[f'recall@{k}']:.3f}{few}")
    else:
        lines.append(f"nDCG@{k}: no request has a relevant judged pair with an offer still published{few}")
    if q["left_out_pairs"] or q["skipped"]:
        lines.append(f"  left out: {q['left_out_pairs']} pairs whose offer is no longer in the catalogue")
    few = "" if r["enough"]["decided"] else f"  [too few: fewer than {r['min_pairs']} decided pairs, not meaningful]"
    lines.append(f"Acceptance by the band shown when proposed (accepted / decided):{few}")
    lines.append(f"{'band':10}{'accepted':>10}{'turned down':>13}{'pending':>9}{'rate':>8}")
    for band, a in r["acceptance"].items():
        if band == "unknown" and not (a["accepted"] or a["turned_down"] or a["pending"]):
            continue
        rate = f"{a['rate']:.3f}" if a["rate"] is not None else "-"
        lines.append(f"{band:10}{a['accepted']:>10}{a['turned_down']:>13}{a['pending']:>9}{rate:>8}")
    c = r["calibration"]
    if c["n"]:
        lines.append(f"Calibration of the fit shown vs the decision ({c['n']} decided pairs with a fit): "
                     f"ECE (10 bins) {c['ece']:.3f}{few}")
        lines.append(f"{'fit':10}{'pairs':>6}{'mean fit':>10}{'accepted':>10}")
        lines.extend(f"{row['bin']:10}{row['n']:>6}{row['mean_fit']:>10.3f}{row['observed']:>10.3f}"
                     for row in c["reliability"])
    else:
        lines.append("Calibration: no decided pair with a fit shown yet")
    return lines
