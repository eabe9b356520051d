"""Suggestions, search, and matches that keep the scores they were proposed with."""
from __future__ import annotations

import pytest


@pytest.fixture
def world(kb):
    """A secretariat, a director in Ecuador, centres in Colombia, Brazil and Ecuador."""
    w = {"sec": kb.user("secretariat", country="AT"), "director": kb.user("director", country="EC"),
         "co": kb.user("centre", country="CO"), "br": kb.user("centre", country="BR"),
         "ec": kb.user("centre", country="EC")}
    w["request"] = kb.published_request(w["director"], w["sec"], title="Cleaner production for tanneries",
                                        description="Chrome pollution from small leather tanneries; we need "
                                        "cleaner production audits and effluent treatment.")
    w["tannery"] = kb.published_offer(w["co"], w["sec"], title="Cleaner production audits for tanneries",
                                      description="Audits of leather tanneries, chrome recovery and effluent "
                                      "treatment for SMEs.", languages=["es", "en"])
    w["metrology"] = kb.published_offer(w["br"], w["sec"], title="Metrology laboratories",
                                        description="Calibration and accreditation of testing laboratories.",
                                        sectors=["quality-infrastructure"], modalities=["study-visit"],
                                        languages=["pt"])
    w["own_country"] = kb.published_offer(w["ec"], w["sec"], title="Cleaner production audits for tanneries",
                                          description="Audits of leather tanneries and chrome recovery.")
    return w


def _ids(resp):
    return [s["id"] for s in resp["items"]]


def test_suggestions_rank_the_relevant_offer_first_and_explain_why(kb, world):
    res = kb.ok("GET", f"/requests/{world['request']['id']}/suggestions?include_weak=true", world["director"])
    assert _ids(res)[0] == world["tannery"]["id"]
    top = res["items"][0]
    ex = top["explanation"]
    assert top["score"] > res["items"][-1]["score"]
    assert top["fit"] > res["items"][-1]["fit"]
    assert set(ex["components"]) == {"dense_cosine", "dense_z", "keyword", "sectors", "modalities", "languages",
                                     "has_sectors", "has_modalities", "dense_rc", "same_text_lang"}
    assert ex["shared_sectors"] == ["cleaner-production"]
    assert ex["shared_modalities"] == ["expert-mission"]
    assert ex["working_languages"]["fit"] is True and ex["working_languages"]["shared"] == ["en", "es"]
    assert "tanneries" in [t.lower() for t in ex["matching_terms"]]
    assert ex["passage"]


def test_offers_from_the_requesting_country_are_left_out_unless_asked_for(kb, world):
    path = f"/requests/{world['request']['id']}/suggestions"
    assert world["own_country"]["id"] not in _ids(kb.ok("GET", path, world["director"]))
    assert world["own_country"]["id"] in _ids(kb.ok("GET", path + "?include_own_country=true&include_weak=true", world["director"]))


def test_filters_narrow_the_suggestions(kb, world):
    path = f"/requests/{world['request']['id']}/suggestions"
    assert _ids(kb.ok("GET", path + "?include_weak=true&sector=quality-infrastructure", world["sec"])) == [world["metrology"]["id"]]
    assert _ids(kb.ok("GET", path + "?include_weak=true&language=pt", world["sec"])) == [world["metrology"]["id"]]
    assert _ids(kb.ok("GET", path + "?include_weak=true&country=BR", world["sec"])) == [world["metrology"]["id"]]
    assert _ids(kb.ok("GET", path + "?include_weak=true&region=MERCOSUR", world["sec"])) == [world["metrology"]["id"]]
    assert _ids(kb.ok("GET", path + "?include_weak=true&k=1", world["sec"])) == [world["tannery"]["id"]]


def test_unpublished_and_archived_offers_are_never_suggested(kb, world):
    draft = kb.ok("POST", "/offers", world["co"], kb.offer_payload(title="Cleaner production tanneries draft"))
    kb.ok("POST", f"/offers/{world['tannery']['id']}/transitions", world["co"], {"action": "archive"}, 200)
    ids = _ids(kb.ok("GET", f"/requests/{world['request']['id']}/suggestions", world["sec"]))
    assert draft["id"] not in ids and world["tannery"]["id"] not in ids


