"""/admin/installation: the matching index (status, rebuild), the outbox (pending, failed with errors, retry),
versions; the admin only."""
from __future__ import annotations

import html
import platform

import pytest


def text(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


@pytest.fixture
def people(kb):
    return {"admin": kb.user("admin", country="AT"), "sec": kb.user("secretariat", country="AT"),
            "director": kb.user("director", country="EC"), "centre": kb.user("centre", country="CO"),
            "partner": kb.user("partner", country="ES")}


def _failed_message(app, kb, people) -> int:
    """A real notification (a submitted request tells the secretariat), failed as an SMTP refusal leaves it."""
    from kb.extensions import db
    from kb.models import Notification, NotificationStatus

    rid = kb.ok("POST", "/requests", people["director"], kb.request_payload(title="Irrigation pumps"))["id"]
    kb.ok("POST", f"/requests/{rid}/transitions", people["director"], {"action": "submit"}, 200)
    with app.app_context():
        message = db.session.query(Notification).order_by(Notification.id).first()
        message.status, message.attempts = NotificationStatus.FAILED, 5
        message.error = "550 5.1.1 <sec@test.example>: Recipient address rejected"
        db.session.commit()
        return message.id


def test_only_the_admin_sees_the_installation(kb, browser, people, app):
    mid = _failed_message(app, kb, people)
    for who, actor in people.items():
        client = browser(actor)
        expected = 200 if who == "admin" else 403
        assert client.get("/admin/installation").status_code == expected, who
        if who != "admin":
            assert client.post("/admin/installation/rebuild").status_code == 403
            assert client.post(f"/admin/installation/outbox/{mid}/retry").status_code == 403
    from kb.extensions import db
    from kb.models import Notification

    with app.app_context():
        assert db.session.get(Notification, mid).status == "failed"


def test_index_status_and_rebuild(kb, browser, people):
    kb.published_request(people["director"], people["sec"])
    kb.published_offer(people["centre"], people["sec"])
    client = browser(people["admin"])
    page = text(client.get("/admin/installation"))
    assert "hashing-256" in page and "Matching index" in page
    resp = client.post("/admin/installation/rebuild")
    assert resp.status_code == 302
    page = text(client.get("/admin/installation"))
    assert "Index rebuilt" in page and "Up to date" in page
    events = kb.ok("GET", f"/events?record_type=user&record_id={people['admin'].id}", people["admin"])["items"]
    assert any(e["action"] == "rebuild_index" for e in events)


def test_failed_messages_show_their_error_and_are_queued_again(app, kb, browser, people):
    from kb.extensions import db
    from kb.models import Event, Notification

    mid = _failed_message(app, kb, people)
    client = browser(people["admin"])
    page = text(client.get("/admin/installation"))
    outbox = page.split('id="h-outbox"')[1]
    assert "Recipient address rejected" in outbox and f'id="message-{mid}"' in outbox
    assert client.post(f"/admin/installation/outbox/{mid}/retry").status_code == 302
    with app.app_context():
        message = db.session.get(Notification, mid)
        assert (message.status, message.attempts, message.error) == ("pending", 0, None)
        event = db.session.query(Event).filter_by(record_type="notification", record_id=mid).one()
        assert (event.action, event.from_state, event.to_state) == ("retry", "failed", "pending")
        assert "Recipient address rejected" in event.details["error"]
    assert f'id="message-{mid}"' in text(client.get("/admin/installation?outbox=pending"))
    # Only a failed message is retried; an unknown one is 404.
    assert client.post(f"/admin/installation/outbox/{mid}/retry").status_code == 409
    assert client.post("/admin/installation/outbox/999999/retry").status_code == 404


def test_versions_name_python_the_database_and_the_migration(app, kb, browser, people):
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    migrations = Path(__file__).resolve().parents[2] / "migrations"
    config = Config()
    config.set_main_option("script_location", str(migrations))
    heads = ScriptDirectory.from_config(config).get_heads()
    page = text(browser(people["admin"]).get("/admin/installation"))
    versions = page.split('id="h-versions"')[1]
    assert platform.python_version() in versions and "flask" in versions and "sqlalchemy" in versions
    assert all(head in versions for head in heads) and "Up to date" in versions
