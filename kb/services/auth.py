"""Sign-in, bearer tokens (stored hashed, revocable), ending sessions, and throttling of failed sign-ins.

Throttling counts failed attempts in the database (so the limits hold across processes and machines):
- per client address: KB_LOGIN_MAX_FAILURES_PER_ADDRESS failures from one address, whatever the e-mails,
  stop that address (password spraying over many accounts);
- per account and address: KB_LOGIN_MAX_FAILURES failures for one e-mail from one address stop that pair
  (guessing one account's password); a success from that address starts the count again.
There is deliberately no limit per account alone: it would let anyone who knows an address lock its owner
out from elsewhere. An IPv6 client counts as its /64 network (one machine or home usually holds a whole /64).
Unknown e-mails are checked against a dummy hash, so the answer takes as long as for a real account.
"""
from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
import time
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from kb.errors import Throttled, Unauthorized
from kb.extensions import db
from kb.models import ApiToken, LoginAttempt, User, new_session_key, utcnow
from kb.services import unit_of_work
from kb.services.audit import record_event

ATTEMPTS_KEPT = timedelta(days=1)  # failed and successful attempts older than this (or the window) are pruned


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def client_key(remote_addr: str | None) -> str | None:
    """The address attempts are counted under: IPv4 as is, IPv6 as its /64 network."""
    if not remote_addr:
        return None
    try:
        ip = ipaddress.ip_address(remote_addr.strip())
    except ValueError:
        return remote_addr.strip()[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _retry_after(failures: list, limit: int, window: int) -> int:
    """Seconds until the count of failures in the window falls below limit again."""
    oldest_that_counts = failures[limit - 1]  # failures are newest first
    ends = oldest_that_counts + timedelta(seconds=window)
    return max(1, math.ceil((ends - utcnow()).total_seconds()))


def check_throttle(email: str, address: str | None) -> None:
    """Refuse (429 with Retry-After) a sign-in from a throttled address or account+address pair."""
    window = current_app.config["KB_LOGIN_WINDOW_SECONDS"]
    since = utcnow() - timedelta(seconds=window)
    per_address = current_app.config["KB_LOGIN_MAX_FAILURES_PER_ADDRESS"]
    per_pair = current_app.config["KB_LOGIN_MAX_FAILURES"]
    failed = select(LoginAttempt.at).where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    if address is not None:
        recent = db.session.scalars(failed.where(LoginAttempt.remote_addr == address)
                                    .order_by(LoginAttempt.at.desc()).limit(per_address)).all()
        if len(recent) >= per_address:
            raise Throttled(lazy_gettext("Too many failed sign-in attempts; try again later."),
                            retry_after=_retry_after(recent, per_address, window))
    pair = LoginAttempt.remote_addr.is_(None) if address is None else LoginAttempt.remote_addr == address
    last_success = db.session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.email == email, pair, LoginAttempt.success.is_(True), LoginAttempt.at >= since))
    stmt = failed.where(LoginAttempt.email == email, pair)
    if last_success is not None:
        stmt = stmt.where(LoginAttempt.at > last_success)
    recent = db.session.scalars(stmt.order_by(LoginAttempt.at.desc()).limit(per_pair)).all()
    if len(recent) >= per_pair:
        raise Throttled(lazy_gettext("Too many failed sign-in attempts; try again later."),
                        retry_after=_retry_after(recent, per_pair, window))


PRUNE_EVERY = 60.0  # seconds: each process prunes old attempts at most this often
_last_prune = [float("-inf")]


def _prune_attempts(session) -> None:  # type: ignore[no-untyped-def]
    """Delete attempts older than a day (or the window, if longer), at most once a minute per process."""
    now = time.monotonic()
    if now - _last_prune[0] < PRUNE_EVERY:
        return
    _last_prune[0] = now
    cutoff = utcnow() - max(ATTEMPTS_KEPT, timedelta(seconds=current_app.config["KB_LOGIN_WINDOW_SECONDS"]))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """A hash of a random password, made like the real ones, for e-mails that match no account."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def authenticate(email: str, password: str, remote_addr: str | None = None) -> User:
    """Check credentials, recording the attempt; raise 401 or 429. Same rules for the web and the API."""
    email = _normalise_email(email)
    address = client_key(remote_addr)
    check_throttle(email, address)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        check_password_hash(_dummy_hash(current_app.config["KB_PASSWORD_METHOD"]), password)  # same time
        ok = False
    else:
        ok = user.check_password(password) and user.active
    with unit_of_work() as session:
        session.add(LoginAttempt(email=email[:254], remote_addr=address, success=ok))
        _prune_attempts(session)
    if not ok:
        raise Unauthorized(lazy_gettext("Wrong e-mail or password."))
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
        raise Unauthorized(lazy_gettext("Invalid or expired token."))
    return token.user


def revoke_token(plain: str) -> None:
    """Revoke one token (sign out of the API with it)."""
    with unit_of_work():
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(plain)))
        if token is None or token.revoked_at is not None:
            raise Unauthorized(lazy_gettext("Invalid or expired token."))
        token.revoked_at = utcnow()


def user_for_session(session_id: str) -> User | None:
    """The active user a web session names, if the session is still theirs (see User.get_id), else None."""
    user_id, _, key = session_id.partition(":")
    if not (user_id.isdigit() and len(user_id) < 11 and key):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active and user.holds_session(key) else None


def end_sessions(user: User) -> int:
    """Flush-only: end every web session of user (a new session key) and revoke every API token they hold.

    Returns the number of tokens revoked. Called by sign-out, password change and reset inside their unit of work.
    """
    user.session_key = new_session_key()
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    return result.rowcount or 0


def sign_out(actor: User) -> None:
    """Sign out everywhere: every browser session of the user (copied cookies included) and every API token."""
    with unit_of_work():
        user = db.session.get(User, actor.id)
        revoked = end_sessions(user)
        record_event(actor, user, "sign-out", details={"tokens_revoked": revoked}, notify=False)
