"""The inbox: who is told about each move (resolved to users), /notifications (newest first, a link to the
record, read marks), the unread count in the header, and GET /api/v1/notifications with its read marks."""
from __future__ import annotations

from sqlalchemy import select

from kb.extensions import db
from kb.models import Notification, User


def _kinds(app, user_id):
    with app.app_context():
        return [(n.kind, n.record_type, n.event.action) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id))]


def test_a_submitted_then_published_request_reaches_the_right_people(kb, app):
    sec = kb.user("secretariat", country="AT")
    sec2 = kb.user("secretariat", org_id=sec.org_id)
    director = kb.user("director")
    colleague = kb.user("director", org_id=director.org_id)
    outsider = kb.user("director", country="MZ")
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    kb.ok("POST", f"/requests/{req['id']}/transitions", sec, {"action": "publish"}, 200)
    assert _kinds(app, director.id) == [("record_update", "request", "publish")]  # not its own submit
    assert _kinds(app, colleague.id) == [("record_update", "request", "submit"),
                                         ("record_update", "request", "publish")]
    assert _kinds(app, sec.id) == [("review", "request", "submit")]  # not the publication: sec published it
    assert _kinds(app, sec2.id) == [("review", "request", "submit")]
    assert _kinds(app, outsider.id) == []


def test_the_api_lists_my_notifications_newest_first_and_marks_them_read(kb, app):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    ids = []
    for _ in range(3):
        req = kb.ok("POST", "/requests", director, kb.request_payload())
        kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
        ids.append(req["id"])
    page = kb.ok("GET", "/notifications?per_page=2", sec)
    assert page["total"] == 3 and page["pages"] == 2
    assert [n["record_id"] for n in page["items"]] == [ids[2], ids[1]]
    first = page["items"][0]
    assert first["kind"] == "review" and first["link"] == "/secretariat/review" and first["read"] is False
    assert first["action"] == "submit" and first["title"]
    marked = kb.ok("POST", f"/notifications/{first['id']}/read", sec, status=200)
    assert marked["read"] is True and marked["read_at"]
    again = kb.ok("POST", f"/notifications/{first['id']}/read", sec, status=200)
    assert again["read_at"] == marked["read_at"]  # already read: unchanged
    assert kb.ok("GET", "/notifications?unread=true", sec)["total"] == 2
    # Another user's notification does not exist for me.
    assert kb.call("POST", f"/notifications/{first['id']}/read", director).status_code == 404
    assert kb.ok("POST", "/notifications/read", sec, status=200) == {"marked": 2}
    assert kb.ok("GET", "/notifications?unread=true", sec)["total"] == 0
    assert kb.call("GET", "/notifications").status_code == 401
    assert kb.call("GET", "/notifications?unread=maybe", sec).status_code == 422


def test_the_inbox_page_links_to_the_record_and_the_header_counts_the_unread(kb, app, browser):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    colleague = kb.user("director", org_id=director.org_id)
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    kb.ok("POST", f"/requests/{req['id']}/transitions", sec, {"action": "return", "reason": "Add a budget"}, 200)
    client = browser(colleague)
    page = client.get("/notifications").get_data(as_text=True)
    # newest first; the state inside the sentence, as "— an activity was reported" is (it was "— Returned")
    assert page.index("— returned") < page.index("— submitted")
    assert f'href="/my/requests/{req["id"]}"' in page and "Add a budget" in page
    assert 'class="badge count"' in page and ">2<" in page
    with app.app_context():
        newest = db.session.scalars(select(Notification).where(Notification.user_id == colleague.id)
                                    .order_by(Notification.id.desc())).first().id
    resp = client.post(f"/notifications/{newest}/read")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/notifications")
    assert ">1<" in client.get("/notifications").get_data(as_text=True)
    client.post("/notifications/read")
    page = client.get("/notifications").get_data(as_text=True)
    assert 'class="badge count"' not in page
    # In Spanish.
    with app.app_context():
        db.session.get(User, colleague.id).language = "es"
        db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Notificaciones" in page and "— devuelto" in page and "— Devuelto" not in page


def test_someone_elses_notification_is_not_found_on_the_page_either(kb, app, browser):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    with app.app_context():
        nid = db.session.scalar(select(Notification.id).where(Notification.user_id == sec.id))
    client = browser(director)
    assert client.post(f"/notifications/{nid}/read").status_code == 404
    with app.app_context():
        assert db.session.get(Notification, nid).read_at is None


def test_a_proposed_match_asks_both_sides_and_an_acceptance_tells_the_other_side_and_the_secretariat(kb, app):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    centre = kb.user("centre", country="CO")
    inactive = kb.user("centre", org_id=centre.org_id)
    with app.app_context():
        db.session.get(User, inactive.id).active = False
        db.session.commit()
    req = kb.published_request(director, sec)
    offer = kb.published_offer(centre, sec)
    match = kb.ok("POST", "/matches", sec, {"request_id": req["id"], "offer_id": offer["id"], "note": "Good fit"})
    kb.ok("POST", f"/matches/{match['id']}/transitions", centre, {"action": "accept"}, 200)
    assert _kinds(app, director.id)[-2:] == [("match_proposed", "match", "propose"), ("match_update", "match", "accept")]
    assert _kinds(app, centre.id)[-1:] == [("match_proposed", "match", "propose")]  # not its own acceptance
    assert _kinds(app, sec.id)[-1:] == [("match_update", "match", "accept")]
    assert _kinds(app, inactive.id) == []
    item = kb.ok("GET", "/notifications?per_page=1", director)["items"][0]
    assert item["link"] == f"/matches#match-{match['id']}"


def test_the_account_page_saves_the_choices(kb, app, browser):
    director = kb.user("director")
    with app.app_context():
        db.session.get(User, director.id).language = "fr"
        db.session.commit()
    client = browser(director)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Notifications par e-mail" in page
    resp = client.post("/account/notifications", data={"match_update": "never", "reminder": "daily"})
    assert resp.status_code == 200
    prefs = kb.ok("GET", "/notifications/preferences", director)
    assert (prefs["match_update"], prefs["reminder"], prefs["review"]) == ("never", "daily", "immediately")
    assert client.post("/account/notifications", data={"reminder": "hourly"}).status_code == 422
