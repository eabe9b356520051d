"""`flask kb eval` and `flask kb calibrate`: the product's own ingestion and suggestion code, scored on
a judged benchmark.

The files are loaded into a throw-away SQLite database through the importer; each request is then
ranked through the same suggestion service the API uses, with the default filters (weak suggestions
included, so the ranking is scored whole), and scored with the pure metrics of kb.matching.evaluation
and the calibration error of kb.matching.calibration.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.matching import calibration, evaluation, ranking


@dataclass
class Ranked:
    """One request's ranking: its benchmark id, language, and (offer benchmark id, fused score) best first."""

    qid: str
    lang: str
    hits: list[tuple[str, float]]
    items: list[dict[str, Any]] | None = None


def _without_tags(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("sectors", "modality", "modalities")} for r in rows]


def _written_rows(originals: dict[str, dict[str, Any]], written: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Import lines for the labelled set's written records of one kind: the original's organisation and
    tags, the written title, description and language, an id of their own."""
    rows = []
    for w in written:
        if w["kind"] != kind:
            continue
        base = {k: v for k, v in originals[w["of"]].items() if k not in ("title", "description", "text_lang", "source")}
        rows.append({**base, "id": written_id(w), "title": w["title"],
                     "description": w["description"], "text_lang": w["text_lang"], "source": "duplicate set"})
    return rows


def written_id(w: dict[str, Any]) -> str:
    """The key of a written record of the labelled duplicate set (its `id`, else of-how-language)."""
    return str(w.get("id") or f"{w['of']}-{w['how']}-{w['text_lang']}")


def duplicate_truth(written: list[dict[str, Any]]) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """(duplicate pairs, hard-negative pairs) of a labelled set: an original and every translation or paraphrase
    of it are all duplicates of one another (how != "negative"); a record written as a hard negative of an
    original (how == "negative": same topic and a different need, or the same institution and another offer)
    is not a duplicate of it."""
    groups: dict[str, set[str]] = {}
    negatives: set[frozenset[str]] = set()
    for w in written:
        if w["how"] == "negative":
            negatives.add(frozenset((written_id(w), w["of"])))
        else:
            groups.setdefault(w["of"], {w["of"]}).add(written_id(w))
    truth = {frozenset((a, b)) for members in groups.values() for a in members for b in members if a < b}
    return truth, negatives


def half_of(key: str) -> str:
    """The half ("A" or "B") of the duplicate study a record belongs to: by the digits of the benchmark id it
    restates (O001-translation-es goes with O001), odd in A, even in B."""
    digits = "".join(ch for ch in key.split("-")[0] if ch.isdigit())
    return "A" if digits and int(digits) % 2 else "B"


def duplicate_study(cosines: dict[frozenset[str], float], truth: set[frozenset[str]],
                    negatives: set[frozenset[str]], grid: tuple[float, ...] = tuple(x / 100 for x in range(60, 96))
                    ) -> dict[str, Any]:
    """Choose the duplicate threshold on half A and report it on half B (and the whole set).

    cosines: every unordered pair of records of the same kind with its similarity. A pair belongs to the half
    of its first key (sorted). On A, the chosen threshold is the one with the best F1 (ties: the higher
    threshold, the more cautious); precision, recall and hard negatives flagged are then reported on B."""
    def scores(pairs: dict[frozenset[str], float], t: float) -> dict[str, Any]:
        flagged = {p for p, c in pairs.items() if c >= t}
        pos = {p for p in pairs if p in truth}
        hits = len(flagged & pos)
        precision = hits / len(flagged) if flagged else 1.0
        recall = hits / len(pos) if pos else 0.0
        return {"threshold": t, "flagged": len(flagged), "correct": hits, "positives": len(pos),
                "precision": round(precision, 4), "recall": round(recall, 4),
                "f1": round(2 * precision * recall / (precision + recall), 4) if hits else 0.0,
                "hard_negatives_flagged": len(flagged & negatives)}

    halves = {h: {p: c for p, c in cosines.items() if half_of(min(p)) == h} for h in ("A", "B")}

    def choose(half: str) -> float:
        return max((scores(halves[half], t) for t in grid), key=lambda r: (r["f1"], r["threshold"]))["threshold"]

    t, t_b = choose("A"), choose("B")
    return {"chosen_on_A": t, "A": scores(halves["A"], t), "B": scores(halves["B"], t), "all": scores(cosines, t),
            "chosen_on_B": t_b, "A_with_B_s": scores(halves["A"], t_b),
            "lowest_positive": round(min((c for p, c in cosines.items() if p in truth), default=0.0), 4),
            "highest_hard_negative": round(max((c for p, c in cosines.items() if p in negatives), default=0.0), 4),
            "highest_other_negative": round(max((c for p, c in cosines.items()
                                                 if p not in truth and p not in negatives), default=0.0), 4),
            "sweep_all": [scores(cosines, x) for x in grid]}


@contextlib.contextmanager
def _benchmark(offers: str, requests: str, model: str | None, tag_free: bool = False,
               duplicates: str | None = None, second: str | None = None) -> Iterator[dict[str, Any]]:
    """A throw-away app with the benchmark imported, second vectors included (from the disk cache
    KB_VECTOR_CACHE_DIR, else computed: about a minute for the benchmark); yields a function ranking every
    request. second: the second embedder (None: the default one; "none": the first model alone)."""
    from flask import current_app, has_app_context
    from flask_migrate import upgrade

    from kb import create_app
    from kb.extensions import db
    from kb.matching.sync import forget_managers
    from kb.services import ingest, matching
    from kb.services.reference import seed_reference_data

    offer_rows, request_rows = ingest.read_jsonl(offers), ingest.read_jsonl(requests)
    if tag_free:
        request_rows = _without_tags(request_rows)
    written = ingest.read_jsonl(duplicates) if duplicates else []
    originals = {str(r["id"]): r for r in offer_rows + request_rows}
    cache_dir = (current_app.config.get("KB_VECTOR_CACHE_DIR") if has_app_context() else None) or \
        str(Path(__file__).resolve().parents[2] / "instance" / "vector-cache")
    with tempfile.TemporaryDirectory(prefix="kb-eval-") as tmp:
        cfg = {"KB_DATABASE_URL": f"sqlite:///{Path(tmp) / 'eval.sqlite3'}", "KB_INDEX_DIR": str(Path(tmp) / "idx"),
               "KB_SECRET_KEY": secrets.token_hex(32), "KB_BASE_URL": "http://localhost"}  # serves nothing
        if model is not None:
            cfg["KB_EMBEDDING_MODEL"] = model
        cfg["KB_SECOND_EMBEDDING_MODEL"] = second or ""
        app = create_app(cfg)
        with app.app_context():
            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade()
            seed_reference_data()
            t0 = time.perf_counter()
            offer_ids = ingest.import_records("offer", offer_rows).whole(offers)
            request_ids = ingest.import_records("request", request_rows).whole(requests)
            ingest_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            for kind in ("offer", "request"):
                matching.embed_second(kind, cache_dir=cache_dir)
            second_s = time.perf_counter() - t0
            back = {v: key for key, v in offer_ids.items()}

            def rank_all(k: int) -> list[Ranked]:
                out = []
                for row in request_rows:
                    rid = request_ids[str(row["id"])]
                    got = matching.suggest(None, "request", rid, matching.SuggestionArgs(k=k, include_weak=True))
                    out.append(Ranked(str(row["id"]), row.get("text_lang") or "en",
                                      [(back[s["id"]], s["score"]) for s in got], got))
                return out

            def duplicate_pairs() -> dict[str, Any]:
                """Every flagged pair (unordered) among all records, against the labelled positives (the
                written records are imported first, after any ranking: they are not benchmark offers)."""
                from kb.models import Offer, Request

                written_ids: dict[str, dict[str, int]] = {}
                for kind in ("offer", "request"):
                    rows = _written_rows(originals, written, kind)
                    written_ids[kind] = ingest.import_records(kind, rows).whole(duplicates or "") if rows else {}
                key_of: dict[tuple[str, int], str] = {}
                for kind, ids in (("offer", offer_ids), ("request", request_ids), *written_ids.items()):
                    key_of.update({(kind, v): k for k, v in ids.items()})
                truth, negatives = duplicate_truth(written)
                flagged: set[frozenset[str]] = set()
                cosines: dict[frozenset[str], float] = {}
                for kind, model_cls in (("offer", Offer), ("request", Request)):
                    records_ = db.session.scalars(db.select(model_cls).order_by(model_cls.id)).all()
                    for record in records_:
                        for d in matching.near_duplicates(record, limit=50):
                            flagged.add(frozenset((key_of[(kind, record.id)], key_of[(kind, d["id"])])))
                    keys = [key_of[(kind, r.id)] for r in records_]
                    vectors = np.vstack([np.frombuffer(r.embedding, dtype=np.float32) for r in records_])
                    sims = vectors @ vectors.T
                    for i in range(len(keys)):
                        for j in range(i + 1, len(keys)):
                            cosines[frozenset((keys[i], keys[j]))] = float(sims[i, j])
                hits = len(flagged & truth)
                return {"positives": len(truth), "flagged": len(flagged), "correct": hits,
                        "hard_negatives": len(negatives), "hard_negatives_flagged": len(flagged & negatives),
                        "written": {"positives": sum(w["how"] != "negative" for w in written),
                                    "negatives": sum(w["how"] == "negative" for w in written)},
                        "study": duplicate_study(cosines, truth, negatives),
                        "precision": round(hits / len(flagged), 4) if flagged else 1.0,
                        "recall": round(hits / len(truth), 4) if truth else 0.0,
                        "threshold": matching.DUPLICATE_SIMILARITY,
                        "false": sorted(" ~ ".join(sorted(p)) for p in flagged - truth),
                        "missed": sorted(" ~ ".join(sorted(p)) for p in truth - flagged)}

            yield {"rank": rank_all, "ingest_s": ingest_s, "second_s": second_s, "second": matching.second_name(),
                   "model": matching.embedder().name,
                   "offers": len(offer_rows), "requests": len(request_rows), "duplicates": duplicate_pairs}
            db.session.remove()
            db.engine.dispose()
        forget_managers()


def _labelled(rankings: list[Ranked], judged: dict[str, dict[str, int]]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(scores, labels: grade >= 1, group: request index, features in ranking.FEATURES order) of
    every ranked pair."""
    scores, labels, groups, feats = [], [], [], []
    for g, r in enumerate(rankings):
        rel = judged.get(r.qid, {})
        for (oid, score), item in zip(r.hits, r.items or [None] * len(r.hits), strict=True):
            scores.append(score)
            labels.append(1 if rel.get(oid, 0) >= 1 else 0)
            groups.append(g)
            if item is not None:
                c = item["explanation"]["components"]
                feats.append([float(c[name]) for name in ranking.FEATURES])
    return (np.array(scores, dtype=np.float64), np.array(labels), np.array(groups),
            np.array(feats, dtype=np.float64).reshape(len(feats), len(ranking.FEATURES)))


def _second_feature(rankings: list[Ranked]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z of the second cosine, 0 where missing; whether the pair had it; sibling_z, 0 where missing) of every
    ranked pair, in _labelled's order."""
    z2, has2, sib = [], [], []
    for r in rankings:
        for item in r.items or []:
            c = item["explanation"]["components"]
            v = c.get("dense_z_e5")
            z2.append(0.0 if v is None else float(v))
            has2.append(v is not None)
            sib.append(float(c.get("sibling_z") or 0.0))
    return np.array(z2, dtype=np.float64), np.array(has2, dtype=bool), np.array(sib, dtype=np.float64)


def run_eval(offers: str, requests: str, qrels: str, k: int = 10, model: str | None = None,
             echo: Callable[[str], None] = print, tag_free: bool = False,
             duplicates: str | None = None, second: str | None = None) -> dict[str, Any]:
    """Load, rank, score; returns the summary (also printed line by line through echo).

    tag_free: the requests are imported without their sectors and modalities (as users who leave
    the tags out would post them). The summary's `ece` is the expected calibration error (10 bins)
    of the fit of every suggestion shown in the top k.
    """
    judged = evaluation.read_qrels(qrels)
    dup: dict[str, Any] | None = None
    with _benchmark(offers, requests, model, tag_free, duplicates, second) as bench:
        t1 = time.perf_counter()
        rankings = bench["rank"](k)
        rank_s = time.perf_counter() - t1
        if duplicates:
            dup = bench["duplicates"]()
    per_request = [(r.qid, r.lang, evaluation.metrics([o for o, _s in r.hits], judged.get(r.qid, {}), k))
                   for r in rankings]
    summary = evaluation.summarise(per_request, k)
    scores, labels, _groups, _features = _labelled(rankings, judged)
    fits = calibration.fit(scores)
    summary["ece"] = round(calibration.ece(fits, labels), 4)
    summary["strong"] = {"n": int((fits >= calibration.STRONG_FIT).sum()),
                         "relevant": round(float(labels[fits >= calibration.STRONG_FIT].mean()), 3)
                         if (fits >= calibration.STRONG_FIT).any() else None}
    summary["second_model"] = bench["second"]
    echo(f"second model: {bench['second'] or 'none'} (vectors ready in {bench['second_s']:.1f} s, cached by content hash)")
    echo(f"model: {bench['model']}; {bench['offers']} offers and {bench['requests']} requests"
         f"{' (without sectors and modalities)' if tag_free else ''} ingested in "
         f"{bench['ingest_s']:.1f} s; {len(per_request)} rankings in {rank_s:.1f} s")
    for line in evaluation.table(summary, k):
        echo(line)
    echo(f"ECE (10 bins) of the fit over the {len(fits)} suggestions shown: {summary['ece']:.3f}; "
         f"strong suggestions: {summary['strong']['n']}, of which relevant: {summary['strong']['relevant']}")
    if dup is not None:
        summary["duplicates"] = dup
        echo(f"duplicates (cosine >= {dup['threshold']}): {dup['correct']} of {dup['positives']} labelled pairs found, "
             f"{dup['flagged']} pairs flagged: precision {dup['precision']:.3f}, recall {dup['recall']:.3f}")
        echo(f"  hard negatives flagged: {dup['hard_negatives_flagged']} of {dup['hard_negatives']}")
        st = dup["study"]
        echo(f"  threshold chosen on half A (best F1): {st['chosen_on_A']:.2f}; "
             + "; ".join(f"{h}: precision {st[h]['precision']:.3f}, recall {st[h]['recall']:.3f} "
                         f"({st[h]['correct']}/{st[h]['positives']}, {st[h]['flagged']} flagged)"
                         for h in ("A", "B", "all")))
        echo(f"  (chosen on half B instead: {st['chosen_on_B']:.2f}, on A: precision {st['A_with_B_s']['precision']:.3f}, "
             f"recall {st['A_with_B_s']['recall']:.3f}); weakest positive {st['lowest_positive']:.3f}, strongest "
             f"written hard negative {st['highest_hard_negative']:.3f}, strongest other pair {st['highest_other_negative']:.3f}")
        for pair in dup["false"]:
            echo(f"  flagged, not a duplicate: {pair}")
        for pair in dup["missed"]:
            echo(f"  missed: {pair}")
    return summary


def _oof_report(lists: list[list[Ranked]], parts: list[tuple], judged: dict[str, dict[str, int]],
                oof: np.ndarray, labels: np.ndarray) -> dict[str, Any]:
    """Out-of-fold nDCG@10 of re-ranking each candidate list by oof scores, and the calibration of its top 10."""
    report: dict[str, Any] = {}
    for v, name in ((0, "tags"), (1, "tag_free")):
        per, fits, labs = [], [], []
        offset = 0 if v == 0 else len(parts[0][1])
        for r in lists[v]:
            n = len(r.hits)
            order = np.argsort(-oof[offset:offset + n], kind="stable")
            ranked = [r.hits[i][0] for i in order]
            per.append((r.qid, r.lang, evaluation.metrics(ranked, judged.get(r.qid, {}), 10)))
            top = order[:10] + offset
            fits.extend(calibration.fit(oof[top]).tolist())
            labs.extend(labels[top].tolist())
            offset += n
        summary = evaluation.summarise(per, 10)
        report[name] = {"ndcg@10": summary["ndcg@10"], "recall@10": summary["recall@10"],
                        "by_lang": {lang: m["ndcg@10"] for lang, m in summary["by_lang"].items()},
                        "ece": round(calibration.ece(np.array(fits), np.array(labs)), 4),
                        "reliability": calibration.reliability(np.array(fits), np.array(labs))}
    return report


def _cross_validated(x: np.ndarray, labels: np.ndarray, groups: np.ndarray, n_folds: int) -> np.ndarray:
    """Each pair's score by a logistic regression learnt in folds grouped by request, without its request."""
    from sklearn.model_selection import GroupKFold

    oof = np.zeros(len(labels))
    for train, test in GroupKFold(n_splits=n_folds).split(x, labels, groups):
        w, b = calibration.logistic(x[train], labels[train])
        oof[test] = x[test] @ w + b
    return oof


def run_calibrate(offers: str, requests: str, qrels: str, depth: int = 40, folds: int = 5,
                  model: str | None = None, out: Path | None = None,
                  echo: Callable[[str], None] = print, second: str | None = None) -> dict[str, Any]:
    """Learn the fused score's weights and bias (a logistic regression of relevance on the pair
    features, so that sigmoid(score) is the calibrated fit) from the top `depth` candidates of every
    request, ranked with the requests' tags and without them (users leave tags out), and write them
    to `out` (default: the shipped kb/data/calibration.json).

    Reported first, for honesty: the same model fitted in `folds` folds grouped by request, each
    request's pairs scored by weights learnt without it: the out-of-fold nDCG@10 of re-ranking each
    candidate list, and the calibration (ECE, reliability table) of the top 10 it shows."""
    judged = evaluation.read_qrels(qrels)
    parts, lists, seconds = [], [], []
    second_name = None
    for tag_free in (False, True):
        with _benchmark(offers, requests, model, tag_free, second=second) as bench:
            rankings = bench["rank"](depth)
            parts.append(_labelled(rankings, judged))
            seconds.append(_second_feature(rankings))
            lists.append(rankings)
            model_name, second_name = bench["model"], bench["second"]
    n_req = len(lists[0])
    x = np.vstack([p[3] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    groups = np.concatenate([parts[0][2], parts[1][2]])  # a request with and without tags: one group
    z2 = np.concatenate([s_[0] for s_ in seconds])
    has2 = np.concatenate([s_[1] for s_ in seconds])
    sib = np.concatenate([s_[2] for s_ in seconds])
    n_folds = min(folds, n_req)
    # The first model alone (pairs a worker has not reached yet), learnt on every pair.
    oof = _cross_validated(x, labels, groups, n_folds)
    report = _oof_report(lists, parts, judged, oof, labels)
    w, b = calibration.logistic(x, labels)
    result: dict[str, Any] = {
        "method": "logistic regression of relevance (grade >= 1) on the pair features; fit = sigmoid(score)",
        "weights": {name: round(float(v), 6) for name, v in zip(ranking.FEATURES, w, strict=True)},
        "bias": round(b, 6),
        "fitted": dt.date.today().isoformat(), "model": model_name, "pairs": len(labels),
        "relevant": int(labels.sum()), "requests": n_req, "depth": depth,
        "cross_validated": {"folds": n_folds, **report},
    }
    report2 = None
    if second_name is not None and has2.all():
        # With the second embedder's z-scored cosine and sibling_z (pairs whose records both have the second vector).
        x2 = np.column_stack([x, z2, sib])
        oof2 = _cross_validated(x2, labels, groups, n_folds)
        report2 = _oof_report(lists, parts, judged, oof2, labels)
        w2, b2 = calibration.logistic(x2, labels)
        result["second"] = {"model": second_name,
                            "weights": {name: round(float(v), 6) for name, v in
                                        zip(ranking.SECOND_FEATURES, w2, strict=True)},
                            "bias": round(b2, 6), "cross_validated": {"folds": n_folds, **report2}}
    target = out or calibration.PARAMS_FILE
    Path(target).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    calibration.params.cache_clear()
    echo(f"{len(labels)} pairs ({int(labels.sum())} relevant) from {n_req} requests, with and without tags, "
         f"top {depth} candidates each")
    for label, figures in (("first model alone", report), ("with the second embedder", report2)):
        if figures is None:
            continue
        echo(f"{label}:")
        for name in ("tags", "tag_free"):
            r = figures[name]
            echo(f"  cross-validated ({n_folds} folds by request), {name}: nDCG@10 {r['ndcg@10']:.3f} "
                 f"({', '.join(f'{k} {v:.3f}' for k, v in r['by_lang'].items())}), Recall@10 {r['recall@10']:.3f}, "
                 f"ECE of the top 10 {r['ece']:.3f}")
    echo(f"{'bin':10}{'n':>6}{'mean fit':>10}{'observed':>10}   (with tags, top 10, out of fold, shipped model)")
    for row in (report2 or report)["tags"]["reliability"]:
        echo(f"{row['bin']:10}{row['n']:>6}{row['mean_fit']:>10.3f}{row['observed']:>10.3f}")
    echo("weights: " + ", ".join(f"{k} {v:+.3f}" for k, v in result["weights"].items()) + f"; bias {b:+.3f}")
    if "second" in result:
        echo("with the second embedder: " + ", ".join(f"{k} {v:+.3f}" for k, v in result["second"]["weights"].items())
             + f"; bias {result['second']['bias']:+.3f}")
    echo(f"written to {target}")
    return result