def test_expired_offers_are_not_suggested(kb, world, app):
    from datetime import date, timedelta

    from kb.extensions import db
    from kb.models import IndexChange, Offer

    with app.app_context():
        offer = db.session.get(Offer, world["tannery"]["id"])
        offer.valid_until = date.today() - timedelta(days=1)
        db.session.add(IndexChange(kind="offer", record_id=offer.id))
        db.session.commit()
    assert world["tannery"]["id"] not in _ids(kb.ok("GET", f"/requests/{world['request']['id']}/suggestions",
                                                    world["sec"]))


def test_weak_suggestions_are_hidden_unless_asked_for(kb, world):
    path = f"/requests/{world['request']['id']}/suggestions"
    every = kb.ok("GET", path + "?include_weak=true", world["sec"])
    shown = kb.ok("GET", path, world["sec"])
    assert {s["band"] for s in every["items"]} >= {"weak"}  # the metrology offer shares nothing
    assert [s["id"] for s in every["items"] if s["band"] != "weak"] == _ids(shown)
    assert all(s["band"] != "weak" for s in shown["items"])
    for s in every["items"]:
        assert 0 <= s["fit"] <= 1
        assert s["band"] == ("strong" if s["fit"] >= 0.5 else "possible" if s["fit"] >= 0.2 else "weak")
    assert shown["has_strong"] == any(s["band"] == "strong" for s in shown["items"])


def test_a_pair_has_one_fit_whichever_side_and_filters_show_it(kb, world):
    """The fit is a property of the pair: the request's page, the offer's page and a filtered list agree."""
    req, offer = world["request"]["id"], world["tannery"]["id"]
    from_request = {s["id"]: s for s in kb.ok("GET", f"/requests/{req}/suggestions?include_weak=true",
                                               world["sec"])["items"]}[offer]
    from_offer = {s["id"]: s for s in kb.ok("GET", f"/offers/{offer}/suggestions?include_weak=true",
                                             world["sec"])["items"]}[req]
    filtered = kb.ok("GET", f"/requests/{req}/suggestions?include_weak=true&language=es&k=1", world["sec"])["items"][0]
    assert from_request["fit"] == from_offer["fit"] == filtered["fit"]
    assert from_request["score"] == pytest.approx(from_offer["score"], abs=1e-4)
    for key in ("dense_z", "keyword", "sectors", "modalities", "languages", "dense_rc", "same_text_lang"):
        assert from_request["explanation"]["components"][key] == pytest.approx(
            from_offer["explanation"]["components"][key], abs=1e-4), key


def test_search_hits_carry_no_fit(kb, world):
    res = kb.ok("GET", "/search?q=chrome+recovery+tanneries&kind=offers")
    assert res["items"] and all(h["fit"] is None and h["band"] is None for h in res["items"])
    assert res["has_strong"] is None


def test_offer_to_requests_suggestions(kb, world):
    res = kb.ok("GET", f"/offers/{world['tannery']['id']}/suggestions", world["co"])
    assert _ids(res) == [world["request"]["id"]]


def test_free_text_search_finds_published_offers_for_anonymous_callers(kb, world):
    res = kb.ok("GET", "/search?q=chrome+recovery+tanneries&kind=offers")
    assert res["items"][0]["id"] in (world["tannery"]["id"], world["own_country"]["id"])
    assert world["metrology"]["id"] in _ids(kb.ok("GET", "/search?q=calibration+laboratories"))


def test_search_of_requests_never_shows_drafts(kb, world):
    draft = kb.ok("POST", "/requests", world["director"], kb.request_payload(title="Secret tannery plan"))
    assert draft["id"] not in _ids(kb.ok("GET", "/search?q=tannery&kind=requests", world["sec"]))


@pytest.mark.parametrize("query", [
    "q=", "q=" + "x" * 2001, "q=tannery&k=0", "q=tannery&k=101", "q=tannery&kind=experts",
    "q=tannery&colour=blue", "q=tannery&language=xx", "q=tannery&country=ECU", "k=5",
])
def test_bad_search_parameters_are_422(kb, world, query):
    resp = kb.call("GET", f"/search?{query}")
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["errors"]


def test_punctuation_only_query_is_422(kb, world):
    assert kb.call("GET", "/search?q=%21%21%21").status_code == 422


