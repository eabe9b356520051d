"""What the reporting needs from the roster: an expert's sex, nationality, sectors, years of experience and
short CV (personal data, visible as the rest of the roster), and the experts recorded on an exchange with their
expert-days (what "experts mobilised" counts), through the API."""
from __future__ import annotations

from datetime import date

from kb.services import indicators
from kb.services.indicators import Filters

ROSTER = {"name": "Ana Torres", "expertise": "Cleaner production audits", "sex": "female",
          "nationality_code": "CO", "sectors": ["cleaner-production", "water"], "years_experience": 12,
          "cv": "Head of audits at the centre since 2015."}


def _running_exchange(kb, sec, director, centre) -> int:
    req = kb.published_request(director, sec)
    offer = kb.published_offer(centre, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"]})
    for who in (centre, director):
        kb.ok("POST", f"/matches/{match['id']}/transitions", who, {"action": "accept"}, 200)
    xid = kb.ok("POST", f"/matches/{match['id']}/transitions", sec, {"action": "approve"}, 200)["exchange_id"]
    kb.ok("POST", f"/exchanges/{xid}/transitions", sec,
          {"action": "agree", "agreement_ref": "KB-1", "agreement_date": "2026-02-01"}, 200)
    kb.ok("POST", f"/exchanges/{xid}/transitions", centre, {"action": "start", "start_date": "2026-03-01"}, 200)
    return xid


def test_the_roster_keeps_the_reporting_fields(kb):
    centre = kb.user("centre", country="CO")
    sec = kb.user("secretariat", country="AT")
    expert = kb.ok("POST", "/experts", centre, ROSTER)
    assert {k: expert[k] for k in ROSTER} == ROSTER
    edited = kb.ok("PATCH", f"/experts/{expert['id']}", centre, {"years_experience": 13, "sectors": ["water"]})
    assert edited["years_experience"] == 13 and edited["sectors"] == ["water"] and edited["sex"] == "female"
    events = kb.ok("GET", f"/events?record_type=expert&record_id={expert['id']}", sec)["items"]
    assert events[-1]["details"]["changes"]["years_experience"] == {"from": 12, "to": 13}
    assert events[-1]["details"]["changes"]["sectors"] == {"from": ["cleaner-production", "water"], "to": ["water"]}


def test_bad_roster_fields_are_refused_by_name(kb, unchanged):
    centre = kb.user("centre", country="CO")
    for field, value, status in (("sex", "unknown", 422), ("nationality_code", "XX", 422),
                                 ("nationality_code", "co", 422), ("sectors", ["no-such-sector"], 422),
                                 ("years_experience", -1, 422), ("years_experience", 81, 422),
                                 ("cv", "x" * 2001, 422)):
        with unchanged():
            resp = kb.call("POST", "/experts", centre, {**ROSTER, field: value})
        assert resp.status_code == status, (field, value, resp.get_json())
        assert field in str(resp.get_json()["errors"]), (field, resp.get_json())


def test_experts_recorded_on_an_exchange_are_the_experts_mobilised(kb, app, unchanged):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    other_centre = kb.user("centre", country="BR")
    xid = _running_exchange(kb, sec, director, centre)
    ana = kb.ok("POST", "/experts", centre, ROSTER)["id"]
    luis = kb.ok("POST", "/experts", centre, {**ROSTER, "name": "Luis Gómez", "sex": "male"})["id"]
    foreign = kb.ok("POST", "/experts", other_centre, {**ROSTER, "name": "Outsider"})["id"]

    assert kb.ok("POST", f"/exchanges/{xid}/experts", centre, {"expert_id": ana, "expert_days": 5})["expert_days"] == 5
    kb.ok("POST", f"/exchanges/{xid}/experts", sec, {"expert_id": luis, "expert_days": 2.5})
    with unchanged():
        assert kb.call("POST", f"/exchanges/{xid}/experts", centre,
                       {"expert_id": ana, "expert_days": 1}).status_code == 409
        resp = kb.call("POST", f"/exchanges/{xid}/experts", sec, {"expert_id": foreign, "expert_days": 1})
        assert resp.status_code == 404 and "expert_id" in str(resp.get_json()["errors"])
        assert kb.call("POST", f"/exchanges/{xid}/experts", director,
                       {"expert_id": ana, "expert_days": 1}).status_code == 403
        assert kb.call("POST", f"/exchanges/{xid}/experts", sec,
                       {"expert_id": ana, "expert_days": -1}).status_code == 422
    listed = kb.ok("GET", f"/exchanges/{xid}/experts", director)
    assert sorted((e["expert_id"], e["expert_days"]) for e in listed) == [(ana, 5.0), (luis, 2.5)]
    assert kb.ok("GET", f"/exchanges/{xid}", sec)["experts"] == listed
    with app.test_request_context():
        figures = indicators.experts(Filters(start=date.today()))
    assert figures["mobilised"] == 2 and figures["expert_days"] == 7.5
    assert figures["by_sex"] == {"female": 1, "male": 1}
    assert figures["in_kind_value"] == "3000.00"
