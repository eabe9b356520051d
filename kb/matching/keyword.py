"""A compact BM25 keyword index with cheap incremental updates.

Documents are stored as arrays of (term id, count); scoring gathers the postings of the query's
terms from CSC matrices, so additions and deletions never rebuild the whole index each time.
Two tiers keep the rebuilding cost amortised (a log-structured merge in miniature): the main
matrix holds every document as of the last full compaction; a delta matrix holds the documents
changed since then, rebuilt every COMPACT_AFTER changes; the few changed since the delta was
built are scored one by one. The main matrix is rebuilt only when the delta has reached a
quarter of the index, so loading N documents in small batches costs O(N log N), not O(N^2).
"""
from __future__ import annotations

import itertools
import math
import threading
from collections import Counter
from collections.abc import Iterable

import numpy as np
from scipy import sparse

from kb.matching.text import tokenize

K1, B = 1.2, 0.75
COMPACT_AFTER = 5000
MERGE_FRACTION = 0.25   # rebuild the main matrix when the documents changed since exceed this share


class _Segment:
    """An immutable CSC posting matrix over some documents (rows) and every term (columns)."""

    def __init__(self, docs: dict[int, tuple[np.ndarray, np.ndarray, int]], ids: list[int], n_terms: int) -> None:
        self.ids = np.array(ids, dtype=np.int64)
        rows_docs = [docs[d] for d in ids]
        lengths = np.fromiter((d[0].size for d in rows_docs), dtype=np.int64, count=len(rows_docs))
        shape = (len(ids), max(n_terms, 1))
        if lengths.sum():
            rows = np.repeat(np.arange(len(ids), dtype=np.int32), lengths)
            m = sparse.csc_matrix((np.concatenate([d[1] for d in rows_docs]),
                                   (rows, np.concatenate([d[0] for d in rows_docs]))), shape=shape, dtype=np.float32)
            m.sort_indices()
        else:
            m = sparse.csc_matrix(shape, dtype=np.float32)
        self.matrix = m
        self.row_of = dict(zip(ids, range(len(ids)), strict=True))
        self.lengths = np.fromiter((d[2] for d in rows_docs), dtype=np.float32, count=len(rows_docs))

    def rows_scores(self, q: dict[int, float], rows: np.ndarray, avg: float) -> np.ndarray:
        """BM25 of the given rows (one binary search per query term)."""
        m = self.matrix
        norm = K1 * (1 - B + B * self.lengths[rows] / avg)
        acc = np.zeros(len(rows), dtype=np.float32)
        for t, idf in q.items():
            if t >= m.shape[1]:
                continue
            col = m.indices[m.indptr[t]:m.indptr[t + 1]]
            if not col.size:
                continue
            at = np.minimum(np.searchsorted(col, rows), col.size - 1)
            hit = col[at] == rows
            if hit.any():
                f = m.data[m.indptr[t] + at[hit]]
                acc[hit] += np.float32(idf) * f * (K1 + 1) / (f + norm[hit])
        return acc

    def top(self, q: dict[int, float], k: int, avg: float, stale: np.ndarray) -> dict[int, float]:
        """The k best live rows; only rows holding a query term are touched (no O(rows) pass)."""
        m = self.matrix
        parts_r, parts_s = [], []
        for t, idf in q.items():
            if t >= m.shape[1]:
                continue
            start, end = m.indptr[t], m.indptr[t + 1]
            if start == end:
                continue
            rows, f = m.indices[start:end], m.data[start:end]
            parts_r.append(rows)
            parts_s.append(np.float32(idf) * f * (K1 + 1) / (f + K1 * (1 - B + B * self.lengths[rows] / avg)))
        if not parts_r:
            return {}
        rows, inv = np.unique(np.concatenate(parts_r), return_inverse=True)
        scores = np.bincount(inv, weights=np.concatenate(parts_s)).astype(np.float32)
        if stale.size:
            scores[np.isin(rows, stale)] = 0.0
        take = min(k, len(scores))
        idx = np.argpartition(-scores, take - 1)[:take]
        return {int(self.ids[rows[i]]): float(scores[i]) for i in idx if scores[i] > 0}


