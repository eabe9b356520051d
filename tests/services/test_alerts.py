"""Match alerts: a newly published request alerts the centres whose published offers fit it (and a newly
published offer the directors whose open requests it fits), with the reasons, once per pair; what does not fit
(the one rule, deserves_alert) alerts nobody."""
from __future__ import annotations

from sqlalchemy import select

from kb.extensions import db
from kb.models import MatchAlert, Notification
from kb.services import alerts

UNRELATED = {"title": "Port logistics for container terminals", "description": "Crane scheduling and customs "
             "data exchange for seaports.", "sectors": ["ict-digital"], "modalities": ["study-visit"]}


def _alerts(app, user_id):
    with app.app_context():
        return [(n.kind, n.record_type, n.record_id, n.event.reason) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == "match_alert"))]


def test_a_published_request_alerts_the_centres_whose_offers_fit_once_per_pair(kb, app, parties):
    sec, centre, colleague, other_centre, director = parties
    offer = kb.published_offer(centre, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)
    req = kb.published_request(director, sec)
    with app.app_context():
        report = alerts.alert_for("request", req["id"])
        assert report.considered == 2 and report.fitting == 1 and report.pairs == 1 and report.users == 2
    for user in (centre, colleague):
        [(kind, rtype, rid, reason)] = _alerts(app, user.id)
        assert (kind, rtype, rid) == ("match_alert", "request", req["id"])
        assert offer["title"] in reason and "cleaner-production" in reason  # which offer, and why
    assert _alerts(app, other_centre.id) == [] and _alerts(app, director.id) == []
    with app.app_context():
        assert alerts.alert_for("request", req["id"]).pairs == 0  # again: nobody twice
        assert alerts.alert_for("offer", offer["id"]).pairs == 0  # the same pair from the other side
        assert db.session.scalar(select(MatchAlert.score)) >= app.config["KB_ALERT_MIN_FIT"]
    assert len(_alerts(app, centre.id)) == 1 and _alerts(app, director.id) == []
    item = kb.ok("GET", "/notifications", centre)["items"][0]
    assert item["kind"] == "match_alert" and item["link"] == f"/requests/{req['id']}"


def test_a_published_offer_alerts_the_directors_of_open_requests_it_fits(kb, app, parties):
    sec, centre, _colleague, other_centre, director = parties
    req = kb.published_request(director, sec)
    kb.published_offer(other_centre, sec, **UNRELATED)  # a catalogue of one offer gives no pair a strong fit
    offer = kb.published_offer(centre, sec)
    with app.app_context():
        assert alerts.alert_for("offer", offer["id"]).pairs == 1
    [(kind, rtype, rid, _reason)] = _alerts(app, director.id)
    assert (rtype, rid) == ("offer", offer["id"]) and req["title"] in _reason


def test_the_one_rule_uses_the_calibrated_fit_when_there_is_one(app, monkeypatch):
    with app.app_context():
        monkeypatch.setitem(app.config, "KB_ALERT_MIN_FIT", 0.7)
        assert not alerts.deserves_alert({"score": 0.9, "fit": 0.69}) and alerts.deserves_alert({"score": 0.1, "fit": 0.7})


def test_a_record_no_longer_published_alerts_nobody(kb, app, parties):
    sec, centre, _colleague, _other, director = parties
    kb.published_offer(centre, sec)
    req = kb.published_request(director, sec)
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "withdraw", "reason": "Done"}, 200)
    with app.app_context():
        assert alerts.alert_for("request", req["id"]).pairs == 0
