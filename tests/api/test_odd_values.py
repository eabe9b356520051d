"""Odd but well-formed values: extreme dates, huge numbers, empty filters, duplicates. Never a 500, never a
silent change of meaning; pages that show the records render too."""
from __future__ import annotations

from datetime import date

import pytest
from test_bad_input import assert_refused


def _exchange_in_progress(kb, world) -> int:
    req = kb.published_request(world.director, world.sec)
    off = kb.published_offer(world.centre, world.sec)
    mid = kb.ok("POST", "/matches", world.sec, {"request_id": req["id"], "offer_id": off["id"]})["id"]
    kb.ok("POST", f"/matches/{mid}/transitions", world.director, {"action": "accept"}, 200)
    kb.ok("POST", f"/matches/{mid}/transitions", world.centre, {"action": "accept"}, 200)
    xid = kb.ok("POST", f"/matches/{mid}/transitions", world.sec, {"action": "approve"}, 200)["exchange_id"]
    kb.ok("POST", f"/exchanges/{xid}/transitions", world.sec, {"action": "agree", "agreement_ref": "A-1"}, 200)
    kb.ok("POST", f"/exchanges/{xid}/transitions", world.sec, {"action": "start"}, 200)
    return xid


@pytest.mark.parametrize("early, late", [("0001-01-01", "9999-12-31"), ("1900-02-28", "2100-02-28")])
def test_extreme_dates_are_stored_and_shown(kb, world, early, late, app):
    req = kb.ok("POST", "/requests", world.director, kb.request_payload(wished_start=early, wished_end=late))
    assert (req["wished_start"], req["wished_end"]) == (early, late)
    off = kb.ok("POST", "/offers", world.centre, kb.offer_payload(valid_until=early))
    assert off["expired"] is True
    # An offer whose validity has passed cannot be submitted: a conflict with the record, not a crash.
    assert_refused(kb.call("POST", f"/offers/{off['id']}/transitions", world.centre, {"action": "submit"}), 409,
                   "valid_until")
    kb.ok("PATCH", f"/offers/{off['id']}", world.centre, {"valid_until": late})
    kb.ok("POST", f"/offers/{off['id']}/transitions", world.centre, {"action": "submit"}, 200)
    kb.ok("POST", f"/offers/{off['id']}/transitions", world.sec, {"action": "publish"}, 200)
    assert kb.ok("GET", f"/requests/{req['id']}/suggestions?include_own_country=true", world.director)["items"] \
        is not None
    xid = _exchange_in_progress(kb, world)
    # Before the agreement: refused with the field named (tests/api/test_invariants.py); far in the future: kept.
    assert_refused(kb.call("POST", f"/exchanges/{xid}/activities", world.sec, {
        "kind": "training", "title": "Long ago", "start_date": early, "end_date": late, "virtual": True}), 422,
        "start_date")
    today = date.today().isoformat()
    act = kb.ok("POST", f"/exchanges/{xid}/activities", world.sec, {
        "kind": "training", "title": "For ever", "start_date": today, "end_date": late, "virtual": True})
    assert act["end_date"] == late
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        assert client.post("/login", data={"email": world.director.email, "password": kb.PASSWORD}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    for page in (f"/requests/{req['id']}", f"/offers/{off['id']}", f"/exchanges/{xid}", "/offers", "/my/requests"):
        assert client.get(page, headers={"Accept-Language": "fr"}).status_code == 200, page


def test_huge_and_odd_numbers_are_refused_with_the_field_named(kb, world, unchanged):
    with unchanged():
        for value in (10**30, -1, 2**31):
            assert_refused(kb.call("POST", "/requests", world.director, kb.request_payload(beneficiaries_count=value)),
                           422, "beneficiaries_count")
        assert_refused(kb.call("GET", "/requests?page=99999999999999999999", world.director), 422, "page")
        assert_refused(kb.call("GET", "/requests?organisation_id=-1", world.director), 422, "organisation_id")
        assert_refused(kb.call("GET", "/requests/0"), 404)
        assert_refused(kb.call("GET", "/search?q=water&k=1000000"), 422, "k")


def test_empty_filters_are_refused_or_ignored_never_a_500(kb, world):
    # An empty filter is a mistake, refused like any other bad value (it used to mean "no filter" for some).
    for query in ("status=", "country=", "language=", "text_lang=", "q=", "sector=", "modality=", "region="):
        assert_refused(kb.call("GET", f"/requests?{query}", world.sec), 422, query[:-1])
    for query in ("action=", "record_type="):
        assert_refused(kb.call("GET", f"/events?{query}", world.sec), 422, query[:-1])
    assert_refused(kb.call("GET", "/countries?region="), 422, "region")
    assert kb.ok("GET", "/requests?sector=no-such-sector", world.sec)["total"] == 0


def test_duplicate_list_entries_count_once(kb, world):
    req = kb.ok("POST", "/requests", world.director, kb.request_payload(
        sectors=["cleaner-production", "cleaner-production"], languages=["en", "en", "es"], sdgs=[6, 6, 12]))
    assert req["sectors"] == ["cleaner-production"] and req["languages"] == ["en", "es"] and req["sdgs"] == [6, 12]
    expert = kb.ok("POST", "/experts", world.centre, {"name": "Ana", "expertise": "Leather", "languages": ["es", "es"]})
    assert expert["languages"] == ["es"]
    off = kb.ok("POST", "/offers", world.centre, kb.offer_payload(expert_ids=[expert["id"], expert["id"]]))
    assert off["expert_ids"] == [expert["id"]]
