"""Sign-in, bearer tokens (stored hashed, revocable) and throttling of failed logins."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from kb.errors import Throttled, Unauthorized
from kb.extensions import db
from kb.models import ApiToken, LoginAttempt, User, utcnow
from kb.services import unit_of_work


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def check_throttle(email: str) -> None:
    """Refuse (429) when the e-mail had too many failed logins in the window."""
    window = current_app.config["KB_LOGIN_WINDOW_SECONDS"]
    limit = current_app.config["KB_LOGIN_MAX_FAILURES"]
    since = utcnow() - timedelta(seconds=window)
    failures = db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.email == email, LoginAttempt.at >= since, LoginAttempt.success.is_(False)
        )
    )
    if failures >= limit:
        raise Throttled("Too many failed sign-in attempts; try again later.", retry_after=window)


def authenticate(email: str, password: str, remote_addr: str | None = None) -> User:
    """Check credentials, recording the attempt; raise 401 or 429."""
    email = _normalise_email(email)
    check_throttle(email)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    ok = user is not None and user.active and user.check_password(password)
    with unit_of_work() as session:
        session.add(LoginAttempt(email=email, remote_addr=remote_addr, success=ok))
    if not ok:
        raise Unauthorized("Wrong e-mail or password.")
    return user  # type: ignore[return-value]


def issue_token(email: str, password: str, remote_addr: str | None = None) -> tuple[str, ApiToken]:
    """Authenticate and create a bearer token; the plain token is returned once, only its hash is kept."""
    user = authenticate(email, password, remote_addr)
    plain = secrets.token_urlsafe(32)
    hours = current_app.config["KB_TOKEN_TTL_HOURS"]
    with unit_of_work() as session:
        token = ApiToken(user_id=user.id, token_hash=_hash(plain), expires_at=utcnow() + timedelta(hours=hours))
        session.add(token)
    return plain, token


def user_for_token(plain: str) -> User:
    """The active user a valid, unrevoked, unexpired token belongs to; else 401."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.active:
        raise Unauthorized("Invalid or expired token.")
    return token.user


def revoke_token(plain: str) -> None:
    """Revoke a token (sign out of the API)."""
    with unit_of_work():
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
        if token is None or token.revoked_at is not None:
            raise Unauthorized("Invalid or expired token.")
        token.revoked_at = utcnow()
