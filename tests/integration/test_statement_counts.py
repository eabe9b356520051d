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
            offered = kb.ok("POST", f"/exchanges/{xid}/contribution-offers", partner,
                            {"kind": "money", "amount": "1500", "currency": "EUR"})
            kb.ok("POST", f"/contribution-offers/{offered['id']}/transitions", sec, {"action": "accept"}, 200)
    return {"secretariat": sec, "admin": admin, "centre": centre, "director": director, "anonymous": None}


API_LISTS = [("offers", "anonymous"), ("offers", "secretariat"), ("offers", "centre"), ("requests", "anonymous"),
             ("requests", "secretariat"), ("requests", "director"), ("experts", "secretariat"),
             ("matches", "secretariat"), ("matches", "director"), ("exchanges", "secretariat"),
             ("exchanges", "centre"), ("events", "secretariat"), ("organisations", "secretariat"),
             ("users", "admin")]


def _costs(app, client, path: str, headers) -> list[int]:
    """Statements of the path with 1, 5 and 50 rows a page, each the second of two calls (caches warm)."""
    sep = "&" if "?" in path else "?"
    return [[count_get(app, client, f"{path}{sep}per_page={n}", headers)[0] for _ in range(2)][1]
            for n in (1, 5, 50)]


def test_lists_and_catalogue_pages_cost_no_more_statements_for_50_rows_than_for_1(app, client, catalogue):
    """A page holding every row needs no COUNT (the last page tells the total): fewer statements, never more."""
    costs = {}
    for collection, who in API_LISTS:
        actor = catalogue[who]
        costs[(collection, who)] = _costs(app, client, f"/api/v1/{collection}", actor.headers if actor else None)
    for path in ("/offers", "/requests"):
        costs[(path, "anonymous")] = _costs(app, client, path, None)
    growing = {k: v for k, v in costs.items() if not v[0] >= v[1] >= v[2]}
    assert not growing, growing
    assert max(v[0] for v in costs.values()) <= 12, costs


def test_a_list_count_is_cached_until_a_record_changes(app, client, kb, catalogue):
    sec, centre = catalogue["secretariat"], catalogue["centre"]
    first = kb.ok("GET", "/offers?per_page=5")
    assert first["total"] == 12
    n, seen = count_get(app, client, "/api/v1/offers?per_page=5")
    assert not any("count(" in s.lower() for s in seen), seen  # the count was cached
    kb.published_offer(centre, sec, title="Thirteenth offer")
    assert kb.ok("GET", "/offers?per_page=5")["total"] == 13  # a committed change moves the revision
    assert kb.ok("GET", "/offers?per_page=5&q=thirteenth")["total"] == 1


def test_the_front_page_figures_follow_committed_changes(app, client, kb, catalogue):
    assert "12" in client.get("/").get_data(as_text=True)
    n, seen = count_get(app, client, "/")
    assert n <= 2, seen  # cached: the revisions, nothing recounted
    kb.published_offer(catalogue["centre"], catalogue["secretariat"], title="Thirteenth offer")
    n, seen = count_get(app, client, "/")
    assert n > 2 and "13" in client.get("/").get_data(as_text=True)


def test_reference_lists_are_one_statement_or_none(app, client, catalogue):
    n, seen = count_get(app, client, "/api/v1/countries")
    assert n <= 2, seen  # countries with their regional groups (not one query per country)
    client.get("/offers?per_page=5")
    n, seen = count_get(app, client, "/offers?per_page=5")
    assert not any("FROM countries" in s or "FROM sectors ORDER" in s for s in seen), seen  # options cached


def test_reference_caches_follow_a_change_of_labels_made_elsewhere(app, client):
    """A label changed by another process (here: a plain transaction) reaches the next page of this one."""
    from kb.models import Sector
    from kb.services import unit_of_work

    assert "Cleaner production" in client.get("/offers").get_data(as_text=True)
    with app.app_context(), unit_of_work() as session:
        sector = session.get(Sector, "cleaner-production")
        sector.label_en = "Resource-efficient cleaner production"
    assert "Resource-efficient cleaner production" in client.get("/offers").get_data(as_text=True)
    with app.app_context(), unit_of_work() as session:
        session.get(Sector, "cleaner-production").label_en = "Cleaner production"
    assert "Resource-efficient" not in client.get("/offers").get_data(as_text=True)


def test_requests_without_a_proposal_cost_no_more_statements_for_more_rows(app, client, kb):
    """Each row's best fit is ranked on the catalogue in memory: no statement per request, in either order."""
    sec, centre, director = kb.user("secretariat", country="AT"), kb.user("centre", country="CO"), \
        kb.user("director", country="EC")
    for i in range(3):
        kb.published_offer(centre, sec, title=f"Cleaner production offer {i}")
    for i in range(8):
        kb.published_request(director, sec, title=f"Tannery request {i}")
    for order in ("age", "fit"):
        costs = _costs(app, client, f"/api/v1/requests/without-proposal?order={order}", sec.headers)
        assert costs[0] >= costs[1] >= costs[2], (order, costs)
