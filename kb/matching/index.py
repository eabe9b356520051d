"""In-process search catalogues: a vector index, the entries' metadata, score moments and keywords.

One catalogue per kind (offers, requests). A catalogue is a cache: `IndexManager` (sync.py) fills
it from the database and keeps it in step with committed changes. It composes four parts, each
usable alone: a vector index behind the small `VectorIndex` interface (vectors.py; FAISS by default,
faiss_index.py), the entries (what filters and ranking read, by id), the `Moments` of the stored
vectors, and the BM25 `KeywordIndex` (keyword.py).
"""
from __future__ import annotations

import functools
import itertools
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import faiss
import numpy as np

from kb.matching.faiss_index import FaissIndex
from kb.matching.keyword import KeywordIndex
from kb.matching.vectors import VectorIndex


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


# --- tags as bit masks, so the structured-field features of ~400 candidates are NumPy operations ---

TAG_KINDS = ("sectors", "modalities", "languages")
TAG_BITS: dict[str, dict[str, int]] = {kind: {} for kind in TAG_KINDS}  # per kind: one bit per code seen in the process
MASK_BITS = 64  # masks are uint64: exact while each kind has at most 63 codes (a process never forgets a code)


_REGISTRY_LOCK = threading.Lock()  # a new code is numbered once, whichever threads meet it at the same time


def _register(registry: dict[str, int], value: str, start: int = 0) -> int:
    """value's number in registry, numbering it (start + how many came before) when it is new."""
    code = registry.get(value)
    if code is None:
        with _REGISTRY_LOCK:
            code = registry.get(value)
            if code is None:
                code = registry[value] = start + len(registry)
    return code


@functools.lru_cache(maxsize=65536)
def tag_mask(kind: str, codes: tuple[str, ...]) -> int:
    """A bit mask of codes of one kind of tag (sectors, modalities, working languages: one bit per code of that
    kind ever seen in this process; 25 sectors, 7 modalities, the working languages in use, each kind apart: the
    three together can pass 63 where none alone does). A query's codes are numbered too: a code no record has still
    counts in the union of a Jaccard."""
    bits = TAG_BITS[kind]
    m = 0
    for c in codes:
        m |= 1 << _register(bits, c)
    return m


def masks_exact() -> bool:
    """Whether every tag mask fits one uint64 (else ranking falls back to sets)."""
    return all(len(bits) < MASK_BITS for bits in TAG_BITS.values())


TEXT_LANGS: dict[str, int] = {"": 0}  # a record's text language as a small int (0: none)
UNKNOWN = -1  # a query's value no record has: equal to no column's code


def text_lang_code(lang: str | None) -> int:
    """A record's text language's number (numbered when new)."""
    return _register(TEXT_LANGS, lang or "")


def known_text_lang_code(lang: str | None) -> int:
    """A query's text language's number, UNKNOWN when no record has it (a query never numbers a value)."""
    return TEXT_LANGS.get(lang or "", UNKNOWN)


COUNTRIES: dict[str, int] = {"": 0}  # a country code as a small int (0: none)


def country_code(country: str | None) -> int:
    """A record's country's number (numbered when new)."""
    return _register(COUNTRIES, country or "")


def known_country_code(country: str | None) -> int:
    """A query's country's number, UNKNOWN when no record has it."""
    return COUNTRIES.get(country or "", UNKNOWN)


NO_END = np.iinfo(np.int32).max  # `until` of an entry without an end date
NO_ORG = np.iinfo(np.int64).min  # `org` of an entry without an organisation (equal to no query's)


