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
