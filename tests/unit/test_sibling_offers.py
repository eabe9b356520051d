"""The institution's other offers (sibling_z): for a pair (request, offer), max(0, z(cos) of the request with the
closest other offer of the offer's organisation in the catalogue). A property of the pair and the catalogue, the
same from the request's and the offer's side and whatever the filters; part of the second weight set only."""
from __future__ import annotations

import functools

import numpy as np
import pytest
from vectors import unit_vectors

from kb.matching import calibration, ranking
from kb.matching.index import Catalogue, Entry

DIM, DIM2 = 16, 8
PARAMS = {
    "weights": {"dense_z": 2.0, "keyword": 3.0, "sectors": 2.5, "modalities": 0.7, "languages": 1.0,
                "has_sectors": -0.7, "has_modalities": -0.7, "dense_rc": 0.6, "same_text_lang": -1.2},
    "bias": -6.5,
    "second": {"model": "hashing-8", "bias": -7.0,
               "weights": {"dense_z": 1.0, "keyword": 2.5, "sectors": 2.0, "modalities": 0.5, "languages": 1.0,
                           "has_sectors": -0.5, "has_modalities": -0.5, "dense_rc": 0.4, "same_text_lang": -1.0,
                           "dense_z_e5": 1.5, "sibling_z": 0.8}},
}
ORG = {1: 10, 2: 10, 3: 10, 4: 20, 5: 20, 6: 30, 7: 40, 8: 40}  # offer -> organisation (6: an only offer)


@pytest.fixture(autouse=True)
def _params(monkeypatch):
    monkeypatch.setattr(calibration, "params", lambda: PARAMS)


_unit = functools.partial(unit_vectors, stored=True)  # at the precision the catalogue holds and queries with


def _offer(i: int, org: int | None = None, country: str = "BR") -> Entry:
    return Entry(id=i, title=f"offer {i}", country=country, organisation_id=ORG[i] if org is None else org,
                 sectors=("health",) if i % 2 else ("water",), modalities=(), languages=("en",), text_lang="en")


def _request(i: int) -> Entry:
    return Entry(id=i, title=f"request {i}", country="MZ", organisation_id=900 + i, sectors=("health",),
                 modalities=(), languages=("en",), text_lang="en")


@pytest.fixture
def world():
    rng = np.random.default_rng(5)
    offers, requests = Catalogue("offer", DIM), Catalogue("request", DIM)
    ov, rv = _unit(rng, 8, DIM), _unit(rng, 4, DIM)
    o2, r2 = _unit(rng, 8, DIM2), _unit(rng, 4, DIM2)
    offers.upsert_many([_offer(i) for i in range(1, 9)], ov, [f"offer {i} text" for i in range(1, 9)])
    requests.upsert_many([_request(100 + i) for i in range(4)], rv, [f"request {i} text" for i in range(4)])
    offers.set_second(list(range(1, 9)), o2)
    requests.set_second([100, 101, 102, 103], r2)
    return offers, requests, ov, rv, o2, r2


def _expected_sibling(offers: Catalogue, ov: np.ndarray, r: np.ndarray, oid: int) -> tuple[float, int]:
    mean, std = offers.similarity_stats(r)
    others = [j for j, org in ORG.items() if org == ORG[oid] and j != oid]
    if not others:
        return 0.0, -1
    cos = {j: float(ov[j - 1].astype(np.float64) @ r.astype(np.float64)) for j in others}
    best = max(others, key=lambda j: (cos[j], -j))
    return max(0.0, (cos[best] - mean) / std), best


def test_sibling_z_is_the_closest_other_offer_of_the_institution_z_scored_and_never_negative(world):
    offers, requests, ov, rv, _o2, r2 = world
    for r in range(4):
        q = ranking.Query(vector=rv[r], vector2=r2[r], text=f"request {r} text", record_id=100 + r, text_lang="en")
        got = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
        assert set(got) == set(ORG)
        for oid, s in got.items():
            z, best = _expected_sibling(offers, ov, rv[r], oid)
            assert s.sibling_z == pytest.approx(z, abs=1e-5)
            assert (s.sibling.id if s.sibling is not None else -1) == best
        assert got[6].sibling_z == 0.0 and got[6].sibling is None  # its institution has no other offer
    assert any(s.sibling_z > 0 for s in got.values())


