"""The notification outbox: queued for the parties concerned, sent by `kb outbox send` over SMTP."""
from __future__ import annotations

import smtplib

from kb.extensions import db
from kb.models import Notification, NotificationStatus


class RecordingSMTP:
    """Stands in for the mail server at the edge of the system; records what would be delivered."""

    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, msg):
        RecordingSMTP.sent.append(msg)


def test_a_transition_notifies_the_owner_and_the_secretariat_but_not_the_actor(kb, app):
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    colleague = kb.user("director", org_id=director.org_id)
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    with app.app_context():
        rows = db.session.query(Notification).all()
        by_user = {(n.user_id, n.event.action) for n in rows}
    assert (sec.id, "submit") in by_user and (colleague.id, "submit") in by_user
    assert (director.id, "submit") not in by_user


def test_outbox_send_delivers_pending_messages_once(kb, app, monkeypatch):
    RecordingSMTP.sent = []
    sec = kb.user("secretariat", country="AT")
    director = kb.user("director")
    req = kb.ok("POST", "/requests", director, kb.request_payload())
    kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["kb", "outbox", "send"]).output
    assert "0 sent" in out and "pending" in out  # no SMTP host configured: nothing leaves
    monkeypatch.setattr(smtplib, "SMTP", RecordingSMTP)
    monkeypatch.setitem(app.config, "KB_SMTP_HOST", "mail.test")
    out = runner.invoke(args=["kb", "outbox", "send"]).output
    assert "1 sent" in out
    assert RecordingSMTP.sent[0]["To"] == sec.email
    assert "submitted" in RecordingSMTP.sent[0]["Subject"]
    with app.app_context():
        assert {n.status for n in db.session.query(Notification)} == {NotificationStatus.SENT}
    # Nothing is sent twice.
    assert "0 sent" in runner.invoke(args=["kb", "outbox", "send"]).output
