"""End-to-end fixtures: the real application served by gunicorn on a free local port, driven by Debian's Chromium.

The server runs in a subprocess on a throw-away SQLite database that is migrated (`flask db upgrade`) and loaded
with the reference data and the demo accounts (`flask kb demo`). The browser is /usr/bin/chromium (Debian's
`chromium` package, installed by `make e2e-deps`), driven by Playwright for Python; Playwright never downloads
a browser of its own here. Screenshots go to test-output/screenshots/, page weights to test-output/page-weights.md.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from e2e_support import OUTPUT, SCREENSHOTS, WEIGHTS, Session, weight_table
from mailserver import MailServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KB_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict[str, str], log) -> None:  # type: ignore[no-untyped-def]
    log.write(f"$ {' '.join(args)}\n".encode())
    log.flush()
    subprocess.run(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True, timeout=300)


SERVER_ENV: dict[str, str] = {}  # the server's environment, for the command line run next to it (the outbox)


@pytest.fixture(scope="session")
def mail_server():
    """A real SMTP server (aiosmtpd) the application's outbox delivers to."""
    with MailServer() as mail:
        yield mail


@pytest.fixture
def outbox(server, mail_server):
    """outbox() runs `flask kb outbox send` next to the server and answers the messages delivered by that run."""
    def send() -> list:  # type: ignore[type-arg]
        before = len(mail_server.delivered)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "kb", "outbox", "send"], cwd=ROOT,
                       env=SERVER_ENV, check=True, timeout=120, capture_output=True)
        return mail_server.delivered[before:]

    return send


@pytest.fixture(scope="session")
def server(tmp_path_factory, mail_server):
    """Base URL of the application served by gunicorn on a migrated demo database; stopped at the end."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make e2e-deps` (apt-get install chromium)")
    work = tmp_path_factory.mktemp("e2e")
    OUTPUT.mkdir(exist_ok=True)
    env = {**os.environ,
           "KB_DATABASE_URL": f"sqlite:///{work / 'kb.sqlite3'}",
           "KB_SECRET_KEY": secrets.token_hex(16),
           "KB_INDEX_DIR": str(work / "index"),
           # The hashing embedder keeps start-up fast; the matching pipeline is otherwise the real one.
           "KB_EMBEDDING_MODEL": os.environ.get("KB_E2E_EMBEDDING_MODEL", "hashing-256"),
           "KB_PASSWORD_METHOD": "pbkdf2:sha256:1000",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "FLASK_APP": "wsgi"}
    env.pop("KB_TEST_DATABASE_URL", None)
    port = _free_port()
    env.update({"KB_SMTP_HOST": "127.0.0.1", "KB_SMTP_PORT": str(mail_server.port),
                "KB_BASE_URL": f"http://127.0.0.1:{port}"})
    SERVER_ENV.update(env)
    log_path = OUTPUT / "e2e-server.log"
    with log_path.open("wb") as log:
        _run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env, log)
        _run([sys.executable, "-m", "flask", "--app", "wsgi", "kb", "demo"], env, log)
    log = log_path.open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "2",
                             "--bind", f"127.0.0.1:{port}", "--access-logfile", "-", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/", timeout=5) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the server did not start; see {log_path}")
        time.sleep(0.3)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # launch() gives Chromium a fresh, empty --user-data-dir of its own and removes it afterwards.
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session", autouse=True)
def _screenshots_dir():
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    yield
    if WEIGHTS:
        (OUTPUT / "page-weights.md").write_text(weight_table(), encoding="utf-8")


@pytest.fixture
def session_factory(browser, server):
    """session_factory(locale=...) -> a new Session; all are closed at the end of the test."""
    made: list[Session] = []

    def make(locale: str = "en-GB") -> Session:
        s = Session(browser, server, locale)
        made.append(s)
        return s

    yield make
    violations = [v for s in made for v in s.csp_violations]
    for s in made:
        s.close()
    assert not violations, "pages broke the Content-Security-Policy:\n" + "\n".join(violations)


def pytest_terminal_summary(terminalreporter):  # type: ignore[no-untyped-def]
    if WEIGHTS:
        terminalreporter.section("page weight on first load (tests/e2e)")
        terminalreporter.write(weight_table())


