"""Near-duplicates of a record among published and in-review records of the same kind, at saving and on demand."""
from __future__ import annotations


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
    assert published["id"] in dups and in_review["id"] in dups and unrelated["id"] not in dups
    assert dups[published["id"]]["same_organisation"] is True and dups[in_review["id"]]["same_organisation"] is False
    assert dups[published["id"]]["similarity"] >= 0.77 and dups[published["id"]]["status"] == "published"
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
