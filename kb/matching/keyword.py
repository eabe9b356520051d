"""A compact BM25 keyword index with cheap incremental updates.

Documents are stored as arrays of (term id, count); scoring gathers the postings of the query's
terms from a CSC matrix built at compaction time plus a small dictionary of documents changed
since, so additions and deletions never rebuild the whole index.
"""
from __future__ import annotations

import math
import threading
from collections import Counter
from typing import Iterable

import numpy as np
from scipy import sparse

from kb.matching.text import tokenize

K1, B = 1.2, 0.75
COMPACT_AFTER = 5000


class KeywordIndex:
    """BM25 over record ids; `scores(query_terms, ids)` for candidates, `top(query_terms, k)` for retrieval."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.vocab: dict[str, int] = {}
        self.term_list: list[str] = []
        self.df: Counter[int] = Counter()
        self.docs: dict[int, tuple[np.ndarray, np.ndarray, int]] = {}  # id -> (term ids, counts, length)
        self.total_len = 0
        self._matrix: sparse.csc_matrix | None = None   # rows: _row_ids, columns: term ids
        self._row_ids = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._dirty: set[int] = set()                  # ids added/changed/removed since compaction

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
            if len(self._dirty) > COMPACT_AFTER:
                self.compact()

    def upsert_many(self, items: Iterable[tuple[int, str]]) -> None:
        """Add or replace many documents, compacting at most once at the end (bulk loads).

        Calling upsert() in a loop would rebuild the posting matrix every COMPACT_AFTER documents,
        which is quadratic in the catalogue size (minutes at 1M documents).
        """
        with self._lock:
            for doc_id, text in items:
                self._upsert(doc_id, text)
            if len(self._dirty) > COMPACT_AFTER:
                self.compact()

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

    def compact(self) -> None:
        """Rebuild the posting matrix from the stored documents."""
        with self._lock:
            ids = np.fromiter(self.docs.keys(), dtype=np.int64, count=len(self.docs))
            docs = list(self.docs.values())
            lengths = np.fromiter((d[0].size for d in docs), dtype=np.int64, count=len(docs))
            shape = (len(ids), max(len(self.vocab), 1))
            if lengths.sum():
                rows = np.repeat(np.arange(len(ids), dtype=np.int32), lengths)
                cols = np.concatenate([d[0] for d in docs])
                vals = np.concatenate([d[1] for d in docs])
                m = sparse.csc_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)
                m.sort_indices()
            else:
                m = sparse.csc_matrix(shape, dtype=np.float32)
            self._matrix, self._row_ids = m, ids
            self._row_of = dict(zip(ids.tolist(), range(len(ids))))
            self._lengths = np.fromiter((d[2] for d in docs), dtype=np.float32, count=len(docs))
            self._dirty = set()

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

        Documents unchanged since the last compaction are scored together from the posting
        matrix (one binary search per query term); the few changed since, one by one.
        """
        with self._lock:
            out = np.zeros(len(ids), dtype=np.float32)
            if not q or not ids or not self.docs:
                return out
            avg = self.total_len / max(len(self.docs), 1)
            m = self._matrix
            slow: list[int] = []
            pos: list[int] = []
            rows: list[int] = []
            for i, d in enumerate(ids):
                if d not in self.docs:
                    continue
                r = self._row_of.get(d, -1) if m is not None and d not in self._dirty else -1
                if r < 0:
                    slow.append(i)
                else:
                    pos.append(i)
                    rows.append(r)
            if rows:
                pos_a, rows_a = np.array(pos, dtype=np.int64), np.array(rows, dtype=np.int64)
                norm = K1 * (1 - B + B * self._lengths[rows_a] / avg)
                acc = np.zeros(len(rows_a), dtype=np.float32)
                for t, idf in q.items():
                    if t >= m.shape[1]:
                        continue
                    col = m.indices[m.indptr[t]:m.indptr[t + 1]]
                    if not col.size:
                        continue
                    at = np.minimum(np.searchsorted(col, rows_a), col.size - 1)
                    hit = col[at] == rows_a
                    if hit.any():
                        f = m.data[m.indptr[t] + at[hit]]
                        acc[hit] += np.float32(idf) * f * (K1 + 1) / (f + norm[hit])
                out[pos_a] = acc
            for i in slow:
                out[i] = self._doc_score(ids[i], q, avg)
            return out

    def top(self, q: dict[int, float], k: int) -> list[tuple[int, float]]:
        """The k best documents for the query terms over the whole index."""
        with self._lock:
            if not q or not self.docs:
                return []
            if self._matrix is None:  # terms newer than the matrix only occur in dirty documents, scored below
                self.compact()
            avg = self.total_len / max(len(self.docs), 1)
            m = self._matrix
            scores = np.zeros(m.shape[0], dtype=np.float32)
            norm = K1 * (1 - B + B * self._lengths / avg) if m.shape[0] else np.zeros(0)
            for t, idf in q.items():
                if t >= m.shape[1]:
                    continue
                start, end = m.indptr[t], m.indptr[t + 1]
                rows, f = m.indices[start:end], m.data[start:end]
                scores[rows] += idf * f * (K1 + 1) / (f + norm[rows])
            best: dict[int, float] = {}
            if len(scores):
                stale = np.fromiter((self._row_of.get(d, -1) for d in self._dirty), dtype=np.int64)
                stale = stale[stale >= 0]
                scores[stale] = 0.0
                take = min(k, len(scores))
                idx = np.argpartition(-scores, take - 1)[:take] if take else []
                best = {int(self._row_ids[i]): float(scores[i]) for i in idx if scores[i] > 0}
            if self._dirty:
                live = [d for d in self._dirty if d in self.docs]
                for d, s in zip(live, self.scores(q, live).tolist()):
                    if s > 0:
                        best[d] = s
            return sorted(best.items(), key=lambda kv: -kv[1])[:k]

    def matched_terms(self, doc_id: int, q: dict[int, float]) -> list[str]:
        """Query terms (stems) that occur in the document, rarest first (for explanations)."""
        doc = self.docs.get(doc_id)
        if doc is None:
            return []
        shared = set(doc[0].tolist()) & set(q)
        return [self.term_list[t] for t in sorted(shared, key=lambda t: -q[t])]
