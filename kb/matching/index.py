"""In-process search catalogues: a FAISS vector index plus the metadata and keywords filters need.

One catalogue per kind (offers, requests). A catalogue is a cache: `IndexManager` (sync.py) fills
it from the database and keeps it in step with committed changes.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import faiss
import numpy as np

from kb.matching.keyword import KeywordIndex

faiss.omp_set_num_threads(1)  # one query per request: extra OpenMP threads only add overhead here

# Below this many vectors exact search is fast enough (see docs/PERFORMANCE.md); above it IVF.
EXACT_LIMIT = 200_000
IVF_NPROBE = 32          # lists scanned per query (recall@10 vs exact: see docs/PERFORMANCE.md)
IVF_TRAIN_PER_LIST = 40  # training sample = this many vectors per list (k-means on a sample, not all)
IVF_TRAIN_ITER = 10      # k-means iterations (faiss default 25: 2.5x the training time, no better recall)
ALLOWED_EXACT = 50_000   # with an allow-list up to this size, IVF search re-scores those vectors exactly


def ivf_nlist(n: int) -> int:
    """Number of inverted lists for n vectors (about 4 sqrt(n))."""
    return max(1, int(4 * n ** 0.5))


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
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, max(nlist, 1), faiss.ScalarQuantizer.QT_fp16,
                                              faiss.METRIC_INNER_PRODUCT)
        # A hash table from id to list position: reconstruct() and remove_ids() of arbitrary ids.
        index.set_direct_map_type(faiss.DirectMap.Hashtable)
        index.nprobe = min(IVF_NPROBE, index.nlist)
        return index  # untrained: train() on a sample before adding
    raise ValueError(kind)


def is_approximate(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIVF)


@contextmanager
def all_threads():
    """Every core for bulk work (k-means, assigning many vectors to lists); serving stays on one."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def trained_ivf(vectors: np.ndarray, seed: int = 0) -> faiss.Index:
    """An empty IVF index sized for these vectors, trained (k-means, all cores) on a sample of them."""
    n, dim = vectors.shape
    index = make_faiss_index(dim, "ivf", ivf_nlist(n))
    index.cp.niter = IVF_TRAIN_ITER
    take = min(n, IVF_TRAIN_PER_LIST * index.nlist)
    sample = vectors[np.sort(np.random.default_rng(seed).choice(n, take, replace=False))] if take < n else vectors
    with all_threads():
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
    return index


class Catalogue:
    """Vectors, metadata and keywords of one kind of record, guarded by a write lock.

    The vector index is exact (flat inner product) up to EXACT_LIMIT vectors; when an upsert takes
    the catalogue past it, the vectors move to an IVF index trained on a sample (retrained when
    the catalogue has grown 4-fold since), and back to exact when it shrinks below half the limit.
    """

    def __init__(self, kind: str, dim: int) -> None:
        self.kind, self.dim = kind, dim
        self.lock = threading.RLock()
        self.index = make_faiss_index(dim)
        self.trained_for = 0  # catalogue size the IVF index was trained at (0: exact index)
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
            if self.approximate and len(ids) >= 1000:  # assigning to lists is a search over the centroids
                with all_threads():
                    self.index.add_with_ids(vectors, ids)
            else:
                self.index.add_with_ids(vectors, ids)
            v64 = vectors.astype(np.float64)
            self._sum += v64.sum(axis=0)
            self._gram += v64.T @ v64
            for e in entries:
                self.entries[e.id] = e
            self.keywords.upsert_many(zip(ids.tolist(), texts))
            self._adapt_index()

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
            self._adapt_index()

    @property
    def approximate(self) -> bool:
        return is_approximate(self.index)

    def _adapt_index(self) -> None:
        """Exact below EXACT_LIMIT, IVF above; retrain IVF once the catalogue has grown 4-fold."""
        n = self.index.ntotal
        if self.approximate:
            if n < EXACT_LIMIT // 2:
                self._rebuild(approximate=False)
            elif n > 4 * self.trained_for:
                self._rebuild(approximate=True)
        elif n > EXACT_LIMIT:
            self._rebuild(approximate=True)

    def _rebuild(self, approximate: bool) -> None:
        ids = np.fromiter(self.entries.keys(), dtype=np.int64, count=len(self.entries))
        vectors = np.ascontiguousarray(self.index.reconstruct_batch(ids), dtype=np.float32) if len(ids) \
            else np.zeros((0, self.dim), np.float32)
        if approximate:
            index, self.trained_for = trained_ivf(vectors, seed=len(ids)), len(ids)
        else:
            index, self.trained_for = make_faiss_index(self.dim), 0
        with all_threads():
            for start in range(0, len(ids), 100_000):
                index.add_with_ids(vectors[start:start + 100_000], ids[start:start + 100_000])
        self.index = index

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
                allowed = np.array(allowed_ids, dtype=np.int64)
                k = min(k, len(allowed_ids))
                if self.approximate and len(allowed) <= ALLOWED_EXACT:
                    # IVF would only look in nprobe lists, where few allowed ids may live: score them all.
                    allowed = np.array([i for i in allowed_ids if i in self.entries], dtype=np.int64)
                    scores = self.index.reconstruct_batch(allowed) @ q[0] if len(allowed) else np.zeros(0, np.float32)
                    top = np.argsort(-scores, kind="stable")[:k]
                    return allowed[top], scores[top].astype(np.float32)
                sel = faiss.IDSelectorBatch(allowed)
                if self.approximate:  # a large allow-list: scan proportionally more lists
                    nprobe = min(self.index.nlist, int(self.index.nprobe * max(1.0, n / len(allowed))))
                    params = faiss.SearchParametersIVF(sel=sel, nprobe=nprobe)
                else:
                    params = faiss.SearchParameters(sel=sel)
            scores, ids = self.index.search(q, min(k, n), params=params)
            keep = ids[0] >= 0
            return ids[0][keep], scores[0][keep]

    def vectors_for(self, ids: list[int]) -> np.ndarray:
        """Stored vectors of ids (for exact re-scoring of keyword-only candidates)."""
        with self.lock:
            if not ids:
                return np.zeros((0, self.dim), np.float32)
            return np.asarray(self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64)), dtype=np.float32)
