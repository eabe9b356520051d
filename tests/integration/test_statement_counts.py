"""Lists and pages issue the same number of SQL statements whatever their page size (no query per row)."""
from __future__ import annotations

import pytest
from sqlcount import count_get


@pytest.fixture
def catalogue(kb):
    """Twelve published offers and requests with tags, experts, proposed matches and two exchanges."""
    sec = kb.user("secretariat", country="AT")
    admin = kb.user("admin", country="AT")
    centre = kb.user("centre", country="CO")
    director = kb.user("director", country="EC")
    partner = kb.user("partner", country="ES")
    experts = [kb.ok("POST", "/experts", centre, {"name": f"Expert {i}", "languages": ["en", "es"],
                                                   "expertise": "Cleaner production"})["id"] for i in range(3)]
    for i in range(12):
        offer = kb.published_offer(centre, sec, title=f"Cleaner production offer {i}", sdgs=[6, 12],
                                   expert_ids=experts[: 1 + i % 3])
        req = kb.published_request(director, sec, title=f"Tannery request {i}")
        match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"]})
        if i < 3:  # an exchange with parties, a contribution and an activity
            for who in (centre, director):
                kb.ok("POST", f"/matches/{match['id']}/transitions", who, {"action": "accept"}, 200)
            xid = kb.ok("POST", f"/matches/{match['id']}/transitions", sec, {"action": "approve"}, 200)["exchange_id"]
            kb.ok("POST", f"/exchanges/{xid}/parties", partner,
                  {"contribution": {"kind": "money", "amount": "1500", "currency": "EUR"}})
    return {"secretariat": sec, "admin": admin, "centre": centre, "director": director, "anonymous": None}


API_LISTS = [("offers", "anonymous"), ("offers", "secretariat"), ("offers", "centre"), ("requests", "anonymous"),
             ("requests", "secretariat"), ("requests", "director"), ("experts", "secretariat"),
             ("matches", "secretariat"), ("matches", "director"), ("exchanges", "secretariat"),
             ("exchanges", "centre"), ("events", "secretariat"), ("organisations", "secretariat"),
             ("users", "admin")]


def test_lists_and_catalogue_pages_cost_the_same_statements_for_1_5_or_50_rows(app, client, catalogue):
    costs = {}
    for collection, who in API_LISTS:
        actor = catalogue[who]
        headers = actor.headers if actor else None
        costs[(collection, who)] = [count_get(app, client, f"/api/v1/{collection}?per_page={n}", headers)[0]
                                    for n in (1, 5, 50)]
    for path in ("/offers", "/requests"):
        costs[(path, "anonymous")] = [count_get(app, client, f"{path}?per_page={n}")[0] for n in (1, 5, 50)]
    varying = {k: v for k, v in costs.items() if len(set(v)) > 1}
    assert not varying, varying
    assert max(v[0] for v in costs.values()) <= 12, costs


def test_reference_lists_are_one_statement_or_none(app, client, catalogue):
    n, seen = count_get(app, client, "/api/v1/countries")
    assert n <= 2, seen  # countries with their regional groups (not one query per country)
