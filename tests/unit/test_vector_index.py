"""The vector index interface (kb/matching/vectors.py): its contract on FAISS and on a second, trivial backend
(exact NumPy search), and a Catalogue that ranks the same whichever backend it is given."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from kb.matching import faiss_index, ranking
from kb.matching.faiss_index import FaissIndex
from kb.matching.index import Catalogue, Entry
from kb.matching.vectors import VectorIndex

DIM = 16


class NumpyIndex:
    """Exact search over a dict of vectors: everything the interface asks, nothing more."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.stored: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.stored)

    def add(self, ids, vectors, replacing=None) -> None:
        assert not (set(ids.tolist()) - set(() if replacing is None else replacing.tolist())) & set(self.stored)
        self.stored.update(zip(ids.tolist(), np.asarray(vectors, dtype=np.float32), strict=True))

    def remove(self, ids) -> None:
        for i in ids.tolist():
            del self.stored[i]

    def search(self, query, k, allowed=None):
        ids = np.array(list(self.stored) if allowed is None else allowed.tolist(), dtype=np.int64)
        if not len(ids) or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = self.vectors(ids) @ np.asarray(query, dtype=np.float32)
        top = np.argsort(-scores, kind="stable")[:k]
        return ids[top], scores[top]

    def vectors(self, ids) -> np.ndarray:
        return np.array([self.stored[i] for i in np.asarray(ids).tolist()], dtype=np.float32).reshape(-1, self.dim)

    def save(self, path: Path) -> None:
        with open(path, "wb") as fh:
            np.savez(fh, ids=np.array(list(self.stored), dtype=np.int64), vectors=self.vectors(list(self.stored)))

    def load(self, path: Path) -> None:
        with np.load(path) as data:
            if data["vectors"].shape[1:] != (self.dim,):
                raise ValueError("other dimension")
            self.stored = dict(zip(data["ids"].tolist(), data["vectors"], strict=True))


