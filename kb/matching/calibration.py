"""The calibrated fit of a request-offer pair: the estimated probability that the pair is relevant.

fit = 1 / (1 + exp(-score)), where score = w . features + bias is the fused score of `ranking.fuse`:
a logistic regression of relevance on the pair's features, whose weights and bias are fitted on
judged pairs (`flask kb calibrate`, on the benchmark's development split, with cross-validation by
request; see docs/MATCHING.md) and shipped in kb/data/calibration.json. Ranking by the score and
reading it as a probability are then one and the same model. Bands
(fixed, documented cut-offs, not refitted with the parameters):

- strong   fit >= STRONG_FIT (0.5): more likely relevant than not; alerts and the unmet-needs report use it;
- possible POSSIBLE_FIT (0.2) <= fit < STRONG_FIT: worth a look;
- weak     fit < POSSIBLE_FIT: hidden unless asked for (include_weak=true).
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np

STRONG_FIT = 0.5
POSSIBLE_FIT = 0.2
BANDS = ("strong", "possible", "weak")
PARAMS_FILE = Path(__file__).resolve().parents[1] / "data" / "calibration.json"


@functools.lru_cache(maxsize=1)
def params() -> dict[str, Any]:
    """The shipped calibration (a, b and how they were obtained)."""
    with open(PARAMS_FILE, encoding="utf-8") as fh:
        return json.load(fh)


def fit(score):  # noqa: ANN001, ANN201 (a float or an array alike)
    """The calibrated probability that a pair with this fused score is relevant."""
    x = np.clip(np.asarray(score, dtype=np.float64), -50.0, 50.0)
    out = 1.0 / (1.0 + np.exp(-x))
    return float(out) if out.ndim == 0 else out


def band(value: float) -> str:
    """strong, possible or weak."""
    if value >= STRONG_FIT:
        return "strong"
    return "possible" if value >= POSSIBLE_FIT else "weak"


def logistic(features: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """(weights, bias) of a logistic regression of labels (0/1) on the features (scikit-learn, its
    default L2 penalty C=1, which keeps the weights of rare feature combinations modest)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=2000).fit(np.asarray(features), np.asarray(labels))
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def reliability(fits: np.ndarray, labels: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per equal-width bin of fit: count, mean fit, observed share of relevant pairs."""
    fits, labels = np.asarray(fits, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    idx = np.minimum((fits * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        sel = idx == b
        if sel.any():
            rows.append({"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "n": int(sel.sum()),
                         "mean_fit": round(float(fits[sel].mean()), 3), "observed": round(float(labels[sel].mean()), 3)})
    return rows


def ece(fits: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over equal-width bins: sum over bins of share * |mean fit - observed|."""
    fits, labels = np.asarray(fits, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    if not len(fits):
        return 0.0
    idx = np.minimum((fits * bins).astype(int), bins - 1)
    return float(sum((idx == b).sum() / len(fits) * abs(fits[idx == b].mean() - labels[idx == b].mean())
                     for b in range(bins) if (idx == b).any()))
