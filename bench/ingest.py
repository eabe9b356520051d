"""Bulk ingestion rate through the product's importer, next to the raw encoding rate of the model.

    .venv/bin/python bench/ingest.py [--quick] [--n 800] [--model ""] [--profile] [--json out.json]

Both rates are measured in the same run on the same ~150-word texts (composed from the benchmark
offers' sentences, see _common.TextComposer), raw = embedder.encode in batches of 64 on
record_text(title, description), ingestion = kb.services.ingest.import_records on a throw-away
SQLite database (migrated, reference data seeded) with the same embedder. The raw rate is taken
twice (before and after the import) because the machine is shared and noisy, and process CPU
time is reported next to wall time (CPU per record is what the code costs whatever the load).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import secrets
import tempfile
import time
from pathlib import Path

from _common import TextComposer, loadavg, log, machine, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="200 records instead of 800")
    ap.add_argument("--n", type=int, default=None)
    ap.add_argument("--model", default="", help="KB_EMBEDDING_MODEL ('' = default USE multilingual v3)")
    ap.add_argument("--profile", action="store_true", help="cProfile the import and print the top functions")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    n = args.n or (200 if args.quick else 800)

    from flask_migrate import upgrade

    from kb import create_app
    from kb.extensions import db
    from kb.matching.embedder import load_embedder
    from kb.matching.text import record_text
    from kb.services import ingest
    from kb.services.reference import seed_reference_data

    info = machine()
    log(f"machine: {info}")
    composer = TextComposer(seed=42)
    rows = [composer.row(i, words=150) for i in range(n)]
    texts = [record_text(r["title"], r["description"]) for r in rows]
    words = sum(len(t.split()) for t in texts) / n
    log(f"{n} rows composed, {words:.0f} words per embedded text on average")

    t0 = time.perf_counter()
    emb = load_embedder(args.model)
    log(f"embedder {emb.name} ({emb.dim}-d) loaded in {time.perf_counter() - t0:.1f} s")
    emb.encode(texts[:64], batch_size=64)  # warm-up

    cpu_s: dict[str, float] = {}

    def raw_rate(key: str) -> float:
        t, c = time.perf_counter(), time.process_time()
        for s in range(0, n, 64):
            emb.encode(texts[s:s + 64], batch_size=64)
        cpu_s[key] = time.process_time() - c
        return n / (time.perf_counter() - t)

    raw1 = raw_rate("raw1")
    log(f"raw encoding: {raw1:.1f} texts/s ({cpu_s['raw1'] / n * 1000:.1f} ms CPU per text; load {loadavg()})")

    with tempfile.TemporaryDirectory(prefix="kb-bench-ingest-") as tmp:
        app = create_app({"KB_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
                          "KB_INDEX_DIR": str(Path(tmp) / "idx"), "KB_EMBEDDING_MODEL": args.model,
                          "KB_SECRET_KEY": secrets.token_hex(32), "KB_BASE_URL": "http://localhost"})
        with app.app_context():
            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade()
            seed_reference_data()
            done = [0]
            last = [time.perf_counter()]

            def progress(k: int) -> None:
                done[0] += k
                if time.perf_counter() - last[0] > 5:
                    last[0] = time.perf_counter()
                    log(f"  imported {done[0]}/{n}")

            prof = cProfile.Profile() if args.profile else None
            t, c = time.perf_counter(), time.process_time()
            if prof:
                prof.enable()
            mapping = ingest.import_records("offer", rows, progress=progress).ids
            if prof:
                prof.disable()
            ingest_s = time.perf_counter() - t
            cpu_s["ingest"] = time.process_time() - c
            assert len(mapping) == n
            db.session.remove()
            db.engine.dispose()
    ingest_rate = n / ingest_s
    log(f"importer: {n} records in {ingest_s:.1f} s = {ingest_rate:.1f} records/s "
        f"({cpu_s['ingest'] / n * 1000:.1f} ms CPU per record; load {loadavg()})")
    raw2 = raw_rate("raw2")
    log(f"raw encoding (again): {raw2:.1f} texts/s ({cpu_s['raw2'] / n * 1000:.1f} ms CPU per text; load {loadavg()})")
    cpu_ratio = (cpu_s["raw1"] + cpu_s["raw2"]) / 2 / cpu_s["ingest"]
    log(f"in CPU time: importer {n / cpu_s['ingest']:.1f} records per CPU-second, raw "
        f"{2 * n / (cpu_s['raw1'] + cpu_s['raw2']):.1f}, importer/raw {cpu_ratio:.0%}")
    raw = (raw1 + raw2) / 2
    ratio = ingest_rate / raw
    log(f"RESULT model={emb.name} n={n} raw={raw:.1f}/s (runs {raw1:.1f}, {raw2:.1f}) "
        f"ingest={ingest_rate:.1f}/s ratio={ratio:.0%} "
        f"[targets: >= 50/s {'OK' if ingest_rate >= 50 else 'MISSED'}, >= 80% of raw {'OK' if ratio >= .8 else 'MISSED'}]")
    if prof:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())
    write_json(args.json, {"machine": info, "model": emb.name, "n": n, "words": words, "raw": [raw1, raw2],
                           "ingest_s": ingest_s, "ingest_rate": ingest_rate, "ratio": ratio,
                           "cpu_s": cpu_s, "cpu_ratio": cpu_ratio})


if __name__ == "__main__":
    main()