def _unit(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((6, DIM))
    v = centres[rng.integers(0, 6, n)] + 0.4 * rng.standard_normal((n, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(params=["faiss-exact", "faiss-ivf", "numpy"])
def backend(request, monkeypatch) -> VectorIndex:
    if request.param == "faiss-ivf":  # IVF past 100 vectors, scanning every list: exact results
        monkeypatch.setattr(faiss_index, "EXACT_LIMIT", 100)
        monkeypatch.setattr(faiss_index, "IVF_NPROBE", 10_000)
    return NumpyIndex(DIM) if request.param == "numpy" else FaissIndex(DIM)


def _brute(stored: dict[int, np.ndarray], q: np.ndarray, k: int, among=None) -> list[int]:
    ids = [i for i in stored if among is None or i in among]
    return sorted(ids, key=lambda i: -float(stored[i] @ q))[:k]


def test_the_backends_keep_the_contract(backend, tmp_path):
    vecs = _unit(300, 1)
    stored = dict(zip(range(10, 310), vecs, strict=True))
    for start in range(0, 300, 100):
        chunk = np.arange(10 + start, 110 + start, dtype=np.int64)
        backend.add(chunk, vecs[start:start + 100])
    new = _unit(5, 2)  # replace five, drop five
    backend.add(np.arange(10, 15, dtype=np.int64), new, replacing=np.arange(10, 15, dtype=np.int64))
    stored.update(zip(range(10, 15), new, strict=True))
    backend.remove(np.arange(300, 305, dtype=np.int64))
    for i in range(300, 305):
        del stored[i]
    assert len(backend) == len(stored) == 295
    if isinstance(backend, FaissIndex):
        assert backend.approximate == (len(backend) > faiss_index.EXACT_LIMIT)
    np.testing.assert_allclose(backend.vectors(np.array([12, 200])), np.vstack([stored[12], stored[200]]), atol=1e-3)
    with pytest.raises(KeyError):
        backend.vectors(np.array([12, 302]))  # removed
    q = _unit(1, 3)[0]
    ids, scores = backend.search(q, 10)
    assert ids.dtype == np.int64 and ids.tolist() == _brute(stored, q, 10)
    np.testing.assert_allclose(scores, [stored[i] @ q for i in ids.tolist()], atol=1e-3)
    allowed = np.array([11, 50, 120, 250, 299], dtype=np.int64)
    assert backend.search(q, 3, allowed)[0].tolist() == _brute(stored, q, 3, set(allowed.tolist()))
    assert backend.search(q, 3, np.zeros(0, dtype=np.int64))[0].size == 0
    assert backend.search(q, 1000)[0].size == 295

    backend.save(tmp_path / "vectors")
    again = type(backend)(DIM)
    again.load(tmp_path / "vectors")
    assert len(again) == 295 and again.search(q, 10)[0].tolist() == ids.tolist()
    with pytest.raises(ValueError):
        type(backend)(DIM + 1).load(tmp_path / "vectors")


ENTRY_VOCAB = {"sectors": ("health", "water", "energy"), "countries": ("BR", "CO", "SN", "IN")}


def _entries(n: int) -> list[Entry]:
    rng = np.random.default_rng(5)
    return [Entry(id=i, title=f"offer {i}", country=ENTRY_VOCAB["countries"][i % 4], organisation_id=i % 7,
                  sectors=tuple(rng.choice(ENTRY_VOCAB["sectors"], 1 + i % 2, replace=False).tolist()),
                  modalities=("training-course",) if i % 3 else ("expert-mission",),
                  languages=("en",) if i % 2 else ("es", "pt"), text_lang="en",
                  valid_until=date(2020, 1, 1) if i % 29 == 0 else None)
            for i in range(1, n + 1)]


def _catalogue(index: VectorIndex, n: int = 120) -> Catalogue:
    cat = Catalogue("offer", DIM, index=index)
    entries, vectors = _entries(n), _unit(n, 7)
    texts = [f"clinic water {'solar pump' if e.id % 5 == 0 else 'training'} code{e.id % 11}" for e in entries]
    for start in range(0, n, 50):
        cat.upsert_many(entries[start:start + 50], vectors[start:start + 50], texts[start:start + 50])
    cat.upsert_many(entries[:3], _unit(3, 8), ["solar pump code1", "clinic", "water"])  # updates
    cat.remove_many([4, 9, 999])
    return cat


def test_a_catalogue_ranks_the_same_on_any_backend():
    on_faiss, on_numpy = _catalogue(FaissIndex(DIM)), _catalogue(NumpyIndex(DIM))
    assert len(on_faiss) == len(on_numpy) == 118
    today = date(2026, 1, 1)
    for seed, filters in enumerate([ranking.Filters(today=today), ranking.Filters(today=today, sector="water"),
                                    ranking.Filters(today=today, include_own_country=True, language="es")]):
        q = ranking.Query(vector=_unit(1, 100 + seed)[0], text="solar pump for a clinic", country="BR",
                          organisation_id=3, sectors=("water",), modalities=("training-course",), languages=("en",))
        got = [ranking.rank(cat, q, filters, 10) for cat in (on_faiss, on_numpy)]
        assert len(got[0]) == 10
        assert [s.id for s in got[0]] == [s.id for s in got[1]]
        np.testing.assert_allclose([s.score for s in got[0]], [s.score for s in got[1]], atol=1e-4)
    assert on_faiss.similarity_stats(q.vector) == pytest.approx(on_numpy.similarity_stats(q.vector), abs=1e-6)


@pytest.mark.parametrize("make", [FaissIndex, NumpyIndex])
def test_a_saved_catalogue_loads_into_the_same_catalogue(make, tmp_path):
    cat = _catalogue(make(DIM))
    entries = cat.save(tmp_path / "offer.index")
    texts = {e.id: " ".join(cat.keywords.term_list[t] for t in cat.keywords.docs[e.id][0]) for e in entries}
    again = Catalogue("offer", DIM, index=make(DIM))
    again.load(tmp_path / "offer.index", entries, texts.items())
    assert again.entries == cat.entries
    q = _unit(1, 50)[0]
    assert again.dense(q, 20)[0].tolist() == cat.dense(q, 20)[0].tolist()
    assert again.similarity_stats(q) == pytest.approx(cat.similarity_stats(q), abs=1e-9)
    before, after = (dict(c.keywords.top(c.keywords.query_terms("solar pump code3"), 200)) for c in (cat, again))
    assert len(before) > 10 and after == pytest.approx(before)


@pytest.mark.parametrize("make", [FaissIndex, NumpyIndex])
def test_loading_refuses_an_index_that_does_not_hold_the_entries(make, tmp_path):
    cat = _catalogue(make(DIM))
    entries = cat.save(tmp_path / "offer.index")
    with pytest.raises(ValueError):
        Catalogue("offer", DIM, index=make(DIM)).load(tmp_path / "offer.index", entries[:-1], [])
    other = entries[:-1] + [Entry(id=123_456, title="", country="BR", organisation_id=1, sectors=(), modalities=(),
                                  languages=(), text_lang="en")]
    with pytest.raises(ValueError):
        Catalogue("offer", DIM, index=make(DIM)).load(tmp_path / "offer.index", other, [])
    (tmp_path / "junk").write_bytes(b"not an index")
    with pytest.raises((ValueError, OSError)):
        Catalogue("offer", DIM, index=make(DIM)).load(tmp_path / "junk", [], [])


def test_loading_indexes_keywords_of_the_entries_only_and_titles_where_a_text_is_missing(tmp_path):
    cat = _catalogue(FaissIndex(DIM))
    entries = cat.save(tmp_path / "offer.index")
    texts = [(e.id, "geothermal drilling") for e in entries[1:]] + [(777_777, "unrelated record")]
    again = Catalogue("offer", DIM)
    again.load(tmp_path / "offer.index", entries, iter(texts))
    assert set(again.keywords.docs) == set(again.entries)
    assert again.keywords.top(again.keywords.query_terms(entries[0].title), 1)[0][0] == entries[0].id
    assert not again.keywords.query_terms("unrelated")


def test_the_exact_index_holds_float16_codes_and_scores_the_rounded_vectors():
    """faiss_index.EXACT_KIND: 2 bytes per dimension (half of float32); what it returns are the exact dot products of
    the vectors as the catalogue rounds them (index.as_stored), and it gives those vectors back unchanged."""
    import faiss

    from kb.matching.index import as_stored

    rng = np.random.default_rng(21)
    v = rng.standard_normal((1000, 64))
    v = as_stored(v / np.linalg.norm(v, axis=1, keepdims=True))
    ids = np.arange(10, 1010, dtype=np.int64)
    backend = FaissIndex(64)
    backend.add(ids, v)
    assert faiss.downcast_index(backend.index.index).code_size == 64 * 2
    q = v[3]
    got_ids, got = backend.search(q, 10)
    want = v @ q
    top = np.argsort(-want, kind="stable")[:10]
    assert got_ids.tolist() == ids[top].tolist()
    np.testing.assert_allclose(got, want[top], rtol=1e-6)
    np.testing.assert_array_equal(backend.vectors(ids[:5]), v[:5])
