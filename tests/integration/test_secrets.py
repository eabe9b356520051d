"""No serving with a key anyone could know: the secret comes from KB_SECRET_KEY or the key file, or kb refuses."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from kb import create_app
from kb.config import ROOT, ConfigurationError


def _settings(tmp_path, **over):
    base = {"KB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "KB_SECRET_KEY": "",
            "KB_SECRET_KEY_FILE": str(tmp_path / "no-such-key"), "KB_INDEX_DIR": str(tmp_path / "idx"),
            "KB_BASE_URL": "https://kb.example.org"}
    return base | over


def test_without_a_secret_key_the_app_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="KB_SECRET_KEY"):
        create_app(_settings(tmp_path))


def test_a_short_secret_key_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="at least 32"):
        create_app(_settings(tmp_path, KB_SECRET_KEY="changeme"))


def test_the_key_file_written_by_make_run_is_used(tmp_path):
    key = tmp_path / "secret_key"
    key.write_text("k" * 64 + "\n")
    app = create_app(_settings(tmp_path, KB_SECRET_KEY_FILE=str(key)))
    assert app.secret_key == "k" * 64


def test_gunicorn_style_start_without_a_key_fails_with_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env |= {"KB_SECRET_KEY_FILE": str(tmp_path / "absent"), "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    proc = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "No secret key: set KB_SECRET_KEY" in proc.stderr


def test_a_cookie_signed_with_the_old_default_key_opens_nothing(app, kb):
    """The key that used to be the silent default forged sessions; it is no longer anyone's key."""
    admin = kb.user("admin")
    forger = Flask("forger")
    forger.secret_key = "dev-only-insecure-key"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    cookie = serializer.dumps({"_user_id": str(admin.id), "_fresh": True})
    client = app.test_client()
    client.set_cookie("session", cookie)
    resp = client.get("/exchanges")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert app.secret_key != "dev-only-insecure-key"


def test_a_session_naming_only_a_user_id_opens_nothing(app, kb):
    """Even signed with the real key, a session must carry the user's current session key (see User.get_id)."""
    admin = kb.user("admin")
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    for user_id in (str(admin.id), f"{admin.id}:", f"{admin.id}:wrong-key"):
        client = app.test_client()
        client.set_cookie("session", serializer.dumps({"_user_id": user_id, "_fresh": True}))
        resp = client.get("/exchanges")
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], user_id


# --- the public address (KB_BASE_URL): links in e-mails never come from a Host header ---------------------------

def test_without_a_public_address_the_app_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigurationError, match="KB_BASE_URL"):
        create_app(_settings(tmp_path, KB_SECRET_KEY="k" * 32, KB_BASE_URL=""))
    for bad in ("kb.example.org", "ftp://kb.example.org", "https://kb.example.org/kb", "https://"):
        with pytest.raises(ConfigurationError, match="public address"):
            create_app(_settings(tmp_path, KB_SECRET_KEY="k" * 32, KB_BASE_URL=bad))


def test_development_and_tests_may_run_without_a_public_address(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(_settings(tmp_path, KB_SECRET_KEY="k" * 32, KB_BASE_URL=""))
    assert app.config["KB_BASE_URL"] == "" and app.config["TRUSTED_HOSTS"] is None
    monkeypatch.delenv("FLASK_DEBUG")
    app = create_app(_settings(tmp_path, KB_SECRET_KEY="k" * 32, KB_BASE_URL="", TESTING=True))
    assert app.config["KB_BASE_URL"] == ""


def test_gunicorn_style_start_without_a_public_address_fails_with_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_") and k != "FLASK_DEBUG"}
    env |= {"KB_SECRET_KEY": "k" * 32, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    proc = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode != 0
    assert "No public address: set KB_BASE_URL" in proc.stderr


def test_with_a_public_address_requests_naming_another_host_are_refused(tmp_path):
    app = create_app(_settings(tmp_path, KB_SECRET_KEY="k" * 32, KB_BASE_URL="https://kb.example.org:8443/"))
    assert app.config["KB_BASE_URL"] == "https://kb.example.org:8443"
    client = app.test_client()
    assert client.get("/static/kb.css", headers={"Host": "kb.example.org:8443"}).status_code == 200
    assert client.get("/static/kb.css", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/static/kb.css", base_url="http://evil.example").status_code == 400
