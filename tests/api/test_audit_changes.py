"""An edit's audit event records the old and new value of each changed field (as Indico's change logs do)."""
from __future__ import annotations


def _last_update(kb, actor, record_type, record_id):  # type: ignore[no-untyped-def]
    events = kb.ok("GET", f"/events?record_type={record_type}&record_id={record_id}&action=update&per_page=100", actor)
    return events["items"][-1]["details"]


def test_editing_a_request_logs_old_and_new_values(kb):
    director = kb.user("director")
    req = kb.ok("POST", "/requests", director, kb.request_payload(duration_months=6, sectors=["cleaner-production"]))
    kb.ok("PATCH", f"/requests/{req['id']}", director, {
        "title": "Cleaner production in small tanneries", "duration_months": 9, "wished_start": "2027-03-01",
        "sectors": ["cleaner-production", "water"], "languages": req["languages"], "version": req["version"]})
    details = _last_update(kb, director, "request", req["id"])
    assert details["fields"] == ["duration_months", "sectors", "title", "wished_start"]
    assert details["changes"] == {
        "duration_months": {"from": 6, "to": 9},
        "sectors": {"from": ["cleaner-production"], "to": ["cleaner-production", "water"]},
        "title": {"from": "Cleaner production in tanneries", "to": "Cleaner production in small tanneries"},
        "wished_start": {"from": None, "to": "2027-03-01"},
    }


def test_organisation_user_and_expert_edits_log_their_values_but_never_a_password(kb):
    admin, centre = kb.user("admin"), kb.user("centre", country="CO")
    org = kb.ok("GET", f"/organisations/{centre.org_id}", admin)
    kb.ok("PATCH", f"/organisations/{org['id']}", admin, {"acronym": "CNPML", "kind": "training-institute"})
    assert _last_update(kb, admin, "organisation", org["id"])["changes"] == {
        "acronym": {"from": None, "to": "CNPML"}, "kind": {"from": "competence-centre", "to": "training-institute"}}
    expert = kb.ok("POST", "/experts", centre, {"name": "Ana", "expertise": "Tanning", "languages": ["es"]})
    kb.ok("PATCH", f"/experts/{expert['id']}", centre, {"languages": ["es", "pt"], "availability": "From May"})
    assert _last_update(kb, admin, "expert", expert["id"])["changes"] == {
        "availability": {"from": None, "to": "From May"}, "languages": {"from": ["es"], "to": ["es", "pt"]}}
    kb.ok("PATCH", f"/users/{centre.id}", admin, {"name": "Ana Gómez", "password": "amber-violin-river-52"})
    details = _last_update(kb, admin, "user", centre.id)
    assert details == {"fields": ["name"], "changes": {"name": {"from": "", "to": "Ana Gómez"}}}
    assert "amber-violin" not in str(kb.ok("GET", f"/events?record_type=user&record_id={centre.id}", admin))
