"""Fixtures: one app and schema per session (migrated with Alembic), a clean database per test.

Set KB_TEST_DATABASE_URL to run the suite on PostgreSQL (a throw-away database: it is wiped).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from kb import create_app
from kb.extensions import db

REFERENCE_TABLES = {"countries", "regional_groups", "country_groups", "sectors", "modalities", "sdgs",
                    "alembic_version", "reference_revision"}


def _database_url(tmp_path_factory) -> str:
    return os.environ.get("KB_TEST_DATABASE_URL") or \
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _reset_schema(url: str) -> None:
    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()


def _fast_throwaway_sqlite(url: str) -> None:
    """The test database is thrown away: skip SQLite's fsync on commit (the suite is I/O-bound without this)
    and keep the journal in memory (KB_SQLITE_JOURNAL_MODE below; the product's default is WAL, exercised
    with several processes in tests/integration/test_sqlite_processes.py)."""
    if not url.startswith("sqlite"):
        return
    from sqlalchemy import event

    @event.listens_for(db.engine, "connect")
    def _no_fsync(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    db.engine.dispose()  # connections opened from now on get the pragma


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app({"KB_DATABASE_URL": url, "TESTING": True, "KB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
                      "KB_SECRET_KEY": "test-secret", "KB_EMBEDDING_MODEL": "hashing-256", "KB_SECOND_EMBEDDING_MODEL": "none",
                      "KB_SQLITE_JOURNAL_MODE": "memory", "KB_JOBS_FILE": ":memory:",
                      "KB_INDEX_WAIT_SECONDS": 120.0,  # no 503 on a busy machine
                      "KB_MAIL_LOG": str(tmp_path_factory.mktemp("mail") / "mail.log"),
                      "KB_INDEX_DIR": str(tmp_path_factory.mktemp("idx"))})
    with app.app_context():
        _fast_throwaway_sqlite(url)
        _reset_schema(url)
        upgrade()
        from kb.services.reference import seed_reference_data

        seed_reference_data()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_db(request):
    """Every test starts with reference data only, and with the suite's app owning an empty job queue (the queue is
    process-wide, kb.jobs.configure: a test that made another application took it over)."""
    if "app" in request.fixturenames:
        from kb import jobs

        jobs.configure(request.getfixturevalue("app"))
        jobs.huey.flush()
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from kb.matching.sync import forget_managers

    forget_managers()
    with app.app_context():
        from kb.services import cache

        cache.clear()
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class Actor:
    """A user created for a test, with a bearer token."""

    id: int
    email: str
    role: str
    org_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class KB:
    """Builds test data through the services and calls the API as a given actor."""

    PASSWORD = "correct-horse-battery"

    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self._n = 0

    def org(self, kind: str = "ministry", country: str = "EC", name: str | None = None) -> int:
        from kb.models import OrgKind
        from kb.services.admin import create_organisation

        self._n += 1
        with self.app.app_context():
            return create_organisation(None, {"name": name or f"Org {self._n}", "kind": OrgKind(kind),
                                              "country_code": country}).id

    def user(self, role: str, org_id: int | None = None, country: str = "EC") -> Actor:
        from kb.services.admin import create_user
        from kb.services.auth import issue_token

        kind = {"director": "ministry", "centre": "competence-centre", "partner": "fund-donor",
                "secretariat": "un-agency", "admin": "un-agency"}[role]
        if org_id is None:
            org_id = self.org(kind, country)
        self._n += 1
        email = f"{role}{self._n}@test.example"
        with self.app.app_context():
            user = create_user(None, {"email": email, "password": self.PASSWORD, "role": role,
                                      "organisation_id": org_id})
            token, _ = issue_token(email, self.PASSWORD)
            return Actor(user.id, email, role, org_id, token)

    def call(self, method: str, path: str, actor: Actor | None = None, json: Any = None, **kw):
        headers = dict(kw.pop("headers", {}) or {})
        if actor is not None:
            headers.update(actor.headers)
        return self.client.open(f"/api/v1{path}", method=method, json=json, headers=headers, **kw)

    def ok(self, method: str, path: str, actor: Actor | None = None, json: Any = None, status: int | None = None):
        resp = self.call(method, path, actor, json)
        expected = status or {"POST": 201, "DELETE": 204}.get(method, 200)
        assert resp.status_code == expected, (resp.status_code, resp.get_json())
        return resp.get_json()

    # Records ready for matching
    def request_payload(self, **over) -> dict:
        data = {"title": "Cleaner production in tanneries", "description": "We need help to cut chrome "
                "pollution from small tanneries and train inspectors.", "text_lang": "en",
                "sectors": ["cleaner-production"], "modalities": ["expert-mission"], "languages": ["en", "es"],
                "sdgs": [6, 12]}
        data.update(over)
        return data

    def offer_payload(self, **over) -> dict:
        data = {"title": "Cleaner production diagnostics", "description": "Our centre runs cleaner production "
                "audits for leather and textile SMEs and trains national advisers.", "text_lang": "en",
                "sectors": ["cleaner-production"], "modalities": ["expert-mission", "training-course"],
                "languages": ["en"], "valid_until": "2099-12-31"}
        data.update(over)
        return data

    def published_request(self, director: Actor, secretariat: Actor, **over) -> dict:
        rid = self.ok("POST", "/requests", director, self.request_payload(**over))["id"]
        self.ok("POST", f"/requests/{rid}/transitions", director, {"action": "submit"}, 200)
        return self.ok("POST", f"/requests/{rid}/transitions", secretariat, {"action": "publish"}, 200)

    def published_offer(self, centre: Actor, secretariat: Actor, **over) -> dict:
        oid = self.ok("POST", "/offers", centre, self.offer_payload(**over))["id"]
        self.ok("POST", f"/offers/{oid}/transitions", centre, {"action": "submit"}, 200)
        return self.ok("POST", f"/offers/{oid}/transitions", secretariat, {"action": "publish"}, 200)

    def approved_exchange(self, secretariat: Actor, director: Actor, centre: Actor, match_id: int | None = None,
                          request_id: int | None = None, offer_id: int | None = None) -> int:
        """The exchange id of a match both sides accepted and the secretariat approved: the given match, or one
        the secretariat proposes between the given (or newly published) request and offer."""
        if match_id is None:
            request_id = request_id or self.published_request(director, secretariat)["id"]
            offer_id = offer_id or self.published_offer(centre, secretariat)["id"]
            match_id = self.ok("POST", "/matches", secretariat, {"request_id": request_id, "offer_id": offer_id})["id"]
        for who in (director, centre):
            self.ok("POST", f"/matches/{match_id}/transitions", who, {"action": "accept"}, 200)
        return self.ok("POST", f"/matches/{match_id}/transitions", secretariat, {"action": "approve"},
                       200)["exchange_id"]


@pytest.fixture
def kb(app, client) -> KB:
    return KB(app, client)
