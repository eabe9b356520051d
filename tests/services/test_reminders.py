"""Reminders, each sent once: a proposed match unanswered after N days (the parties that have not answered, then
the secretariat after 2N), an offer expiring within N days and once expired (its owner, linked to the page where
it is renewed), an exchange in progress without an activity report for N days (its parties)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from kb.extensions import db
from kb.models import Notification, utcnow
from kb.services import reminders


def _reminded(app, user_id):
    with app.app_context():
        return [(n.record_type, n.record_id, n.event.details["stage"]) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == "reminder")
            .order_by(Notification.id))]


def test_a_proposed_match_reminds_the_silent_party_then_the_secretariat_once_each(kb, app):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, sec)
    offer = kb.published_offer(centre, sec, valid_until="2099-12-31")
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"]})
    kb.ok("POST", f"/matches/{match['id']}/transitions", centre, {"action": "accept"}, 200)
    with app.app_context():
        assert reminders.send_reminders(utcnow() + timedelta(days=6)).matches == 0  # not yet (KB_REMIND_MATCH_DAYS 7)
        r = reminders.send_reminders(utcnow() + timedelta(days=8))
        assert r.matches == 1
        assert reminders.send_reminders(utcnow() + timedelta(days=9)).matches == 0  # once
    assert _reminded(app, director.id) == [("match", match["id"], "party")]
    assert _reminded(app, centre.id) == []  # it answered
    assert _reminded(app, sec.id) == []
    with app.app_context():
        reminders.send_reminders(utcnow() + timedelta(days=15))
    assert _reminded(app, sec.id) == [("match", match["id"], "secretariat")]
    assert len(_reminded(app, director.id)) == 1


def test_an_offer_is_reminded_before_and_after_its_validity_ends_and_again_once_renewed(kb, app):
    sec = kb.user("secretariat", country="AT")
    centre = kb.user("centre", country="CO")
    until = date.today() + timedelta(days=40)
    offer = kb.published_offer(centre, sec, valid_until=until.isoformat())
    with app.app_context():
        assert reminders.send_reminders().offers == 0  # 40 days ahead: not yet (KB_REMIND_EXPIRY_DAYS 30)
        assert reminders.send_reminders(utcnow() + timedelta(days=11)).offers == 1
        assert reminders.send_reminders(utcnow() + timedelta(days=12)).offers == 0
        assert reminders.send_reminders(utcnow() + timedelta(days=41)).offers == 1  # it has expired
    stages = [s for _t, _i, s in _reminded(app, centre.id)]
    assert stages == [f"expiring:{until}", f"expired:{until}"]
    item = kb.ok("GET", "/notifications", centre)["items"][0]
    assert item["link"] == f"/my/offers/{offer['id']}" and item["kind"] == "reminder"  # where "renew" is
    with app.app_context():  # changes nothing by itself: the offer is still published, as it was
        from kb.models import Offer
        assert db.session.get(Offer, offer["id"]).status == "published"


def test_an_exchange_in_progress_without_activity_reminds_its_parties(kb, app):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, sec)
    offer = kb.published_offer(centre, sec)
    xid = kb.approved_exchange(sec, director, centre, request_id=req["id"], offer_id=offer["id"])
    kb.ok("POST", f"/exchanges/{xid}/transitions", sec,
          {"action": "agree", "agreement_ref": "KB-1", "agreement_date": "2026-02-01"}, 200)
    kb.ok("POST", f"/exchanges/{xid}/transitions", centre, {"action": "start", "start_date": "2026-03-01"}, 200)
    with app.app_context():
        assert reminders.send_reminders(utcnow() + timedelta(days=29)).exchanges == 0
        assert reminders.send_reminders(utcnow() + timedelta(days=31)).exchanges == 1
        assert reminders.send_reminders(utcnow() + timedelta(days=32)).exchanges == 0
    for who in (director, centre, sec):
        assert [(t, i) for t, i, s in _reminded(app, who.id) if t == "exchange"] == [("exchange", xid)]
