"""Sessions end when they should (sign-out, password change), cookies are guarded, every response has security headers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kb import create_app

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/exchanges").status_code == 200


def _copy_of(app, client):  # type: ignore[no-untyped-def]
    """Another client holding a copy of client's session cookie (a stolen or second-device cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_sign_out_ends_copied_cookies_and_api_tokens(app, browser, kb):
    director = kb.user("director")
    client = browser(director)
    thief = _copy_of(app, client)
    assert _signed_in(thief)
    assert kb.call("GET", "/auth/me", director).status_code == 200
    assert client.post("/logout").status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(thief)
    assert kb.call("GET", "/auth/me", director).status_code == 401
    # Signing in again works, and the audit trail has the sign-out.
    assert _signed_in(browser(director))
    from kb.extensions import db
    from kb.models import Event

    with app.app_context():
        event = db.session.query(Event).filter_by(record_type="user", record_id=director.id, action="sign-out").one()
        assert event.details == {"tokens_revoked": 1}


def test_a_password_change_ends_every_other_session_and_token_but_keeps_this_one(app, browser, kb):
    director = kb.user("director")
    client, other_device = browser(director), browser(director)
    resp = client.post("/account/password", data={"current_password": kb.PASSWORD, "new_password": "quiet-lagoon-74-tin",
                                                    "repeat_password": "quiet-lagoon-74-tin"})
    assert resp.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(other_device)
    assert kb.call("GET", "/auth/me", director).status_code == 401
    assert kb.call("POST", "/auth/tokens", json={"email": director.email, "password": "quiet-lagoon-74-tin"}).status_code == 201


def test_an_admin_setting_a_password_ends_that_users_sessions_and_tokens(app, browser, kb):
    admin, director = kb.user("admin"), kb.user("director")
    client = browser(director)
    user = kb.ok("GET", f"/users/{director.id}", admin)
    kb.ok("PATCH", f"/users/{director.id}", admin, {"password": "amber-violin-river-52", "version": user["version"]})
    assert not _signed_in(client)
    assert kb.call("GET", "/auth/me", director).status_code == 401
    assert kb.call("GET", "/auth/me", admin).status_code == 200


def test_a_deactivated_user_is_signed_out(app, browser, kb):
    admin, director = kb.user("admin"), kb.user("director")
    client = browser(director)
    user = kb.ok("GET", f"/users/{director.id}", admin)
    kb.ok("PATCH", f"/users/{director.id}", admin, {"active": False, "version": user["version"]})
    assert not _signed_in(client)
    assert kb.call("GET", "/auth/me", director).status_code == 401


def test_the_session_cookie_is_httponly_and_samesite_lax(browser, kb, app):
    director = kb.user("director")
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        resp = client.post("/login", data={"email": director.email, "password": kb.PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(app, kb):
    settings = {k: v for k, v in app.config.items() if k.startswith("KB_")}
    secure = create_app(settings | {"TESTING": True, "WTF_CSRF_ENABLED": False, "KB_SECURE_COOKIES": True,
                                    "KB_TRUSTED_PROXIES": 1})
    director = kb.user("director")
    client = secure.test_client()
    resp = client.post("/login", data={"email": director.email, "password": kb.PASSWORD},
                       headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert resp.status_code == 302
    assert "Secure" in resp.headers["Set-Cookie"]
    assert "max-age=" in resp.headers["Strict-Transport-Security"]
    with secure.app_context():
        from kb.extensions import db
        from kb.models import LoginAttempt

        last = db.session.query(LoginAttempt).filter_by(email=director.email).order_by(LoginAttempt.id.desc()).first()
        assert last.remote_addr == "203.0.113.9"  # the client's address as the proxy saw it


@pytest.mark.parametrize("path", ["/", "/offers", "/login", "/api/v1/offers", "/api/v1/openapi.json",
                                  "/no-such-page", "/api/v1/no-such", "/static/kb.css"])
def test_every_response_carries_the_security_headers(client, path):
    resp = client.get(path)
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["form-action"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP without KB_SECURE_COOKIES


def test_templates_need_no_inline_script_or_style():
    """The policy forbids inline script and style: the pages must not rely on any."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\sstyle\s*=", r"\son[a-z]+\s*=", r"<style\b",
                        r"javascript:"):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text, re.I)]
    assert not offenders
