"""The whole triangular life cycle through the API alone, leaving a complete audit trail."""
from __future__ import annotations


def test_triangular_life_cycle_through_the_api_leaves_a_complete_audit_trail(kb):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    partner = kb.user("partner", country="ES")

    # A director posts and submits a request; the secretariat publishes it.
    req = kb.ok("POST", "/requests", director, kb.request_payload(text_lang="es", title="Producción más limpia"))
    assert req["status"] == "draft" and req["actions"] == ["submit", "withdraw"]
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    req = kb.ok("POST", f"/requests/{req['id']}/transitions", sec, {"action": "publish"}, 200)
    assert req["status"] == "published" and req["published_at"]

    # A centre's offer is published.
    offer = kb.published_offer(centre, sec)
    assert offer["status"] == "published"

    # The secretariat proposes the match; both parties accept (either order); the secretariat approves.
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"], "note": "Good fit"})
    assert match["status"] == "proposed" and match["origin"] == "manual"
    match = kb.ok("POST", f"/matches/{match['id']}/transitions", centre, {"action": "accept"}, 200)
    assert match["status"] == "accepted_by_provider"
    match = kb.ok("POST", f"/matches/{match['id']}/transitions", director, {"action": "accept"}, 200)
    assert match["status"] == "accepted"
    match = kb.ok("POST", f"/matches/{match['id']}/transitions", sec, {"action": "approve"}, 200)
    assert match["status"] == "approved" and match["exchange_id"]
    assert kb.ok("GET", f"/requests/{req['id']}", director)["status"] == "matched"

    # Approving created the exchange with requester, provider and facilitator.
    xid = match["exchange_id"]
    ex = kb.ok("GET", f"/exchanges/{xid}", sec)
    assert ex["status"] == "planned"
    assert sorted((p["role"], p["organisation"]["id"]) for p in ex["parties"]) == sorted(
        [("requester", director.org_id), ("provider", centre.org_id), ("facilitator", sec.org_id)])

    # A partner offers a contribution, the secretariat accepts it (the partner joins with it); the exchange runs
    # from planned to closed.
    offer = kb.ok("POST", f"/exchanges/{xid}/contribution-offers", partner,
                  {"kind": "money", "amount": "15000", "currency": "EUR"})
    kb.ok("POST", f"/contribution-offers/{offer['id']}/transitions", sec, {"action": "accept"}, 200)
    party = next(p for p in kb.ok("GET", f"/exchanges/{xid}/parties", partner) if p["role"] == "partner")
    assert party["organisation"]["id"] == partner.org_id and party["contributions"][0]["amount"] == "15000.00"
    kb.ok("POST", f"/exchanges/{xid}/transitions", sec,
          {"action": "agree", "agreement_ref": "KB-1", "agreement_date": "2026-02-01"}, 200)
    kb.ok("POST", f"/exchanges/{xid}/transitions", centre, {"action": "start", "start_date": "2026-03-01"}, 200)
    act = kb.ok("POST", f"/exchanges/{xid}/activities", centre, {
        "kind": "training", "title": "Workshop for tannery owners", "start_date": "2026-03-02",
        "end_date": "2026-03-06", "place": "Quito", "participants_female": 12, "participants_male": 20,
        "expert_days": 10})
    assert act["participants_total"] == 32
    kb.ok("POST", f"/exchanges/{xid}/transitions", sec,
          {"action": "complete", "completion_report": "Two workshops held; action plans adopted."}, 200)
    kb.ok("POST", f"/exchanges/{xid}/results", director,
          {"people_trained": 32, "women_trained": 12, "feedback": "Very useful", "rating": 5})
    kb.ok("POST", f"/exchanges/{xid}/results", centre, {"feedback": "Motivated counterparts", "rating": 4})
    kb.ok("POST", f"/exchanges/{xid}/transitions", sec, {"action": "evaluate"}, 200)
    ex = kb.ok("POST", f"/exchanges/{xid}/transitions", sec, {"action": "close"}, 200)
    assert ex["status"] == "closed" and ex["actions"] == []
    assert kb.ok("GET", f"/requests/{req['id']}", director)["status"] == "closed"

    # The audit trail holds every step, in order, with actor and states.
    def trail(kind, rid):
        return [(e["action"], e["from_state"], e["to_state"])
                for e in kb.ok("GET", f"/events?record_type={kind}&record_id={rid}&per_page=100", sec)["items"]]

    assert trail("request", req["id"]) == [
        ("create", None, "draft"), ("submit", "draft", "submitted"), ("publish", "submitted", "published"),
        ("match", "published", "matched"), ("close", "matched", "closed")]
    assert trail("match", match["id"]) == [
        ("propose", None, "proposed"), ("accept", "proposed", "accepted_by_provider"),
        ("accept", "accepted_by_provider", "accepted"), ("approve", "accepted", "approved")]
    assert [a for a, _f, _t in trail("exchange", xid)] == [
        "create", "join", "agree", "start", "activity", "complete", "result", "result", "evaluate", "close"]
    events = kb.ok("GET", f"/events?record_type=exchange&record_id={xid}", sec)["items"]
    assert all(e["actor_email"] and e["at"] for e in events)

    # Parties were told: the director has notifications about the request and the exchange.
    from kb.extensions import db
    from kb.models import Notification

    with kb.app.app_context():
        subjects = [n.subject for n in db.session.query(Notification).filter_by(user_id=director.id)]
    assert any("published" in s for s in subjects) and any("closed" in s for s in subjects)


def test_text_lang_left_out_is_detected_from_the_title_and_description(kb):
    director = kb.user("director")
    payload = kb.request_payload(title="Réduire la pollution des tanneries artisanales",
                                 description="Les tanneries rejettent du chrome dans les canaux ; nous souhaitons un "
                                             "accompagnement en production plus propre.")
    payload.pop("text_lang")
    req = kb.ok("POST", "/requests", director, payload)
    assert req["text_lang"] == "fr"
    [event] = [e for e in kb.ok("GET", f"/events?record_type=request&record_id={req['id']}", director)["items"]
               if e["action"] == "create"]
    assert event["details"]["text_lang_detected"] == "fr"
    # Given, it is taken as given (the author may correct a detection).
    given = kb.ok("POST", "/requests", director, {**payload, "text_lang": "en"})
    assert given["text_lang"] == "en"
