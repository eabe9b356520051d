"""Two people acting on the same record at once never silently overwrite each other (409)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.errors import Conflict
from kb.extensions import db
from kb.models import Offer, Request
from kb.services import unit_of_work


def test_the_second_edit_made_from_the_same_version_is_refused_with_409(kb):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    rid = kb.ok("POST", "/requests", director, kb.request_payload())["id"]
    # Both open the draft at the same version.
    seen_by_director = kb.ok("GET", f"/requests/{rid}", director)
    seen_by_sec = kb.ok("GET", f"/requests/{rid}", sec)
    assert seen_by_director["version"] == seen_by_sec["version"]

    kb.ok("PATCH", f"/requests/{rid}", director, {"title": "The director's title", "version": seen_by_director["version"]})
    resp = kb.call("PATCH", f"/requests/{rid}", sec, {"title": "The secretariat's title",
                                                      "version": seen_by_sec["version"]})
    assert resp.status_code == 409
    assert resp.get_json()["errors"]["version"]
    now = kb.ok("GET", f"/requests/{rid}", sec)
    assert now["title"] == "The director's title" and now["version"] == seen_by_director["version"] + 1
    # A transition decided on the old version is refused too; on the current one it goes through.
    resp = kb.call("POST", f"/requests/{rid}/transitions", sec, {"action": "submit", "version": seen_by_sec["version"]})
    assert resp.status_code == 409
    kb.ok("POST", f"/requests/{rid}/transitions", sec, {"action": "submit", "version": now["version"]}, 200)


def test_two_centres_staff_answering_the_same_match_from_the_same_version(kb):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director", country="EC")
    centre = kb.user("centre", country="CO")
    colleague = kb.user("centre", org_id=centre.org_id)
    req = kb.published_request(director, sec)
    off = kb.published_offer(centre, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": off["id"]})
    kb.ok("POST", f"/matches/{match['id']}/transitions", centre, {"action": "accept", "version": match["version"]}, 200)
    resp = kb.call("POST", f"/matches/{match['id']}/transitions", colleague,
                   {"action": "decline", "reason": "We are busy", "version": match["version"]})
    assert resp.status_code == 409
    assert kb.ok("GET", f"/matches/{match['id']}", sec)["status"] == "accepted_by_provider"


@pytest.mark.parametrize("model,create", [
    (Request, lambda kb: kb.ok("POST", "/requests", kb.user("director"), kb.request_payload())["id"]),
    (Offer, lambda kb: kb.ok("POST", "/offers", kb.user("centre", country="CO"), kb.offer_payload())["id"]),
])
def test_a_lost_update_between_two_sessions_is_a_conflict_not_an_overwrite(kb, model, create):
    record_id = create(kb)
    with kb.app.app_context():
        # Session A (the request's session) and session B both load the row at the same version.
        mine = db.session.get(model, record_id)
        version = mine.version
        other = Session(db.engine)
        try:
            theirs = other.scalar(select(model).where(model.id == record_id))
            assert theirs.version == version
            theirs.title = "Saved first by someone else"
            other.commit()
            assert theirs.version == version + 1
        finally:
            other.close()

        # A's write is based on the old version: the UPDATE matches no row and the unit of work
        # turns SQLAlchemy's StaleDataError into a 409 Conflict, rolling back.
        with pytest.raises(Conflict) as caught, unit_of_work():
            mine.title = "Saved second from a stale copy"
        assert caught.value.status == 409
        db.session.expire_all()
        fresh = db.session.get(model, record_id)
        assert fresh.title == "Saved first by someone else" and fresh.version == version + 1
        db.session.remove()
