"""The figures of `kb eval --live` from decisions: the last word per pair, acceptance per band, calibration, nDCG."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from kb.services.live_eval import ACCEPTED, PENDING, TURNED_DOWN, acceptance, calibration_of, fold, ranking_quality


def _row(req, off, decision, relevant, fit=None, band=None):
    return SimpleNamespace(request_id=req, offer_id=off, decision=decision, relevant=relevant, fit=fit, band=band)


def test_the_latest_decision_is_the_pairs_judgement_and_the_fit_is_the_one_proposed():
    pairs = {(p.request_id, p.offer_id): p for p in fold([
        _row(1, 10, "propose", True, 0.8, "strong"), _row(1, 10, "accept", True, 0.8, "strong"),
        _row(1, 11, "propose", True, 0.3, "possible"), _row(1, 11, "decline", False, 0.3, "possible"),
        _row(2, 10, "interest", True, 0.1, "weak"),
        _row(2, 12, "propose", True, 0.6, "strong"), _row(2, 12, "reject", False, 0.6, "strong"),
        _row(2, 12, "propose", True, 0.4, "possible"),  # proposed again later: pending, shown as possible
    ])}
    assert (pairs[1, 10].relevant, pairs[1, 10].outcome, pairs[1, 10].decisions) == (True, ACCEPTED, 2)
    assert (pairs[1, 11].relevant, pairs[1, 11].outcome) == (False, TURNED_DOWN)
    assert (pairs[2, 10].relevant, pairs[2, 10].outcome, pairs[2, 10].band) == (True, PENDING, "weak")
    assert (pairs[2, 12].outcome, pairs[2, 12].fit, pairs[2, 12].band) == (PENDING, 0.4, "possible")


def test_acceptance_per_band_counts_decided_pairs_only():
    pairs = fold([_row(1, 1, "approve", True, 0.9, "strong"), _row(1, 2, "accept", True, 0.7, "strong"),
                  _row(1, 3, "decline", False, 0.6, "strong"), _row(1, 4, "reject", False, 0.1, "weak"),
                  _row(1, 5, "propose", True, 0.3, "possible"), _row(1, 6, "accept", True)])
    a = acceptance(pairs)
    assert a["strong"] == {"accepted": 2, "turned_down": 1, "pending": 0, "rate": pytest.approx(0.667)}
    assert a["weak"] == {"accepted": 0, "turned_down": 1, "pending": 0, "rate": 0.0}
    assert a["possible"] == {"accepted": 0, "turned_down": 0, "pending": 1, "rate": None}
    assert a["unknown"]["accepted"] == 1


def test_calibration_compares_the_fit_shown_with_the_outcome_of_decided_pairs():
    pairs = fold([_row(1, 1, "accept", True, 0.95, "strong"), _row(1, 2, "decline", False, 0.05, "weak"),
                  _row(1, 3, "propose", True, 0.5, "strong")])  # pending: left out
    c = calibration_of(pairs)
    assert c["n"] == 2 and c["ece"] == pytest.approx(0.05)
    assert [(r["bin"], r["n"], r["observed"]) for r in c["reliability"]] == [("0.0-0.1", 1, 0.0), ("0.9-1.0", 1, 1.0)]
    overconfident = calibration_of(fold([_row(1, o, "decline", False, 0.95, "strong") for o in range(4)]))
    assert overconfident["ece"] == pytest.approx(0.95)


def test_ndcg_counts_unjudged_candidates_as_not_relevant_and_the_condensed_figure_leaves_them_out():
    pairs = fold([_row(1, 10, "approve", True), _row(1, 11, "decline", False),
                  _row(2, 20, "decline", False),        # no relevant pair: not scored
                  _row(3, 30, "accept", True)])         # its request is gone: skipped
    rankings = {1: [99, 11, 10], 2: [20], 3: None}
    q = ranking_quality(pairs, rankings.get, 10)
    assert (q["requests"], q["skipped"]) == (1, 1)
    assert q["ndcg@10"] == pytest.approx(0.5)             # 1/log2(4) against an ideal of 1
    assert q["ndcg@10_condensed"] == pytest.approx(1 / 1.5849625, rel=1e-4)  # 11, 10: second place
    assert q["recall@10"] == 1.0
