"""Server-side suggestion and free-text search latency at 1k / 10k / 100k / 1M stored offers.

    .venv/bin/python bench/latency.py [--quick] [--sizes 1000,10000,100000,1000000] [--rounds 3] [--second]
                                      [--serving-threads 1] [--json f]

One kb.matching.index.Catalogue is grown through its public upsert_many, in batches of 2,000 as
IndexManager loads it from the database, to each size in turn (so above EXACT_LIMIT it switches
to IVF exactly as in production) with synthetic entries:
countries, sectors, modalities, working languages from the real vocabularies (kb/data, kb.i18n.LANGUAGES),
vectors from bench/_common.realistic_vectors (grown from real USE embeddings of the benchmark
offers and texts composed from their sentences) and, as keyword text, the real or composed text
the vector was grown from plus one sentence of another. At each size:
  * suggestions: kb.matching.ranking.rank() for the 44 benchmark requests (their real vectors and
    fields as the Query, default filters = other countries only), `--rounds` times each, with a
    requests' catalogue of those 44 for rc(cos) (its cost does not depend on the requests' count);
  * suggestions with a sector filter (the request's first sector);
  * free-text search: embedder.encode([title], query=True) + rank() with the request titles;
  * wall-clock and process CPU time (the machine is shared: CPU time is what the code costs,
    wall time also counts waiting for a core), with the load average at the time;
  * memory: RSS growth of the process since before the catalogue existed, and the FAISS /
    keyword-matrix sizes computed from their arrays.
"""
from __future__ import annotations

import argparse
import gc
import random
import time
from datetime import date

import numpy as np
from _common import (
    _SENTENCE,
    base_embeddings,
    loadavg,
    log,
    machine,
    percentile_ms,
    read_jsonl,
    realistic_vectors,
    rss_mib,
    write_json,
)

CHUNK = 100_000
LOAD_BATCH = 2_000


SECOND_DIM = 384  # multilingual-e5-small


def vocabularies() -> dict:
    from kb import data
    from kb.i18n import LANGUAGES

    groups: dict[str, set[str]] = {}
    for g in data.load("regional_groups"):
        for c in g["members"]:
            groups.setdefault(c, set()).add(g["code"])
    return {"countries": sorted(groups), "groups": {c: frozenset(v) for c, v in groups.items()},
            "sectors": [s["code"] for s in data.load("sectors")],
            "modalities": [m["code"] for m in data.load("modalities")], "languages": list(LANGUAGES)}


def make_entries(start: int, n: int, voc: dict, rng: random.Random):
    from kb.matching.index import Entry

    out = []
    for i in range(start, start + n):
        c = rng.choice(voc["countries"])
        out.append(Entry(
            id=i + 1, title=f"offer {i + 1}", country=c, organisation_id=1 + i // 5,
            sectors=tuple(rng.sample(voc["sectors"], rng.randint(1, 3))),
            modalities=tuple(rng.sample(voc["modalities"], rng.randint(1, 3))),
            languages=tuple(rng.sample(voc["languages"], rng.randint(1, 2))),
            text_lang=rng.choice(voc["languages"]),
            valid_until=date(2020, 1, 1) if rng.random() < 0.05 else None,  # 5% expired
            groups=voc["groups"].get(c, frozenset())))
    return out