def test_a_sibling_counts_even_when_it_is_filtered_out_or_not_a_candidate(world):
    offers, requests, ov, rv, _o2, r2 = world
    q = ranking.Query(vector=rv[0], vector2=r2[0], text="request 0 text", record_id=100, text_lang="en")
    whole = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
    filtered = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(sector="health"), 10, requests=requests)}
    assert set(filtered) == {1, 3, 5, 7}
    for oid, s in filtered.items():
        assert s.sibling_z == pytest.approx(whole[oid].sibling_z, abs=1e-12) and s.score == whole[oid].score
    # explain_pair scores a single candidate: the siblings still come from the catalogue
    alone = ranking.score_candidates(offers, q, {2: float(ov[1] @ rv[0])}, 1, requests=requests)[0]
    assert alone.sibling_z == pytest.approx(whole[2].sibling_z, abs=1e-6) and alone.score == pytest.approx(whole[2].score)


def test_the_pair_scores_the_same_from_the_offer_s_page(world):
    offers, requests, ov, rv, o2, r2 = world
    from_request = {}
    for r in range(4):
        q = ranking.Query(vector=rv[r], vector2=r2[r], text=f"request {r} text", record_id=100 + r, text_lang="en",
                          sectors=("health",), languages=("en",), country="MZ")
        from_request[100 + r] = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
    for oid in ORG:
        e = offers.entries[oid]
        q_off = ranking.Query(vector=ov[oid - 1], vector2=o2[oid - 1], text=f"offer {oid} text", text_lang="en",
                              record_id=oid, organisation_id=ORG[oid], sectors=e.sectors, languages=e.languages,
                              country="BR", from_offer=True)
        for s in ranking.rank(requests, q_off, ranking.Filters(), 10, offers=offers):
            mine = from_request[s.id][oid]
            assert s.sibling_z == pytest.approx(mine.sibling_z, abs=1e-5)
            assert (s.sibling.id if s.sibling else None) == (mine.sibling.id if mine.sibling else None)
            assert s.score == pytest.approx(mine.score, rel=1e-5)


def test_it_joins_the_second_weight_set_only(world):
    offers, requests, ov, rv, _o2, r2 = world
    q = ranking.Query(vector=rv[1], vector2=r2[1], text="request 1 text", record_id=101, text_lang="en")
    got = {s.id: s for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)}
    w2 = PARAMS["second"]["weights"]
    for s in got.values():
        x = [s.dense_z, s.keyword, s.sector, s.modality, s.language, s.has_sectors, s.has_modalities, s.dense_rc,
             s.same_text_lang, s.dense_z2, s.sibling_z]
        assert s.score == pytest.approx(float(np.dot(x, [w2[f] for f in ranking.SECOND_FEATURES]))
                                        + PARAMS["second"]["bias"], rel=1e-9)
    # Without the request's second vector the first set scores every pair, and sibling_z is not computed.
    first = ranking.rank(offers, ranking.Query(vector=rv[1], text="request 1 text", record_id=101, text_lang="en"),
                         ranking.Filters(), 10, requests=requests)
    assert all(s.sibling_z is None and s.sibling is None for s in first)
    # A calibration from before the feature (no sibling_z weight) scores as it did.
    old = {**PARAMS, "second": {**PARAMS["second"], "weights": {k: v for k, v in w2.items() if k != "sibling_z"}}}
    before = ranking.fuse(np.zeros((1, len(ranking.FEATURES))), np.ones(1), np.ones(1, dtype=bool), np.full(1, 5.0))
    calibration_params = calibration.params
    try:
        calibration.params = lambda: old
        assert ranking.fuse(np.zeros((1, len(ranking.FEATURES))), np.ones(1), np.ones(1, dtype=bool),
                            np.full(1, 5.0))[0] == pytest.approx(-7.0 + 1.5)
    finally:
        calibration.params = calibration_params
    assert before[0] == pytest.approx(-7.0 + 1.5 + 0.8 * 5.0)


