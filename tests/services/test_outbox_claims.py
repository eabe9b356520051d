"""Workers share the outbox by claiming due messages with a lease (SKIP LOCKED on PostgreSQL, a conditional UPDATE
on SQLite): two runs never hold the same message, an expired lease (a killed worker) frees its messages, a run
whose message was taken over does not send it; failed messages are listed and sent again by an administrator."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.errors import Forbidden, NotFound
from kb.extensions import db
from kb.models import Event, Notification, NotificationStatus, User, utcnow
from kb.services import events


@pytest.fixture
def queued(kb, app):
    """Twelve pending messages; returns their ids."""
    kb.user("secretariat", country="AT")
    director = kb.user("director")
    for _ in range(3):
        req = kb.ok("POST", "/requests", director, kb.request_payload())
        kb.ok("POST", f"/requests/{req['id']}/transitions", director, {"action": "submit"}, 200)
    with app.app_context():
        ids = list(db.session.scalars(select(Notification.id).order_by(Notification.id)))
    assert len(ids) == 3
    with app.app_context():  # more messages for the same events: enough to share
        event = db.session.get(Event, db.session.scalar(select(Notification.event_id)))
        user_id = db.session.scalar(select(Notification.user_id))
        for _ in range(9):
            db.session.add(Notification(event_id=event.id, user_id=user_id, subject="s", body="b"))
        db.session.commit()
        return list(db.session.scalars(select(Notification.id).order_by(Notification.id)))


def test_two_runs_claim_different_messages_and_an_expired_lease_frees_them(app, queued):
    with app.app_context():
        a = events.claim_due("run-a", 5)
        b = events.claim_due("run-b", 5)
        c = events.claim_due("run-c", 5)
        assert len(a) == 5 and len(b) == 5 and len(c) == 2 and not set(a) & set(b) and not set(b) & set(c)
        assert events.claim_due("run-d", 5) == []
        assert 0 < events.next_outbox_run() <= 300  # the earliest lease runs out within KB_OUTBOX_LEASE_SECONDS
        later = utcnow() + timedelta(seconds=301)  # run-a was killed: its lease runs out
        d = events.claim_due("run-d", 20, now=later)
        assert sorted(d) == sorted(a + b + c)
        assert {n.claimed_by for n in db.session.scalars(select(Notification))} == {"run-d"}


def test_a_run_does_not_send_a_message_another_run_took_over(app, queued, monkeypatch):
    from mailserver import MailServer

    with app.app_context(), MailServer() as server:
        monkeypatch.setitem(app.config, "KB_SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "KB_SMTP_PORT", server.port)
        taken = events.claim_due("someone-else", 4)
        report = events.send_pending()
        assert report.sent == len(queued) - 4 and len(server.delivered) == len(queued) - 4
        assert db.session.scalar(select(Notification.claimed_by).where(Notification.id == taken[0])) == "someone-else"
        assert events.send_pending(now=utcnow() + timedelta(seconds=301)).sent == 4  # the lease ran out
        assert len({d.message["Message-ID"] for d in server.delivered}) == len(server.delivered) == len(queued)


def test_failed_messages_are_listed_and_sent_again_by_an_administrator_only(kb, app, queued):
    admin = kb.user("admin", country="AT")
    sec = kb.user("secretariat", country="AT")
    with app.app_context():
        for nid in queued[:2]:
            n = db.session.get(Notification, nid)
            n.status, n.attempts, n.error = NotificationStatus.FAILED, 5, "550 No such user"
        db.session.commit()
        with pytest.raises(Forbidden):
            events.outbox_overview(db.session.get(User, sec.id))
        with pytest.raises(Forbidden):
            events.retry_failed(db.session.get(User, sec.id))
        overview = events.outbox_overview(db.session.get(User, admin.id))
        assert overview.counts["failed"] == 2 and [n.error for n in overview.failed] == ["550 No such user"] * 2
        with pytest.raises(NotFound):
            events.retry_failed(db.session.get(User, admin.id), queued[5])  # pending, not failed
        assert events.retry_failed(db.session.get(User, admin.id), queued[0]) == 1
        n = db.session.get(Notification, queued[0])
        assert (n.status, n.attempts) == (NotificationStatus.PENDING, 0)
        event = db.session.scalars(select(Event).where(Event.record_type == "notification")).one()
        assert (event.action, event.actor_id, event.record_id) == ("retry", admin.id, queued[0])
        assert event.details["changes"]["status"] == {"from": "failed", "to": "pending"}
        assert events.retry_failed(None) == 1  # the command line: every failed one
        assert events.outbox_overview(None).counts["failed"] == 0
