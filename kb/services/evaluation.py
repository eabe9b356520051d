"""`flask kb eval`: the product's own ingestion and suggestion code, scored on a judged benchmark.

The files are loaded into a throw-away SQLite database through the importer; each request is then
ranked through the same suggestion service the API uses, with the default filters, and scored with
the pure metrics of kb.matching.evaluation.
"""
from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kb.matching import evaluation


def run_eval(offers: str, requests: str, qrels: str, k: int = 10, model: str | None = None,
             echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Load, rank, score; returns the summary (also printed line by line through echo)."""
    from flask_migrate import upgrade

    from kb import create_app
    from kb.extensions import db
    from kb.matching.sync import forget_managers
    from kb.services import ingest, matching
    from kb.services.reference import seed_reference_data

    judged = evaluation.read_qrels(qrels)
    offer_rows, request_rows = ingest.read_jsonl(offers), ingest.read_jsonl(requests)
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        cfg = {"KB_DATABASE_URL": f"sqlite:///{Path(tmp) / 'eval.sqlite3'}", "KB_INDEX_DIR": str(Path(tmp) / "idx"),
               "KB_SECRET_KEY": secrets.token_hex(32), "KB_BASE_URL": "http://localhost"}  # serves nothing
        if model is not None:
            cfg["KB_EMBEDDING_MODEL"] = model
        app = create_app(cfg)
        with app.app_context():
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
                ranked = [back[s["id"]] for s in matching.suggest(None, "request", rid, matching.SuggestionArgs(k=k))]
                per_request.append((str(row["id"]), row.get("text_lang") or "en",
                                    evaluation.metrics(ranked, judged.get(str(row["id"]), {}), k)))
            rank_s = time.perf_counter() - t1
            model_name = matching.embedder().name
            db.session.remove()
            db.engine.dispose()
        forget_managers()
    summary = evaluation.summarise(per_request, k)
    echo(f"model: {model_name}; {len(offer_rows)} offers and {len(request_rows)} requests ingested in "
         f"{ingest_s:.1f} s; {len(per_request)} rankings in {rank_s:.1f} s")
    for line in evaluation.table(summary, k):
        echo(line)
    return summary
