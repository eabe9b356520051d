"""In-process search catalogues: a FAISS vector index plus the metadata and keywords filters need.

One catalogue per kind (offers, requests). A catalogue is a cache: `IndexManager` (sync.py) fills
it from the database and keeps it in step with committed changes.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date

import faiss
import numpy as np

from kb.matching.keyword import KeywordIndex

faiss.omp_set_num_threads(1)  # one query per request: extra OpenMP threads only add overhead here

# Below this many vectors exact search is fast enough (see docs/PERFORMANCE.md); above it IVF.
EXACT_LIMIT = 200_000


@dataclass(frozen=True)
class Entry:
    """What ranking and filtering need to know about an indexed record, without the database."""

    id: int
    title: str
    country: str
    organisation_id: int
    sectors: tuple[str, ...]
    modalities: tuple[str, ...]
    languages: tuple[str, ...]
    text_lang: str
    valid_until: date | None = None
    groups: frozenset[str] = field(default_factory=frozenset)

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and self.valid_until < today


def make_faiss_index(dim: int, kind: str = "flat", nlist: int = 0) -> faiss.Index:
    """Exact inner product ('flat'), fp16 exact ('flat16') or inverted lists ('ivf'); all support deletion."""
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "flat16":
        return faiss.IndexIDMap2(faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16,
                                                            faiss.METRIC_INNER_PRODUCT))
    if kind == "ivf":
        quantizer = faiss.IndexFlatIP(dim)
        return faiss.IndexIVFScalarQuantizer(quantizer, dim, max(nlist, 1), faiss.ScalarQuantizer.QT_fp16,
                                             faiss.METRIC_INNER_PRODUCT)
    raise ValueError(kind)


class Catalogue:
    """Vectors, metadata and keywords of one kind of record, guarded by a write lock."""

    def __init__(self, kind: str, dim: int) -> None:
        self.kind, self.dim = kind, dim
        self.lock = threading.RLock()
        self.index = make_faiss_index(dim)
        self.entries: dict[int, Entry] = {}
        self.keywords = KeywordIndex()
        # First and second moments of the stored vectors: the mean and spread of any query's
        # similarity over the whole catalogue in O(dim^2), for z-scoring without scanning.
        self._sum = np.zeros(dim, dtype=np.float64)
        self._gram = np.zeros((dim, dim), dtype=np.float64)

    def similarity_stats(self, vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of cos(vector, x) over every stored x."""
        with self.lock:
            n = len(self.entries)
            if n == 0:
                return 0.0, 1.0
            q = vector.astype(np.float64)
            mean = float(q @ self._sum) / n
            var = float(q @ self._gram @ q) / n - mean * mean
            return mean, max(var, 1e-12) ** 0.5

    def __len__(self) -> int:
        return len(self.entries)

    def upsert_many(self, entries: list[Entry], vectors: np.ndarray, texts: list[str]) -> None:
        """Add or replace records (remove-then-add: FAISS would keep duplicate ids)."""
        if not entries:
            return
        with self.lock:
            ids = np.array([e.id for e in entries], dtype=np.int64)
            present = [int(i) for i in ids if int(i) in self.entries]
            if present:
                self._forget_moments(present)
                self.index.remove_ids(np.array(present, dtype=np.int64))
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            self.index.add_with_ids(vectors, ids)
            v64 = vectors.astype(np.float64)
            self._sum += v64.sum(axis=0)
            self._gram += v64.T @ v64
            for e, text in zip(entries, texts):
                self.entries[e.id] = e
                self.keywords.upsert(e.id, text)

    def remove_many(self, ids: list[int]) -> None:
        """Drop records (in one FAISS call: remove_ids costs O(N) whatever the count)."""
        with self.lock:
            present = [i for i in ids if i in self.entries]
            if not present:
                return
            self._forget_moments(present)
            self.index.remove_ids(np.array(present, dtype=np.int64))
            for i in present:
                del self.entries[i]
                self.keywords.remove(i)

    def _forget_moments(self, ids: list[int]) -> None:
        old = self.vectors_for(ids).astype(np.float64)
        self._sum -= old.sum(axis=0)
        self._gram -= old.T @ old

    def dense(self, vector: np.ndarray, k: int, allowed_ids: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, cosine) by inner product; optionally only among allowed_ids."""
        with self.lock:
            n = self.index.ntotal
            if n == 0 or k <= 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            q = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
            params = None
            if allowed_ids is not None:
                if not allowed_ids:
                    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
                params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.array(allowed_ids, dtype=np.int64)))
                k = min(k, len(allowed_ids))
            scores, ids = self.index.search(q, min(k, n), params=params)
            keep = ids[0] >= 0
            return ids[0][keep], scores[0][keep]

    def vectors_for(self, ids: list[int]) -> np.ndarray:
        """Stored vectors of ids (for exact re-scoring of keyword-only candidates)."""
        with self.lock:
            return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if ids else np.zeros((0, self.dim), np.float32)