class Columns:
    """What ranking reads of each entry per candidate, as arrays indexed by record id: its sectors', modalities' and
    working languages' bit masks (rows of `masks`), its text language's code (`lang`), and what the default hard
    filters read: its organisation (`org`), its country's code (`country`) and the ordinal of its last valid day
    (`until`). Kept in step with the entries (Catalogue._put, remove_many, load): ~400 candidates' filters and
    features are then a few NumPy takes."""

    def __init__(self) -> None:
        self.masks = np.zeros((0, 3), dtype=np.uint64)
        self.lang = np.zeros(0, dtype=np.int32)
        self.org = np.zeros(0, dtype=np.int64)
        self.country = np.zeros(0, dtype=np.int32)
        self.until = np.zeros(0, dtype=np.int32)

    def put(self, e: Entry) -> None:
        if e.id >= len(self.lang):
            size, n = max(e.id + 1, 2 * len(self.lang), 64), len(self.lang)
            masks = np.zeros((size, 3), dtype=np.uint64)
            masks[:n] = self.masks
            grown = []
            for old in (self.lang, self.org, self.country, self.until):
                new = np.zeros(size, dtype=old.dtype)
                new[:n] = old
                grown.append(new)
            # readers holding the old arrays keep a consistent view; the masks last (their length is checked)
            self.lang, self.org, self.country, self.until = grown
            self.masks = masks
        low = (1 << MASK_BITS) - 1  # beyond 63 codes the masks are not read (masks_exact)
        self.masks[e.id] = (tag_mask("sectors", e.sectors) & low, tag_mask("modalities", e.modalities) & low,
                            tag_mask("languages", e.languages) & low)
        self.lang[e.id] = text_lang_code(e.text_lang)
        self.org[e.id] = NO_ORG if e.organisation_id is None else e.organisation_id
        self.country[e.id] = country_code(e.country)
        self.until[e.id] = NO_END if e.valid_until is None else e.valid_until.toordinal()

    def remove(self, record_id: int) -> None:
        if record_id < len(self.lang):
            self.masks[record_id] = 0
            self.lang[record_id] = self.org[record_id] = self.country[record_id] = self.until[record_id] = 0


class Moments:
    """First and second moments of a set of vectors: the mean and spread of any query's similarity over
    the whole set in O(dim^2), for z-scoring without scanning."""

    def __init__(self, dim: int) -> None:
        self.n = 0
        self._sum = np.zeros(dim, dtype=np.float64)
        self._gram = np.zeros((dim, dim), dtype=np.float64)

    def add(self, vectors: np.ndarray) -> None:
        v64 = vectors.astype(np.float64)
        self.n += len(v64)
        self._sum += v64.sum(axis=0)
        self._gram += v64.T @ v64

    def remove(self, vectors: np.ndarray) -> None:
        old = vectors.astype(np.float64)
        self.n -= len(old)
        self._sum -= old.sum(axis=0)
        self._gram -= old.T @ old

    def total(self) -> tuple[np.ndarray, int]:
        """The sum of the vectors of the set (a copy) and their count."""
        return self._sum.copy(), self.n

    def similarity_stats(self, vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of vector . x over every x of the set."""
        if self.n == 0:
            return 0.0, 1.0
        q = vector.astype(np.float64)
        mean = float(q @ self._sum) / self.n
        var = float(q @ self._gram @ q) / self.n - mean * mean
        return mean, max(var, 1e-12) ** 0.5

    def similarity_stats_many(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """similarity_stats for each row of vectors at once (one matrix product, no loop)."""
        if self.n == 0:
            return np.zeros(len(vectors)), np.ones(len(vectors))
        q = vectors.astype(np.float64)
        mean = q @ self._sum / self.n
        var = np.einsum("ij,ij->i", q @ self._gram, q) / self.n - mean * mean
        return mean, np.sqrt(np.maximum(var, 1e-12))


_REVISIONS = itertools.count(1)  # catalogue revisions: unique across the process's catalogues, never reused

# An institution's records read as its siblings (ranking.sibling_z): each costs a vector read (~1.4 us) per suggestion,
# and the benchmark's institutions have at most a handful; one with thousands (a bench database's 75 institutions
# for 100,000 offers) made a suggestion 10 ms dearer. Its newest ones speak for it.
SIBLINGS_PER_ORG = 100
LOAD_CHUNK = 10_000  # vectors read back at a time when loading a saved index (the moments' float64 copy stays small)


SECOND_DTYPE = np.float16  # how the second vectors are held in memory (see SecondVectors)


def as_stored(vectors: np.ndarray) -> np.ndarray:
    """First-model vectors (or a query vector) rounded to float16 as the exact index stores them
    (faiss_index.EXACT_KIND), back in float32: what the catalogue adds, its moments and every query use."""
    return np.ascontiguousarray(vectors, dtype=np.float32).astype(np.float16).astype(np.float32)


def as_second_stored(vector: np.ndarray | None) -> np.ndarray | None:
    """A second vector rounded as SecondVectors holds them (float16), back in float32: a query's own stored vector
    is scored against its candidates' at the same precision, so a pair scores the same from either side."""
    return None if vector is None else np.asarray(vector, dtype=np.float32).astype(SECOND_DTYPE).astype(np.float32)


def _second_index(dim: int) -> faiss.IndexScalarQuantizer:
    """The second vectors' store: FAISS's exact inner-product index over float16 codes (each row is the IEEE
    float16 vector, read and written as a NumPy view of the codes; searched with FAISS's SIMD float16 kernels)."""
    return faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)


