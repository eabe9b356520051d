"""Fusion with the second embedder: pairs whose two records have its vector are scored by the second weight
set (z of the second cosine as an eighth feature), the others by the first, whichever side asks."""
from __future__ import annotations

import numpy as np
import pytest
from vectors import unit_vectors

from kb.matching import calibration, ranking
from kb.matching.index import Catalogue, Entry, as_second_stored

DIM, DIM2 = 16, 8
PARAMS = {
    "weights": {"dense_z": 2.0, "keyword": 3.0, "sectors": 2.5, "modalities": 0.7, "languages": 1.0,
                "has_sectors": -0.7, "has_modalities": -0.7, "dense_rc": 0.6,
                "same_text_lang": -1.2},
    "bias": -6.5,
    "second": {"model": "hashing-8", "bias": -7.0,
               "weights": {"dense_z": 1.0, "keyword": 2.5, "sectors": 2.0, "modalities": 0.5, "languages": 1.0,
                           "has_sectors": -0.5, "has_modalities": -0.5, "dense_rc": 0.4, "same_text_lang": -1.0,
                           "dense_z_e5": 1.5}},
}


@pytest.fixture(autouse=True)
def _params(monkeypatch):
    monkeypatch.setattr(calibration, "params", lambda: PARAMS)


_unit = unit_vectors


def _entry(i: int, sectors: tuple[str, ...] = ("health",)) -> Entry:
    return Entry(id=i, title=f"t{i}", country="BR", organisation_id=i, sectors=sectors, modalities=(),
                 languages=("en",), text_lang="en")


@pytest.fixture
def world():
    rng = np.random.default_rng(7)
    offers, requests = Catalogue("offer", DIM), Catalogue("request", DIM)
    ov, rv = _unit(rng, 6, DIM), _unit(rng, 3, DIM)
    o2, r2 = _unit(rng, 6, DIM2), _unit(rng, 3, DIM2)
    offers.upsert_many([_entry(i) for i in range(1, 7)], ov, [f"offer {i} text" for i in range(1, 7)])
    requests.upsert_many([_entry(100 + i) for i in range(3)], rv, [f"request {i} text" for i in range(3)])
    offers.set_second([1, 2, 3, 4], o2[:4])  # offers 5 and 6: the worker has not reached them yet
    requests.set_second([100, 101, 102], r2)
    return offers, requests, ov, rv, o2, r2


def _by_id(scored: list[ranking.Scored]) -> dict[int, ranking.Scored]:
    return {s.id: s for s in scored}


def _expected(s: ranking.Scored) -> float:
    x = [s.dense_z, s.keyword, s.sector, s.modality, s.language, s.has_sectors, s.has_modalities, s.dense_rc,
         s.same_text_lang]
    if s.dense_z2 is None:
        w = PARAMS["weights"]
        return float(np.dot(x, [w[f] for f in ranking.FEATURES]) + PARAMS["bias"])
    w2 = PARAMS["second"]["weights"]
    return float(np.dot(x + [s.dense_z2, s.sibling_z], [w2.get(f, 0.0) for f in ranking.SECOND_FEATURES])
                 + PARAMS["second"]["bias"])


def test_pairs_with_both_vectors_use_the_second_weights_and_the_others_the_first(world):
    offers, _requests, _ov, rv, o2, r2 = world
    q = ranking.Query(vector=rv[0], vector2=r2[0], text="request 0 text", sectors=("health",))
    got = _by_id(ranking.rank(offers, q, ranking.Filters(), 10, requests=_requests))
    assert set(got) == {1, 2, 3, 4, 5, 6}
    assert all(got[i].dense_z2 is not None for i in (1, 2, 3, 4))
    assert got[5].dense_z2 is None and got[6].dense_z2 is None
    # z of the second cosine against the offers' second vectors (those that have one)
    cos2 = o2[:4] @ r2[0]
    assert got[1].dense_z2 == pytest.approx((cos2[0] - cos2.mean()) / cos2.std(), rel=1e-4)
    for s in got.values():
        assert s.score == pytest.approx(_expected(s), rel=1e-6)


