"""The labelled duplicate set's truth (groups, hard negatives) and the threshold chosen on one half, reported on the other."""
from __future__ import annotations

import json
from pathlib import Path

from kb.services.evaluation import duplicate_study, duplicate_truth, half_of, written_id

SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "duplicates.jsonl"


def test_an_original_and_all_its_restatements_are_duplicates_of_one_another_and_hard_negatives_are_not():
    written = [{"of": "O001", "how": "translation", "text_lang": "es"},
               {"of": "O001", "how": "paraphrase", "text_lang": "en", "id": "O001-loose"},
               {"of": "O001", "how": "negative", "text_lang": "fr"}]
    truth, negatives = duplicate_truth(written)
    assert truth == {frozenset(p) for p in (("O001", "O001-translation-es"), ("O001", "O001-loose"),
                                            ("O001-loose", "O001-translation-es"))}
    assert negatives == {frozenset(("O001", "O001-negative-fr"))}
    assert written_id(written[1]) == "O001-loose"


def test_the_threshold_is_chosen_on_half_a_and_reported_on_half_b():
    assert (half_of("O001-translation-es"), half_of("R010"), half_of("O045-paraphrase-en")) == ("A", "B", "A")
    pair = lambda a, b: frozenset((a, b))  # noqa: E731
    cosines = {pair("O001", "O001-t"): 0.80, pair("O003", "O003-t"): 0.74, pair("O001", "O003"): 0.70,
               pair("O001", "O001-n"): 0.60,                    # half A: best F1 at 0.71-0.74, the highest taken
               pair("R002", "R002-t"): 0.73, pair("R002", "R004"): 0.75, pair("R004", "R004-t"): 0.90}
    truth = {pair("O001", "O001-t"), pair("O003", "O003-t"), pair("R002", "R002-t"), pair("R004", "R004-t")}
    study = duplicate_study(cosines, truth, {pair("O001", "O001-n")}, grid=(0.65, 0.71, 0.74, 0.76))
    assert study["chosen_on_A"] == 0.74
    assert (study["A"]["precision"], study["A"]["recall"]) == (1.0, 1.0)
    # On B, a negative at 0.75 above a positive at 0.73: one pair wrongly flagged, one missed
    assert (study["B"]["flagged"], study["B"]["correct"], study["B"]["positives"]) == (2, 1, 2)
    assert study["highest_hard_negative"] == 0.6 and study["lowest_positive"] == 0.73


def test_the_labelled_set_has_enough_positives_and_hard_negatives_in_every_language():
    written = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    positives = [w for w in written if w["how"] != "negative"]
    negatives = [w for w in written if w["how"] == "negative"]
    assert len(positives) >= 60 and len(negatives) >= 30
    assert {w["text_lang"] for w in positives} == {"en", "es", "pt", "fr"}
    assert {w["how"] for w in positives} == {"translation", "paraphrase"} and {w["kind"] for w in written} == {
        "offer", "request"}
    assert len({written_id(w) for w in written}) == len(written)
    assert all(w["note"] in ("same topic, different need", "same institution, different offer") for w in negatives)
