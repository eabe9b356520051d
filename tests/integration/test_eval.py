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
                                 "--model", "use-multilingual-v3"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["n"] == 44
    assert set(summary["by_lang"]) == {"en", "es", "pt", "fr"}
    assert summary["ndcg@10"] >= 0.85, summary
    for lang, m in summary["by_lang"].items():
        assert m["ndcg@10"] >= 0.78, (lang, summary)
    assert 0 < summary["recall@10"] <= 1 and 0 < summary["mrr@10"] <= 1


def test_kb_eval_refuses_a_malformed_file(app, tmp_path):
    bad = tmp_path / "offers.jsonl"
    bad.write_text('{"id": "O1", "title": "x"\n')
    qrels = tmp_path / "q.tsv"
    qrels.write_text("query_id\toffer_id\tgrade\n")
    result = app.test_cli_runner().invoke(args=["kb", "eval", "--offers", str(bad), "--requests", str(bad),
                                                "--qrels", str(qrels), "--model", "hashing-64"])
    assert result.exit_code != 0
    assert "offers.jsonl:1" in result.output
