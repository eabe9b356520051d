"""Near-duplicates of a record among published and in-review records of the same kind, at saving and on demand."""
from __future__ import annotations

from kb.services.matching import DUPLICATE_SIMILARITY


def test_saving_a_near_duplicate_returns_it_and_the_duplicates_endpoint_lists_it(kb):
    sec = kb.user("secretariat")
    co, br = kb.user("centre", country="CO"), kb.user("centre", country="BR")
    published = kb.published_offer(co, sec)
    in_review = kb.ok("POST", "/offers", br, kb.offer_payload(title="Cleaner production diagnostics for SMEs"))
    kb.ok("POST", f"/offers/{in_review['id']}/transitions", br, {"action": "submit"}, 200)
    unrelated = kb.ok("POST", "/offers", co, kb.offer_payload(title="Port logistics", description="Container "
                                                               "handling, customs windows and cold chain at sea ports."))
    assert unrelated["possible_duplicates"] == []
    again = kb.ok("POST", "/offers", co, kb.offer_payload())
    dups = {d["id"]: d for d in again["possible_duplicates"]}
    # Another organisation's record in review is counted, not named (see the next test).
    assert published["id"] in dups and None in dups and in_review["id"] not in dups and unrelated["id"] not in dups
    assert dups[published["id"]]["same_organisation"] is True and dups[None]["same_organisation"] is None
    assert dups[published["id"]]["similarity"] >= DUPLICATE_SIMILARITY and dups[published["id"]]["status"] == "published"
    assert again["id"] not in dups
    listed = kb.ok("GET", f"/offers/{again['id']}/duplicates", co)["items"]
    assert [d["id"] for d in listed] == [d["id"] for d in again["possible_duplicates"]]
    # A draft is nobody's duplicate; an edit answers the duplicates of the edited text.
    assert again["id"] not in {d["id"] for d in kb.ok("GET", f"/offers/{published['id']}/duplicates", sec)["items"]}
    edited = kb.ok("PATCH", f"/offers/{again['id']}", co, {"title": "Port logistics",
                                                              "description": unrelated["description"],
                                                              "version": again["version"]}, 200)
    assert published["id"] not in {d["id"] for d in edited["possible_duplicates"]}


def test_duplicates_need_a_caller_who_may_see_the_record(kb):
    co = kb.user("centre", country="CO")
    draft = kb.ok("POST", "/requests", kb.user("director"), kb.request_payload())
    assert kb.call("GET", f"/requests/{draft['id']}/duplicates").status_code == 401
    assert kb.call("GET", f"/requests/{draft['id']}/duplicates", co).status_code == 404
    assert kb.call("GET", "/offers/999999/duplicates", co).status_code == 404


def test_another_organisations_record_in_review_is_counted_but_not_named_except_for_the_secretariat(kb):
    sec = kb.user("secretariat")
    co, br = kb.user("centre", country="CO"), kb.user("centre", country="BR")
    colleague = kb.user("centre", org_id=br.org_id)
    secret_title = "Cleaner production diagnostics for tanneries (unpublished)"
    in_review = kb.ok("POST", "/offers", br, kb.offer_payload(title=secret_title))
    kb.ok("POST", f"/offers/{in_review['id']}/transitions", br, {"action": "submit"}, 200)
    published = kb.published_offer(br, sec, title="Cleaner production diagnostics for leather SMEs")
    mine = kb.ok("POST", "/offers", co, kb.offer_payload())
    seen = {d["status"]: d for d in mine["possible_duplicates"]}
    assert seen["submitted"] == {"id": None, "title": None, "text_lang": None, "withheld": True,
                                 "status": "submitted", "same_organisation": None,
                                 "similarity": seen["submitted"]["similarity"]}
    assert seen["published"]["id"] == published["id"] and seen["published"]["withheld"] is False
    listed = kb.ok("GET", f"/offers/{mine['id']}/duplicates", co)["items"]
    assert secret_title not in str(listed) and str(in_review["id"]) not in [str(d["id"]) for d in listed]
    # The secretariat sees it whole; so does the record's own organisation.
    whole = {d["id"]: d for d in kb.ok("GET", f"/offers/{mine['id']}/duplicates", sec)["items"]}
    assert whole[in_review["id"]]["title"] == secret_title and whole[in_review["id"]]["withheld"] is False
    theirs = kb.ok("POST", "/offers", colleague, kb.offer_payload())
    assert in_review["id"] in {d["id"] for d in theirs["possible_duplicates"]}
    # The public record's duplicates do not tell whose the withheld one is (its organisation has one in review).
    of_public = [d for d in kb.ok("GET", f"/offers/{published['id']}/duplicates", co)["items"] if d["withheld"]]
    assert of_public and all(d["same_organisation"] is None for d in of_public)
