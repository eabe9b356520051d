"""Catalogue behaviour on both vector index types (exact flat and IVF), with small dimensions."""
from __future__ import annotations

import numpy as np
import pytest

from kb.matching import faiss_index as index_mod
from kb.matching.index import Catalogue, Entry
from kb.matching.keyword import KeywordIndex

DIM = 16


def _entry(i: int) -> Entry:
    return Entry(id=i, title=f"t{i}", country="BR", organisation_id=1, sectors=("health",),
                 modalities=(), languages=("en",), text_lang="en")


def _vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # clustered, like text embeddings, so IVF lists are meaningful
    centres = rng.standard_normal((8, DIM))
    v = centres[rng.integers(0, 8, n)] + 0.3 * rng.standard_normal((n, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(params=["exact", "ivf"])
def cat_kind(request, monkeypatch):
    if request.param == "ivf":
        # switch to IVF past 300 vectors and scan every list, so results equal exact search
        monkeypatch.setattr(index_mod, "EXACT_LIMIT", 300)
        monkeypatch.setattr(index_mod, "IVF_NPROBE", 10_000)
    return request.param


def _filled(n: int = 600, seed: int = 0) -> tuple[Catalogue, dict[int, np.ndarray]]:
    cat = Catalogue("offer", DIM)
    vecs = _vectors(n, seed)
    ids = list(range(1000, 1000 + n))
    for s in range(0, n, 200):
        cat.upsert_many([_entry(i) for i in ids[s:s + 200]], vecs[s:s + 200], [f"doc {i}" for i in ids[s:s + 200]])
    return cat, dict(zip(ids, vecs, strict=True))


def _check_stats(cat: Catalogue, stored: dict[int, np.ndarray]) -> None:
    q = _vectors(1, 99)[0]
    sims = np.array([v @ q for v in stored.values()], dtype=np.float64)
    mean, std = cat.similarity_stats(q)
    assert mean == pytest.approx(sims.mean(), abs=1e-5)
    assert std == pytest.approx(sims.std(), abs=1e-5)


def test_add_and_search(cat_kind):
    cat, stored = _filled()
    assert cat.index.approximate == (cat_kind == "ivf")
    assert len(cat) == len(cat.index) == 600
    for i in (1000, 1234, 1599):
        ids, scores = cat.dense(stored[i], 5)
        assert ids[0] == i and scores[0] == pytest.approx(1.0, abs=1e-3)
        assert len(set(ids.tolist())) == 5
    np.testing.assert_allclose(cat.vectors_for([1003, 1500]), np.vstack([stored[1003], stored[1500]]), atol=1e-3)
    _check_stats(cat, stored)


def test_update_is_remove_then_add_without_duplicates(cat_kind):
    cat, stored = _filled()
    new = _vectors(3, 7)
    cat.upsert_many([_entry(i) for i in (1001, 1002, 1003)], new, ["a", "b", "c"])
    stored.update({1001: new[0], 1002: new[1], 1003: new[2]})
    assert len(cat) == len(cat.index) == 600
    ids, _ = cat.dense(new[0], 600)
    assert sorted(ids.tolist()) == sorted(stored)  # every id exactly once
    np.testing.assert_allclose(cat.vectors_for([1002]), new[1:2], atol=1e-3)
    _check_stats(cat, stored)


def test_delete(cat_kind):
    cat, stored = _filled()
    gone = [1010, 1020, 1030, 999_999]  # one unknown id: ignored
    cat.remove_many(gone)
    for i in gone:
        stored.pop(i, None)
    assert len(cat) == len(cat.index) == 597
    ids, _ = cat.dense(_vectors(1, 3)[0], 600)
    assert not set(ids.tolist()) & set(gone) and len(ids) == 597
    _check_stats(cat, stored)


def test_dense_with_allowed_ids(cat_kind):
    cat, stored = _filled()
    q = _vectors(1, 5)[0]
    allowed = [1005, 1100, 1200, 1300, 1555, 1010]
    cat.remove_many([1010])  # an allowed id that is no longer stored
    ids, scores = cat.dense(q, 3, allowed_ids=allowed)
    expected = sorted((i for i in allowed if i in stored and i != 1010), key=lambda i: -(stored[i] @ q))[:3]
    assert ids.tolist() == expected
    np.testing.assert_allclose(scores, [stored[i] @ q for i in expected], atol=1e-3)
    assert cat.dense(q, 3, allowed_ids=[])[0].size == 0


def test_switches_back_to_exact_when_small(monkeypatch):
    monkeypatch.setattr(index_mod, "EXACT_LIMIT", 300)
    cat, stored = _filled()
    assert cat.index.approximate
    cat.remove_many(list(range(1000, 1500)))
    assert not cat.index.approximate and len(cat) == len(cat.index) == 100
    ids, _ = cat.dense(stored[1550], 1)
    assert ids.tolist() == [1550]


def test_keyword_scores_match_per_document_bm25():
    kw = KeywordIndex()
    texts = {i: f"water basin {'irrigation ' * (i % 3)} drought fund{i % 5} policy" for i in range(50)}
    kw.upsert_many(texts.items())
    kw.compact()
    kw.upsert(7, "water drought desalination")  # changed since compaction: scored one by one
    kw.upsert(99, "new irrigation scheme")
    q = kw.query_terms("irrigation drought desalination fund3")
    ids = [0, 1, 2, 7, 8, 99, 12345]
    avg = kw.total_len / len(kw)
    expected = [kw._doc_score(d, q, avg) if d in kw.docs else 0.0 for d in ids]
    np.testing.assert_allclose(kw.scores(q, ids), expected, rtol=1e-5)
    top = kw.top(q, 5)
    assert top[0][0] == 7 and len(top) == 5


def test_keyword_tiers_agree_with_brute_force(monkeypatch):
    """Random upserts and removals through main, delta and fresh tiers: same as scoring every document."""
    from kb.matching import keyword as kw_mod

    monkeypatch.setattr(kw_mod, "COMPACT_AFTER", 7)
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    kw = KeywordIndex()
    for step in range(400):
        d = int(rng.integers(0, 120))
        if rng.random() < 0.2:
            kw.remove(d)
        else:
            kw.upsert(d, " ".join(rng.choice(words, int(rng.integers(1, 12)))))
        if step % 50 == 49:
            q = kw.query_terms(" ".join(rng.choice(words, 4)))
            avg = kw.total_len / max(len(kw), 1)
            ids = list(range(-1, 125))
            expected = np.array([kw._doc_score(i, q, avg) if i in kw.docs else 0.0 for i in ids], dtype=np.float32)
            np.testing.assert_allclose(kw.scores(q, ids), expected, rtol=1e-5, atol=1e-6)
            want = sorted(((i, s) for i, s in zip(ids, expected.tolist(), strict=True) if s > 0), key=lambda x: -x[1])[:10]
            got = kw.top(q, 10)
            np.testing.assert_allclose([s for _i, s in got], [s for _i, s in want], rtol=1e-5)
            assert {i for i, _s in got} <= {i for i, s in zip(ids, expected.tolist(), strict=True) if s > 0}
