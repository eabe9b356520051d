"""SQLite, the zero-set-up default, with several processes: the CLI import next to a server that reads and
writes, and an import killed with SIGKILL then run again. Each test works on its own copy of a migrated and
seeded database file, opened with the product's own settings (not the suite's throw-away ones)."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kb.config import ROOT

ROWS = 200


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated, seeded SQLite file (made once; each test copies it)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "kb.sqlite3"
    script = """
        from flask_migrate import upgrade
        from kb import create_app
        from kb.extensions import db
        from kb.services.reference import seed_reference_data
        app = create_app()
        with app.app_context():
            upgrade()
            seed_reference_data()
            db.engine.dispose()
    """
    _python(script, _env(path))
    return path


@pytest.fixture
def database(template, tmp_path) -> Path:
    path = tmp_path / "kb.sqlite3"
    shutil.copy(template, path)
    return path


def _env(path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_DATABASE_URL=f"sqlite:///{path}", KB_EMBEDDING_MODEL="hashing-256", KB_SECRET_KEY=secrets.token_hex(32),
               KB_INDEX_DIR=str(path.parent / "idx"), KB_PASSWORD_METHOD="pbkdf2:sha256:1000", FLASK_APP="wsgi",
               KB_BASE_URL="http://localhost")
    return env


def _python(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _import(path: Path, rows_file: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "kb", "import", "offers", str(rows_file)], cwd=ROOT,
                          env=_env(path), capture_output=True, text=True)


def _rows_file(folder: Path, n: int = ROWS) -> Path:
    rows = [{"id": f"P{i:05d}", "institution": f"Centre {i % 4}", "country": "CO",
             "title": f"Cleaner production diagnostics {i}", "description": f"Audits for leather SMEs, batch {i}.",
             "sectors": ["cleaner-production"], "languages": ["es"], "modality": ["expert-mission"],
             "text_lang": "en"} for i in range(n)]
    path = folder / "offers.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_the_import_commits_while_a_server_process_holds_a_long_read(database, tmp_path):
    """A server worker reading (the index reload streams every record) must not make the import's commits
    fail with "database is locked": in WAL mode readers never block the writer."""
    rows = _rows_file(tmp_path)
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sqlite3, sys
        from kb import create_app
        from kb.extensions import db
        from sqlalchemy import text
        app = create_app()
        with app.app_context():
            with db.engine.connect() as conn:           # a connection with the product's settings
                raw = conn.connection.dbapi_connection
                raw.isolation_level = None
                raw.execute("BEGIN")
                before = raw.execute("SELECT count(*) FROM offers").fetchone()[0]
                print("reading", before, flush=True)
                sys.stdin.readline()                    # hold the read transaction until told
                still = raw.execute("SELECT count(*) FROM offers").fetchone()[0]
                raw.execute("COMMIT")
                print("read", still, flush=True)
    """)], cwd=ROOT, env=_env(database), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert reader.stdout.readline().split() == ["reading", "0"], reader.stderr.read()
        done = _import(database, rows)
        reader.stdin.write("go\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == ["read", "0"]  # its snapshot was left as it began
    finally:
        reader.stdin.close()
        reader.wait()
    assert done.returncode == 0, done.stderr[-3000:]
    assert "database is locked" not in done.stderr
    assert f"{ROWS} created, 0 updated, 0 skipped, 0 rejected" in done.stdout
    assert _count(database, "offers") == ROWS


def test_an_import_and_a_server_writing_at_the_same_time_both_succeed(database, tmp_path):
    """The CLI import and API writes of another process interleave (each waits its turn on the write lock,
    with the busy timeout); no request fails, no line is lost."""
    rows = _rows_file(tmp_path)
    server = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import json, sys
        from kb import create_app
        from kb.models import OrgKind
        from kb.services.admin import create_organisation, create_user
        app = create_app()
        with app.app_context():
            org = create_organisation(None, {"name": "Ministry", "kind": OrgKind.MINISTRY, "country_code": "EC"})
            create_user(None, {"email": "d@test.example", "password": "correct-horse-battery", "role": "director",
                               "organisation_id": org.id})
        client = app.test_client()
        token = client.post("/api/v1/auth/tokens", json={"email": "d@test.example",
                                                         "password": "correct-horse-battery"}).get_json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        print("ready", flush=True)
        sys.stdin.readline()
        statuses = []
        for i in range(25):
            r = client.post("/api/v1/requests", headers=headers, json={
                "title": f"Tannery effluents {i}", "description": "Help with chrome.", "text_lang": "en",
                "sectors": ["cleaner-production"], "languages": ["es"]})
            statuses.append(r.status_code)
            if r.status_code == 201:
                statuses.append(client.post(f"/api/v1/requests/{r.get_json()['id']}/transitions", headers=headers,
                                            json={"action": "submit"}).status_code)
            statuses.append(client.get("/api/v1/requests?per_page=5", headers=headers).status_code)
        print(json.dumps(statuses), flush=True)
    """)], cwd=ROOT, env=_env(database), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert reader_ready(server)
        importer = subprocess.Popen([sys.executable, "-m", "flask", "kb", "import", "offers", str(rows)], cwd=ROOT,
                                    env=_env(database), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        server.stdin.write("go\n")
        server.stdin.flush()
        statuses = json.loads(server.stdout.readline())
        out, err = importer.communicate()
    finally:
        server.stdin.close()
        server.wait()
    assert server.returncode == 0, server.stderr.read()[-3000:]
    assert set(statuses) == {200, 201}, statuses
    assert importer.returncode == 0, err[-3000:]
    assert f"{ROWS} created" in out
    assert _count(database, "offers") == ROWS and _count(database, "requests") == 25


def reader_ready(proc: subprocess.Popen) -> bool:
    line = proc.stdout.readline()
    if line.strip() != "ready":
        raise AssertionError(line + proc.stderr.read()[-3000:])
    return True


def test_an_import_killed_in_the_middle_of_a_batch_is_completed_by_running_it_again(database, tmp_path):
    """kill -9 while a batch is written (rows flushed, not committed): nothing of that batch remains, the
    batches before it do, and the same command run again creates only what is missing."""
    rows = _rows_file(tmp_path, 20)
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import os, signal, sys
        from kb import create_app
        from kb.services import ingest
        calls = []
        real = ingest.note_index_change
        def note_then_die(record):
            calls.append(record)
            if len(calls) == 6:                          # second batch of 4, rows flushed, not committed
                os.kill(os.getpid(), signal.SIGKILL)
            return real(record)
        ingest.note_index_change = note_then_die
        app = create_app()
        with app.app_context():
            ingest.import_file("offer", sys.argv[1], batch_size=4)
    """), str(rows)], cwd=ROOT, env=_env(database), capture_output=True, text=True)
    assert killed.returncode == -9, killed.stderr[-3000:]
    assert _count(database, "offers") == 4
    done = _import(database, rows)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "16 created, 0 updated, 4 skipped, 0 rejected" in done.stdout
    assert _count(database, "offers") == 20
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(DISTINCT external_id) FROM offers").fetchone()[0] == 20
        assert conn.execute("SELECT count(*) FROM organisations").fetchone()[0] == 4
