"""The secretariat's desk services: requests without a proposal (oldest or weakest first), the secretariat told
once of a request without a strong match or waiting too long, and suggested partners with their reasons."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.errors import Forbidden
from kb.extensions import db
from kb.models import Event, Notification, Organisation, User, utcnow
from kb.services import alerts, desk, partner_fit, reminders, unmet

UNRELATED = {"title": "Port logistics for container terminals", "description": "Crane scheduling and customs "
             "data exchange for seaports.", "sectors": ["ict-digital"], "modalities": ["study-visit"]}


def _told(app, user_id):
    with app.app_context():
        return [(n.kind, n.record_type, n.record_id, n.event.action) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.record_type == "request")
            .join(Event, Event.id == Notification.event_id).where(Event.action == "unmet"))]


def test_a_request_published_without_a_strong_match_is_told_to_the_secretariat_once(kb, app, parties):
    sec, centre, _colleague, other_centre, director = parties
    kb.published_offer(other_centre, sec, **UNRELATED)
    kb.published_offer(centre, sec, **{**UNRELATED, "title": "Customs single window"})
    req = kb.published_request(director, sec)
    assert _told(app, sec.id) == []  # published, but nobody has ranked it yet: not claimed
    with app.app_context():
        report = alerts.alert_for("request", req["id"])
        assert report.fitting == 0 and report.unmet is True
        assert unmet.told([req["id"]]) == {req["id"]}
        assert alerts.alert_for("request", req["id"]).unmet is False  # once per request
        assert unmet.tell_about_waiting(utcnow() + timedelta(days=365)) == 0  # whatever the reason
    assert _told(app, sec.id) == [("reminder", "request", req["id"], "unmet")]
    assert _told(app, director.id) == [] and _told(app, centre.id) == []
    item = kb.ok("GET", "/notifications", sec)["items"][0]
    assert item["link"] == f"/requests/{req['id']}"
    [event] = [e for e in kb.ok("GET", f"/events?record_type=request&record_id={req['id']}", sec)["items"]
               if e["action"] == "unmet"]
    assert event["details"]["reason"] == "weak" and event["details"]["best_fit"] < 0.5


def test_a_request_with_a_strong_match_is_not_told(kb, app, parties):
    sec, centre, _colleague, other_centre, director = parties
    kb.published_offer(centre, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)
    req = kb.published_request(director, sec)
    with app.app_context():
        report = alerts.alert_for("request", req["id"])
        assert report.fitting == 1 and report.unmet is False and unmet.told([req["id"]]) == set()
    assert _told(app, sec.id) == []


def test_a_request_waiting_past_the_wait_is_told_by_the_hourly_reminders_once(kb, app, parties):
    sec, centre, _colleague, other_centre, director = parties
    kb.published_offer(centre, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)
    req = kb.published_request(director, sec)
    with app.app_context():
        assert reminders.send_reminders().requests == 0  # not waiting yet
        later = utcnow() + timedelta(days=app.config["KB_UNMET_WAIT_DAYS"] + 1)
        assert reminders.send_reminders(later).requests == 1
        assert reminders.send_reminders(later).requests == 0
    assert _told(app, sec.id) == [("reminder", "request", req["id"], "unmet")]


def test_a_request_whose_only_match_was_rejected_waits_again_on_the_desk_and_for_the_reminders(kb, app, parties):
    """One rule for "without a proposal" (workspace.no_live_match): the desk's list and the waiting notice agree."""
    sec, centre, _colleague, other_centre, director = parties
    offer = kb.published_offer(centre, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)
    req = kb.published_request(director, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"]})
    later = utcnow() + timedelta(days=app.config["KB_UNMET_WAIT_DAYS"] + 1)
    with app.app_context():
        assert reminders.send_reminders(later).requests == 0  # a live proposal: not waiting
    kb.ok("POST", f"/matches/{match['id']}/transitions", sec, {"action": "reject", "reason": "The centre has no capacity this year."}, 200)
    with app.app_context():
        staff = db.session.get(User, sec.id)
        assert [w.request.id for w in desk.unproposed_requests(staff).items] == [req["id"]]
        assert reminders.send_reminders(later).requests == 1
    assert _told(app, sec.id) == [("reminder", "request", req["id"], "unmet")]


def test_requests_without_a_proposal_oldest_first_or_weakest_first(kb, app, parties):
    sec, centre, _colleague, other_centre, director = parties
    kb.published_offer(centre, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)
    fitting = kb.published_request(director, sec, title="Cleaner production for tanneries")
    weak = kb.published_request(director, sec, title="Glacier monitoring", description="We want to monitor "
                                "glacier retreat with drones and satellite images.", sectors=["environment-forestry"],
                                modalities=["study-visit"])
    proposed = kb.published_request(director, sec, title="Tannery effluent")
    kb.ok("POST", "/matches", sec, {"request_id": proposed["id"], "offer_id": kb.ok("GET", "/offers", sec)["items"][-1]["id"]})
    with app.app_context():
        staff = db.session.get(User, sec.id)
        by_age = desk.unproposed_requests(staff, "age", 1, 10)
        assert [w.request.id for w in by_age.items] == [fitting["id"], weak["id"]] and by_age.total == 2
        assert all(w.days_published == 0 for w in by_age.items)
        fits = {w.request.id: w.best_fit for w in by_age.items}
        assert fits[fitting["id"]] > fits[weak["id"]]
        by_fit = desk.unproposed_requests(staff, "fit", 1, 10)
        assert [w.request.id for w in by_fit.items] == [weak["id"], fitting["id"]]
        assert [w.request.id for w in desk.unproposed_requests(staff, "fit", 2, 1).items] == [fitting["id"]]
        with pytest.raises(Forbidden):
            desk.unproposed_requests(db.session.get(User, director.id))


def _priorities(app, org_id, **values):
    with app.app_context():
        org = db.session.get(Organisation, org_id)
        for key, value in values.items():
            setattr(org, f"priority_{key}", value)
        db.session.commit()


def test_partners_rank_by_declared_priorities_with_reasons(kb, app, parties):
    sec, _centre, _colleague, _other, director = parties
    fitting = kb.user("partner", country="ES")
    region_only = kb.user("partner", country="JP")
    unrelated = kb.user("partner", country="DE")
    _priorities(app, fitting.org_id, sectors=["cleaner-production", "health"], countries=["EC"], sdgs=[12],
                contributions=["money"])
    _priorities(app, region_only.org_id, regions=["CAN"])  # the Andean Community: Ecuador is in it
    _priorities(app, unrelated.org_id, sectors=["health"], countries=["MZ"])
    req = kb.published_request(director, sec, sdgs=[12, 6], seeks_cofinancing=True, cofinancing_amount="20000.00",
                              cofinancing_currency="EUR", cofinancing_purpose="Travel of the experts")
    with app.app_context():
        staff = db.session.get(User, sec.id)
        ranked = partner_fit.for_request(staff, req["id"])
    ids = [p["organisation"]["id"] for p in ranked]
    assert ids[0] == fitting.org_id and unrelated.org_id not in ids
    top = ranked[0]
    assert top["components"] == {"sectors": 1.0, "place": 1.0, "sdgs": 0.5, "track_record": 0.0, "contribution": 1.0}
    assert top["score"] == pytest.approx(0.3 + 0.25 + 0.075 + 0.1)
    assert any("cleaner production" in r for r in top["reasons"]) and any("SDG 12" in r for r in top["reasons"])
    assert any("Ecuador is one of its priority countries" in r for r in top["reasons"])
    assert ids.index(region_only.org_id) == 1
    assert ranked[1]["components"]["place"] == partner_fit.PLACE_REGION and "priority region" in ranked[1]["reasons"][0]


def test_partners_of_an_exchange_leave_its_parties_out_and_count_past_support(kb, app, parties):
    sec, centre, _colleague, _other, director = parties
    veteran = kb.user("partner", country="ES")
    req = kb.published_request(director, sec)
    offer = kb.published_offer(centre, sec)
    xid = kb.approved_exchange(sec, director, centre, request_id=req["id"], offer_id=offer["id"])
    co = kb.ok("POST", f"/exchanges/{xid}/contribution-offers", veteran, {"kind": "hosting"})
    kb.ok("POST", f"/contribution-offers/{co['id']}/transitions", sec, {"action": "accept"}, 200)
    req2 = kb.published_request(director, sec, title="Chrome recovery in tanneries")
    with app.app_context():
        staff = db.session.get(User, sec.id)
        assert veteran.org_id not in [p["organisation"]["id"] for p in partner_fit.for_exchange(staff, xid)]
        [p] = [p for p in partner_fit.for_request(staff, req2["id"]) if p["organisation"]["id"] == veteran.org_id]
        assert p["exchanges_supported"] == 1 and p["similar_supported"] == 1
        assert p["components"]["track_record"] == pytest.approx(1 / partner_fit.TRACK_FULL)
        assert any("already supports 1 exchange" in r for r in p["reasons"])
        with pytest.raises(Forbidden):
            partner_fit.for_exchange(db.session.get(User, director.id), xid)
