"""Markdown tables from the JSON files the benchmarks write (--json), for docs/PERFORMANCE.md.

    .venv/bin/python bench/report.py [--ingest f.json] [--latency f.json] [--ann f.json]
"""
from __future__ import annotations

import argparse
import json


def _load(path: str | None) -> dict | None:
    return json.load(open(path)) if path else None


def ingest(d: dict) -> None:
    print("| model | records | words/text | raw encode, wall (runs) | importer, wall | importer / raw, wall "
          "| raw CPU ms/text | importer CPU ms/record | importer / raw, CPU | load at start |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    raw = sum(d["raw"]) / 2
    c = d.get("cpu_s", {})
    cpu = (f"{(c['raw1'] + c['raw2']) / 2 / d['n'] * 1000:.1f} | {c['ingest'] / d['n'] * 1000:.1f} | "
           f"{d['cpu_ratio']:.0%}") if c else " | | "
    print(f"| {d['model']} | {d['n']} | {d['words']:.0f} | {raw:.1f}/s ({d['raw'][0]:.1f}, {d['raw'][1]:.1f}) | "
          f"{d['ingest_rate']:.1f}/s ({d['ingest_s']:.1f} s) | {d['ratio']:.0%} | {cpu} | "
          f"{d['machine'].get('loadavg', '')} |\n")


def latency(d: dict) -> None:
    print("| offers | index | build (s) | RSS growth (MiB) | FAISS (MiB) | keyword matrix (MiB) |")
    print("|---|---|---|---|---|---|")
    for n, r in d["sizes"].items():
        print(f"| {int(n):,} | {r['index_kind']} | {r['build_s']:.0f} | {r['rss_mib']:.0f} | {r['faiss_mib']:.0f} | "
              f"{r['keyword_matrix_mib']:.0f} |")
    print()
    print("| offers | call | wall p50 / p95 (ms) | CPU p50 / p95 (ms) | encoding wall p50 / p95 (ms) | load average |")
    print("|---|---|---|---|---|---|")
    for n, r in d["sizes"].items():
        for key, label in (("suggest", "suggestions"), ("suggest_sector", "suggestions, sector filter"),
                           ("search", "free-text search (encode + rank)")):
            x = r[key]
            enc = f"{x['encode_p50_ms']:.1f} / {x['encode_p95_ms']:.1f}" if "encode_p50_ms" in x else ""
            cpu = f"{x['cpu_p50_ms']:.1f} / {x['cpu_p95_ms']:.1f}" if "cpu_p50_ms" in x else ""
            print(f"| {int(n):,} | {label} | {x['p50_ms']:.1f} / {x['p95_ms']:.1f} | {cpu} | {enc} | {x.get('loadavg', '')} |")
    print()


def ann(d: dict) -> None:
    print("| vectors | index | build / train + add (s) | p50 (ms) | p95 (ms) | recall@10 | remove_ids(1000) (ms) |")
    print("|---|---|---|---|---|---|---|")
    for n, r in d["sizes"].items():
        n = f"{int(n):,}"
        for kind in ("flat", "flat16"):
            x = r[kind]
            rm = f"{x['remove_1000_ms']:.0f}" if "remove_1000_ms" in x else ""
            print(f"| {n} | {kind} | {x['build_s']:.1f} | {x['p50_ms']:.2f} | {x['p95_ms']:.2f} | {x['recall']:.3f} | {rm} |")
        ivf = r["ivf"]
        for p, x in ivf["nprobe"].items():
            print(f"| {n} | ivf nlist {ivf['nlist']}, nprobe {p} | {ivf['train_s']:.1f} + {ivf['add_s']:.1f} | "
                  f"{x['p50_ms']:.2f} | {x['p95_ms']:.2f} | {x['recall']:.3f} | {ivf['remove_1000_ms']:.1f} "
                  f"({'ok' if ivf['deletions_ok'] else 'FAILED'}) |")
        if "hnsw" in r:
            x = r["hnsw"]
            print(f"| {n} | hnsw M=32 efSearch 64 | {x['build_s']:.1f} | {x['p50_ms']:.2f} | {x['p95_ms']:.2f} | "
                  f"{x['recall']:.3f} | not supported |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ingest")
    ap.add_argument("--latency")
    ap.add_argument("--ann")
    args = ap.parse_args()
    for fn, path in ((ingest, args.ingest), (latency, args.latency), (ann, args.ann)):
        d = _load(path)
        if d:
            print(f"<!-- {d['machine']} -->")
            fn(d)


if __name__ == "__main__":
    main()