def memory(cat) -> dict:
    kw = cat.keywords
    faiss_bytes = len(cat.index) * cat.dim * (2 if cat.index.approximate else 4)
    kw_bytes = sum(s.matrix.data.nbytes + s.matrix.indices.nbytes + s.matrix.indptr.nbytes
                   for s in (kw._main, kw._delta) if s is not None)
    return {"faiss_mib": faiss_bytes / 2**20, "keyword_matrix_mib": kw_bytes / 2**20,
            "index_kind": "ivf" if cat.index.approximate else "flat"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="1k, 10k, 100k only")
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--encode-threads", type=int, default=None,
                    help="BLAS threads of the USE model for batches over 8 texts (queries always use 1 since da1218b)")
    ap.add_argument("--second", action="store_true",
                    help="give every offer and query a second embedder's vector (384 random unit floats: the cost "
                         "of fusing them, not their quality), as when the workers have embedded every record")
    ap.add_argument("--serving-threads", type=int, default=0,
                    help="cap BLAS at this many threads before timing, as a process serving requests does "
                         "(KB_SERVING_BLAS_THREADS, kb/matching/blas.py); 0: the libraries' default")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in (args.sizes or ("1000,10000,100000" if args.quick else
                                              "1000,10000,100000,1000000")).split(",")]

    from kb.matching import ranking
    from kb.matching.embedder import load_embedder
    from kb.matching.faiss_index import EXACT_LIMIT
    from kb.matching.index import Catalogue
    from kb.matching.text import record_text

    info = machine()
    log(f"machine: {info}")
    emb = load_embedder("")
    if args.encode_threads:  # experiment only: the product sets this in kb/matching/st_modules.py
        emb.model[0].threads = args.encode_threads
        log(f"USE encoding with {args.encode_threads} BLAS thread(s)")
    texts, base = base_embeddings(emb, 2000)
    sentences = [s for t in texts for s in _SENTENCE.split(t) if len(s.split()) >= 4]
    reqs = read_jsonl("requests.jsonl")
    qtexts = [record_text(r["title"], r["description"]) for r in reqs]
    qvecs = emb.encode(qtexts, batch_size=64)
    queries = [ranking.Query(vector=v, text=t, country=r["country"], organisation_id=-1,
                             sectors=tuple(r.get("sectors") or ()), modalities=tuple(r.get("modality") or ()),
                             languages=tuple(r.get("languages") or ())) for r, v, t in zip(reqs, qvecs, qtexts, strict=True)]
    if args.second:
        srng = np.random.default_rng(5)
        for q in queries:
            v2 = srng.standard_normal(SECOND_DIM)
            q.vector2 = (v2 / np.linalg.norm(v2)).astype(np.float32)
    titles = [r["title"] for r in reqs]
    voc = vocabularies()
    rng = random.Random(7)
    vrng = np.random.default_rng(11)

    gc.collect()
    rss0 = rss_mib()
    cat = Catalogue("offer", emb.dim)
    # The requests' catalogue, for rc(cos) (the offers' mean cosine with the requests): its cost per query does not
    # depend on its size (one running sum), so the benchmark's requests stand for it.
    requests = Catalogue("request", emb.dim)
    requests.upsert_many(make_entries(10_000_000, len(reqs), voc, random.Random(3)), qvecs, qtexts)
    results: dict = {"machine": info, "exact_limit": EXACT_LIMIT, "encode_threads": "1 per query" if not args.encode_threads else args.encode_threads,
                     "sizes": {}}
    filled = 0
    for size in sizes:
        log(f"=== growing the catalogue to {size:,} offers ===")
        t_build = time.perf_counter()
        t_kw = 0.0
        while filled < size:
            m = min(CHUNK, size - filled)
            x, src = realistic_vectors(base, m, seed=filled + 1, return_source=True)
            kw_texts = [texts[s] + " " + sentences[vrng.integers(len(sentences))] for s in src.tolist()]
            entries = make_entries(filled, m, voc, rng)
            t = time.perf_counter()
            for b in range(0, m, LOAD_BATCH):  # batches of 2,000, as IndexManager loads from the database
                cat.upsert_many(entries[b:b + LOAD_BATCH], x[b:b + LOAD_BATCH], kw_texts[b:b + LOAD_BATCH])
                if args.second:
                    v2 = vrng.standard_normal((len(entries[b:b + LOAD_BATCH]), SECOND_DIM))
                    cat.set_second([e.id for e in entries[b:b + LOAD_BATCH]],
                                   (v2 / np.linalg.norm(v2, axis=1, keepdims=True)).astype(np.float32))
            t_kw += time.perf_counter() - t
            filled += m
            del x, kw_texts, entries
            log(f"  {filled:,} stored ({cat.index.index.__class__.__name__}), {time.perf_counter() - t_build:.0f} s")
        cat.keywords.compact()  # as IndexManager does after a load
        build_s = time.perf_counter() - t_build
        gc.collect()
        res: dict = {"build_s": build_s, "upsert_s": t_kw, "rss_mib": rss_mib() - rss0, **memory(cat)}
        log(f"  built in {build_s:.0f} s (upsert_many {t_kw:.0f} s); RSS +{res['rss_mib']:.0f} MiB "
            f"(FAISS {res['faiss_mib']:.0f} MiB, keyword matrix {res['keyword_matrix_mib']:.0f} MiB, {res['index_kind']})")
        if args.serving_threads:
            from kb.matching import blas

            blas.limit_for_serving(args.serving_threads)
            log(f"  timed with {args.serving_threads} BLAS thread(s), as served")
        today = date.today()
        for name, make_filters in (("suggest", lambda q, today=today: ranking.Filters(today=today)),
                                   ("suggest_sector", lambda q, today=today: ranking.Filters(
                                       today=today, sector=(q.sectors or (None,))[0]))):
            for q in queries[:3]:
                ranking.rank(cat, q, make_filters(q), 10, requests=requests)  # warm-up
            times, cpu, empty = [], [], 0
            for _ in range(args.rounds):
                for q in queries:
                    t, c = time.perf_counter(), time.process_time()
                    got = ranking.rank(cat, q, make_filters(q), 10, requests=requests)
                    times.append(time.perf_counter() - t)
                    cpu.append(time.process_time() - c)
                    empty += len(got) < 10
            res[name] = {"p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95),
                         "cpu_p50_ms": percentile_ms(cpu, 50), "cpu_p95_ms": percentile_ms(cpu, 95),
                         "max_ms": max(times) * 1000, "n": len(times), "short_lists": empty, "loadavg": loadavg()}
            log(f"  {name:15s} p50 {res[name]['p50_ms']:7.1f} ms  p95 {res[name]['p95_ms']:7.1f} ms  "
                f"max {res[name]['max_ms']:7.1f} ms  CPU p50 {res[name]['cpu_p50_ms']:6.1f} p95 "
                f"{res[name]['cpu_p95_ms']:6.1f} ms  (n={len(times)}, <10 results: {empty}, load {loadavg()})")
        times, enc, cpu = [], [], []
        for _ in range(args.rounds):
            for title in titles:
                t, c = time.perf_counter(), time.process_time()
                v = emb.encode([title], query=True)[0]
                t1 = time.perf_counter()
                ranking.rank(cat, ranking.Query(vector=v, text=title), ranking.Filters(today=today), 10, requests=requests)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                enc.append(t1 - t)
        res["search"] = {"p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95),
                         "cpu_p50_ms": percentile_ms(cpu, 50), "cpu_p95_ms": percentile_ms(cpu, 95),
                         "encode_p50_ms": percentile_ms(enc, 50), "encode_p95_ms": percentile_ms(enc, 95),
                         "n": len(times), "loadavg": loadavg()}
        log(f"  {'search':15s} p50 {res['search']['p50_ms']:7.1f} ms  p95 {res['search']['p95_ms']:7.1f} ms  "
            f"(of which encoding p50 {res['search']['encode_p50_ms']:.1f} ms, p95 {res['search']['encode_p95_ms']:.1f} ms)"
            f"  CPU p50 {res['search']['cpu_p50_ms']:.1f} p95 {res['search']['cpu_p95_ms']:.1f} ms  (load {loadavg()})")
        results["sizes"][size] = res
    write_json(args.json, results)


if __name__ == "__main__":
    main()