def test_the_organisation_map_follows_upserts_moves_removals_and_a_reload(world, tmp_path):
    offers, requests, ov, rv, o2, r2 = world
    assert offers.siblings_of([10]).tolist() == [1, 2, 3] and offers.siblings_of([10, 30]).tolist() == [1, 2, 3, 6]
    offers.upsert_many([_offer(3, org=30)], ov[2:3], ["offer 3 text"])   # same vector, another organisation
    assert offers.siblings_of([10]).tolist() == [1, 2] and offers.siblings_of([30]).tolist() == [3, 6]
    offers.upsert_many([_offer(3, org=30)], _unit(np.random.default_rng(1), 1, DIM), ["offer 3 new text"])
    assert offers.siblings_of([30]).tolist() == [3, 6]
    offers.remove_many([6, 2])
    assert offers.siblings_of([10]).tolist() == [1] and offers.siblings_of([30]).tolist() == [3]
    offers.remove_many([1])
    assert 10 not in offers.by_org and offers.siblings_of([10]).tolist() == []
    path = tmp_path / "offers.faiss"
    entries = offers.save(path)
    again = Catalogue("offer", DIM)
    again.load(path, entries, [(e.id, e.title) for e in entries])
    assert again.by_org == offers.by_org and again.siblings_of([20, 30, 40]).tolist() == [3, 4, 5, 7, 8]


def test_sibling_z_of_a_large_catalogue_matches_a_direct_computation():
    """Many organisations with one to six offers; the candidates a random subset: the vectorised per-organisation
    best and second best agree with a loop."""
    rng = np.random.default_rng(3)
    n = 300
    orgs = rng.integers(1, 90, n)
    offers = Catalogue("offer", DIM)
    ov = _unit(rng, n, DIM)
    offers.upsert_many([Entry(id=i + 1, title="", country="BR", organisation_id=int(orgs[i]), sectors=(),
                              modalities=(), languages=(), text_lang="en") for i in range(n)], ov, [""] * n)
    q = _unit(rng, 1, DIM)[0]
    mean, std = offers.similarity_stats(q)
    ids = np.array(sorted(rng.choice(np.arange(1, n + 1), 120, replace=False)), dtype=np.int64)
    z, best = ranking.sibling_z(offers, q, mean, std, ids)
    cos = ov @ q
    for k, oid in enumerate(ids.tolist()):
        others = [j + 1 for j in range(n) if orgs[j] == orgs[oid - 1] and j + 1 != oid]
        if not others:
            assert z[k] == 0.0 and best[k] == -1
            continue
        b = max(others, key=lambda j: (cos[j - 1], -j))
        assert best[k] == b and z[k] == pytest.approx(max(0.0, (cos[b - 1] - mean) / std), abs=1e-5)


def test_the_explanation_names_the_close_sibling_in_the_reader_s_language(app, monkeypatch, world):
    from kb.services import matching, reference

    offers, requests, ov, rv, _o2, r2 = world
    monkeypatch.setattr(reference, "labels", lambda vocabulary, lang: {})
    q = ranking.Query(vector=rv[0], vector2=r2[0], text="request 0 text", record_id=100, text_lang="en")
    scored = ranking.rank(offers, q, ranking.Filters(), 10, requests=requests)
    close = next(s for s in scored if s.sibling_z is not None and s.sibling_z >= matching.SIBLING_MENTION_Z)
    far = next(s for s in scored if s.sibling is None or s.sibling_z < matching.SIBLING_MENTION_Z)
    shown = matching.Shown(close.id, close.entry.title, "A description.", "BR", 10, "Centre", "en", "published")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        item = matching._explain("offer", close, shown)
        ex = item["explanation"]
        assert ex["sibling_offer"] == {"id": close.sibling.id, "title": close.sibling.title}
        assert ex["components"]["sibling_z"] == round(close.sibling_z, 4) and "sibling_z" in ex["weights"]
        assert f"la même institution propose aussi « {close.sibling.title} »" in ex["summary"]
        assert matching._explain("offer", far, shown)["explanation"]["sibling_offer"] is None
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert f"the same institution also offers “{close.sibling.title}”" in matching.summary_sentence(ex)


