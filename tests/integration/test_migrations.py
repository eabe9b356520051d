"""Alembic: one head; migrating an empty database gives exactly the models' schema; downgrading works.

Runs on a new SQLite file always, and on a throw-away PostgreSQL database (created and dropped here)
when KB_TEST_DATABASE_URL names a PostgreSQL server.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from kb import create_app
from kb.config import ROOT
from kb.extensions import db

MIGRATIONS = ROOT / "migrations"
PG_URL = os.environ.get("KB_TEST_DATABASE_URL", "")


def _script() -> ScriptDirectory:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def test_the_migrations_have_a_single_head():
    heads = _script().get_heads()
    assert len(heads) == 1, f"several heads, merge them: {heads}"


def test_every_revision_but_the_first_has_a_parent_in_the_chain():
    script = _script()
    revisions = list(script.walk_revisions())
    assert [r for r in revisions if r.down_revision is None] == [revisions[-1]]


@contextmanager
def _empty_database(backend: str, tmp_path) -> Iterator[str]:
    """The URL of a database with no tables at all, removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = make_url(PG_URL)
    name = f"kb_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL.startswith("postgresql") else [])


@pytest.fixture(params=BACKENDS)
def empty_app(request, tmp_path):
    with _empty_database(request.param, tmp_path) as url:
        app = create_app({"KB_DATABASE_URL": url, "TESTING": True, "KB_SECRET_KEY": "test",
                          "KB_INDEX_DIR": str(tmp_path / "idx")})
        with app.app_context():
            assert inspect(db.engine).get_table_names() == []
            yield app
            db.session.remove()
            db.engine.dispose()


def _schema_differences() -> list:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(ctx, db.metadata)


def test_upgrading_an_empty_database_gives_the_models_schema(empty_app):
    upgrade(directory=str(MIGRATIONS))
    # compare_type is on: a column type changed in a model without a migration shows up here. No
    # differences are ignored: the migration renders the same types (JSON, LargeBinary, non-native
    # enums as VARCHAR + CHECK) as the models, so both dialects compare clean.
    assert _schema_differences() == []
    with db.engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == _script().get_current_head()


def test_downgrading_to_base_removes_every_table_and_upgrading_again_works(empty_app):
    upgrade(directory=str(MIGRATIONS))
    downgrade(directory=str(MIGRATIONS), revision="base")
    left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert left == set()
    upgrade(directory=str(MIGRATIONS))
    assert _schema_differences() == []
    assert {t.name for t in db.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names())


def test_the_judged_pairs_migration_backfills_the_decisions_already_made(empty_app):
    """Decisions made before 0011 (kept in the audit trail) become the same judged pairs the service writes now."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from kb.models import JudgedPair, Offer, OrgKind, Request
    from kb.services import admin, exchanges, records
    from kb.services.reference import seed_reference_data

    upgrade(directory=str(MIGRATIONS))
    with empty_app.test_request_context():
        seed_reference_data()
        users = {}
        for n, (role, kind, country) in enumerate((("director", "ministry", "EC"), ("centre", "competence-centre", "CO"),
                                                   ("secretariat", "un-agency", "AT"))):
            org = admin.create_organisation(None, {"name": f"Org {n}", "kind": OrgKind(kind), "country_code": country})
            users[role] = admin.create_user(None, {"email": f"{role}@mig.example", "password": "correct-horse-battery",
                                                   "role": role, "organisation_id": org.id})
        sec = users["secretariat"]
        req = records.create_record(Request, users["director"], {
            "title": "Cleaner production in tanneries", "description": "Cut chrome pollution from tanneries.",
            "text_lang": "en", "sectors": ["cleaner-production"], "modalities": ["expert-mission"],
            "languages": ["en"], "sdgs": [12]})
        records.transition_record(Request, users["director"], req.id, "submit")
        records.transition_record(Request, sec, req.id, "publish")
        offers = []
        for title in ("Cleaner production audits", "Effluent treatment training"):
            off = records.create_record(Offer, users["centre"], {
                "title": title, "description": f"{title} for leather SMEs.", "text_lang": "en",
                "sectors": ["cleaner-production"], "modalities": ["expert-mission"], "languages": ["en"],
                "valid_until": date.today() + timedelta(days=300)})
            records.transition_record(Offer, users["centre"], off.id, "submit")
            records.transition_record(Offer, sec, off.id, "publish")
            offers.append(off)
        declined = exchanges.propose_match(sec, req.id, offers[0].id)
        exchanges.transition_match(users["director"], declined.id, "decline", reason="Too far from our need.")
        interest = exchanges.propose_match(users["centre"], req.id, offers[1].id)
        exchanges.transition_match(users["director"], interest.id, "accept")

        def judged() -> list[tuple]:
            return [(j.request_id, j.offer_id, j.match_id, j.decision, j.relevant, j.capacity, j.reason, j.origin,
                     j.fit, j.band, j.model, j.index_revision, j.decided_by_id)
                    for j in db.session.scalars(select(JudgedPair).order_by(JudgedPair.id))]

        live = judged()
        assert [row[3:6] for row in live] == [("propose", True, "secretariat"), ("decline", False, "requester"),
                                              ("interest", True, "provider"), ("accept", True, "requester")]
        db.session.commit()
        db.session.remove()
    downgrade(directory=str(MIGRATIONS), revision="0010_merge_2")
    upgrade(directory=str(MIGRATIONS))
    with empty_app.test_request_context():
        assert judged() == live
        assert all(j.backfilled for j in db.session.scalars(select(JudgedPair)))
