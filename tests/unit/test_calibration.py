"""The calibrated fit: one formula from features to a probability, bands with fixed cut-offs, and ECE."""
from __future__ import annotations

import numpy as np
import pytest

from kb.matching import calibration, ranking


def test_the_fit_is_the_logistic_of_the_fused_score_and_grows_with_it():
    scores = np.array([-8.0, -2.0, 0.0, 1.5, 9.0])
    fits = calibration.fit(scores)
    assert np.all(np.diff(fits) > 0) and fits[2] == pytest.approx(0.5)
    assert calibration.fit(0.0) == pytest.approx(0.5) and isinstance(calibration.fit(0.0), float)
    assert 0 < calibration.fit(-1000.0) < 1e-20 and calibration.fit(1000.0) == pytest.approx(1.0)


@pytest.mark.parametrize(("fit", "band"), [(0.0, "weak"), (0.199, "weak"), (0.2, "possible"), (0.499, "possible"),
                                           (0.5, "strong"), (1.0, "strong")])
def test_bands_have_documented_cut_offs(fit, band):
    assert calibration.band(fit) == band


def test_the_fused_score_uses_the_shipped_weights_in_feature_order():
    p = calibration.params()
    assert set(p["weights"]) == set(ranking.FEATURES)
    x = np.eye(len(ranking.FEATURES))
    assert ranking.fuse(x).tolist() == pytest.approx([p["weights"][f] + p["bias"] for f in ranking.FEATURES])


def test_ece_is_zero_when_fits_match_observed_rates_and_large_when_they_do_not():
    fits = np.array([0.25] * 4 + [0.75] * 4)
    labels = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    assert calibration.ece(fits, labels) == pytest.approx(0.0)
    assert calibration.ece(np.full(8, 0.95), np.zeros(8)) == pytest.approx(0.95)
    rows = calibration.reliability(fits, labels)
    assert [(r["bin"], r["n"], r["observed"]) for r in rows] == [("0.2-0.3", 4, 0.25), ("0.7-0.8", 4, 0.75)]
    assert calibration.ece(np.array([]), np.array([])) == 0.0


def test_tag_features_are_computed_together_and_agree_with_sets():
    req_s = [("water", "energy-access"), (), ("health",)]
    off_s = [("water",), ("water",), ("gender",)]
    sector, modality, language = ranking._tag_features(
        req_s, [("expert-mission", "study-visit"), (), ("scholarship",)], [("en",), ("fr",), ()],
        off_s, [("study-visit",), ("study-visit",), ("scholarship",)], [("es", "en"), ("pt",), ("en",)])
    assert sector.tolist() == [0.5, 0.0, 0.0]
    assert modality.tolist() == [0.5, 0.0, 1.0]
    assert language.tolist() == [1.0, 0.0, 0.0]
