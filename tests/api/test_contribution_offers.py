"""A partner offers a contribution; the secretariat accepts it (the partner becomes a party with it, the parties
see it) or declines it with a reason; the partner may withdraw it. A partner no longer joins on its own."""
from __future__ import annotations

import pytest


@pytest.fixture
def people(kb):
    return {"sec": kb.user("secretariat", country="AT"), "director": kb.user("director", country="EC"),
            "centre": kb.user("centre", country="CO"), "partner": kb.user("partner", country="ES"),
            "other_partner": kb.user("partner", country="JP")}


@pytest.fixture
def xid(kb, people) -> int:
    return kb.approved_exchange(people["sec"], people["director"], people["centre"])


MONEY = {"kind": "money", "amount": "15000.00", "currency": "EUR", "description": "Travel of two experts"}


def test_a_partner_joining_directly_is_refused(kb, people, xid):
    resp = kb.call("POST", f"/exchanges/{xid}/parties", people["partner"], {"contribution": {"kind": "hosting"}})
    assert resp.status_code == 403 and "offers a contribution" in resp.get_json()["message"]
    assert "partner" not in {p["role"] for p in kb.ok("GET", f"/exchanges/{xid}/parties", people["sec"])}


def test_offer_then_accept_makes_the_partner_a_party_with_its_contribution(kb, people, xid):
    partner, sec = people["partner"], people["sec"]
    offer = kb.ok("POST", f"/exchanges/{xid}/contribution-offers", partner, MONEY)
    assert offer["status"] == "offered" and offer["actions"] == ["withdraw"]
    assert kb.ok("GET", f"/contribution-offers/{offer['id']}", sec)["actions"] == ["accept", "decline"]
    # Not a party yet; a second offer while this one waits is refused.
    assert "partner" not in {p["role"] for p in kb.ok("GET", f"/exchanges/{xid}/parties", sec)}
    assert kb.call("POST", f"/exchanges/{xid}/contribution-offers", partner, MONEY).status_code == 409
    # Others may not decide it: the partner itself, another partner (404: not theirs), a director.
    assert kb.call("POST", f"/contribution-offers/{offer['id']}/transitions", partner,
                   {"action": "accept"}).status_code == 403
    assert kb.call("POST", f"/contribution-offers/{offer['id']}/transitions", people["other_partner"],
                   {"action": "accept"}).status_code == 404
    assert kb.call("POST", f"/contribution-offers/{offer['id']}/transitions", people["director"],
                   {"action": "accept"}).status_code == 404
    accepted = kb.ok("POST", f"/contribution-offers/{offer['id']}/transitions", sec, {"action": "accept"}, 200)
    assert accepted["status"] == "accepted" and accepted["contribution_id"]
    parties = {p["role"]: p for p in kb.ok("GET", f"/exchanges/{xid}/parties", people["director"])}
    assert parties["partner"]["organisation"]["id"] == partner.org_id
    assert parties["partner"]["contributions"][0]["amount"] == "15000.00"
    trail = kb.ok("GET", f"/events?record_type=exchange&record_id={xid}", people["director"])["items"]
    assert any(e["action"] == "join" and e["details"]["contribution_offer_id"] == offer["id"] for e in trail)
    assert kb.call("POST", f"/contribution-offers/{offer['id']}/transitions", sec,
                   {"action": "decline", "reason": "Too late"}).status_code == 409


def test_decline_needs_a_reason_the_partner_reads_and_withdraw_is_the_partners(kb, people, xid):
    partner, sec = people["partner"], people["sec"]
    offer = kb.ok("POST", f"/exchanges/{xid}/contribution-offers", partner, {"kind": "hosting"})
    resp = kb.call("POST", f"/contribution-offers/{offer['id']}/transitions", sec, {"action": "decline"})
    assert resp.status_code == 422 and "reason" in resp.get_json()["errors"]
    kb.ok("POST", f"/contribution-offers/{offer['id']}/transitions", sec,
          {"action": "decline", "reason": "Hosting is already covered by the requester."}, 200)
    mine = kb.ok("GET", "/contribution-offers", partner)["items"]
    assert [(o["status"], o["reason"]) for o in mine] == [("declined", "Hosting is already covered by the requester.")]
    assert kb.ok("GET", "/contribution-offers", people["other_partner"])["items"] == []
    again = kb.ok("POST", f"/exchanges/{xid}/contribution-offers", partner, MONEY)
    assert kb.ok("POST", f"/contribution-offers/{again['id']}/transitions", partner, {"action": "withdraw"},
                 200)["status"] == "withdrawn"
    assert "partner" not in {p["role"] for p in kb.ok("GET", f"/exchanges/{xid}/parties", sec)}


def test_bad_offers_are_refused_naming_the_field(kb, people, xid):
    partner = people["partner"]
    resp = kb.call("POST", f"/exchanges/{xid}/contribution-offers", partner, {"kind": "money"})
    assert resp.status_code == 422 and "amount" in resp.get_json()["errors"]
    resp = kb.call("POST", f"/exchanges/{xid}/contribution-offers", partner, {"kind": "gold"})
    assert resp.status_code == 422 and "kind" in resp.get_json()["errors"]["json"]
    assert kb.call("POST", f"/exchanges/{xid}/contribution-offers", people["director"], MONEY).status_code == 403
    assert kb.call("POST", "/exchanges/999999/contribution-offers", partner, MONEY).status_code == 404
    assert kb.ok("GET", "/contribution-offers", people["sec"])["total"] == 0

