"""An edit that changes nothing changes nothing: the same behaviour on every PATCH route.

An empty edit (no field, or only a version) is refused with 422 "Nothing to change"; an edit that sends the
values the record already has answers 200 with the record as it was: no new version, no audit event."""
from __future__ import annotations

import pytest
from dbstate import db_snapshot


def _events(kb, admin, record_type: str, record_id: int) -> list[dict]:
    return kb.ok("GET", f"/events?record_type={record_type}&record_id={record_id}&per_page=100", admin)["items"]


@pytest.fixture
def records(kb):
    class R:
        admin = kb.user("admin", country="AT")
        sec = kb.user("secretariat", country="AT")
        director = kb.user("director", country="EC")
        centre = kb.user("centre", country="CO")
    R.org = kb.ok("GET", f"/organisations/{R.director.org_id}", R.admin)
    R.user = kb.ok("GET", f"/users/{R.director.id}", R.admin)
    R.request = kb.ok("POST", "/requests", R.director, kb.request_payload(beneficiaries_count=40))
    R.offer = kb.ok("POST", "/offers", R.centre, kb.offer_payload())
    R.expert = kb.ok("POST", "/experts", R.centre, {"name": "Ana Gómez", "expertise": "Leather", "languages": ["es"]})
    return R


def _routes(r):
    """(path, caller, record_type, the record as GET shows it, an edit with the same values)."""
    return [
        (f"/organisations/{r.org['id']}", r.admin, "organisation", r.org,
         {"name": r.org["name"], "kind": r.org["kind"], "country_code": r.org["country_code"],
          "verified": r.org["verified"]}),
        (f"/users/{r.user['id']}", r.admin, "user", r.user,
         {"name": r.user["name"], "role": r.user["role"], "language": r.user["language"], "active": True,
          "organisation_id": r.user["organisation_id"]}),
        (f"/requests/{r.request['id']}", r.director, "request", r.request,
         {"title": r.request["title"], "beneficiaries_count": 40, "sectors": r.request["sectors"],
          "languages": list(reversed(r.request["languages"])), "sdgs": r.request["sdgs"]}),
        (f"/offers/{r.offer['id']}", r.centre, "offer", r.offer,
         {"title": r.offer["title"], "valid_until": r.offer["valid_until"], "terms": r.offer["terms"],
          "expert_ids": []}),
        (f"/experts/{r.expert['id']}", r.centre, "expert", r.expert,
         {"name": "Ana Gómez", "languages": ["es"], "active": True}),
    ]


def test_an_edit_with_the_same_values_keeps_the_version_and_logs_nothing(kb, records):
    for path, caller, record_type, before, same in _routes(records):
        events = _events(kb, records.admin, record_type, before["id"])
        snapshot = db_snapshot(kb.app)
        for body in (same, {**same, "version": before["version"]}):
            after = kb.ok("PATCH", path, caller, body)
            assert after["version"] == before["version"], (path, after)
        assert db_snapshot(kb.app) == snapshot, path
        assert _events(kb, records.admin, record_type, before["id"]) == events, path


def test_an_empty_edit_is_refused_on_every_patch_route(kb, records):
    for path, caller, _record_type, before, _same in _routes(records):
        snapshot = db_snapshot(kb.app)
        for body in ({}, {"version": before["version"]}):
            resp = kb.call("PATCH", path, caller, body)
            assert resp.status_code == 422, (path, resp.get_json())
            assert "Nothing to change" in str(resp.get_json()["errors"]), path
        assert db_snapshot(kb.app) == snapshot, path


def test_a_real_change_bumps_the_version_once_and_names_only_the_changed_fields(kb, records):
    org = kb.ok("PATCH", f"/organisations/{records.org['id']}", records.admin,
                {"name": records.org["name"], "acronym": "MAG"})
    assert org["version"] == records.org["version"] + 1
    user = kb.ok("PATCH", f"/users/{records.user['id']}", records.admin,
                 {"name": "Renamed", "language": records.user["language"]})
    assert user["version"] == records.user["version"] + 1
    req = kb.ok("PATCH", f"/requests/{records.request['id']}", records.director,
                {"title": records.request["title"], "duration_months": 6})
    assert req["version"] == records.request["version"] + 1
    last = {t: _events(kb, records.admin, t, i)[-1]["details"]["fields"] for t, i in (
        ("organisation", org["id"]), ("user", user["id"]), ("request", req["id"]))}
    assert last == {"organisation": ["acronym"], "user": ["name"], "request": ["duration_months"]}
    # A password is always a change (it is never compared), and is not named in the trail.
    again = kb.ok("PATCH", f"/users/{records.user['id']}", records.admin, {"password": "another-long-password"})
    assert again["version"] == user["version"] + 1
    assert _events(kb, records.admin, "user", user["id"])[-1]["details"]["fields"] == []
