"""The product's vector index backend (vectors.VectorIndex) on FAISS: exact up to EXACT_LIMIT, IVF above.

The index is exact (flat inner product on float16 codes, EXACT_KIND) up to EXACT_LIMIT vectors; when an addition takes it past the
limit, the vectors move to an IVF index trained on a sample (retrained when the index has grown 4-fold
since), and back to exact when it shrinks below half the limit (see docs/PERFORMANCE.md).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import faiss
import numpy as np

faiss.omp_set_num_threads(1)  # one query per request: extra OpenMP threads only add overhead here

# Below this many vectors exact search is fast enough (see docs/PERFORMANCE.md); above it IVF.
EXACT_LIMIT = 200_000
# The exact index stores float16 codes (IndexScalarQuantizer QT_fp16): half the memory of float32 (195 -> 98 MB at
# 100,000 vectors of 512, in every serving process) and a faster scan (less memory to read); the catalogue rounds
# every vector and query to float16 first (kb.matching.index.as_stored), so scores stay exact dot products of the
# rounded vectors and a pair scores the same from either side. See docs/PERFORMANCE.md §10.
EXACT_KIND = "flat16"
IVF_NPROBE = 32          # lists scanned per query (recall@10 vs exact: see docs/PERFORMANCE.md)
IVF_TRAIN_PER_LIST = 40  # training sample = this many vectors per list (k-means on a sample, not all)
IVF_TRAIN_ITER = 10      # k-means iterations (faiss default 25: 2.5x the training time, no better recall)
ALLOWED_EXACT = 50_000   # with an allow-list up to this size, IVF search re-scores those vectors exactly
REBUILD_CHUNK = 100_000  # vectors added per call when moving them to a new index


def ivf_nlist(n: int) -> int:
    """Number of inverted lists for n vectors (about 4 sqrt(n))."""
    return max(1, int(4 * n ** 0.5))


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


def _ids(ids) -> np.ndarray:
    return np.ascontiguousarray(ids, dtype=np.int64)


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)


class FaissIndex:
    """vectors.VectorIndex on FAISS, switching between exact and IVF with the number of vectors."""

    def __init__(self, dim: int, mmap: bool = False) -> None:
        self.dim = dim
        self.index: faiss.Index = make_faiss_index(dim, EXACT_KIND)
        self.trained_for = 0  # size the IVF index was trained at (0: exact index)
        self.mmap = mmap        # load() maps a snapshot's vectors instead of reading them (see load)
        self._mapped = False    # the vectors are a read-only view of a file: copied before the first change

    def __len__(self) -> int:
        return self.index.ntotal

    @property
    def approximate(self) -> bool:
        return is_approximate(self.index)

    def add(self, ids: np.ndarray, vectors: np.ndarray, replacing: np.ndarray | None = None) -> None:
        self._own()
        if replacing is not None and len(replacing):
            self.index.remove_ids(_ids(replacing))  # FAISS would keep duplicate ids
        ids, vectors = _ids(ids), np.ascontiguousarray(vectors, dtype=np.float32)
        if self.approximate and len(ids) >= 1000:  # assigning to lists is a search over the centroids
            with all_threads():
                self.index.add_with_ids(vectors, ids)
        else:
            self.index.add_with_ids(vectors, ids)
        self._adapt()

    def remove(self, ids: np.ndarray) -> None:
        """In one FAISS call: remove_ids costs O(N) whatever the count."""
        self._own()
        self.index.remove_ids(_ids(ids))
        self._adapt()

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = self.index.ntotal
        if n == 0 or k <= 0:
            return _empty()
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        params = None
        if allowed is not None:
            if not len(allowed):
                return _empty()
            allowed = _ids(allowed)
            k = min(k, len(allowed))
            if self.approximate and len(allowed) <= ALLOWED_EXACT:
                # IVF would only look in nprobe lists, where few allowed ids may live: score them all.
                scores = self.index.reconstruct_batch(allowed) @ q[0]
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

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        try:
            return np.asarray(self.index.reconstruct_batch(_ids(ids)), dtype=np.float32)
        except RuntimeError as exc:  # FAISS's way of saying an id is not there
            raise KeyError(str(exc)) from exc

    def save(self, path: Path) -> None:
        """FAISS's own format: a trained IVF index comes back without training again."""
        faiss.write_index(self.index, str(path))

    def load(self, path: Path) -> None:
        """Read what save() wrote. With mmap, the flat vectors are mapped from the file (IO_FLAG_MMAP_IFC), not read:
        processes that load the same snapshot share its pages through the page cache, and loading reads nothing
        until searched. FAISS cannot change a mapped index (it aborts the process), so the first add or remove
        copies it into memory first (_own). The file must not be changed in place: snapshots are replaced by
        rename, so a mapping keeps the file it was made from."""
        try:
            index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC if self.mmap else 0)
        except RuntimeError as exc:  # FAISS reports unreadable files this way
            raise ValueError(f"not a FAISS index: {path}: {exc}") from exc
        if index.d != self.dim or not isinstance(index, (faiss.IndexIDMap2, faiss.IndexIVF)):
            raise ValueError(f"{path}: a {type(index).__name__} of dimension {index.d}, not {self.dim}")
        if is_approximate(index):
            index.nprobe = min(IVF_NPROBE, index.nlist)
        self.index, self.trained_for = index, (index.ntotal if is_approximate(index) else 0)
        self._mapped = self.mmap

    def _own(self) -> None:
        """Copy a mapped index into memory (once) before changing it."""
        if self._mapped:
            nprobe = self.index.nprobe if is_approximate(self.index) else None
            self.index = faiss.deserialize_index(faiss.serialize_index(self.index))
            if nprobe is not None:
                self.index.nprobe = nprobe
            self._mapped = False

    def stored_ids(self) -> np.ndarray:
        """Every stored id, ascending."""
        if isinstance(self.index, faiss.IndexIDMap2):
            return np.sort(faiss.vector_to_array(self.index.id_map).astype(np.int64))
        lists = self.index.invlists
        parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
                 for i in range(self.index.nlist) if lists.list_size(i)]
        return np.sort(np.concatenate(parts).astype(np.int64)) if parts else np.zeros(0, dtype=np.int64)

    def _adapt(self) -> None:
        """Exact below EXACT_LIMIT, IVF above; retrain IVF once the index has grown 4-fold."""
        n = self.index.ntotal
        if self.approximate:
            if n < EXACT_LIMIT // 2:
                self._rebuild(approximate=False)
            elif n > 4 * self.trained_for:
                self._rebuild(approximate=True)
        elif n > EXACT_LIMIT:
            self._rebuild(approximate=True)

    def _rebuild(self, approximate: bool) -> None:
        ids = self.stored_ids()
        vectors = self.vectors(ids)
        if approximate:
            index, self.trained_for = trained_ivf(vectors, seed=len(ids)), len(ids)
        else:
            index, self.trained_for = make_faiss_index(self.dim, EXACT_KIND), 0
        with all_threads():
            for start in range(0, len(ids), REBUILD_CHUNK):
                index.add_with_ids(vectors[start:start + REBUILD_CHUNK], ids[start:start + REBUILD_CHUNK])
        self.index = index