class KeywordIndex:
    """BM25 over record ids; `scores(query_terms, ids)` for candidates, `top(query_terms, k)` for retrieval."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.vocab: dict[str, int] = {}
        self.term_list: list[str] = []
        self.df: Counter[int] = Counter()
        self.docs: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}  # id -> (term ids, counts, length)
        self.total_len = 0
        self._main: _Segment | None = None           # every document as of the last full compaction
        self._delta: _Segment | None = None          # live documents of _dirty as of the delta's build
        self._dirty: set[int] = set()                  # ids added/changed/removed since the full compaction
        self._fresh: set[int] = set()                  # ... since the delta was built (scored one by one)
        self._stale_main = np.zeros(0, dtype=np.int64)  # main rows of _dirty ids at the delta's build

    def __len__(self) -> int:
        return len(self.docs)

    def _terms(self, text: str, grow: bool) -> Counter[int]:
        ids: Counter[int] = Counter()
        for tok in tokenize(text):
            tid = self.vocab.get(tok)
            if tid is None:
                if not grow:
                    continue
                tid = self.vocab[tok] = len(self.vocab)
                self.term_list.append(tok)
            ids[tid] += 1
        return ids

    def upsert(self, doc_id: int, text: str) -> None:
        """Add or replace a document."""
        with self._lock:
            self._upsert(doc_id, text)
            self._maybe_compact()

    def upsert_many(self, items: Iterable[tuple[int, str]]) -> None:
        """Add or replace many documents, compacting at most once at the end (bulk loads).

        Calling upsert() in a loop would rebuild the posting matrix every COMPACT_AFTER documents,
        which is quadratic in the catalogue size (minutes at 1M documents).
        """
        with self._lock:
            for doc_id, text in items:
                self._upsert(doc_id, text)
            self._maybe_compact()

    def _maybe_compact(self) -> None:
        if len(self._fresh) <= COMPACT_AFTER:
            return
        if len(self._dirty) > max(COMPACT_AFTER, MERGE_FRACTION * len(self.docs)):
            self.compact()
        else:
            self._compact_delta()

    def _upsert(self, doc_id: int, text: str) -> None:
        self.remove(doc_id)
        counts = self._terms(text, grow=True)
        terms = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        length = int(tf.sum())
        self.docs[doc_id] = (terms, tf, length)
        self.df.update(counts.keys())
        self.total_len += length
        self._dirty.add(doc_id)
        self._fresh.add(doc_id)

    def remove(self, doc_id: int) -> None:
        """Forget a document (no-op when absent)."""
        with self._lock:
            old = self.docs.pop(doc_id, None)
            if old is None:
                return
            terms, _tf, length = old
            self.df.subtract(terms.tolist())
            self.total_len -= length
            self._dirty.add(doc_id)
            self._fresh.add(doc_id)

    def compact(self) -> None:
        """Rebuild the main posting matrix from the stored documents (and drop the delta)."""
        with self._lock:
            self._main = _Segment(self.docs, list(self.docs), len(self.vocab))
            self._delta = None
            self._dirty, self._fresh = set(), set()
            self._stale_main = np.zeros(0, dtype=np.int64)

    def _compact_delta(self) -> None:
        """Rebuild the delta matrix from the live documents changed since the full compaction."""
        if self._main is None:
            self.compact()
            return
        self._delta = _Segment(self.docs, [d for d in self._dirty if d in self.docs], len(self.vocab))
        rows = (self._main.row_of.get(d, -1) for d in self._dirty)
        stale = np.fromiter(rows, dtype=np.int64, count=len(self._dirty))
        self._stale_main = np.sort(stale[stale >= 0])
        self._fresh = set()

    def query_terms(self, text: str) -> dict[int, float]:
        """Known query terms with their IDF (unknown terms cannot match anything)."""
        n = max(len(self.docs), 1)
        counts = self._terms(text, grow=False)
        return {t: math.log(1 + (n - self.df[t] + 0.5) / (self.df[t] + 0.5)) for t in counts if self.df[t] > 0}

    def _doc_score(self, doc_id: int, q: dict[int, float], avg: float) -> float:
        terms, tf, length = self.docs[doc_id]
        mask = np.isin(terms, np.fromiter(q.keys(), dtype=np.int32))
        if not mask.any():
            return 0.0
        f = tf[mask]
        idf = np.array([q[t] for t in terms[mask].tolist()], dtype=np.float32)
        return float((idf * f * (K1 + 1) / (f + K1 * (1 - B + B * length / avg))).sum())

    def scores(self, q: dict[int, float], ids: list[int]) -> np.ndarray:
        """BM25 of each candidate id (0 for unknown ids).

        Candidates are scored together per matrix (main or delta, one binary search per query
        term); the few changed since the delta was built, one by one.
        """
        with self._lock:
            out = np.zeros(len(ids), dtype=np.float32)
            if not q or not ids or not self.docs:
                return out
            avg = self.total_len / max(len(self.docs), 1)
            main, docs, fresh, dirty = self._main, self.docs, self._fresh, self._dirty
            if main is not None and not dirty:  # nothing changed since the full compaction: all in the main matrix
                row_of = main.row_of
                rows = np.array(list(map(row_of.get, ids, itertools.repeat(-1, len(ids)))), dtype=np.int64)
                pos = np.flatnonzero(rows >= 0)
                if pos.size:
                    out[pos] = main.rows_scores(q, rows[pos], avg)
                return out
            main_pos: list[int] = []
            main_rows: list[int] = []
            delta_pos: list[int] = []
            delta_rows: list[int] = []
            for i, d in enumerate(ids):
                if d not in docs:
                    continue
                if main is None or d in fresh:
                    out[i] = self._doc_score(d, q, avg)
                elif d in dirty:
                    delta_pos.append(i)
                    delta_rows.append(self._delta.row_of[d])
                else:
                    main_pos.append(i)
                    main_rows.append(main.row_of[d])
            for seg, pos_, rows_ in ((main, main_pos, main_rows), (self._delta, delta_pos, delta_rows)):
                if rows_:
                    out[np.array(pos_, dtype=np.int64)] = seg.rows_scores(q, np.array(rows_, dtype=np.int64), avg)
            return out

    def top(self, q: dict[int, float], k: int) -> list[tuple[int, float]]:
        """The k best documents for the query terms over the whole index."""
        with self._lock:
            if not q or not self.docs:
                return []
            if self._main is None:  # terms newer than a matrix only occur in documents scored one by one
                self.compact()
            avg = self.total_len / max(len(self.docs), 1)
            fresh_main = [self._main.row_of[d] for d in self._fresh if d in self._main.row_of]
            stale = np.concatenate([self._stale_main, np.array(fresh_main, dtype=np.int64)])
            best = self._main.top(q, k, avg, stale)
            if self._delta is not None:
                fresh_delta = np.array([self._delta.row_of[d] for d in self._fresh if d in self._delta.row_of],
                                       dtype=np.int64)
                best.update(self._delta.top(q, k, avg, fresh_delta))
            if self._fresh:
                live = [d for d in self._fresh if d in self.docs]
                for d, sc in zip(live, self.scores(q, live).tolist(), strict=True):
                    if sc > 0:
                        best[d] = sc
            return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def matched_terms(self, doc_id: int, q: dict[int, float]) -> list[str]:
        """Query terms (stems) that occur in the document, rarest first (for explanations)."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return []
        shared = set(doc[0].tolist()) & set(q)
        return [self.term_list[t] for t in sorted(shared, key=lambda t: -q[t])]