@pytest.mark.parametrize("k", [1, 10, 40])
def test_computing_sibling_z_only_where_it_could_matter_changes_nothing_shown(monkeypatch, k):
    """rank() computes sibling_z only for the candidates it could bring into the k best (ranking._needs_sibling):
    the k returned, their scores and explanations are those of computing it for every candidate."""
    rng = np.random.default_rng(8)
    n = 2000
    offers, requests = Catalogue("offer", DIM), Catalogue("request", DIM)
    ov, o2 = _unit(rng, n, DIM), _unit(rng, n, DIM2)
    offers.upsert_many([Entry(id=i + 1, title=f"o{i + 1}", country="BR", organisation_id=1 + i // 4,
                              sectors=("health",) if i % 3 else ("water",), modalities=(), languages=("en",),
                              text_lang="en") for i in range(n)], ov, [f"offer {i}" for i in range(n)])
    offers.set_second(list(range(1, n + 1)), o2)
    rv, r2 = _unit(rng, 20, DIM), _unit(rng, 20, DIM2)
    requests.upsert_many([_request(100 + i) for i in range(20)], rv, [f"request {i}" for i in range(20)])
    pruned_somewhere = False
    needs = ranking._needs_sibling
    for r in range(20):
        q = ranking.Query(vector=rv[r], vector2=r2[r], text=f"request {r}", record_id=100 + r, text_lang="en",
                          sectors=("health",))
        computed: list[np.ndarray] = []

        def recorded(*a, computed=computed):
            computed.append(needs(*a))
            return computed[-1]
        monkeypatch.setattr(ranking, "_needs_sibling", recorded)
        got = ranking.rank(offers, q, ranking.Filters(), k, requests=requests)
        monkeypatch.setattr(ranking, "_needs_sibling", lambda f, *a: f.has2.copy())
        want = ranking.rank(offers, q, ranking.Filters(), k, requests=requests)
        assert [(s.id, s.score, s.sibling_z, s.sibling and s.sibling.id) for s in got] == \
            [(s.id, s.score, s.sibling_z, s.sibling and s.sibling.id) for s in want]
        pruned_somewhere |= not computed[0].all()
    assert pruned_somewhere  # the bound does leave candidates out


def _both_sides(offers, requests, ov, rv, o2, r2):
    """sibling_z and the sibling named for every pair, from the requests' pages and from the offers' pages."""
    from_request, from_offer = {}, {}
    for r in range(4):
        q = ranking.Query(vector=rv[r], vector2=r2[r], text=f"request {r} text", record_id=100 + r, text_lang="en")
        for s in ranking.rank(offers, q, ranking.Filters(), 10, requests=requests):
            from_request[(100 + r, s.id)] = (round(s.sibling_z, 5), s.sibling.id if s.sibling else None)
    for oid in ORG:
        if oid not in offers.entries:
            continue
        q_off = ranking.Query(vector=ov[oid - 1], vector2=o2[oid - 1], text=f"offer {oid} text", text_lang="en",
                              record_id=oid, organisation_id=ORG[oid], country="BR", from_offer=True)
        for s in ranking.rank(requests, q_off, ranking.Filters(), 10, offers=offers):
            from_offer[(s.id, oid)] = (round(s.sibling_z, 5), s.sibling.id if s.sibling else None)
    return from_request, from_offer


def test_siblings_read_by_blocks_give_the_same_values_from_both_sides(world, monkeypatch):
    """An institution may have thousands of offers: its siblings are compared by blocks (no candidates x siblings
    matrix), with the same values and the same sibling named, ties to the lowest id, from either page."""
    whole = _both_sides(*world)
    monkeypatch.setattr(ranking, "SIBLING_BLOCK", 1)
    blocks = _both_sides(*world)
    assert blocks == whole
    assert whole[0] == {pair: v for pair, v in whole[1].items() if pair in whole[0]}
    assert any(z > 0 for z, _sib in whole[0].values())