def test_suggestions_for_a_foreign_draft_are_404(kb, world):
    draft = kb.ok("POST", "/requests", world["director"], kb.request_payload())
    assert kb.call("GET", f"/requests/{draft['id']}/suggestions", world["co"]).status_code == 404
    assert kb.call("GET", f"/requests/{draft['id']}/suggestions").status_code == 404
    assert kb.call("GET", "/requests/999999/suggestions", world["sec"]).status_code == 404
    # The owner may already look at suggestions for its own draft.
    assert kb.call("GET", f"/requests/{draft['id']}/suggestions", world["director"]).status_code == 200


def test_k_out_of_range_and_unknown_filters_are_422(kb, world):
    path = f"/requests/{world['request']['id']}/suggestions"
    for q in ("?k=0", "?k=1000", "?k=abc", "?sectors=water", "?include_own_country=maybe"):
        assert kb.call("GET", path + q, world["sec"]).status_code == 422, q


def test_a_match_proposed_from_a_suggestion_keeps_its_score_and_explanation(kb, world):
    sug = kb.ok("GET", f"/requests/{world['request']['id']}/suggestions", world["sec"])["items"][0]
    match = kb.ok("POST", "/matches", world["sec"], {"request_id": world["request"]["id"],
                                                     "offer_id": sug["id"], "from_suggestion": True})
    assert match["origin"] == "suggestion"
    assert match["score"] == pytest.approx(sug["score"], abs=1e-3)
    assert match["explanation"]["shared_sectors"] == sug["explanation"]["shared_sectors"]
    assert match["explanation"]["model"]
    assert match["explanation"]["fit"] == sug["fit"] and match["explanation"]["band"] == sug["band"]
    # Later edits do not rewrite what the match was proposed with.
    kb.ok("POST", f"/offers/{sug['id']}/transitions", world["co"], {"action": "archive"}, 200)
    again = kb.ok("GET", f"/matches/{match['id']}", world["sec"])
    assert again["score"] == match["score"] and again["explanation"] == match["explanation"]


def test_unchanged_text_is_never_re_embedded(kb, world, app, monkeypatch):
    from kb.matching import embedder as emb_mod

    calls = []
    real = emb_mod.HashingEmbedder.encode

    def counting(self, texts, **kw):
        calls.append(list(texts))
        return real(self, texts, **kw)

    monkeypatch.setattr(emb_mod.HashingEmbedder, "encode", counting)
    draft = kb.ok("POST", "/requests", world["director"], kb.request_payload())
    assert len(calls) == 1
    kb.ok("PATCH", f"/requests/{draft['id']}", world["director"], {"sectors": ["water"]})
    assert len(calls) == 1  # tags changed, text did not
    kb.ok("PATCH", f"/requests/{draft['id']}", world["director"], {"title": "A new title for the need"})
    assert len(calls) == 2


def test_the_explanation_leads_with_a_plain_sentence_in_the_callers_language(kb, world):
    path = f"/requests/{world['request']['id']}/suggestions?include_weak=true"
    top = kb.ok("GET", path, world["director"])["items"][0]
    ex = top["explanation"]
    assert ex["summary"].startswith("Shares the sector cleaner production")
    assert "both work in English and Spanish" in ex["summary"] and ex["summary"].endswith(".")
    assert "both mention" in ex["summary"]
    # An anonymous caller reads it in the language their browser asks for.
    french = kb.call("GET", path + "&k=1", headers={"Accept-Language": "fr"}).get_json()
    assert french["items"][0]["explanation"]["summary"].startswith("Partagent le secteur production plus propre")
    assert "travaillent en anglais et espagnol" in french["items"][0]["explanation"]["summary"]


def test_the_explanation_quotes_the_closest_sentence_of_each_side(kb, world):
    top = kb.ok("GET", f"/requests/{world['request']['id']}/suggestions?include_weak=true", world["sec"])["items"][0]
    p = top["explanation"]["passages"]
    request_sentences = ["Chrome pollution from small leather tanneries; we need cleaner production audits and "
                         "effluent treatment."]
    assert p["request"] in request_sentences + ["Chrome pollution from small leather tanneries;",
                                                "we need cleaner production audits and effluent treatment."]
    assert p["offer"] and p["offer"] in "Audits of leather tanneries, chrome recovery and effluent treatment for SMEs."
    # From the offer's side, the same pair quotes the same two sentences.
    back = {s["id"]: s for s in kb.ok("GET", f"/offers/{world['tannery']['id']}/suggestions?include_weak=true",
                                      world["sec"])["items"]}[world["request"]["id"]]
    assert back["explanation"]["passages"] == p
