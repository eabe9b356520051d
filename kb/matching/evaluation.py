"""`flask kb eval`: the product's own ingestion and suggestion code, scored on a judged benchmark.

The files are loaded into a throw-away SQLite database through the importer; each request is
then ranked through the same suggestion service the API uses, with the default filters.
"""
from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np


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


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    return {f"{m}@10": round(float(np.mean([r[m] for r in rows])), 4) for m in ("ndcg", "recall", "mrr")} \
        if rows else {"ndcg@10": 0.0, "recall@10": 0.0, "mrr@10": 0.0}


def run_eval(offers: str, requests: str, qrels: str, k: int = 10, model: str | None = None,
             echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Load, rank, score; returns the summary (also printed line by line through echo)."""
    from flask_migrate import upgrade

    from kb import create_app
    from kb.extensions import db
    from kb.matching.sync import forget_managers
    from kb.services import ingest
    from kb.services.matching import SuggestionArgs, suggest
    from kb.services.reference import seed_reference_data

    judged = read_qrels(qrels)
    offer_rows, request_rows = ingest.read_jsonl(offers), ingest.read_jsonl(requests)
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        cfg = {"KB_DATABASE_URL": f"sqlite:///{Path(tmp) / 'eval.sqlite3'}", "KB_INDEX_DIR": str(Path(tmp) / "idx")}
        if model is not None:
            cfg["KB_EMBEDDING_MODEL"] = model
        app = create_app(cfg)
        with app.app_context():
            import logging

            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade()
            seed_reference_data()
            t0 = time.perf_counter()
            offer_ids = ingest.import_records("offer", offer_rows).whole(offers)
            request_ids = ingest.import_records("request", request_rows).whole(requests)
            ingest_s = time.perf_counter() - t0
            back = {v: key for key, v in offer_ids.items()}
            per_request: list[tuple[str, str, dict[str, float]]] = []
            t1 = time.perf_counter()
            for row in request_rows:
                rid = request_ids[str(row["id"])]
                ranked = [back[s["id"]] for s in suggest(None, "request", rid, SuggestionArgs(k=k))]
                per_request.append((str(row["id"]), row.get("text_lang") or "en",
                                    metrics(ranked, judged.get(str(row["id"]), {}), k)))
            rank_s = time.perf_counter() - t1
            model_name = __import__("kb.services.matching", fromlist=["embedder"]).embedder().name
            db.session.remove()
            db.engine.dispose()
        forget_managers()
    rows = [m for _q, _l, m in per_request]
    summary: dict[str, Any] = {**_mean(rows), "n": len(rows), "by_lang": {}}
    for lang in sorted({lang for _q, lang, _m in per_request}):
        subset = [m for _q, l2, m in per_request if l2 == lang]
        summary["by_lang"][lang] = {**_mean(subset), "n": len(subset)}
    echo(f"model: {model_name}; {len(offer_rows)} offers and {len(request_rows)} requests ingested in "
         f"{ingest_s:.1f} s; {len(rows)} rankings in {rank_s:.1f} s")
    echo(f"{'':8}{'nDCG@10':>9}{'Recall@10':>11}{'MRR@10':>9}{'n':>5}")
    echo(f"{'all':8}{summary['ndcg@10']:>9.3f}{summary['recall@10']:>11.3f}{summary['mrr@10']:>9.3f}{len(rows):>5}")
    for lang, m in summary["by_lang"].items():
        echo(f"{lang:8}{m['ndcg@10']:>9.3f}{m['recall@10']:>11.3f}{m['mrr@10']:>9.3f}{m['n']:>5}")
    return summary
