"""Done when: publishing a request makes a fitting centre's inbox show an alert, and its mailbox receive it, with
no manual step — the server process publishes, a `kb worker` over a private Redis computes the alert and sends the
e-mail to a real SMTP server, within seconds."""
from __future__ import annotations

import sqlite3
import time

from jobsupport import redis_server, start_worker, stop_worker, wait_for
from mailserver import MailServer, Recorder
from test_jobs import _env, _python

SETUP = """
    from flask_migrate import upgrade
    from kb import create_app
    from kb.extensions import db
    from kb.models import OrgKind
    from kb.services.admin import create_organisation, create_user
    from kb.services.auth import issue_token
    from kb.services.reference import seed_reference_data
    app = create_app()
    PASSWORD = "correct-horse-battery"
    with app.app_context():
        upgrade()
        seed_reference_data()
        tokens = {}
        for role, kind, country in (("secretariat", "un-agency", "AT"), ("centre", "competence-centre", "CO"),
                                    ("director", "ministry", "EC")):
            org = create_organisation(None, {"name": f"{role} org", "kind": OrgKind(kind), "country_code": country})
            create_user(None, {"email": f"{role}@test.example", "password": PASSWORD, "role": role,
                               "organisation_id": org.id})
            tokens[role] = {"Authorization": "Bearer " + issue_token(f"{role}@test.example", PASSWORD)[0]}
    c = app.test_client()
    def ok(method, path, who, body=None):
        resp = c.open("/api/v1" + path, method=method, json=body, headers=tokens[who])
        assert resp.status_code in (200, 201), resp.get_json()
        return resp.get_json()
    offer = ok("POST", "/offers", "centre", {"title": "Cleaner production diagnostics", "description": "Our centre "
               "runs cleaner production audits for leather and textile SMEs and trains national advisers.",
               "text_lang": "en", "sectors": ["cleaner-production"], "modalities": ["expert-mission"],
               "languages": ["en"], "valid_until": "2099-12-31"})
    ok("POST", f"/offers/{offer['id']}/transitions", "centre", {"action": "submit"})
    ok("POST", f"/offers/{offer['id']}/transitions", "secretariat", {"action": "publish"})
    # A catalogue of one offer gives no pair a strong fit (fits are relative to the catalogue): a second, unrelated.
    other = ok("POST", "/offers", "centre", {"title": "Coffee cupping for cooperatives", "description": "Training "
               "in coffee quality grading and cupping for farmer cooperatives.", "text_lang": "en",
               "sectors": ["agro-industry"], "modalities": ["training-course"], "languages": ["es"],
               "valid_until": "2099-12-31"})
    ok("POST", f"/offers/{other['id']}/transitions", "centre", {"action": "submit"})
    ok("POST", f"/offers/{other['id']}/transitions", "secretariat", {"action": "publish"})
    req = ok("POST", "/requests", "director", {"title": "Cleaner production in tanneries", "description": "We need "
             "help to cut chrome pollution from small tanneries and train inspectors.", "text_lang": "en",
             "sectors": ["cleaner-production"], "modalities": ["expert-mission"], "languages": ["en", "es"]})
    ok("POST", f"/requests/{req['id']}/transitions", "director", {"action": "submit"})
    with app.app_context():
        db.engine.dispose()
"""

PUBLISH = """
    from kb import create_app
    from kb.extensions import db
    from kb.models import Request, User
    from kb.services.records import transition_record
    app = create_app()
    with app.app_context():
        sec = db.session.query(User).filter_by(email="secretariat@test.example").one()
        transition_record(Request, sec, 1, "publish")
        import time
        print(time.time())
        db.engine.dispose()
"""


class TimedRecorder(Recorder):
    """Notes when each message arrived."""

    arrived: list[float]

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        self.__dict__.setdefault("arrived", []).append(time.time())
        return answer


def _alerts(db) -> list[tuple]:
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute("SELECT u.email, n.record_type, n.status FROM notifications n JOIN users u "
                            "ON u.id = n.user_id WHERE n.kind = 'match_alert'").fetchall()


def test_publishing_a_request_alerts_the_fitting_centre_in_its_inbox_and_mailbox_within_seconds(tmp_path):
    db = tmp_path / "kb.sqlite3"
    with redis_server(tmp_path) as redis_url, MailServer(TimedRecorder()) as smtp:
        env = _env(db, KB_REDIS_URL=redis_url, KB_SMTP_HOST="127.0.0.1", KB_SMTP_PORT=str(smtp.port),
                   KB_MAIL_FROM="kb@kb.example")
        _python(SETUP, env)
        log = tmp_path / "worker.log"
        worker = start_worker(env, log)
        try:
            assert wait_for(lambda: "Huey consumer started" in log.read_text(), 30)
            before = len(smtp.delivered)
            committed = float(_python(PUBLISH, env).strip().splitlines()[-1])

            def alerted():
                return any(d.rcpt_tos == ["centre@test.example"] and "New fitting record" in str(d.message["Subject"])
                           for d in smtp.delivered[before:])

            assert wait_for(alerted, 20), log.read_text()[-3000:]
            i = next(i for i, d in enumerate(smtp.delivered) if i >= before and "New fitting record" in
                     str(d.message["Subject"]))
            took = smtp.recorder.arrived[i] - committed
            print(f"alert e-mail received {took:.2f} s after the publication committed")
            assert 0 < took < 10
        finally:
            stop_worker(worker)
    assert _alerts(db) == [("centre@test.example", "request", "sent")]  # the inbox entry, mailed once
    assert [d for d in smtp.delivered if d.rcpt_tos == ["director@test.example"]
            and "New fitting record" in str(d.message["Subject"])] == []