def test_an_expired_offer_is_no_sibling(world):
    offers, requests, ov, rv, o2, r2 = world
    from datetime import date, timedelta

    before = _both_sides(*world)[0]
    named = {sib for _z, sib in before.values() if sib is not None}
    gone = min(named)
    e = offers.entries[gone]
    expired = Entry(id=e.id, title=e.title, country=e.country, organisation_id=e.organisation_id, sectors=e.sectors,
                    modalities=e.modalities, languages=e.languages, text_lang=e.text_lang,
                    valid_until=date.today() - timedelta(days=1))
    offers.upsert_many([expired], ov[gone - 1:gone], [f"offer {gone} text"])
    from_request, from_offer = _both_sides(*world)
    assert all(sib != gone for _z, sib in from_request.values())
    assert all(sib != gone for _z, sib in from_offer.values())
    assert from_request == {pair: v for pair, v in from_offer.items() if pair in from_request}


def test_work_on_catalogues_changed_by_another_thread_is_started_again(world):
    """ranking.retrying (rank() and explain_pair's one pair): a KeyError while another thread changed a catalogue
    starts the work again; the same error without a change is raised."""
    offers, requests, ov, _rv, _o2, _r2 = world
    calls = []

    def work():
        calls.append(1)
        if len(calls) == 1:
            offers.remove_many([2])  # another thread's removal, seen as a missing record
            raise KeyError(2)
        return "scored"

    assert ranking.retrying([offers, requests], work) == "scored" and len(calls) == 2
    with pytest.raises(KeyError):
        ranking.retrying([offers, requests], lambda: {}[1])


def test_an_expired_offer_s_one_current_sibling_counts_from_both_sides():
    """A pair with an expired offer (explain_pair scores any pair) whose institution has exactly one other, current,
    offer: that sibling counts from the request's side as from the offer's."""
    from datetime import date, timedelta

    rng = np.random.default_rng(8)
    offers = Catalogue("offer", DIM)
    ov = _unit(rng, 2, DIM)
    old = Entry(id=1, title="old", country="BR", organisation_id=10, sectors=(), modalities=(), languages=(),
                text_lang="en", valid_until=date.today() - timedelta(days=3))
    offers.upsert_many([old, _offer(2, org=10)], ov, ["old", "current"])
    r = ov[1]  # a request right on the current sibling
    mean, std = offers.similarity_stats(r)
    z, best = ranking.sibling_z(offers, r, mean, std, np.array([1], dtype=np.int64))
    q_off = ranking.Query(vector=ov[0], text="old", record_id=1, organisation_id=10, from_offer=True)
    z_off, best_off = ranking.sibling_z_for_offer(offers, q_off, r[None, :], np.array([mean]), np.array([std]))
    assert best.tolist() == best_off.tolist() == [2] and z[0] == pytest.approx(z_off[0]) and z[0] > 0


def test_an_institution_s_newest_offers_speak_for_it_the_same_from_both_sides(world, monkeypatch):
    """Of an institution with more offers than SIBLINGS_PER_ORG, its newest (highest ids) are its siblings: the cost
    of a suggestion stays bounded, and the value the same from the request's page and the offer's."""
    from kb.matching import index

    monkeypatch.setattr(index, "SIBLINGS_PER_ORG", 2)
    offers = world[0]
    assert offers.siblings_of([10]).tolist() == [2, 3] and offers.siblings_of([20, 30]).tolist() == [4, 5, 6]
    from_request, from_offer = _both_sides(*world)
    assert from_request == {pair: v for pair, v in from_offer.items() if pair in from_request}
    assert all(sib != 1 for _z, sib in from_request.values())  # offer 1, the institution's oldest, is no sibling
    assert any(offer == 1 and sib in (2, 3) for (_r, offer), (_z, sib) in from_request.items())
