"""`flask kb eval` on the shared benchmark with the real multilingual model (runs in CI)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "benchmark"


def test_kb_eval_meets_the_quality_targets_on_the_shared_benchmark(app):
    if not BENCH.exists():
        if os.environ.get("CI"):
            pytest.fail(f"The benchmark must be beside the repository in CI: {BENCH}")
        pytest.skip(f"no benchmark at {BENCH}")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "eval", "--offers", str(BENCH / "offers.jsonl"),
                                 "--requests", str(BENCH / "requests.jsonl"), "--qrels", str(BENCH / "qrels.tsv"),
                                 "--model", "use-multilingual-v3",
                                 "--duplicates", str(Path(__file__).resolve().parents[2] / "bench" / "data" / "duplicates.jsonl")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["n"] == 44
    dup = summary["duplicates"]  # translations and paraphrases of benchmark records vs every other record
    assert dup["written"]["positives"] >= 60 and dup["written"]["negatives"] >= 30, dup
    assert dup["precision"] >= 0.90 and dup["recall"] >= 0.80 and dup["hard_negatives_flagged"] == 0, dup
    # The threshold is chosen on half the set; the other half is the honest estimate.
    assert dup["study"]["B"]["precision"] >= 0.90 and dup["study"]["B"]["recall"] >= 0.80, dup["study"]
    assert set(summary["by_lang"]) == {"en", "es", "pt", "fr"}
    # The second embedder's vectors are computed (or read from the cache) and fused with the first's.
    assert summary["second_model"] == "multilingual-e5-small-q4"
    # Floors a little under the out-of-fold figures of the shipped weights (kb calibrate: nDCG@10 0.915, Recall@10
    # 0.871, en .950, es .873, pt .952, fr .869; in sample 0.916 and 0.882, en .952, es .887, pt .907, fr .865).
    assert summary["ndcg@10"] >= 0.90 and summary["recall@10"] >= 0.86, summary
    for lang, m in summary["by_lang"].items():
        assert m["ndcg@10"] >= 0.85, (lang, summary)
    assert 0 < summary["recall@10"] <= 1 and 0 < summary["mrr@10"] <= 1
    assert summary["ece"] <= 0.05, summary  # the shipped fit is calibrated on what the pages show


def test_kb_eval_without_the_requests_tags_loses_little(app):
    if not BENCH.exists():
        if os.environ.get("CI"):
            pytest.fail(f"The benchmark must be beside the repository in CI: {BENCH}")
        pytest.skip(f"no benchmark at {BENCH}")
    result = app.test_cli_runner().invoke(args=["kb", "eval", "--offers", str(BENCH / "offers.jsonl"),
                                                "--requests", str(BENCH / "requests.jsonl"),
                                                "--qrels", str(BENCH / "qrels.tsv"), "--model", "use-multilingual-v3",
                                                "--tag-free"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    # Users leave tags out: 0.893 in sample (0.891 out of fold) against 0.916 with the tags.
    assert summary["ndcg@10"] >= 0.88 and summary["ece"] <= 0.05, summary


def test_kb_eval_refuses_a_malformed_file(app, tmp_path):
    bad = tmp_path / "offers.jsonl"
    bad.write_text('{"id": "O1", "title": "x"\n')
    qrels = tmp_path / "q.tsv"
    qrels.write_text("query_id\toffer_id\tgrade\n")
    result = app.test_cli_runner().invoke(args=["kb", "eval", "--offers", str(bad), "--requests", str(bad),
                                                "--qrels", str(qrels), "--model", "hashing-64"])
    assert result.exit_code != 0
    assert "offers.jsonl:1" in result.output


def test_kb_eval_labels_the_metrics_with_the_cut_off_it_was_given(app, tmp_path):
    offers = [
        {"id": "O1", "institution": "Centro de Tecnologia do Couro", "country": "BR", "sectors": ["cleaner-production"],
         "title": "Chrome recovery in small tanneries", "text_lang": "en",
         "description": "Chrome recovery and effluent treatment for small leather tanneries."},
        {"id": "O2", "institution": "Instituto Solar", "country": "IN", "sectors": ["renewable-energy"],
         "title": "Solar pumps for irrigation", "text_lang": "en",
         "description": "Design, testing and maintenance of solar water pumps for smallholder irrigation."},
        {"id": "O3", "institution": "Port Academy", "country": "MA", "sectors": ["sme-development"],
         "title": "Port logistics for exporters", "text_lang": "en",
         "description": "Container handling, customs windows and cold chain at sea ports."},
    ]
    requests = [{"id": "R1", "requester": "Ministry of Industry", "country": "ET", "sectors": ["cleaner-production"],
                 "title": "Tanneries polluting our rivers", "text_lang": "en",
                 "description": "Small leather tanneries need chrome recovery and effluent treatment."}]
    (tmp_path / "offers.jsonl").write_text("\n".join(json.dumps(o) for o in offers))
    (tmp_path / "requests.jsonl").write_text(json.dumps(requests[0]))
    (tmp_path / "qrels.tsv").write_text("query_id\toffer_id\tgrade\nR1\tO1\t2\n")
    result = app.test_cli_runner().invoke(args=[
        "kb", "eval", "--offers", str(tmp_path / "offers.jsonl"), "--requests", str(tmp_path / "requests.jsonl"),
        "--qrels", str(tmp_path / "qrels.tsv"), "--k", "2", "--model", "hashing-64", "--second-model", "none"])
    assert result.exit_code == 0, result.output
    assert "@10" not in result.output
    assert "nDCG@2" in result.output and "Recall@2" in result.output and "MRR@2" in result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert set(summary) == {"ndcg@2", "recall@2", "mrr@2", "n", "by_lang", "ece", "strong", "second_model"} and summary["n"] == 1
    assert "ECE (10 bins)" in result.output
    assert set(summary["by_lang"]["en"]) == {"ndcg@2", "recall@2", "mrr@2", "n"}
    assert summary["recall@2"] == 1.0  # the one relevant offer is among the two suggested


def _tiny_benchmark(tmp_path):
    offers = [{"id": f"O{i}", "institution": f"Centre {i}", "country": c, "sectors": [s], "title": t, "text_lang": "en",
               "description": d} for i, (c, s, t, d) in enumerate([
                   ("BR", "cleaner-production", "Chrome recovery in small tanneries",
                    "Chrome recovery and effluent treatment for small leather tanneries."),
                   ("IN", "renewable-energy", "Solar pumps for irrigation",
                    "Design, testing and maintenance of solar water pumps for smallholder irrigation."),
                   ("MA", "sme-development", "Port logistics for exporters",
                    "Container handling, customs windows and cold chain at sea ports."),
                   ("CO", "agriculture", "Solar dryers for fruit", "Solar drying of mango and pineapple for export.")])]
    requests = [{"id": f"R{i}", "requester": "Ministry", "country": "ET", "sectors": [s], "modalities": ["expert-mission"],
                 "title": t, "text_lang": "en", "description": t + "."} for i, (s, t) in enumerate([
                     ("cleaner-production", "Tanneries need chrome recovery and effluent treatment"),
                     ("renewable-energy", "Solar water pumps for smallholder irrigation"),
                     ("agriculture", "Drying fruit with solar dryers for export")])]
    (tmp_path / "offers.jsonl").write_text("\n".join(json.dumps(o) for o in offers))
    (tmp_path / "requests.jsonl").write_text("\n".join(json.dumps(r) for r in requests))
    (tmp_path / "qrels.tsv").write_text("query_id\toffer_id\tgrade\nR0\tO0\t2\nR1\tO1\t2\nR2\tO3\t2\nR1\tO3\t1\n")
    return [str(tmp_path / f) for f in ("offers.jsonl", "requests.jsonl", "qrels.tsv")]


def test_kb_calibrate_learns_the_weights_with_cross_validation_and_writes_them_where_asked(app, tmp_path):
    offers, requests, qrels = _tiny_benchmark(tmp_path)
    out = tmp_path / "calibration.json"
    result = app.test_cli_runner().invoke(args=["kb", "calibrate", "--offers", offers, "--requests", requests,
                                                "--qrels", qrels, "--folds", "3", "--depth", "4",
                                                "--model", "hashing-64", "--second-model", "hashing-32", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "cross-validated (3 folds by request), tags: nDCG@10" in result.output and "tag_free" in result.output
    saved = json.loads(out.read_text())
    from kb.matching import ranking
    assert list(saved["weights"]) == list(ranking.FEATURES) and isinstance(saved["bias"], float)
    assert saved["pairs"] == 2 * 3 * 4  # 3 requests x their 4 candidates (depth 4), with and without tags
    assert saved["cross_validated"]["tags"]["ece"] >= 0 and saved["cross_validated"]["folds"] == 3
    # The relevant pairs share sectors: learnt from judged pairs, the sector weight comes out positive.
    assert saved["weights"]["sectors"] > 0
    # ...and a second weight set, with the second embedder's z-scored cosine, for pairs whose records both have it.
    assert "with the second embedder:" in result.output
    assert list(saved["second"]["weights"]) == list(ranking.SECOND_FEATURES) and saved["second"]["model"] == "hashing-32"


def test_kb_eval_tag_free_imports_the_requests_without_sectors_and_modalities(app, tmp_path):
    offers, requests, qrels = _tiny_benchmark(tmp_path)
    result = app.test_cli_runner().invoke(args=["kb", "eval", "--offers", offers, "--requests", requests,
                                                "--qrels", qrels, "--model", "hashing-64", "--second-model", "hashing-32",
                                                "--tag-free"])
    assert result.exit_code == 0, result.output
    assert "(without sectors and modalities)" in result.output
