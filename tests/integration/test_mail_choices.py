"""E-mail as each user wants it: in their language, plain text and HTML, with a one-click List-Unsubscribe;
per kind immediately, in a daily digest (grouped by kind, one e-mail, never twice) or never (inbox only);
the preferences through the API and the account page; without SMTP settings, the mail log."""
from __future__ import annotations

import pytest
from mailserver import MailServer
from sqlalchemy import select

from kb.extensions import db
from kb.models import Event, Notification, NotificationStatus, User
from kb.services import digests, events


@pytest.fixture
def smtp(app, monkeypatch):
    with MailServer() as server:
        monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "KB_SMTP_PORT", server.port)
        monkeypatch.setitem(app.config, "KB_MAIL_FROM", "Knowledge Bank <kb@kb.example>")
        monkeypatch.setitem(app.config, "KB_BASE_URL", "https://kb.example.org")
        yield server


def _submit(kb, director, n=1):
    ids = []
    for _ in range(n):
        req = kb.ok("POST", "/requests", director, kb.request_payload())
        kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
        ids.append(req["id"])
    return ids


def _set_language(app, user_id, lang):
    with app.app_context():
        db.session.get(User, user_id).language = lang
        db.session.commit()


def test_a_message_is_written_in_its_readers_language_as_text_and_html_with_list_unsubscribe(kb, app, smtp, client):
    sec = kb.user("secretariat", country="AT")
    _set_language(app, sec.id, "pt")
    director = kb.user("director")
    [rid] = _submit(kb, director)
    with app.app_context():
        assert events.send_pending().sent == 1
    [delivery] = smtp.delivered
    msg = delivery.message
    assert msg["Subject"].startswith("[KB] Para revisar: Pedido #") and msg["Subject"].endswith(": enviado")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "https://kb.example.org/secretariat/review" in text and 'href="https://kb.example.org/secretariat/review"' in html
    assert "Escolha quais e-mails você recebe" in text
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = msg["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://kb.example.org/unsubscribe/")
    # The one-click link, as a mail program posts it (no session, no CSRF token).
    app.config["WTF_CSRF_ENABLED"] = True
    resp = client.post(link.removeprefix("https://kb.example.org"), data={"List-Unsubscribe": "One-Click"})
    assert resp.status_code == 200
    assert kb.ok("GET", "/notifications/preferences", sec)["review"] == "never"
    assert client.get("/unsubscribe/forged-token").status_code == 404
    _submit(kb, director)
    with app.app_context():
        assert events.send_pending().sent == 0 and len(smtp.delivered) == 1  # no more reviews by e-mail
        newest = db.session.scalars(select(Notification).where(Notification.user_id == sec.id)
                                    .order_by(Notification.id.desc())).first()
        assert newest.status == NotificationStatus.SKIPPED  # still in the inbox
    assert kb.ok("GET", "/notifications", sec)["total"] == 2


def test_daily_choices_wait_for_one_digest_grouped_by_kind_sent_once(kb, app, smtp):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    colleague = kb.user("director", org_id=director.org_id)
    kb.ok("PATCH", "/notifications/preferences", sec, {"review": "daily", "record_update": "daily"})
    ids = _submit(kb, director, 2)
    kb.ok("POST", f"/requests/{ids[0]}/transitions", sec, {"action": "return", "reason": "Budget?"}, 200)
    kb.ok("POST", f"/requests/{ids[0]}/transitions", director, {"action": "submit"}, 200)
    with app.app_context():
        events.send_pending()
        assert sec.email not in smtp.recipients and colleague.email in smtp.recipients  # colleague: immediately
        before = len(smtp.delivered)
        report = digests.send_digests()
        assert (report.sent, report.notifications) == (1, 3)
        [digest] = smtp.delivered[before:]
        assert digest.rcpt_tos == [sec.email] and "digest" in digest.message["Subject"]
        text = digest.message.get_body(("plain",)).get_content()
        assert text.count("To review") == 1 and text.count("- Request #") == 3  # one group, three entries
        assert digests.send_digests().sent == 0 and len(smtp.delivered) == before + 1  # never twice
        rows = db.session.scalars(select(Notification).where(Notification.user_id == sec.id)).all()
        assert {(n.status, n.delivery) for n in rows} == {(NotificationStatus.SENT, "digest")}


def test_preferences_through_the_api_are_checked_and_audited(kb, app):
    director = kb.user("director")
    prefs = kb.ok("GET", "/notifications/preferences", director)
    assert set(prefs.values()) == {"immediately"} and "match_alert" in prefs
    resp = kb.call("PATCH", "/notifications/preferences", director, {"match_alert": "weekly", "bogus": "daily"})
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]["json"]
    assert "match_alert" in errors and "bogus" in errors
    assert kb.ok("PATCH", "/notifications/preferences", director, {"match_alert": "daily"})["match_alert"] == "daily"
    kb.ok("PATCH", "/notifications/preferences", director, {"match_alert": "daily"})  # no change: no event
    with app.app_context():
        [event] = db.session.scalars(select(Event).where(Event.action == "preferences")).all()
        assert event.details["changes"] == {"match_alert": {"from": "immediately", "to": "daily"}}
    assert kb.call("GET", "/notifications/preferences").status_code == 401


def test_without_smtp_settings_a_digest_goes_to_the_mail_log(kb, app, tmp_path, monkeypatch):
    import mailbox

    monkeypatch.setitem(app.config, "KB_MAIL_LOG", str(tmp_path / "mail.log"))
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    kb.ok("PATCH", "/notifications/preferences", sec, {"review": "daily"})
    _submit(kb, director, 2)
    with app.app_context():
        assert digests.send_digests().sent == 1
    [logged] = list(mailbox.mbox(tmp_path / "mail.log"))
    assert logged["To"] == sec.email
