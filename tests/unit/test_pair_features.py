"""Pair features beyond the cosine: rc(cos), the cosine less the offer's mean cosine with the requests' catalogue
(a hub offer, close to every request, is discounted), and [same text language]. Both are properties of the pair:
the same from the request's and the offer's side, whatever the filters."""
from __future__ import annotations

import numpy as np
import pytest

from kb.matching import calibration, ranking
from kb.matching.index import Catalogue, Entry, as_stored

DIM = 16
PARAMS = {"weights": {"dense_z": 1.5, "keyword": 2.0, "sectors": 2.5, "modalities": 0.5, "languages": 0.5,
                      "has_sectors": -0.6, "has_modalities": -0.6, "dense_rc": 0.8, "same_text_lang": -1.3},
          "bias": -6.0}


@pytest.fixture(autouse=True)
def _params(monkeypatch):
    monkeypatch.setattr(calibration, "params", lambda: PARAMS)


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


LANGS = ("en", "es", "fr")


def _entry(i: int, country: str = "BR", sectors: tuple[str, ...] = ("health",), text_lang: str = "en") -> Entry:
    return Entry(id=i, title=f"t{i}", country=country, organisation_id=i, sectors=sectors, modalities=(),
                 languages=("en",), text_lang=text_lang)


@pytest.fixture
def world():
    rng = np.random.default_rng(11)
    offers, requests = Catalogue("offer", DIM), Catalogue("request", DIM)
    ov, rv = as_stored(_unit(rng, 8)), as_stored(_unit(rng, 5))  # as the catalogues hold them (float16 values)
    offers.upsert_many([_entry(i, "IN" if i % 2 else "BR", ("health",) if i < 5 else ("water",), LANGS[i % 3])
                        for i in range(1, 9)], ov, [f"offer {i} text" for i in range(1, 9)])
    requests.upsert_many([_entry(100 + i, "MZ", text_lang="es") for i in range(5)], rv,
                         [f"request {i} text" for i in range(5)])
    return offers, requests, ov, rv


def test_rc_is_the_cosine_less_the_offer_s_mean_cosine_with_the_other_requests(world):
    offers, requests, ov, rv = world
    q = ranking.Query(vector=rv[2], text="request 2 text", sectors=("health",), record_id=102)
    got = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
    assert set(got) == set(range(1, 9))
    unlisted = ranking.Query(vector=rv[2], text="request 2 text", sectors=("health",))  # e.g. a request in review
    not_yet = {s.id: s for s in ranking.rank(offers, unlisted, ranking.Filters(), 10, requests=requests)}
    others = rv[[0, 1, 3, 4]].astype(np.float64)
    for oid, s in got.items():
        o = ov[oid - 1].astype(np.float64)
        prior = ranking.RC_PRIOR * np.mean(ov.astype(np.float64) @ rv[2])  # the request's mean cosine with the offers
        hub = (np.sum(others @ o) + prior) / (4 + ranking.RC_PRIOR)
        assert s.dense_rc == pytest.approx(ranking.RC_SCALE * (o @ rv[2] - hub), abs=1e-5)
        hub = (np.sum(rv.astype(np.float64) @ o) + prior) / (5 + ranking.RC_PRIOR)
        assert not_yet[oid].dense_rc == pytest.approx(ranking.RC_SCALE * (o @ rv[2] - hub), abs=1e-5)
        assert s.score == pytest.approx(
            sum(PARAMS["weights"][f] * v for f, v in zip(ranking.FEATURES, (
                s.dense_z, s.keyword, s.sector, s.modality, s.language, s.has_sectors, s.has_modalities, s.dense_rc,
                s.same_text_lang),
                strict=True)) + PARAMS["bias"], rel=1e-6)


def test_a_hub_offer_close_to_every_request_is_discounted():
    requests, offers = Catalogue("request", 2), Catalogue("offer", 2)
    rv = np.array([[1, 0], [0.8, 0.6], [0.6, 0.8]], dtype=np.float32)
    requests.upsert_many([_entry(100 + i) for i in range(3)], rv, ["r"] * 3)
    hub = np.array([[0.8, 0.6]], dtype=np.float32)            # as close to the first request as the niche one
    niche = np.array([[1.0, 0.0]], dtype=np.float32) * 0.8 + np.array([[0.0, -0.6]], dtype=np.float32)
    offers.upsert_many([_entry(1), _entry(2)], np.vstack([hub, niche]), ["hub", "niche"])
    q = ranking.Query(vector=rv[0], text="r")
    got = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 2, requests=requests)}
    assert got[1].cosine == pytest.approx(got[2].cosine)
    assert got[2].dense_rc > got[1].dense_rc


def test_the_pair_scores_the_same_from_both_sides_and_whatever_the_filters(world):
    offers, requests, ov, rv = world
    q_req = ranking.Query(vector=rv[1], text="request 1 text", country="MZ", sectors=("health",), languages=("en",),
                          text_lang="es", record_id=101)
    from_request = {s.id: s for s in ranking.rank(offers, q_req, ranking.Filters(), 10, requests=requests)}
    filtered = {s.id: s for s in ranking.rank(offers, q_req, ranking.Filters(sector="water", country="IN"), 10,
                                              requests=requests)}
    assert set(filtered) == {5, 7}
    for oid in range(1, 9):
        q_off = ranking.Query(vector=ov[oid - 1], text=f"offer {oid} text", sectors=from_request[oid].entry.sectors,
                              languages=("en",), text_lang=LANGS[oid % 3], from_offer=True)
        from_offer = {s.id: s for s in ranking.rank(requests, q_off, ranking.Filters(), 10, offers=offers)}
        assert from_offer[101].dense_rc == pytest.approx(from_request[oid].dense_rc, abs=1e-5)
        same = (1.0 if oid % 3 == 1 else 0.0) - 3 / 8  # 3 of the 8 offers are in Spanish, the request's language
        assert from_offer[101].same_text_lang == pytest.approx(same) and from_request[oid].same_text_lang == pytest.approx(same)
        assert from_offer[101].score == pytest.approx(from_request[oid].score, rel=1e-5)
        if oid in filtered:
            assert filtered[oid].score == pytest.approx(from_request[oid].score, rel=1e-9)


