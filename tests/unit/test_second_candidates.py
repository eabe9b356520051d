"""Candidates from the second embedder's vectors: at 10,000+ records the first model's dense top POOL may miss a pair
only the second model sees close; its SECOND_POOL nearest records by the second vectors join the candidates (the
filters still apply), from the request's page and from the offer's."""
from __future__ import annotations

import numpy as np
import pytest
from vectors import unit_vectors

from kb.matching import calibration, ranking
from kb.matching.index import Catalogue, Entry, SecondVectors

DIM, DIM2, N = 16, 64, 1200
PARAMS = {
    "weights": {"dense_z": 2.0, "keyword": 3.0, "sectors": 2.5, "modalities": 0.7, "languages": 1.0,
                "has_sectors": -0.7, "has_modalities": -0.7, "dense_rc": 0.0, "same_text_lang": -1.2},
    "bias": -6.5,
    "second": {"model": "hashing-8", "bias": -7.0,
               "weights": {"dense_z": 0.2, "keyword": 2.5, "sectors": 2.0, "modalities": 0.5, "languages": 1.0,
                           "has_sectors": -0.5, "has_modalities": -0.5, "dense_rc": 0.0, "same_text_lang": -1.0,
                           "dense_z_e5": 3.0, "sibling_z": 0.0}},
}
TARGET = 777


@pytest.fixture(autouse=True)
def _params(monkeypatch):
    monkeypatch.setattr(calibration, "params", lambda: PARAMS)


_unit = unit_vectors


def _entry(i: int, country: str = "BR") -> Entry:
    return Entry(id=i, title=f"t{i}", country=country, organisation_id=i, sectors=("health",), modalities=(),
                 languages=("en",), text_lang="en")


@pytest.fixture
def world():
    """N records and one query whose first-model vector is far from TARGET's (the opposite: the lowest cosine of the
    catalogue, far outside the first model's top POOL) while TARGET's second vector is the query's own."""
    rng = np.random.default_rng(2)
    q, q2 = _unit(rng, 1, DIM)[0], _unit(rng, 1, DIM2)[0]
    cat = Catalogue("offer", DIM)
    v, v2 = _unit(rng, N, DIM), _unit(rng, N, DIM2)
    v[TARGET - 1], v2[TARGET - 1] = -q, q2
    cat.upsert_many([_entry(i) for i in range(1, N + 1)], v, [f"text {i}" for i in range(1, N + 1)])
    cat.set_second(list(range(1, N + 1)), v2)
    return cat, q, q2


def test_a_pair_only_the_second_model_sees_enters_the_list(world, monkeypatch):
    cat, q, q2 = world
    query = ranking.Query(vector=q, vector2=q2, text="a query")
    assert ranking.POOL < N and TARGET not in cat.dense(q, ranking.POOL)[0].tolist()
    got = ranking.rank(cat, query, ranking.Filters(), 10)
    assert got[0].id == TARGET and got[0].dense_z2 > 5 and got[0].dense_z < -2
    monkeypatch.setattr(ranking, "SECOND_POOL", 0)  # the first model's candidates alone: it never enters
    assert TARGET not in [s.id for s in ranking.rank(cat, query, ranking.Filters(), 10)]


def test_the_second_model_s_candidates_pass_the_same_filters(world):
    cat, q, q2 = world
    query = ranking.Query(vector=q, vector2=q2, text="a query", country="BR")  # own country: every record
    assert ranking.rank(cat, query, ranking.Filters(), 10) == []
    query = ranking.Query(vector=q, vector2=q2, text="a query", exclude_ids=frozenset({TARGET}))
    assert TARGET not in [s.id for s in ranking.rank(cat, query, ranking.Filters(), 10)]
    # without a second vector (free text, or the worker has not reached the record) nothing changes
    assert TARGET not in [s.id for s in ranking.rank(cat, ranking.Query(vector=q, text="a query"),
                                                   ranking.Filters(), 10)]


def test_from_the_offer_s_page_too():
    """The same from the other side: a request only the second model sees close to the offer is listed for it."""
    rng = np.random.default_rng(4)
    q, q2 = _unit(rng, 1, DIM)[0], _unit(rng, 1, DIM2)[0]
    requests, offers = Catalogue("request", DIM), Catalogue("offer", DIM)
    v, v2 = _unit(rng, N, DIM), _unit(rng, N, DIM2)
    v[TARGET - 1], v2[TARGET - 1] = -q, q2
    requests.upsert_many([_entry(i, "MZ") for i in range(1, N + 1)], v, [f"text {i}" for i in range(1, N + 1)])
    requests.set_second(list(range(1, N + 1)), v2)
    ov, ov2 = _unit(rng, 50, DIM), _unit(rng, 50, DIM2)
    ov[0], ov2[0] = q, q2
    offers.upsert_many([_entry(5000 + i) for i in range(50)], ov, [f"offer {i}" for i in range(50)])
    offers.set_second([5000 + i for i in range(50)], ov2)
    query = ranking.Query(vector=q, vector2=q2, text="offer 0", record_id=5000, organisation_id=5000,
                          from_offer=True)
    assert TARGET in [s.id for s in ranking.rank(requests, query, ranking.Filters(), 10, offers=offers)]


def test_second_vector_search_is_exact_and_follows_changes():
    rng = np.random.default_rng(9)
    sv = SecondVectors()
    vecs = _unit(rng, 300, DIM2)
    sv.set_many(list(range(1, 301)), vecs)
    sv.remove_many([5, 6, 7])
    sv.set_many([400], _unit(rng, 1, DIM2))  # reuses a freed row
    q = _unit(rng, 1, DIM2)[0]
    stored = {i: sv.vector(i) for i in [*range(1, 301), 400] if sv.vector(i) is not None}
    want = sorted(stored, key=lambda i: -float(stored[i] @ q))[:20]
    assert sorted(sv.search(q, 20).tolist()) == sorted(want)
    assert sorted(sv.search(q, 1000).tolist()) == sorted(stored)
    assert SecondVectors().search(q, 5).tolist() == []


def test_second_vectors_survive_the_store_growing_in_small_steps():
    """The rows live in a FAISS float16 index whose codes move when it grows: every row written before a growth
    reads back, and is found, after many small additions, updates and removals."""
    rng = np.random.default_rng(11)
    sv = SecondVectors()
    want: dict[int, np.ndarray] = {}
    for step in range(60):
        ids = [step * 7 + j for j in range(7)]
        vecs = _unit(rng, 7, DIM2)
        sv.set_many(ids, vecs)
        want.update({i: v for i, v in zip(ids, vecs, strict=True)})
        if step % 5 == 4:
            gone = ids[:3]
            sv.remove_many(gone)
            for i in gone:
                del want[i]
        if step % 9 == 8:  # an update in place
            sv.set_many([ids[-1]], _unit(rng, 1, DIM2))
            want[ids[-1]] = sv.vector(ids[-1])
    assert set(sv.rows) == set(want)
    for i, v in want.items():
        np.testing.assert_allclose(sv.vector(i), v, atol=1e-3)
    for i in list(want)[::37]:
        assert i in sv.search(want[i], 1).tolist()  # each vector is its own nearest


def test_an_id_given_twice_in_one_call_keeps_its_last_vector_and_counts_once():
    rng = np.random.default_rng(12)
    sv = SecondVectors()
    v = _unit(rng, 3, DIM2)
    sv.set_many([1, 2, 1], v)
    assert len(sv) == 2 and sv.moments.n == 2
    np.testing.assert_allclose(sv.vector(1), v[2], atol=1e-3)
    sv.remove_many([1, 2])
    assert sv.moments.n == 0
