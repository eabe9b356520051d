"""Ranking quality on a judged benchmark: pure functions over rankings and graded judgements.

No application, no database: `kb.services.evaluation` runs the product on the benchmark (`flask kb eval`)
and scores its rankings with these.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

METRICS = ("ndcg", "recall", "mrr")


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """query id -> {offer id: grade} from a TSV with a header line."""
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as fh:
        next(fh, None)
        for line in fh:
            if line.strip():
                qid, oid, grade = line.rstrip("\n").split("\t")[:3]
                qrels.setdefault(qid, {})[oid] = int(grade)
    return qrels


def metrics(ranked: list[str], rel: dict[str, int], k: int = 10) -> dict[str, float]:
    """nDCG@k (gain 2^g-1), Recall@k (grade>=1) and MRR@k (first grade-2) of one ranking."""
    top = ranked[:k]
    dcg = sum((2 ** rel.get(o, 0) - 1) / math.log2(i + 2) for i, o in enumerate(top))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    relevant = sum(1 for g in rel.values() if g >= 1)
    recall = sum(1 for o in top if rel.get(o, 0) >= 1) / relevant if relevant else 0.0
    mrr = next((1.0 / (i + 1) for i, o in enumerate(top) if rel.get(o, 0) == 2), 0.0)
    return {"ndcg": dcg / idcg if idcg else 0.0, "recall": recall, "mrr": mrr}


def mean(rows: list[dict[str, float]], k: int) -> dict[str, float]:
    """Each metric's mean over rankings (rounded to 4 places), labelled with the cut-off: {"ndcg@k": ...}."""
    return {f"{m}@{k}": round(float(np.mean([r[m] for r in rows])), 4) if rows else 0.0 for m in METRICS}


def summarise(per_query: list[tuple[str, str, dict[str, float]]], k: int) -> dict[str, Any]:
    """The means over every (query id, language, metrics) row, their count, and the same per language."""
    rows = [m for _q, _lang, m in per_query]
    summary: dict[str, Any] = {**mean(rows, k), "n": len(rows), "by_lang": {}}
    for lang in sorted({lang for _q, lang, _m in per_query}):
        subset = [m for _q, other, m in per_query if other == lang]
        summary["by_lang"][lang] = {**mean(subset, k), "n": len(subset)}
    return summary


def table(summary: dict[str, Any], k: int) -> list[str]:
    """The summary as text lines: a header, all queries, then one line per language."""
    def line(name: str, m: dict[str, Any]) -> str:
        return f"{name:8}{m[f'ndcg@{k}']:>9.3f}{m[f'recall@{k}']:>11.3f}{m[f'mrr@{k}']:>9.3f}{m['n']:>5}"

    header = f"{'':8}{f'nDCG@{k}':>9}{f'Recall@{k}':>11}{f'MRR@{k}':>9}{'n':>5}"
    return [header, line("all", summary), *(line(lang, m) for lang, m in summary["by_lang"].items())]
