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


def test_job_queue_figures_and_last_periodic_runs_next_to_the_outbox(app, kb, browser, people, monkeypatch):
    import contextlib
    import re
    from datetime import datetime, timedelta

    from kb import jobs

    _failed_message(app, kb, people)  # a submitted request queued a delivery job after its commit
    later = jobs.send_outbox.s()
    later.eta = datetime.now() + timedelta(hours=1)
    jobs.huey.add_schedule(later)  # what a worker does with a job that is not due yet
    client = browser(people["admin"])
    page = text(client.get("/admin/installation"))
    outbox = page.split('id="h-outbox"')[1].split('id="h-versions"')[0]
    assert "Job queue" in outbox and "(memory)" in outbox
    queued = int(re.search(r'id="jobs-queued">(\d+)<', outbox).group(1))
    assert queued == jobs.huey.pending_count() >= 1
    assert re.search(r'id="jobs-scheduled">(\d+)<', outbox).group(1) == "1"
    assert re.search(r'id="jobs-claimed">(\d+)<', outbox).group(1) == "0"
    assert outbox.count("Not run yet with this queue") == len(jobs.PERIODIC)
    # A periodic job that ran, and one that failed with its error.
    jobs.huey.execute(jobs.sweep_outbox.s())

    def broken():
        raise RuntimeError("database is locked")

    monkeypatch.setattr("kb.services.reminders.send_reminders", broken)
    with contextlib.suppress(RuntimeError):  # Huey re-raises after recording the failure (and a retry)
        jobs.huey.execute(jobs.send_reminders.s())
    outbox = text(client.get("/admin/installation")).split('id="h-outbox"')[1].split('id="h-versions"')[0]
    sweep = outbox.split('id="job-kb.sweep_outbox"')[1].split("</tr>")[0]
    reminders = outbox.split('id="job-kb.send_reminders"')[1].split("</tr>")[0]
    assert "Succeeded" in sweep and "Failed" in reminders and "database is locked" in reminders
    assert outbox.count("Not run yet with this queue") == len(jobs.PERIODIC) - 2
    # Only the admin sees it.
    for who in ("sec", "director", "centre", "partner"):
        assert browser(people[who]).get("/admin/installation").status_code == 403


def test_an_unreadable_job_queue_is_said_not_a_500(app, kb, browser, people, monkeypatch):
    from kb import jobs

    def down():
        raise ConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(jobs, "queue_figures", down)
    resp = browser(people["admin"]).get("/admin/installation")
    assert resp.status_code == 200 and "The job queue cannot be read" in text(resp) and "Connection refused" in text(resp)


def test_acceptance_by_band_and_calibration_of_the_decisions_say_when_there_are_too_few(kb, browser, people):
    client = browser(people["admin"])
    assert "No decision yet." in text(client.get("/admin/installation"))
    req = kb.published_request(people["director"], people["sec"])
    offers = [kb.published_offer(people["centre"], people["sec"]),
              kb.published_offer(people["centre"], people["sec"], title="Solar pumping for irrigation",
                                 description="Design and upkeep of solar water pumps.", sectors=["renewable-energy"])]
    accepted = kb.ok("POST", "/matches", people["sec"], {"request_id": req["id"], "offer_id": offers[0]["id"],
                                                         "from_suggestion": True})
    kb.ok("POST", f"/matches/{accepted['id']}/transitions", people["director"], {"action": "accept"}, 200)
    declined = kb.ok("POST", "/matches", people["sec"], {"request_id": req["id"], "offer_id": offers[1]["id"],
                                                         "from_suggestion": True})
    kb.ok("POST", f"/matches/{declined['id']}/transitions", people["director"],
          {"action": "decline", "reason": "Not our need."}, 200)
    page = text(client.get("/admin/installation"))
    section = page.split('id="h-decisions"')[1].split("</section>")[0]
    assert "Too few decisions to read these figures yet: 2 decided pairs, at least 20 needed." in section
    bands = {b: accepted["explanation"]["band"] if b == "a" else declined["explanation"]["band"] for b in "ad"}
    counts = {code: section.split(f'id="band-{code}"')[1].split("</tr>")[0] for code in ("strong", "possible", "weak")}
    for code, row in counts.items():
        cells = [c.split("<")[0] for c in row.split("<td>")[1:]]
        assert cells[:3] == [str(int(bands["a"] == code)), str(int(bands["d"] == code)), "0"], (code, cells)
    assert "ECE, 10 bins" in section and "on 2 decided pairs" in section
    assert "Learning from decisions" not in text(browser(people["sec"]).get("/admin/installation"))
