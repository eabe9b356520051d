"""Joining and recovering access (issue #9 §1): password reset, deactivation, invitations, /join applications.

The e-mails are read from a real SMTP server (aiosmtpd, tests/mailserver.py) after the outbox ran."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from mailserver import MailServer

from kb.extensions import db
from kb.models import Application, Event, Notification, Organisation, User


@pytest.fixture
def mailbox(app, monkeypatch):
    """A real SMTP server; mailbox.read() runs the outbox and answers the messages delivered since the last read."""
    with MailServer() as server:
        monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "KB_SMTP_PORT", server.port)

        class Box:
            seen = 0

            def read(self, to: str | None = None):  # type: ignore[no-untyped-def]
                from kb.services.events import send_pending

                with app.app_context():
                    report = send_pending()
                assert report.stopped is None, report.stopped
                new = server.delivered[self.seen:]
                self.seen = len(server.delivered)
                return [d.message for d in new if to is None or to in d.rcpt_tos]

        yield Box()


def _text(message) -> str:  # type: ignore[no-untyped-def]
    """The plain text of a message, whole or the text part of a multipart one."""
    return (message.get_body(("plain",)) or message).get_content()


def link_in(message, path_start: str) -> str:  # type: ignore[no-untyped-def]
    """The path of the first link in a message whose path starts with path_start."""
    for url in re.findall(r"https?://\S+", _text(message)):
        path = urlsplit(url).path
        if path.startswith(path_start):
            return path
    raise AssertionError(f"no {path_start} link in {_text(message)!r}")


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/exchanges").status_code == 200


def _count(app, model, **where) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.query(model).filter_by(**where).count()


NEW_PASSWORD = "amber-falcon-river-92"


# --- password reset ----------------------------------------------------------------------------

def test_a_reset_answers_the_same_for_any_address_and_mails_a_single_use_link(app, kb, browser, mailbox):
    director = kb.user("director")
    client, other_device = browser(), browser(director)
    known = client.post("/password/forgot", data={"email": director.email.upper()})
    unknown = client.post("/password/forgot", data={"email": "nobody@test.example"})
    assert known.status_code == unknown.status_code == 200
    # The CSRF token carries a timestamp (it differs when the two answers straddle a second): left out.
    def same(data: bytes, *emails: str) -> bytes:
        for email in emails:
            data = data.replace(email.encode(), b"X")
        return re.sub(rb'name="csrf_token" value="[^"]*"', b"", data)
    assert same(known.data, director.email.upper(), director.email) == same(unknown.data, "nobody@test.example")
    (message,) = mailbox.read()
    assert message["To"] == director.email
    path = link_in(message, "/password/reset/")
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": NEW_PASSWORD, "repeat_password": "other-words-here-1"}).status_code == 422
    assert client.post(path, data={"password": "password123", "repeat_password": "password123"}).status_code == 422
    resp = client.post(path, data={"password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/login")
    # Signed out everywhere: the other browser and the API token; the new password works, the old one not.
    assert not _signed_in(other_device)
    assert kb.call("GET", "/auth/me", director).status_code == 401
    assert client.post("/login", data={"email": director.email, "password": kb.PASSWORD}).status_code == 401
    assert client.post("/login", data={"email": director.email, "password": NEW_PASSWORD}).status_code == 302
    # Single use.
    assert browser().get(path).status_code == 404
    assert browser().post(path, data={"password": "another-long-phrase-77", "repeat_password":
                                      "another-long-phrase-77"}).status_code == 404
    with app.app_context():
        actions = [e.action for e in db.session.query(Event).filter_by(record_type="user", record_id=director.id)]
    assert "reset-requested" in actions and "password-reset" in actions


def test_a_reset_link_expires_and_cannot_be_forged(app, kb, browser, mailbox, monkeypatch):
    director = kb.user("director")
    browser().post("/password/forgot", data={"email": director.email})
    path = link_in(mailbox.read()[0], "/password/reset/")
    assert browser().get(path[:-3] + "abc").status_code == 404
    monkeypatch.setitem(app.config, "KB_PASSWORD_RESET_MINUTES", -1)
    resp = browser().get(path)
    assert resp.status_code == 404 and b"not valid" in resp.data


def test_reset_requests_are_throttled_per_address_whether_or_not_it_has_an_account(app, kb, browser, mailbox):
    client = browser()
    for _ in range(app.config["KB_MAIL_REQUESTS_PER_EMAIL"]):
        assert client.post("/password/forgot", data={"email": "nobody@test.example"}).status_code == 200
    assert client.post("/password/forgot", data={"email": "nobody@test.example"}).status_code == 429
    assert client.post("/password/forgot", data={"email": "not an address"}).status_code == 422
    assert mailbox.read() == []


def test_the_reset_mail_is_in_the_users_language(app, kb, browser, mailbox):
    director = kb.user("director")
    kb.ok("PATCH", f"/users/{director.id}", kb.user("admin"), {"language": "pt"}, 200)
    browser(lang="en").post("/password/forgot", data={"email": director.email})
    (message,) = mailbox.read()
    assert "senha" in message["Subject"].lower()


# --- deactivation ------------------------------------------------------------------------------

def test_a_deactivated_user_cannot_sign_in_or_use_tokens_and_their_records_stay(app, kb, browser, mailbox):
    admin, director = kb.user("admin"), kb.user("director")
    request = kb.ok("POST", "/requests", director, kb.request_payload())
    client = browser(director)
    kb.ok("PATCH", f"/users/{director.id}", admin, {"active": False}, 200)
    assert not _signed_in(client)
    assert kb.call("GET", "/auth/me", director).status_code == 401
    assert browser().post("/login", data={"email": director.email, "password": kb.PASSWORD}).status_code == 401
    assert kb.call("POST", "/auth/tokens", json={"email": director.email, "password": kb.PASSWORD}).status_code == 401
    assert kb.ok("GET", f"/requests/{request['id']}", admin)["id"] == request["id"]
    assert kb.ok("GET", f"/users/{director.id}", admin)["active"] is False
    browser().post("/password/forgot", data={"email": director.email})
    assert mailbox.read() == []


# --- invitations -------------------------------------------------------------------------------

def test_who_may_invite_whom(app, kb):
    admin, sec, director = kb.user("admin"), kb.user("secretariat"), kb.user("director")
    other_org = kb.org("ministry", "MZ")
    ok = kb.call("POST", "/invitations", director, {"email": "colleague@test.example", "role": "director",
                                                    "organisation_id": director.org_id})
    assert ok.status_code == 201 and ok.get_json()["status"] == "pending"
    refusals = [
        (director, {"email": "a@test.example", "role": "director", "organisation_id": other_org}, 403, "organisation_id"),
        (director, {"email": "a@test.example", "role": "centre", "organisation_id": director.org_id}, 403, "role"),
        (sec, {"email": "a@test.example", "role": "admin", "organisation_id": other_org}, 403, "role"),
        (sec, {"email": director.email, "role": "director", "organisation_id": other_org}, 409, "email"),
        (sec, {"email": "a@test.example", "role": "director", "organisation_id": 99999}, 404, "organisation_id"),
        (sec, {"email": "not-an-address", "role": "director", "organisation_id": other_org}, 422, "email"),
        (sec, {"email": "a@test.example", "role": "boss", "organisation_id": other_org}, 422, "role"),
    ]
    for actor, body, status, field in refusals:
        resp = kb.call("POST", "/invitations", actor, body)
        assert resp.status_code == status, (body, resp.get_json())
        assert field in str(resp.get_json()["errors"]), resp.get_json()
    assert kb.call("POST", "/invitations", None, {"email": "a@test.example", "role": "director",
                                                   "organisation_id": other_org}).status_code == 401
    assert kb.call("POST", "/invitations", sec, {"email": "b@test.example", "role": "secretariat",
                                                 "organisation_id": other_org}).status_code == 201
    assert kb.call("POST", "/invitations", admin, {"email": "c@test.example", "role": "admin",
                                                   "organisation_id": other_org}).status_code == 201
    assert _count(app, Notification, email="a@test.example") == 0
    assert _count(app, Notification, email="colleague@test.example") == 1


def test_an_invitee_sets_a_password_through_the_link_once(app, kb, browser, mailbox):
    sec = kb.user("secretariat")
    org = kb.org("competence-centre", "BR", name="Centro Técnico")
    kb.ok("POST", "/invitations", sec, {"email": "Nova@Test.example", "role": "centre", "organisation_id": org,
                                        "language": "pt"})
    (message,) = mailbox.read()
    assert message["To"] == "nova@test.example"
    assert "Centro Técnico" in message["Subject"] and "convid" in message["Subject"].lower()
    path = link_in(message, "/invitation/")
    client = browser()
    page = client.get(path)
    assert page.status_code == 200 and b"Centro T" in page.data
    assert client.post(path, data={"name": "", "password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD,
                                   "language": "pt"}).status_code == 422
    resp = client.post(path, data={"name": "Ana Souza", "password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD,
                                   "language": "pt"})
    assert resp.status_code == 302 and _signed_in(client)
    with app.app_context():
        user = db.session.query(User).filter_by(email="nova@test.example").one()
        assert (user.role.value, user.organisation_id, user.language, user.name) == ("centre", org, "pt", "Ana Souza")
    assert browser().get(path).status_code == 404
    assert kb.call("POST", "/auth/tokens", json={"email": "nova@test.example", "password": NEW_PASSWORD}).status_code == 201


def test_the_invitation_form_offers_a_colleague_the_inviters_own_role_and_organisation(app, kb, browser, mailbox):
    centre = kb.user("centre")
    client = browser(centre)
    page = client.get("/invite")
    assert page.status_code == 200
    assert b'value="centre"' in page.data and b'value="director"' not in page.data
    resp = client.post("/invite", data={"email": "peer@test.example", "role": "centre",
                                        "organisation_id": str(centre.org_id), "language": "es"})
    assert resp.status_code == 302
    assert client.post("/invite", data={"email": "peer2@test.example", "role": "centre",
                                        "organisation_id": str(kb.org())}).status_code == 403
    assert client.post("/invite", data={"email": "bad", "role": "centre",
                                        "organisation_id": str(centre.org_id)}).status_code == 422
    (message,) = mailbox.read()
    assert message["To"] == "peer@test.example"
    assert browser().get("/invite").status_code == 302  # anonymous: to the sign-in page


def test_staff_choose_the_invitees_role_and_organisation_themselves(app, kb, browser, mailbox):
    """Preset to the inviter's own, the admin's form invited an Administrator of the secretariat by default."""
    admin = kb.user("admin", country="AT")
    client = browser(admin)
    page = client.get("/invite").get_data(as_text=True)
    for name in ("role", "organisation_id"):
        options = page.split(f'name="{name}"')[1].split("</select>")[0]
        assert '<option value="">—</option>' in options and " selected" not in options, name
    resp = client.post("/invite", data={"email": "someone@test.example", "language": "en", "role": "",
                                        "organisation_id": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="e-role"' in page and 'id="e-organisation_id"' in page
    assert 'value="someone@test.example"' in page  # the address typed is kept
    assert mailbox.read() == []


def test_a_broken_link_offers_the_way_to_a_new_one_of_its_own_kind(browser):
    """A used or mangled invitation or confirmation link offered "Ask for a new password link", for an account
    the invitee or applicant does not have."""
    client = browser()
    for path, way, not_this in (("/invitation/garbage", 'href="/login"', 'href="/password/forgot"'),
                                ("/join/confirm/garbage", 'href="/join"', 'href="/password/forgot"'),
                                ("/password/reset/garbage", 'href="/password/forgot"', 'href="/join"')):
        resp = client.get(path)
        main = resp.get_data(as_text=True).split("<main")[1]
        assert resp.status_code == 404 and way in main and not_this not in main, path
    assert "Ask the person who invited you" in client.get("/invitation/garbage").get_data(as_text=True)


# --- links come from KB_BASE_URL, never from the Host header ------------------------------------------------------

FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}


def test_links_in_mails_come_from_the_public_address_whatever_host_the_request_names(app, kb, browser, mailbox,
                                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "KB_BASE_URL", "https://kb.example.org")
    director, centre = kb.user("director"), kb.user("centre")
    assert browser().post("/password/forgot", data={"email": director.email}, headers=FORGED).status_code == 200
    invited = kb.call("POST", "/invitations", centre, {"email": "peer@test.example", "role": "centre",
                                                       "organisation_id": centre.org_id}, headers=FORGED)
    assert invited.status_code == 201, invited.get_json()
    assert browser().post("/join", data=APPLICATION, headers=FORGED).status_code == 200
    messages = mailbox.read()
    assert len(messages) == 3, [(m["To"], m["Subject"]) for m in messages]
    for message, start in zip(messages, ("/password/reset/", "/invitation/", "/join/confirm/"), strict=True):
        urls = re.findall(r"https?://\S+", _text(message))
        assert urls and all(u.startswith("https://kb.example.org/") for u in urls), urls
        assert link_in(message, start)
        assert "evil.example" not in _text(message)


def test_delivered_links_do_not_stay_readable_in_the_outbox(app, kb, browser, mailbox):
    """The copy of a sent reset, invitation or confirmation kept in notifications.body loses its token; the
    e-mailed link still works."""
    director, centre = kb.user("director"), kb.user("centre")
    browser().post("/password/forgot", data={"email": director.email})
    kb.ok("POST", "/invitations", centre, {"email": "peer@test.example", "role": "centre",
                                           "organisation_id": centre.org_id})
    browser().post("/join", data=APPLICATION)
    with app.app_context():
        queued = [n.body for n in db.session.query(Notification).order_by(Notification.id)]
    messages = mailbox.read()
    paths = [link_in(m, start) for m, start in zip(messages, ("/password/reset/", "/invitation/", "/join/confirm/"),
                                                   strict=True)]
    tokens = [p.rsplit("/", 1)[1] for p in paths]
    assert all(len(t) > 20 for t in tokens)
    assert [any(t in body for body in queued) for t in tokens] == [True] * 3  # readable only until sent
    with app.app_context():
        kept = [n.body for n in db.session.query(Notification).order_by(Notification.id)]
    assert not [t for t in tokens if any(t in body for body in kept)]
    assert sum("[removed once sent]" in body for body in kept) == 3
    assert browser().get(paths[0]).status_code == 200 and browser().get(paths[1]).status_code == 200


# --- /join ---------------------------------------------------------------------------------------

APPLICATION = {"organisation_name": "Instituto Nacional de Normalización", "organisation_kind": "competence-centre",
               "country_code": "CL", "website": "https://www.inn.cl.example", "person_name": "Carla Rojas",
               "email": "carla@inn.cl.example", "role": "centre", "language": "es", "password": NEW_PASSWORD,
               "repeat_password": NEW_PASSWORD}


def _apply(browser, mailbox, **over):  # type: ignore[no-untyped-def]
    resp = browser().post("/join", data={**APPLICATION, **over})
    assert resp.status_code == 200, resp.data[:2000]
    (message,) = mailbox.read(to=over.get("email", APPLICATION["email"]))
    return message


def test_an_institution_applies_confirms_and_is_approved(app, kb, browser, mailbox):
    sec = kb.user("secretariat")
    assert browser().get("/join").status_code == 200
    message = _apply(browser, mailbox)
    assert message["To"] == APPLICATION["email"] and "confirm" in message["Subject"].lower()
    assert kb.ok("GET", "/applications", sec)["total"] == 0  # not confirmed yet
    path = link_in(message, "/join/confirm/")
    assert browser().get(path).status_code == 200
    assert browser().get(path).status_code == 200  # a second click is harmless
    assert [m["To"] for m in mailbox.read()] == [sec.email]  # the secretariat hears of the queued application
    page = kb.ok("GET", "/applications", sec)
    (item,) = page["items"]
    assert item["status"] == "waiting" and item["actions"] == ["approve", "refuse"]
    assert browser().post("/login", data={"email": APPLICATION["email"], "password": NEW_PASSWORD}).status_code == 401
    done = kb.ok("POST", f"/applications/{item['id']}/transitions", sec, {"action": "approve"}, 200)
    assert done["status"] == "approved" and done["actions"] == []
    (told,) = mailbox.read(to=APPLICATION["email"])
    assert told["To"] == APPLICATION["email"] and "aprobada" in told["Subject"].lower()
    client = browser()
    assert client.post("/login", data={"email": APPLICATION["email"], "password": NEW_PASSWORD}).status_code == 302
    me = client.get("/exchanges")
    assert me.status_code == 200 and 'lang="es"' in me.get_data(as_text=True)
    with app.app_context():
        org = db.session.get(Organisation, done["organisation_id"])
        assert (org.name, org.verified, org.country_code, org.kind.value) == (
            APPLICATION["organisation_name"], True, "CL", "competence-centre")
        assert db.session.get(Application, item["id"]).password_hash is None
    assert kb.call("POST", f"/applications/{item['id']}/transitions", sec, {"action": "approve"}).status_code == 409


def test_an_application_is_refused_with_a_reason_or_attached_to_an_existing_organisation(app, kb, browser, mailbox):
    sec, admin, director = kb.user("secretariat"), kb.user("admin"), kb.user("director")
    browser().get(link_in(_apply(browser, mailbox), "/join/confirm/"))
    browser().get(link_in(_apply(browser, mailbox, email="luis@mic.example", role="director",
                                 language="fr"), "/join/confirm/"))
    mailbox.read()  # the secretariat's notices of the two queued applications
    first, second = kb.ok("GET", "/applications", sec)["items"]
    assert kb.call("GET", "/applications", director).status_code == 403
    assert kb.call("POST", f"/applications/{first['id']}/transitions", director, {"action": "approve"}).status_code == 403
    resp = kb.call("POST", f"/applications/{first['id']}/transitions", sec, {"action": "refuse"})
    assert resp.status_code == 422 and "reason" in resp.get_json()["errors"]
    resp = kb.call("POST", f"/applications/{first['id']}/transitions", sec, {"action": "approve",
                                                                             "organisation_id": 99999})
    assert resp.status_code == 404 and "organisation_id" in resp.get_json()["errors"]
    assert mailbox.read() == []
    kb.ok("POST", f"/applications/{first['id']}/transitions", sec, {"action": "refuse",
                                                                    "reason": "Not a public institution."}, 200)
    (told,) = mailbox.read()
    assert "Not a public institution." in _text(told)
    done = kb.ok("POST", f"/applications/{second['id']}/transitions", admin,
                 {"action": "approve", "organisation_id": director.org_id}, 200)
    assert done["organisation_id"] == director.org_id
    (welcome,) = mailbox.read()
    assert welcome["To"] == "luis@mic.example" and "approuv" in welcome["Subject"].lower()
    assert kb.ok("GET", "/applications?status=all", sec)["total"] == 2
    assert kb.ok("GET", "/applications?status=refused", sec)["items"][0]["reason"] == "Not a public institution."


def test_join_refuses_staff_roles_bad_fields_and_too_many_tries(app, kb, browser, mailbox):
    for over, field in [({"role": "secretariat"}, "role"), ({"role": "admin"}, "role"),
                        ({"email": "nope"}, "email"), ({"country_code": "XX"}, "country_code"),
                        ({"password": "password1234", "repeat_password": "password1234"}, "password"),
                        ({"repeat_password": "something-else-entirely"}, "repeat_password"),
                        ({"website": "javascript:alert(1)"}, "website")]:
        resp = browser().post("/join", data={**APPLICATION, **over})
        assert resp.status_code == 422, over
        assert f'id="e-{field}"'.encode() in resp.data, over
    assert _count(app, Application) == 0
    for _ in range(app.config["KB_MAIL_REQUESTS_PER_EMAIL"]):
        assert browser().post("/join", data=APPLICATION).status_code == 200
    assert browser().post("/join", data=APPLICATION).status_code == 429
    assert len(mailbox.read()) == app.config["KB_MAIL_REQUESTS_PER_EMAIL"]


def test_an_address_with_an_account_is_told_so_instead_of_a_confirmation_link(app, kb, browser, mailbox):
    director = kb.user("director")
    message = _apply(browser, mailbox, email=director.email)
    assert "/join/confirm/" not in _text(message) and "/password/forgot" in _text(message)


def test_the_secretariat_decides_on_the_applications_page(app, kb, browser, mailbox):
    sec, director = kb.user("secretariat"), kb.user("director")
    browser().get(link_in(_apply(browser, mailbox), "/join/confirm/"))
    client = browser(sec)
    page = client.get("/admin/applications")
    assert page.status_code == 200 and APPLICATION["organisation_name"].encode() in page.data
    with app.app_context():
        app_id = db.session.query(Application.id).scalar()
    assert client.post(f"/admin/applications/{app_id}", data={"action": "refuse"}).status_code == 422
    resp = client.post(f"/admin/applications/{app_id}", data={"action": "approve"})
    assert resp.status_code == 302
    assert _count(app, User, email=APPLICATION["email"]) == 1
    assert browser(director).get("/admin/applications").status_code == 403
    assert browser(director).post(f"/admin/applications/{app_id}", data={"action": "approve"}).status_code == 403
    assert browser().get("/admin/applications").status_code == 302


def test_the_applications_page_offers_the_organisations_of_the_country_to_attach_to(app, kb, browser, mailbox):
    sec = kb.user("secretariat")
    same = kb.org("competence-centre", "CL", name="INN Chile, Instituto Nacional de Normalización")
    elsewhere = kb.org("competence-centre", "PE", name="Instituto Nacional de Calidad")
    browser().get(link_in(_apply(browser, mailbox), "/join/confirm/"))
    client = browser(sec)
    page = client.get("/admin/applications").get_data(as_text=True)
    assert f'<option value="{same}">' in page and f'<option value="{elsewhere}">' not in page
    with app.app_context():
        app_id = db.session.query(Application.id).scalar()
    assert client.post(f"/admin/applications/{app_id}", data={"action": "approve",
                                                             "organisation_id": str(same)}).status_code == 302
    with app.app_context():
        assert db.session.query(User).filter_by(email=APPLICATION["email"]).one().organisation_id == same
        assert db.session.query(Organisation).count() == 3  # none created


def test_the_staff_are_led_to_a_new_application_by_mail_home_page_and_navigation(app, kb, browser, mailbox,
                                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "KB_BASE_URL", "https://kb.example.org")
    sec, admin, centre = kb.user("secretariat"), kb.user("admin"), kb.user("centre")
    browser().get(link_in(_apply(browser, mailbox), "/join/confirm/"))
    (told,) = mailbox.read(to=sec.email)
    with app.app_context():
        app_id = db.session.query(Application).one().id
    url = f"https://kb.example.org/admin/applications?status=waiting#application-{app_id}"
    assert url in re.findall(r"https?://\S+", _text(told))  # besides the preferences and unsubscribe links
    client = browser(sec)
    queue = client.get(url.removeprefix("https://kb.example.org"))
    assert queue.status_code == 200
    page = queue.get_data(as_text=True)
    assert f'id="application-{app_id}"' in page
    assert 'href="/admin/applications" aria-current="page"' in page  # the administration's navigation
    for who in (sec, admin):
        home = browser(who).get("/home").get_data(as_text=True)
        part = home.split('id="h-applications_waiting"')[1].split("<section")[0]
        assert APPLICATION["organisation_name"] in part and '<span class="badge">1</span>' in part
        assert f'href="/admin/applications?status=waiting#application-{app_id}"' in part
        assert 'href="/admin/applications"' in browser(who).get("/admin/organisations").get_data(as_text=True)
    assert 'h-applications_waiting' not in browser(centre).get("/home").get_data(as_text=True)
    kb.ok("POST", f"/applications/{app_id}/transitions", sec, {"action": "approve"}, 200)
    home = client.get("/home").get_data(as_text=True)
    assert "No application is waiting." in home.split('id="h-applications_waiting"')[1].split("<section")[0]
