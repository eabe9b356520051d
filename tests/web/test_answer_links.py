"""E-mail-first answers: a "match proposed" e-mail carries signed, single-use, expiring links to accept or decline;
each opens a light page without sign-in that confirms the action (asking the reason to decline); used twice, it
says it was used; expired, it says so; forged, it is not found."""
from __future__ import annotations

import re

import pytest
from mailserver import MailServer
from sqlalchemy import select

from kb.extensions import db
from kb.models import Event, Match
from kb.services import answers, events


@pytest.fixture
def proposed(kb, app, monkeypatch, no_csrf):
    """A match proposed to a director and a centre; their e-mails delivered to a real SMTP server.
    Returns (director, centre, match id, {email: {"accept": path, "decline": path}})."""
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    centre = kb.user("centre", country="CO")
    req = kb.published_request(director, sec)
    offer = kb.published_offer(centre, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"], "note": "Good fit"})
    links: dict[str, dict[str, str]] = {}
    with MailServer() as server, app.app_context():
        monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "KB_SMTP_PORT", server.port)
        monkeypatch.setitem(app.config, "KB_BASE_URL", "https://kb.example.org")
        events.send_pending()
        for d in server.delivered:
            text = d.message.get_body(("plain",)).get_content()
            text = text.replace("\r\n", "\n")
            found = dict(re.findall(r"^(Accept|Decline): https://kb\.example\.org(/answer/\S+)$", text, re.M))
            if found:
                links[d.rcpt_tos[0]] = {"accept": found["Accept"], "decline": found["Decline"]}
            html = d.message.get_body(("html",)).get_content()
            assert not found or f'href="https://kb.example.org{found["Accept"]}"' in html
    assert set(links) == {director.email, centre.email}  # the two sides, not the secretariat
    return director, centre, match["id"], links


def _status(app, match_id):
    with app.app_context():
        return db.session.get(Match, match_id).status


def test_a_decline_link_asks_the_reason_then_works_once(kb, app, proposed):
    director, _centre, match_id, links = proposed
    client = app.test_client()  # not signed in
    path = links[director.email]["decline"]
    page = client.get(path)
    assert page.status_code == 200 and 'name="reason"' in page.get_data(as_text=True)
    refused = client.post(path, data={"reason": "  "})
    assert refused.status_code == 422 and _status(app, match_id) == "proposed"
    done = client.post(path, data={"reason": "No budget this year"})
    assert done.status_code == 200 and "Your answer is recorded" in done.get_data(as_text=True)
    assert _status(app, match_id) == "declined"
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.record_type == "match", Event.action == "decline")).one()
        assert (event.actor_id, event.reason) == (director.id, "No budget this year")
    again = client.post(path, data={"reason": "Twice"})
    assert again.status_code == 409 and "already used" in again.get_data(as_text=True)
    twin = client.get(links[director.email]["accept"])  # using one link uses both
    assert twin.status_code == 409 and "already used" in twin.get_data(as_text=True)
    assert _status(app, match_id) == "declined"


def test_an_accept_link_answers_for_its_own_side_only(kb, app, proposed):
    director, centre, match_id, links = proposed
    client = app.test_client()
    assert client.post(links[centre.email]["accept"]).status_code == 200
    assert _status(app, match_id) == "accepted_by_provider"
    assert client.post(links[director.email]["accept"]).status_code == 200
    assert _status(app, match_id) == "accepted"


def test_a_link_the_match_outgrew_is_refused_and_stays_unused(kb, app, proposed):
    director, centre, match_id, links = proposed
    kb.ok("POST", f"/matches/{match_id}/transitions", centre, {"action": "decline", "reason": "Busy"}, 200)
    resp = app.test_client().post(links[director.email]["accept"])
    assert resp.status_code == 409 and _status(app, match_id) == "declined"
    with app.app_context():
        assert all(a.used_at is None for a in [answers.read(links[director.email]["accept"].split("/")[-1])])


def test_expired_and_forged_links(kb, app, proposed, monkeypatch):
    director, _centre, match_id, links = proposed
    client = app.test_client()
    assert client.get("/answer/not-a-token").status_code == 404
    token = links[director.email]["accept"].split("/")[-1]
    assert client.get("/answer/" + token[:-2] + "xx").status_code == 404
    monkeypatch.setattr(answers, "_max_age", lambda: -1)
    resp = client.post(links[director.email]["accept"])
    assert resp.status_code == 410 and "expired" in resp.get_data(as_text=True)
    assert _status(app, match_id) == "proposed"
