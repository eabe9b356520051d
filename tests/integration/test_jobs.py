"""The job engine for real: `flask kb worker` processes over a private redis-server, delivering the outbox to a
real SMTP server (aiosmtpd); a worker killed with SIGKILL mid-batch loses nothing and, once another worker has
taken over, every message has been delivered once (by its Message-ID, the idempotency key). The database is a
migrated SQLite file opened with the product's settings (WAL), shared by the test and the workers."""
from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from jobsupport import redis_server, start_worker, stop_worker, wait_for
from mailserver import MailServer, Recorder

from kb.config import ROOT

MESSAGES = 60


class SlowRecorder(Recorder):
    """Takes a little while per message, so that a worker can be killed in the middle of a batch."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_DATABASE_URL=f"sqlite:///{db}", KB_EMBEDDING_MODEL="hashing-256", KB_SECRET_KEY=secrets.token_hex(32),
               KB_INDEX_DIR=str(db.parent / "idx"), KB_PASSWORD_METHOD="pbkdf2:sha256:1000", FLASK_APP="wsgi",
               KB_BASE_URL="http://localhost", KB_SECOND_EMBEDDING_MODEL="none",  # as the suite (no e5 in these processes)
               KB_JOBS_FILE=str(db.parent / "jobs.sqlite3"), **extra)
    return env


def _python(script: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def database(tmp_path) -> Path:
    """A migrated database with MESSAGES pending outbox messages to MESSAGES users."""
    path = tmp_path / "kb.sqlite3"
    _python(f"""
        from flask_migrate import upgrade
        from kb import create_app
        from kb.extensions import db
        from kb.models import Event, Notification, Organisation, OrgKind, Role, User
        from kb.services.reference import seed_reference_data
        app = create_app()
        with app.app_context():
            upgrade()
            seed_reference_data()
            org = Organisation(name="Ministry", kind=OrgKind("ministry"), country_code="EC")
            db.session.add(org)
            db.session.flush()
            event = Event(record_type="organisation", record_id=org.id, action="create")
            db.session.add(event)
            for i in range({MESSAGES}):
                user = User(email=f"person{{i}}@test.example", password_hash="x", role=Role.DIRECTOR,
                            organisation_id=org.id)
                db.session.add(user)
                db.session.flush()
                db.session.add(Notification(event_id=event.id, user_id=user.id, subject=f"Message {{i}}",
                                            body="Hello"))
            db.session.commit()
            db.engine.dispose()
    """, _env(path))
    return path


def _statuses(db: Path) -> Counter:
    with sqlite3.connect(db, timeout=10) as conn:
        return Counter(s for (s,) in conn.execute("SELECT status FROM notifications"))


def test_a_worker_killed_mid_batch_loses_nothing_and_the_next_one_delivers_each_message_once(database, tmp_path):
    with redis_server(tmp_path) as redis_url, MailServer(SlowRecorder()) as smtp:
        env = _env(database, KB_REDIS_URL=redis_url, KB_SMTP_HOST="127.0.0.1", KB_SMTP_PORT=str(smtp.port),
                   KB_MAIL_FROM="kb@kb.example", KB_OUTBOX_BATCH="10", KB_OUTBOX_LEASE_SECONDS="3")
        log = tmp_path / "worker.log"
        first = start_worker(env, log)
        try:
            assert wait_for(lambda: len(smtp.delivered) >= 15, 60), log.read_text()[-3000:]
        finally:
            stop_worker(first, kill=True)  # SIGKILL: no clean-up of any kind
        at_kill = len(smtp.delivered)
        assert at_kill < MESSAGES and _statuses(database)["pending"] > 0  # it really died mid-way
        second = start_worker(env, log)
        try:
            assert wait_for(lambda: _statuses(database)["sent"] == MESSAGES, 60), log.read_text()[-3000:]
        finally:
            stop_worker(second)

        ids = Counter(d.message["Message-ID"] for d in smtp.delivered)
        expected = {f"<kb-notification-{i}." for i in range(1, MESSAGES + 1)}
        assert {m.split(".")[0] + "." for m in ids} == expected  # every message arrived
        assert {d.rcpt_tos[0] for d in smtp.delivered} == {f"person{i}@test.example" for i in range(MESSAGES)}
        # At most the messages in flight at the kill (the server had answered 250, the worker had not yet recorded
        # it) went out again, each once, with the same Message-ID: the receiver recognises it as the same message.
        # The worker runs two threads (start_worker's default), each sending its own claimed batch: at most one
        # message in flight per thread (a run of the CI saw two).
        again = [m for m, n in ids.items() if n > 1]
        assert len(again) <= 2 and all(ids[m] == 2 for m in again)
        assert len(smtp.delivered) == MESSAGES + len(again)
        assert _statuses(database) == Counter(sent=MESSAGES)


def test_a_notification_queued_by_a_transition_is_delivered_by_a_running_worker(tmp_path, database):
    """No manual step: the commit that queues a message also queues the delivery job."""
    with redis_server(tmp_path) as redis_url, MailServer() as smtp:
        env = _env(database, KB_REDIS_URL=redis_url, KB_SMTP_HOST="127.0.0.1", KB_SMTP_PORT=str(smtp.port),
                   KB_MAIL_FROM="kb@kb.example")
        worker = start_worker(env, tmp_path / "worker.log")
        try:
            assert wait_for(lambda: len(smtp.delivered) == MESSAGES, 60)
            _python("""
                from kb import create_app
                from kb.extensions import db
                from kb.models import Event, Notification, User
                from kb.services import unit_of_work
                from kb.services.audit import queue_notifications
                app = create_app()
                with app.app_context(), unit_of_work():
                    event = db.session.get(Event, 1)
                    queue_notifications(event, event, [db.session.get(User, 1)])
            """, env)
            assert wait_for(lambda: len(smtp.delivered) == MESSAGES + 1, 20), (tmp_path / "worker.log").read_text()
        finally:
            stop_worker(worker)