def test_a_lone_request_is_compared_with_its_own_mean_cosine_with_the_offers(world):
    """With no other request in the catalogue, the offer's mean cosine with the requests is unknown: the prior, the
    request's mean cosine with the offers, stands in, from both sides."""
    offers, requests, ov, rv = world
    requests.remove_many([100, 102, 103, 104])
    q = ranking.Query(vector=rv[1], text="request 1 text", country="MZ", text_lang="es", record_id=101)
    from_request = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
    forward_mean = float(np.mean(ov.astype(np.float64) @ rv[1]))
    for oid, s in from_request.items():
        assert s.dense_rc == pytest.approx(ranking.RC_SCALE * (s.cosine - forward_mean), abs=1e-5)
        q_off = ranking.Query(vector=ov[oid - 1], text=f"offer {oid} text", text_lang=LANGS[oid % 3], from_offer=True)
        [from_offer] = ranking.rank(requests, q_off, ranking.Filters(), 10, offers=offers)
        assert from_offer.dense_rc == pytest.approx(s.dense_rc, abs=1e-5)


def test_the_vector_sum_follows_the_catalogue_and_is_zero_when_empty(world):
    _offers, requests, _ov, rv = world
    total, n = requests.vector_sum()
    assert n == 5 and np.allclose(total, rv.astype(np.float64).sum(axis=0), atol=1e-6)
    requests.remove_many([100, 101])
    total, n = requests.vector_sum()
    assert n == 3 and np.allclose(total, rv[2:].astype(np.float64).sum(axis=0), atol=1e-6)
    requests.remove_many([102, 103, 104])
    total, n = requests.vector_sum()
    assert n == 0 and np.allclose(total, 0.0, atol=1e-6)


def test_same_text_lang_is_centred_on_the_share_of_offers_in_the_request_s_language(world):
    offers, requests, _ov, rv = world
    q = ranking.Query(vector=rv[0], text="request 0 text", text_lang="es")
    got = {s.id: s.same_text_lang for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
    assert got == pytest.approx({i: (1.0 if LANGS[i % 3] == "es" else 0.0) - 3 / 8 for i in range(1, 9)})
    free_text = ranking.Query(vector=rv[0], text="request 0 text")  # search: no record, no language
    assert all(s.same_text_lang == 0.0 for s in ranking.rank(offers, free_text, ranking.Filters(), 10))
    # In a catalogue written in one language the feature is 0 for every pair: nothing to correct.
    q_en = ranking.Query(vector=rv[0], text="request 0 text", text_lang="en")
    offers.remove_many([1, 2, 4, 5, 7, 8])
    assert offers.language_share("en") == 1.0 and offers.text_langs["es"] == 0
    assert all(s.same_text_lang == 0.0 for s in ranking.rank(offers, q_en, ranking.Filters(), 10, requests=requests))


def test_language_shares_follow_upserts_replacements_and_removals():
    cat = Catalogue("offer", 2)
    v = np.eye(2, dtype=np.float32)
    cat.upsert_many([_entry(1, text_lang="en"), _entry(2, text_lang="fr")], v, ["a", "b"])
    assert cat.language_share("fr") == 0.5
    cat.upsert_many([_entry(2, text_lang="en")], v[1:], ["b"])       # same vector, language corrected
    assert cat.language_share("en") == 1.0 and cat.language_share("fr") == 0.0
    cat.upsert_many([_entry(1, text_lang="pt")], v[1:] * 0.5 + v[:1] * 0.5, ["a"])  # new vector
    assert cat.language_share("pt") == 0.5
    cat.remove_many([1, 2])
    assert cat.language_share("en") == 0.0 and not +cat.text_langs


@pytest.mark.parametrize("filters", [ranking.Filters(), ranking.Filters(sector="health")])
def test_a_candidate_removed_by_another_thread_mid_ranking_is_left_out_not_an_error(world, filters, monkeypatch):
    """In a threaded server another request's thread may apply an index change between the dense search and the
    scoring: the ranking starts again on the changed catalogue (it raised KeyError, a 500)."""
    offers, requests, _ov, rv = world
    q = ranking.Query(vector=rv[0], text="request 0 text", record_id=100)
    first = ranking.rank(offers, q, filters, 10, requests=requests)
    gone = first[0].id
    dense = offers.dense
    calls = []

    def dense_then_removed(*args, **kwargs):  # the other thread's removal lands right after the dense search
        found = dense(*args, **kwargs)
        if not calls:
            calls.append(1)
            offers.remove_many([gone])
        return found

    monkeypatch.setattr(offers, "dense", dense_then_removed)
    again = ranking.rank(offers, q, filters, 10, requests=requests)
    assert gone not in {s.id for s in again} and len(again) == len(first) - 1


def test_an_error_without_a_concurrent_change_is_raised(world, monkeypatch):
    offers, requests, _ov, rv = world
    q = ranking.Query(vector=rv[0], text="request 0 text", record_id=100)
    monkeypatch.setattr(offers, "dense", lambda *a, **k: (_ for _ in ()).throw(KeyError("a bug")))
    with pytest.raises(KeyError):
        ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)
