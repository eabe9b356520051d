"""Exact vs approximate vector search: where the exact index gives way to IVF.

    .venv/bin/python bench/ann.py [--quick] [--sizes 100000,1000000] [--hnsw] [--json out.json]

On realistic embeddings (bench/_common.realistic_vectors grown from real USE embeddings of the
benchmark texts) at each size: build time, single-query latency p50/p95 (1 OpenMP thread, as
served), recall@10 against exact IndexFlatIP for fp16 flat and IVF (the product's own
kb.matching.index.trained_ivf: nlist = 4 sqrt(N), k-means on 40 vectors per list) at several
nprobe, optionally HNSW (M=32; no remove_ids). Then deletions on the IVF index: remove_ids of
1,000 ids, they never come back, the others still reconstruct.
Queries: the 44 real benchmark requests plus held-out synthetic vectors (different seed).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from _common import base_embeddings, log, machine, percentile_ms, realistic_vectors, rss_mib, write_json


def timed_search(index, queries: np.ndarray, k: int = 10, **kw) -> tuple[list[float], np.ndarray]:
    times, out = [], np.zeros((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        _d, ids = index.search(q.reshape(1, -1), k, **kw)
        times.append(time.perf_counter() - t)
        out[i] = ids[0]
    return times, out


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="20k and 100k only")
    ap.add_argument("--sizes", default=None)
    ap.add_argument("--nprobe", default="8,16,32,64")
    ap.add_argument("--hnsw", action="store_true", help="also HNSW (M=32) at sizes <= 200k (slow to build)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in (args.sizes or ("20000,100000" if args.quick else "100000,1000000")).split(",")]

    import faiss
    from _common import read_jsonl

    from kb.matching.embedder import load_embedder
    from kb.matching.faiss_index import IVF_TRAIN_ITER, IVF_TRAIN_PER_LIST, all_threads, make_faiss_index, trained_ivf
    from kb.matching.text import record_text

    faiss.omp_set_num_threads(1)
    info = machine()
    log(f"machine: {info}")
    emb = load_embedder("")
    _texts, base = base_embeddings(emb, 2000)
    reqs = read_jsonl("requests.jsonl")
    real_q = emb.encode([record_text(r["title"], r["description"]) for r in reqs], batch_size=64)
    queries = np.vstack([real_q, realistic_vectors(base, 156, seed=12345)]).astype(np.float32)
    results: dict = {"machine": info, "ivf": {"train_per_list": IVF_TRAIN_PER_LIST, "niter": IVF_TRAIN_ITER},
                     "sizes": {}}
    for n in sizes:
        log(f"=== {n:,} vectors ===")
        x = realistic_vectors(base, n, seed=1)
        ids = np.arange(n, dtype=np.int64) * 3 + 1  # sparse ids, like database ids
        res: dict = {}
        # exact
        rss = rss_mib()
        t = time.perf_counter()
        flat = make_faiss_index(x.shape[1], "flat")
        flat.add_with_ids(x, ids)
        build = time.perf_counter() - t
        times, truth = timed_search(flat, queries)
        res["flat"] = {"build_s": build, "p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95),
                       "recall": 1.0, "rss_mib": rss_mib() - rss}
        log(f"flat     build {build:6.1f} s  p50 {res['flat']['p50_ms']:7.2f} ms  p95 {res['flat']['p95_ms']:7.2f} ms")
        t = time.perf_counter()
        flat.remove_ids(ids[:1000])
        res["flat"]["remove_1000_ms"] = (time.perf_counter() - t) * 1000
        del flat
        # exact, fp16
        rss = rss_mib()
        t = time.perf_counter()
        f16 = make_faiss_index(x.shape[1], "flat16")
        f16.add_with_ids(x, ids)
        build = time.perf_counter() - t
        times, found = timed_search(f16, queries)
        res["flat16"] = {"build_s": build, "p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95),
                         "recall": recall(found, truth), "rss_mib": rss_mib() - rss}
        log(f"flat16   build {build:6.1f} s  p50 {res['flat16']['p50_ms']:7.2f} ms  p95 "
            f"{res['flat16']['p95_ms']:7.2f} ms  recall@10 {res['flat16']['recall']:.3f}")
        del f16
        # IVF, as the catalogue builds it
        rss = rss_mib()
        t = time.perf_counter()
        ivf = trained_ivf(x, seed=0)
        train = time.perf_counter() - t
        t = time.perf_counter()
        with all_threads():  # as FaissIndex does for bulk adds
            for s in range(0, n, 100_000):
                ivf.add_with_ids(x[s:s + 100_000], ids[s:s + 100_000])
        add = time.perf_counter() - t
        res["ivf"] = {"nlist": ivf.nlist, "train_s": train, "add_s": add, "rss_mib": rss_mib() - rss, "nprobe": {}}
        log(f"ivf      nlist {ivf.nlist}  train {train:6.1f} s (sample {min(n, IVF_TRAIN_PER_LIST * ivf.nlist):,})"
            f"  add {add:5.1f} s")
        for nprobe in [int(p) for p in args.nprobe.split(",")]:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            times, found = timed_search(ivf, queries, params=params)
            r = {"p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95), "recall": recall(found, truth)}
            res["ivf"]["nprobe"][nprobe] = r
            log(f"ivf      nprobe {nprobe:3d}  p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms  "
                f"recall@10 {r['recall']:.3f}")
        # deletions on IVF
        gone = ids[:: max(1, n // 1000)][:1000]
        t = time.perf_counter()
        removed = ivf.remove_ids(gone)
        rm_ms = (time.perf_counter() - t) * 1000
        pos = np.searchsorted(ids, gone)
        _d, back = ivf.search(x[pos[:50]], 10, params=faiss.SearchParametersIVF(nprobe=ivf.nlist))
        keep = ids[1:200:7]
        keep = keep[~np.isin(keep, gone)]
        rec = ivf.reconstruct_batch(keep)
        ok = removed == len(gone) and ivf.ntotal == n - len(gone) and not np.isin(back, gone).any() \
            and np.abs(rec - x[np.searchsorted(ids, keep)]).max() < 1e-2
        res["ivf"]["remove_1000_ms"] = rm_ms
        res["ivf"]["deletions_ok"] = bool(ok)
        log(f"ivf      remove_ids(1000) {rm_ms:.1f} ms, removed {removed}, ntotal {ivf.ntotal:,}, "
            f"never found again and survivors reconstruct: {ok}")
        del ivf
        if args.hnsw and n <= 200_000:
            t = time.perf_counter()
            faiss.omp_set_num_threads(2)
            h = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            h.add(x)
            faiss.omp_set_num_threads(1)
            build = time.perf_counter() - t
            h.hnsw.efSearch = 64
            times, found = timed_search(h, queries)
            found = np.where(found >= 0, ids[np.maximum(found, 0)], -1)
            res["hnsw"] = {"build_s": build, "p50_ms": percentile_ms(times, 50), "p95_ms": percentile_ms(times, 95),
                           "recall": recall(found, truth)}
            log(f"hnsw32   build {build:6.1f} s  p50 {res['hnsw']['p50_ms']:7.2f} ms  p95 "
                f"{res['hnsw']['p95_ms']:7.2f} ms  recall@10 {res['hnsw']['recall']:.3f} (no remove_ids)")
            del h
        results["sizes"][n] = res
        del x
    write_json(args.json, results)


if __name__ == "__main__":
    main()