class SecondVectors:
    """The second embedder's vectors of the catalogue's records that have one (a worker computes them after a
    save; a record without one yet is simply absent), with their moments for z-scoring. A row per record (freed
    rows zeroed and reused): a query gathers its ~400 candidates' rows in one NumPy take, and search() finds the
    records nearest a vector (ranking's second candidates).

    Held as float16 (SECOND_DTYPE): half the memory of float32 (384 dimensions: 77 instead of 154 MB per
    100,000 records, in every serving process); the candidates' rows come back as float32 (lookup). Rounding a
    unit vector's components to float16 moves a cosine by about 1e-4 (docs/PERFORMANCE.md §10); the moments are
    computed from the rounded vectors, so that adding and removing a vector are exact opposites. The rows live in
    a FAISS float16 index (_second_index), the matrix being a view of its codes: NumPy has no fast float16
    product (an exact scan of 10,000 rows converted to float32 cost 11 ms, against 0.3 ms in FAISS)."""

    def __init__(self, dim: int = 0) -> None:
        self.dim = dim
        self.rows: dict[int, int] = {}          # record id -> row of the matrix
        self._index = _second_index(dim) if dim else None
        self._matrix = np.zeros((0, dim), dtype=SECOND_DTYPE)  # a view of self._index's codes (see _grow)
        self._free: list[int] = []
        self._row_of = np.full(0, -1, dtype=np.int64)  # the same map as an array indexed by id, for lookups
        self._id_of = np.full(0, -1, dtype=np.int64)   # each row's record id (-1: a free row), for search
        self.moments = Moments(dim) if dim else None

    def __len__(self) -> int:
        return len(self.rows)

    def _grow(self, n: int) -> None:
        """n more rows of zeros at the end. The codes may move when FAISS enlarges them, so the view is taken again;
        their capacity grows geometrically (std::vector), and only the rows in use are ever written."""
        assert self._index is not None
        for start in range(0, n, 4096):
            self._index.add(np.zeros((min(4096, n - start), self.dim), dtype=np.float32))
        total = self._index.ntotal
        codes = faiss.rev_swig_ptr(self._index.codes.data(), total * self._index.code_size)
        self._matrix = codes.view(SECOND_DTYPE).reshape(total, self.dim)
        ids = np.full(total, -1, dtype=np.int64)
        ids[:len(self._id_of)] = self._id_of
        self._id_of = ids

    def _row(self) -> int:
        if self._free:
            return self._free.pop()
        return len(self.rows)  # rows in use are numbered 0 .. len(rows) + len(free) - 1; _grow made room

    def set_many(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids:
            return
        vectors = np.ascontiguousarray(vectors, dtype=SECOND_DTYPE)
        if len(set(ids)) < len(ids):  # an id given twice: its last vector, counted once in the moments
            last = {i: j for j, i in enumerate(ids)}
            ids, vectors = list(last), vectors[list(last.values())]
        if self.moments is None:
            self.dim = vectors.shape[1]
            self.moments = Moments(self.dim)
            self._index = _second_index(self.dim)
            self._matrix = np.zeros((0, self.dim), dtype=SECOND_DTYPE)
        old = [self.rows[i] for i in ids if i in self.rows]
        if old:
            self.moments.remove(self._matrix[old])
        self.moments.add(vectors)
        top = max(ids)
        if top >= len(self._row_of):
            grown = np.full(max(top + 1, 2 * len(self._row_of)), -1, dtype=np.int64)
            grown[:len(self._row_of)] = self._row_of
            self._row_of = grown
        need = sum(1 for i in dict.fromkeys(ids) if i not in self.rows) - len(self._free)
        if need > 0:
            self._grow(need)
        for i, v in zip(ids, vectors, strict=True):
            row = self.rows.get(i)
            if row is None:
                row = self._row()
                self.rows[i] = row
                self._row_of[i] = row
                self._id_of[row] = i
            self._matrix[row] = v

    def remove_many(self, ids: Iterable[int]) -> None:
        ids = [i for i in ids if i in self.rows]
        self._row_of[ids] = -1
        gone = [self.rows.pop(i) for i in ids]
        if gone and self.moments is not None:
            self.moments.remove(self._matrix[gone])
            self._matrix[gone] = 0.0
            self._id_of[gone] = -1
            self._free.extend(gone)

    def vector(self, record_id: int) -> np.ndarray | None:
        row = self.rows.get(record_id)
        return None if row is None else self._matrix[row].astype(np.float32)

    def search(self, vector: np.ndarray, k: int) -> np.ndarray:
        """The ids of the k records whose second vector is closest to vector (inner product, exact: FAISS's scan of
        the float16 rows on one thread), in no particular order. Freed rows (zeros) are asked for too and dropped."""
        if not self.rows or k <= 0 or vector.shape[-1] != self.dim or self._index is None:
            return np.zeros(0, dtype=np.int64)
        want = min(self._index.ntotal, k + len(self._free))
        _sims, rows = self._index.search(np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1), want)
        rows = rows[0]
        found = self._id_of[rows[rows >= 0]]
        return found[found >= 0][:k]

    def lookup(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(mask of the ids that have a vector, their vectors stacked as float32: zeros where missing)."""
        wanted = np.asarray(ids, dtype=np.int64)
        known = (wanted >= 0) & (wanted < len(self._row_of))
        rows = np.full(len(wanted), -1, dtype=np.int64)
        rows[known] = self._row_of[wanted[known]]
        mask = rows >= 0
        if not len(self._matrix):
            return mask, np.zeros((len(ids), self.dim or 1), dtype=np.float32)
        out = self._matrix[np.where(mask, rows, 0)].astype(np.float32)
        out[~mask] = 0.0
        return mask, out


class Catalogue:
    """Vectors, entries, moments and keywords of one kind of record, kept in step under one write lock."""

    def __init__(self, kind: str, dim: int, index: VectorIndex | None = None) -> None:
        self.kind, self.dim = kind, dim
        self.lock = threading.RLock()
        self.index: VectorIndex = index if index is not None else FaissIndex(dim)
        self.entries: dict[int, Entry] = {}
        self.moments = Moments(dim)
        self.keywords = KeywordIndex()
        self.second = SecondVectors()
        self.text_langs: Counter[str] = Counter()  # records per text language
        self.by_org: dict[int, set[int]] = {}  # organisation -> its records' ids (siblings: ranking.sibling_z)
        self.columns = Columns()
        self.revision = next(_REVISIONS)  # a new value whenever the stored vectors may have changed
        # hub_dots' cache: (this revision, the other catalogue's revision, the other's count, dots by id)
        self._hub: tuple[int, int, int, np.ndarray] | None = None

    def _put(self, e: Entry) -> None:
        old = self.entries.get(e.id)
        if old is not None:
            self.text_langs[old.text_lang] -= 1
            self._unlink_org(old)
        self.text_langs[e.text_lang] += 1
        self.entries[e.id] = e
        if e.organisation_id is not None:
            self.by_org.setdefault(e.organisation_id, set()).add(e.id)
        self.columns.put(e)

    def _unlink_org(self, e: Entry) -> None:
        ids = self.by_org.get(e.organisation_id)
        if ids is not None:
            ids.discard(e.id)
            if not ids:
                del self.by_org[e.organisation_id]

    def siblings_of(self, orgs: Iterable[int]) -> np.ndarray:
        """The ids of the records of these organisations (sorted; the records themselves included): of an
        organisation with more than SIBLINGS_PER_ORG records, its newest SIBLINGS_PER_ORG (highest ids), the same
        set whichever side asks, so a pair's sibling_z stays the same from both pages."""
        with self.lock:
            groups = [self.by_org.get(o, ()) for o in set(orgs)]
            ids = [i for g in groups for i in (g if len(g) <= SIBLINGS_PER_ORG else sorted(g)[-SIBLINGS_PER_ORG:])]
        return np.array(sorted(ids), dtype=np.int64)

    def language_share(self, text_lang: str) -> float:
        """The share of the records whose text is in text_lang (0 when empty)."""
        with self.lock:
            return self.text_langs[text_lang] / len(self.entries) if self.entries else 0.0

    def similarity_stats(self, vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of cos(vector, x) over every stored x."""
        with self.lock:
            return self.moments.similarity_stats(vector)

    def similarity_stats_many(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of cos(v, x) over every stored x, for each row v of vectors."""
        with self.lock:
            return self.moments.similarity_stats_many(vectors)

    def vector_sum(self) -> tuple[np.ndarray, int]:
        """The sum of the stored vectors and their count, read together (v . sum / n: v's mean cosine with them)."""
        with self.lock:
            return self.moments.total()

    def __len__(self) -> int:
        return len(self.entries)

    def set_second(self, ids: list[int], vectors: np.ndarray | None) -> None:
        """Store (vectors given) or drop (None) the second embedder's vectors of catalogue records."""
        with self.lock:
            if vectors is None:
                self.second.remove_many(ids)
            else:
                keep = [j for j, i in enumerate(ids) if i in self.entries]
                self.second.set_many([ids[j] for j in keep], np.asarray(vectors)[keep])

    def second_search(self, vector: np.ndarray, k: int) -> np.ndarray:
        """The ids of the k records closest to vector by their second vector (see SecondVectors.search)."""
        with self.lock:
            return self.second.search(vector, k)

    def second_for(self, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(has a second vector, second vectors) of ids."""
        with self.lock:
            return self.second.lookup(ids)

    def second_stats(self, vector: np.ndarray) -> tuple[float, float]:
        """Mean and standard deviation of the second cosine of one vector against every stored second vector."""
        with self.lock:
            m = self.second.moments
            if m is None:
                return 0.0, 1.0
            # BLAS, as for the first vectors: a serving process runs it on one thread (kb/matching/blas.py), where
            # einsum's own loops took ten times as long (0.3-0.5 ms per suggestion at 384 dimensions)
            return m.similarity_stats(vector)

    def second_stats_many(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of the second cosine of each row against every stored second vector."""
        with self.lock:
            if self.second.moments is None:
                return np.zeros(len(vectors)), np.ones(len(vectors))
            return self.second.moments.similarity_stats_many(vectors)

    def upsert_many(self, entries: list[Entry], vectors: np.ndarray, texts: list[str]) -> None:
        """Add or replace records."""
        if not entries:
            return
        with self.lock:
            vectors = as_stored(vectors)
            ids = np.array([e.id for e in entries], dtype=np.int64)
            present = np.array([i for i in ids.tolist() if i in self.entries], dtype=np.int64)
            if len(present):
                old = self.index.vectors(present)
                # A record whose vector did not change (its tags, status or validity did, or only its second
                # vector came in) keeps its place in the vector index: no removal and re-adding (O(n) in FAISS),
                # and a memory-mapped index stays shared with the other workers.
                at = {i: j for j, i in enumerate(ids.tolist())}
                same = {int(i) for i, o in zip(present.tolist(), old, strict=True) if np.array_equal(o, vectors[at[i]])}
                if same:
                    for e in entries:
                        if e.id in same:
                            self._put(e)
                    self.keywords.upsert_many((i, t) for i, t in zip(ids.tolist(), texts, strict=True) if i in same)
                    keep = [j for j, i in enumerate(ids.tolist()) if i not in same]
                    entries = [entries[j] for j in keep]
                    texts = [texts[j] for j in keep]
                    ids, vectors = ids[keep], vectors[keep]
                    old = old[[j for j, i in enumerate(present.tolist()) if i not in same]]
                    present = np.array([i for i in present.tolist() if i not in same], dtype=np.int64)
                    if not entries:
                        return
                if len(present):
                    self.moments.remove(old)
            self.revision = next(_REVISIONS)
            self.index.add(ids, vectors, replacing=present)
            self.moments.add(vectors)
            for e in entries:
                self._put(e)
            self.keywords.upsert_many(zip(ids.tolist(), texts, strict=True))

    def remove_many(self, ids: list[int]) -> None:
        """Drop records (unknown ids are ignored)."""
        with self.lock:
            present = [i for i in ids if i in self.entries]
            if not present:
                return
            gone = np.array(present, dtype=np.int64)
            self.revision = next(_REVISIONS)
            self.moments.remove(self.index.vectors(gone))
            self.index.remove(gone)
            for i in present:
                old = self.entries.pop(i)
                self.text_langs[old.text_lang] -= 1
                self._unlink_org(old)
                self.columns.remove(i)
                self.keywords.remove(i)
            self.second.remove_many(present)

    def dense(self, vector: np.ndarray, k: int, allowed_ids: list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, cosine) by inner product; optionally only among allowed_ids."""
        with self.lock:
            allowed = None
            if allowed_ids is not None:
                allowed = np.array([i for i in allowed_ids if i in self.entries], dtype=np.int64)
            return self.index.search(vector, k, allowed)

    def vectors_for(self, ids: list[int]) -> np.ndarray:
        """Stored vectors of ids (for exact re-scoring of keyword-only candidates)."""
        with self.lock:
            return self.index.vectors(np.asarray(ids, dtype=np.int64))

    def hub_dots(self, ids: list[int], other: Catalogue) -> tuple[np.ndarray, int]:
        """(v . the sum of other's vectors for the vector v of each of ids, other's count), read together: v's mean
        cosine with other's records times their count (ranking.reverse_centred). Each record's dot is computed once
        per revision of both catalogues (float32 einsum of its vector, row by row: the same number whichever rows are
        computed together) and kept in an array by id (NaN: not computed yet; 8 bytes a record): the usual
        suggestion, with neither catalogue changed since the last, gathers no vector."""
        with other.lock:
            other_revision = other.revision
            total, n = other.moments.total()
        wanted = np.asarray(ids, dtype=np.int64)
        with self.lock:
            hub = self._hub
            top = int(wanted.max()) + 1 if len(wanted) else 0
            if hub is None or hub[0] != self.revision or hub[1] != other_revision:
                hub = self._hub = (self.revision, other_revision, n, np.full(max(top, 64), np.nan))
            elif top > len(hub[3]):
                grown = np.full(max(top, 2 * len(hub[3])), np.nan)
                grown[:len(hub[3])] = hub[3]
                hub = self._hub = (hub[0], hub[1], hub[2], grown)
            dots = hub[3][wanted]
            missing = np.isnan(dots)
            if missing.any():
                new = np.einsum("ij,j->i", self.index.vectors(wanted[missing]),
                                total.astype(np.float32)).astype(np.float64)  # no BLAS threads
                hub[3][wanted[missing]] = new
                dots[missing] = new
            return dots, hub[2]

    def save(self, path: Path) -> list[Entry]:
        """Write the vector index to path; returns the entries it holds, in a consistent state with it."""
        with self.lock:
            self.index.save(path)
            return list(self.entries.values())

    def load(self, path: Path, entries: list[Entry], texts: Iterable[tuple[int, str]]) -> None:
        """Fill an empty catalogue from a saved vector index, its entries and their keyword texts by id.

        Texts of other ids are skipped; an entry without one is indexed by its title. The keyword index
        is filled in one bulk call and compacted once.

        ValueError (or OSError) when the file cannot be read or does not hold exactly these entries' ids:
        the catalogue is then unusable, to be thrown away.
        """
        with self.lock:
            if self.entries:
                raise ValueError("load() fills an empty catalogue")
            self.revision = next(_REVISIONS)
            self.index.load(path)
            ids = np.array([e.id for e in entries], dtype=np.int64)
            if len(self.index) != len(ids) or len(set(ids.tolist())) != len(ids):
                raise ValueError(f"{path}: {len(self.index)} vectors for {len(ids)} entries")
            for start in range(0, len(ids), LOAD_CHUNK):  # in chunks: no full float64 copy of every vector at once
                try:
                    vectors = self.index.vectors(ids[start:start + LOAD_CHUNK])
                except KeyError as exc:
                    raise ValueError(f"{path}: an entry's id is not in the index ({exc})") from exc
                self.moments.add(vectors)
            self.entries = {e.id: e for e in entries}
            self.text_langs = Counter(e.text_lang for e in entries)
            self.by_org = {}
            for e in entries:
                if e.organisation_id is not None:
                    self.by_org.setdefault(e.organisation_id, set()).add(e.id)
                self.columns.put(e)
            self.keywords.upsert_many((i, text) for i, text in texts if i in self.entries)
            self.keywords.upsert_many((e.id, e.title) for e in entries if e.id not in self.keywords.docs)
            self.keywords.compact()