def test_without_the_query_s_second_vector_every_pair_is_scored_by_the_first_model(world):
    offers, _requests, _ov, rv, _o2, _r2 = world
    q = ranking.Query(vector=rv[0], text="request 0 text", sectors=("health",))
    got = ranking.rank(offers, q, ranking.Filters(), 10)
    assert got and all(s.dense_z2 is None for s in got)
    for s in got:
        assert s.score == pytest.approx(_expected(s), rel=1e-6)


def test_a_pair_scores_the_same_from_the_offer_s_side(world):
    offers, requests, ov, rv, o2, r2 = world
    for oid in (1, 5):  # with and without the offer's second vector
        q_offer = ranking.Query(vector=ov[oid - 1], vector2=o2[oid - 1] if oid <= 4 else None,
                                text=f"offer {oid} text", sectors=("health",), from_offer=True)
        from_offer = _by_id(ranking.rank(requests, q_offer, ranking.Filters(), 10, offers=offers))
        q_req = ranking.Query(vector=rv[1], vector2=r2[1], text="request 1 text", sectors=("health",), record_id=101)
        from_request = _by_id(ranking.rank(offers, q_req, ranking.Filters(), 10, requests=requests))
        assert from_offer[101].score == pytest.approx(from_request[oid].score, rel=1e-5)
        assert (from_offer[101].dense_z2 is None) == (oid == 5)


def test_removing_a_record_drops_its_second_vector_and_moments(world):
    offers, *_ = world
    offers.remove_many([1])
    assert 1 not in offers.second.rows and offers.second.moments.n == 3
    offers.set_second([2], None)
    assert len(offers.second) == 2 and offers.second.moments.n == 2


def test_second_vectors_reuse_freed_rows_and_look_up_the_right_vectors():
    from kb.matching.index import SecondVectors

    rng = np.random.default_rng(3)
    sv, v = SecondVectors(), _unit(rng, 100, DIM2)
    sv.set_many(list(range(100)), v)
    sv.remove_many(range(0, 100, 2))
    sv.set_many([500, 501], v[:2])          # into freed rows
    sv.set_many([1], v[50:51])              # replaced in place
    mask, got = sv.lookup([500, 2, 1, 99, 501])
    assert mask.tolist() == [True, False, True, True, True]
    want = np.vstack([v[0], np.zeros(DIM2), v[50], v[99], v[1]])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, as_second_stored(want))  # held as float16, handed back as float32
    np.testing.assert_allclose(got, want, atol=1e-3)
    assert sv.moments.n == 52 and len(sv) == 52
    mean, std = sv.moments.similarity_stats(v[3])
    rest = np.vstack([sv.vector(i) for i in sv.rows])
    assert mean == pytest.approx(float(np.mean(rest @ v[3])), rel=1e-6)  # the moments of the vectors held
    assert std == pytest.approx(float(np.std(rest @ v[3])), rel=1e-5)


def test_second_vectors_take_half_the_memory_and_move_cosines_by_less_than_1e_3():
    """float16 rows (SecondVectors' docstring): cosines of unit vectors of e5's dimension within 1e-3 of float32."""
    from kb.matching.index import SecondVectors

    rng = np.random.default_rng(5)
    sv, v = SecondVectors(), _unit(rng, 1000, 384)
    sv.set_many(list(range(1000)), v)
    assert sv._matrix.nbytes <= 1024 * 384 * 2  # capacity rows x 2 bytes
    _mask, got = sv.lookup(list(range(1000)))
    q = v[0]
    assert np.abs(got @ as_second_stored(q) - v @ q).max() < 1e-3
    # Adding and removing are exact opposites: the moments come back to those of what is left.
    sv.remove_many(range(500))
    mean, _std = sv.moments.similarity_stats(q)
    assert mean == pytest.approx(float(np.mean(got[500:] @ q)), rel=1e-6, abs=1e-9)
