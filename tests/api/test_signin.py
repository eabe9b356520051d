"""Sign-in throttling that cannot be turned into a lock-out weapon, and a password policy beyond length."""
from __future__ import annotations

from datetime import timedelta

import pytest

from kb.extensions import db
from kb.models import LoginAttempt, utcnow


def _token(kb, email, password, addr="198.51.100.7", **headers):  # type: ignore[no-untyped-def]
    return kb.client.post("/api/v1/auth/tokens", json={"email": email, "password": password},
                          environ_base={"REMOTE_ADDR": addr}, headers=headers)


def test_an_attacker_elsewhere_cannot_lock_the_owner_out(kb):
    victim = kb.user("director")
    for _ in range(8):
        assert _token(kb, victim.email, "wrong-password", addr="203.0.113.66").status_code in (401, 429)
    attacker = _token(kb, victim.email, kb.PASSWORD, addr="203.0.113.66")
    assert attacker.status_code == 429 and int(attacker.headers["Retry-After"]) > 0
    assert _token(kb, victim.email, kb.PASSWORD, addr="198.51.100.7").status_code == 201  # the owner, elsewhere


def test_the_web_sign_in_follows_the_same_rules(kb, app):
    victim = kb.user("director")
    for _ in range(5):
        _token(kb, victim.email, "wrong-password", addr="203.0.113.66")
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        def web(addr):  # type: ignore[no-untyped-def]
            return app.test_client().post("/login", data={"email": victim.email, "password": kb.PASSWORD},
                                          environ_base={"REMOTE_ADDR": addr})
        assert web("203.0.113.66").status_code == 401  # throttled from the attacker's address
        assert "Too many failed sign-in attempts" in web("203.0.113.66").get_data(as_text=True)
        assert web("198.51.100.7").status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def test_spraying_one_password_over_many_accounts_from_one_address_is_throttled(kb, app):
    limit = app.config["KB_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    codes = [_token(kb, f"someone{n}@test.example", "Summer2026!", addr="203.0.113.5").status_code
             for n in range(limit + 5)]
    assert codes[:limit] == [401] * limit
    assert set(codes[limit:]) == {429}
    assert _token(kb, "someone0@test.example", "Summer2026!", addr="203.0.113.6").status_code == 401  # another address


def test_an_ipv6_client_counts_as_its_slash_64(kb, app):
    limit = app.config["KB_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        _token(kb, f"x{n}@test.example", "nope-nope-nope", addr=f"2001:db8:1:2::{n + 1:x}")
    assert _token(kb, "x@test.example", "nope-nope-nope", addr="2001:db8:1:2:ffff::1").status_code == 429
    assert _token(kb, "x@test.example", "nope-nope-nope", addr="2001:db8:1:3::1").status_code == 401


def test_a_success_starts_the_count_for_that_account_and_address_again(kb, app):
    user = kb.user("centre")
    limit = app.config["KB_LOGIN_MAX_FAILURES"]
    for _round in range(3):
        for _ in range(limit - 1):
            assert _token(kb, user.email, "wrong-password").status_code == 401
        assert _token(kb, user.email, kb.PASSWORD).status_code == 201


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(kb, app):
    victim = kb.user("director")
    for n in range(6):  # an attacker rotating X-Forwarded-For gets no fresh address
        _token(kb, victim.email, "wrong-password", addr="203.0.113.66", **{"X-Forwarded-For": f"10.0.0.{n}"})
    resp = _token(kb, victim.email, kb.PASSWORD, addr="203.0.113.66", **{"X-Forwarded-For": "10.9.9.9"})
    assert resp.status_code == 429


def test_unknown_e_mails_cost_a_password_check_too(kb, monkeypatch):
    """Same work for unknown and known accounts, so response times do not reveal which e-mails exist."""
    import kb.services.auth as auth

    calls = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    assert _token(kb, "nobody@test.example", "some-password").status_code == 401
    assert len(calls) == 1 and calls[0].startswith(kb.app.config["KB_PASSWORD_METHOD"].split(":")[0])


def test_old_attempts_are_pruned(kb, app, monkeypatch):
    import kb.services.auth as auth

    user = kb.user("director")
    with app.app_context():
        db.session.add(LoginAttempt(email="old@test.example", remote_addr="192.0.2.1", success=False,
                                    at=utcnow() - timedelta(days=2)))
        db.session.commit()
    monkeypatch.setattr(auth, "_last_prune", [float("-inf")])  # as in a process that has not pruned for a minute
    _token(kb, user.email, kb.PASSWORD)
    with app.app_context():
        assert db.session.query(LoginAttempt).filter_by(email="old@test.example").count() == 0
        assert db.session.query(LoginAttempt).filter_by(email=user.email).count() >= 1


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password123", "1234567890", "qwertyuiop123",
                                      "P@ssw0rd2024", "iloveyou123"])
def test_common_passwords_are_refused_with_a_clear_message(kb, password):
    admin = kb.user("admin")
    org = kb.org("ministry")
    resp = kb.call("POST", "/users", admin, {"email": "new@test.example", "password": password, "role": "director",
                                             "organisation_id": org})
    assert resp.status_code == 422
    assert "too easy to guess" in resp.get_json()["errors"]["password"][0]


def test_a_password_made_of_the_users_own_e_mail_is_refused(kb):
    admin = kb.user("admin")
    org = kb.org("ministry")
    resp = kb.call("POST", "/users", admin, {"email": "mariana.silva@test.example", "password": "mariana.silva1",
                                             "role": "director", "organisation_id": org})
    assert resp.status_code == 422 and "password" in resp.get_json()["errors"]


def test_a_strong_passphrase_is_accepted(kb):
    admin = kb.user("admin")
    org = kb.org("ministry")
    kb.ok("POST", "/users", admin, {"email": "new@test.example", "password": "lagoon-anvil-tulip-92",
                                    "role": "director", "organisation_id": org})
