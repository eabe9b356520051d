"""The secretariat's lists in the API: requests without a proposal yet and suggested partners; who may see them."""
from __future__ import annotations

import pytest


@pytest.fixture
def people(kb):
    return {"sec": kb.user("secretariat", country="AT"), "admin": kb.user("admin", country="AT"),
            "director": kb.user("director", country="EC"), "centre": kb.user("centre", country="CO"),
            "partner": kb.user("partner", country="ES")}


@pytest.fixture
def xid(kb, people) -> int:
    return kb.approved_exchange(people["sec"], people["director"], people["centre"])


def test_requests_without_a_proposal_for_staff_with_age_and_best_fit(kb, people):
    sec = people["sec"]
    kb.published_offer(people["centre"], sec)
    kb.published_offer(people["centre"], sec, title="Port logistics", description="Crane scheduling for seaports.",
                       sectors=["ict-digital"])
    first = kb.published_request(people["director"], sec)
    second = kb.published_request(people["director"], sec, title="Glacier monitoring with drones",
                                  description="Monitor glacier retreat with drones and satellite images.",
                                  sectors=["environment-forestry"])
    for who in ("sec", "admin"):
        page = kb.ok("GET", "/requests/without-proposal?per_page=1", people[who])
        assert (page["total"], page["pages"], page["per_page"]) == (2, 2, 1)
        [item] = page["items"]
        assert item["id"] == first["id"] and item["days_published"] == 0 and item["band"] in ("strong", "possible", "weak")
    weakest = kb.ok("GET", "/requests/without-proposal?order=fit", sec)["items"]
    assert [i["id"] for i in weakest] == [second["id"], first["id"]] and weakest[0]["best_fit"] < weakest[1]["best_fit"]
    offer_id = kb.ok("GET", "/offers", sec)["items"][-1]["id"]
    kb.ok("POST", "/matches", sec, {"request_id": first["id"], "offer_id": offer_id})
    assert [i["id"] for i in kb.ok("GET", "/requests/without-proposal", sec)["items"]] == [second["id"]]


def test_a_bad_order_names_the_field(kb, people):
    resp = kb.call("GET", "/requests/without-proposal?order=newest", people["sec"])
    assert resp.status_code == 422 and "order" in resp.get_json()["errors"]["query"]


@pytest.mark.parametrize("who", ["director", "centre", "partner"])
def test_only_staff_see_the_desk_lists(kb, people, xid, who):
    req_id = kb.ok("GET", "/requests", people["sec"])["items"][0]["id"]
    for path in ("/requests/without-proposal", f"/requests/{req_id}/suggested-partners",
                 f"/exchanges/{xid}/suggested-partners"):
        assert kb.call("GET", path, people[who]).status_code == 403, path
        assert kb.call("GET", path).status_code == 401, path


def test_suggested_partners_of_an_exchange_and_a_request(kb, app, people, xid):
    from kb.extensions import db
    from kb.models import Organisation

    with app.app_context():
        org = db.session.get(Organisation, people["partner"].org_id)
        org.priority_sectors, org.priority_countries = ["cleaner-production"], ["EC"]
        db.session.commit()
    req_id = kb.ok("GET", f"/exchanges/{xid}", people["sec"])["request_id"]
    for path in (f"/exchanges/{xid}/suggested-partners", f"/requests/{req_id}/suggested-partners"):
        [item] = kb.ok("GET", path, people["admin"])["items"]
        assert item["organisation"]["id"] == people["partner"].org_id and item["score"] == pytest.approx(0.55)
        assert item["reasons"][0].startswith("Its priority sectors include")
    resp = kb.call("GET", f"/exchanges/{xid}/suggested-partners", people["sec"], headers={"Accept-Language": "fr"})
    assert resp.status_code == 200
    assert kb.call("GET", "/exchanges/999999/suggested-partners", people["sec"]).status_code == 404
    assert kb.call("GET", "/requests/999999/suggested-partners", people["sec"]).status_code == 404
