"""Out-of-fold study of one pair feature through the product (issue #12 §5): the candidate lists and features of
`kb calibrate` (the benchmark imported with and without the requests' tags, each request's top DEPTH suggestions),
each weight set fitted with and without the feature in 5 folds grouped by request, with a paired bootstrap over the
requests of the nDCG@10 gain.

    KB_BASE_URL=http://localhost .venv/bin/python bench/feature_study.py [--feature sibling_z] [--depth 40]

The feature is read from the suggestions' components (0 where absent); the rankings are those of the shipped
calibration (kb/data/calibration.json), as `kb calibrate` draws them.
"""
from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np

from kb.matching import calibration, evaluation, ranking
from kb.services.evaluation import _benchmark, _cross_validated, _labelled, _second_feature

BENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmark"


def per_request(lists, oof, judged):
    """[(qid, lang, nDCG@10, Recall@10)] per list (tags, then tag-free), and the top-10 fits and labels."""
    out, offset = [], 0
    for rankings in lists:
        rows = []
        for r in rankings:
            n = len(r.hits)
            order = np.argsort(-oof[offset:offset + n], kind="stable")
            m = evaluation.metrics([r.hits[i][0] for i in order], judged.get(r.qid, {}), 10)
            rows.append((r.qid, r.lang, m["ndcg"], m["recall"], (order[:10] + offset).tolist()))
            offset += n
        out.append(rows)
    return out


def summary(rows, oof, labels):
    nd = np.array([r[2] for r in rows])
    rc = np.array([r[3] for r in rows])
    langs = sorted({r[1] for r in rows})
    by = {lang: round(float(np.mean([r[2] for r in rows if r[1] == lang])), 3) for lang in langs}
    top = [i for r in rows for i in r[4]]
    e = calibration.ece(calibration.fit(oof[top]), labels[top])
    return f"nDCG@10 {nd.mean():.3f} Recall@10 {rc.mean():.3f} {by} ECE {e:.3f}", nd


def bootstrap(a, b, draws=2000, seed=1):
    rng = np.random.default_rng(seed)
    d = b - a
    means = np.array([d[rng.integers(0, len(d), len(d))].mean() for _ in range(draws)])
    return (f"gain {d.mean():+.4f} (95% {np.percentile(means, 2.5):+.4f} to {np.percentile(means, 97.5):+.4f}; "
            f"{int((d > 1e-9).sum())} better, {int((d < -1e-9).sum())} worse)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feature", default="sibling_z")
    ap.add_argument("--depth", type=int, default=40)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--cache", default=None, help="Pickle the rankings here (and read them back when it exists)")
    args = ap.parse_args()
    judged = evaluation.read_qrels(BENCH / "qrels.tsv")
    if args.cache and Path(args.cache).exists():
        with open(args.cache, "rb") as fh:
            all_rankings = pickle.load(fh)
    else:
        all_rankings = []
        for tag_free in (False, True):
            with _benchmark(str(BENCH / "offers.jsonl"), str(BENCH / "requests.jsonl"), None, tag_free) as bench:
                all_rankings.append(bench["rank"](args.depth))
        if args.cache:
            with open(args.cache, "wb") as fh:
                pickle.dump(all_rankings, fh)
    parts, lists, seconds, extra = [], [], [], []
    for rankings in all_rankings:
        parts.append(_labelled(rankings, judged))
        seconds.append(_second_feature(rankings))
        extra.append(np.array([float(it["explanation"]["components"].get(args.feature) or 0.0)
                               for r in rankings for it in r.items], dtype=np.float64))
        lists.append(rankings)
    x = np.vstack([p[3] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    groups = np.concatenate([parts[0][2], parts[1][2]])
    z2 = np.concatenate([s[0] for s in seconds])
    f = np.concatenate(extra)
    print(f"{len(labels)} pairs, {int(labels.sum())} relevant; {args.feature} > 0 in {int((f > 0).sum())} pairs")
    sets = {"first": x, "first + feature": np.column_stack([x, f]),
            "second": np.column_stack([x, z2]), "second + feature": np.column_stack([x, z2, f])}
    results = {}
    for name, xs in sets.items():
        oof = _cross_validated(xs, labels, groups, args.folds)
        rows = per_request(lists, oof, judged)
        results[name] = []
        for cond, rs in zip(("tags", "tag-free"), rows, strict=True):
            line, nd = summary(rs, oof, labels)
            results[name].append(nd)
            print(f"{name:18} {cond:9} {line}")
    for base in ("first", "second"):
        for i, cond in enumerate(("tags", "tag-free")):
            print(f"paired bootstrap, {base} set, {cond}: "
                  f"{bootstrap(results[base][i], results[base + ' + feature'][i])}")
    w, b = calibration.logistic(sets["second + feature"], labels)
    print("second + feature, fitted on every pair:",
          dict(zip(ranking.SECOND_FEATURES, np.round(w, 3).tolist(), strict=False)), round(b, 3))


if __name__ == "__main__":
    from kb import create_app  # noqa: F401 (the CLI's own import order)
    main()
