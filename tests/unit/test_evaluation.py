"""The evaluation metrics are pure functions, labelled with the cut-off they were computed at."""
from __future__ import annotations

import pytest

from kb.matching import evaluation


def test_metrics_of_one_ranking():
    rel = {"a": 2, "b": 1, "c": 0}
    m = evaluation.metrics(["x", "b", "a"], rel, k=3)
    assert m["recall"] == 1.0 and m["mrr"] == pytest.approx(1 / 3)
    assert 0 < m["ndcg"] < 1
    assert evaluation.metrics(["a", "b"], rel, k=3)["ndcg"] == pytest.approx(1.0)
    assert evaluation.metrics(["b", "a"], rel, k=1) == {"ndcg": pytest.approx(1 / 3), "recall": 0.5, "mrr": 0.0}


@pytest.mark.parametrize("k", [1, 5, 10, 20])
def test_summaries_are_labelled_with_the_cut_off(k):
    rows = [("q1", "en", {"ndcg": 1.0, "recall": 0.5, "mrr": 1.0}),
            ("q2", "es", {"ndcg": 0.5, "recall": 1.0, "mrr": 0.0}),
            ("q3", "es", {"ndcg": 0.0, "recall": 0.0, "mrr": 0.5})]
    summary = evaluation.summarise(rows, k)
    assert summary == {f"ndcg@{k}": 0.5, f"recall@{k}": 0.5, f"mrr@{k}": 0.5, "n": 3, "by_lang": {
        "en": {f"ndcg@{k}": 1.0, f"recall@{k}": 0.5, f"mrr@{k}": 1.0, "n": 1},
        "es": {f"ndcg@{k}": 0.25, f"recall@{k}": 0.5, f"mrr@{k}": 0.25, "n": 2}}}
    lines = evaluation.table(summary, k)
    assert lines[0].split() == [f"nDCG@{k}", f"Recall@{k}", f"MRR@{k}", "n"]
    assert [line.split()[0] for line in lines[1:]] == ["all", "en", "es"]
    assert evaluation.mean([], k) == {f"ndcg@{k}": 0.0, f"recall@{k}": 0.0, f"mrr@{k}": 0.0}


def test_vocabulary_labels_read_in_lower_case_inside_a_sentence_but_acronyms_stay():
    from kb.i18n import label_in_sentence

    assert label_in_sentence("Cours de formation") == "cours de formation"
    assert label_in_sentence("Cleaner production") == "cleaner production"
    assert label_in_sentence("Saúde") == "saúde"
    assert label_in_sentence("ICT for development") == "ICT for development"
    assert label_in_sentence("WASH") == "WASH"
    assert label_in_sentence("eLearning") == "eLearning"
    assert label_in_sentence("SDG-related aid") == "SDG-related aid"
    assert label_in_sentence("x") == "x"
    assert label_in_sentence("South-South trade") == "South-South trade"
    assert label_in_sentence("Water, sanitation and hygiene") == "water, sanitation and hygiene"
    assert label_in_sentence("E-learning") == "E-learning"
    assert label_in_sentence("") == ""
