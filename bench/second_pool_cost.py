"""The CPU cost per suggestion of the candidates drawn from the second embedder's vectors (ranking.SECOND_POOL) and
of sibling_z (the institution's other offers), measured in one process by switching them off and on alternately
(the machine is shared: runs of bench/latency.py differ by more than these costs from one to the next).

    .venv/bin/python bench/second_pool_cost.py [--size 10000] [--rounds 5]

The catalogue is bench/latency.py's (synthetic entries, 5 offers per organisation, realistic first vectors), every
offer and query with a random 384-float second vector (the cost, not the quality); BLAS on one thread, as served.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import date

import numpy as np
from _common import base_embeddings, loadavg, log, read_jsonl, realistic_vectors
from latency import SECOND_DIM, make_entries, vocabularies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--second-pool", type=int, default=None, help="ranking.SECOND_POOL (default: the product's)")
    args = ap.parse_args()

    from kb.matching import blas, ranking
    from kb.matching.embedder import load_embedder
    from kb.matching.index import Catalogue
    from kb.matching.text import record_text

    emb = load_embedder("")
    texts, base = base_embeddings(emb, 2000)
    reqs = read_jsonl("requests.jsonl")
    qtexts = [record_text(r["title"], r["description"]) for r in reqs]
    qvecs = emb.encode(qtexts, batch_size=64)
    rng = np.random.default_rng(5)
    queries = []
    for r, v, t in zip(reqs, qvecs, qtexts, strict=True):
        v2 = rng.standard_normal(SECOND_DIM)
        queries.append(ranking.Query(vector=v, vector2=(v2 / np.linalg.norm(v2)).astype(np.float32), text=t,
                                     country=r["country"], organisation_id=-1, sectors=tuple(r.get("sectors") or ()),
                                     modalities=tuple(r.get("modality") or ()),
                                     languages=tuple(r.get("languages") or ())))
    voc = vocabularies()
    cat = Catalogue("offer", emb.dim)
    requests = Catalogue("request", emb.dim)
    requests.upsert_many(make_entries(10_000_000, len(reqs), voc, random.Random(3)), qvecs, qtexts)
    x, src = realistic_vectors(base, args.size, seed=1, return_source=True)
    entries = make_entries(0, args.size, voc, random.Random(7))
    for b in range(0, args.size, 2000):
        cat.upsert_many(entries[b:b + 2000], x[b:b + 2000], [texts[s] for s in src[b:b + 2000].tolist()])
        v2 = rng.standard_normal((len(entries[b:b + 2000]), SECOND_DIM))
        cat.set_second([e.id for e in entries[b:b + 2000]],
                       (v2 / np.linalg.norm(v2, axis=1, keepdims=True)).astype(np.float32))
    cat.keywords.compact()
    blas.limit_for_serving(1)
    needs, pool = ranking._needs_sibling, args.second_pool or ranking.SECOND_POOL
    configs = {"neither (as before)": (False, False), "second-vector candidates": (True, False),
               "sibling_z": (False, True), "both (as shipped)": (True, True)}

    def use(cands: bool, sib: bool) -> None:
        ranking.SECOND_POOL = pool if cands else 0
        ranking._needs_sibling = needs if sib else (lambda f, *a: np.zeros(len(f.ids), dtype=bool))

    cpu: dict[str, list[float]] = {name: [] for name in configs}
    today = date.today()
    for flags in configs.values():  # warm-up
        use(*flags)
        for q in queries[:3]:
            ranking.rank(cat, q, ranking.Filters(today=today), 10, requests=requests)
    for _ in range(args.rounds):
        for q in queries:
            for name, flags in configs.items():
                use(*flags)
                c = time.process_time()
                ranking.rank(cat, q, ranking.Filters(today=today), 10, requests=requests)
                cpu[name].append(time.process_time() - c)
    use(True, True)
    log(f"{args.size:,} offers, {len(queries)} queries x {args.rounds}, SECOND_POOL {pool}, load {loadavg()}")
    for name, times in cpu.items():
        t = np.array(times) * 1000
        log(f"  {name:26s} CPU mean {t.mean():.2f} ms  p50 {np.median(t):.2f} ms")


if __name__ == "__main__":
    main()
