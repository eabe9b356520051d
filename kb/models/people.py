"""Organisations, users, API tokens and login attempts."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from kb.extensions import db
from kb.models.base import TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from kb.models.enums import OrgKind, Role
from kb.models.reference import Country


class Organisation(TimestampMixin, VersionedMixin, db.Model):
    """A ministry, agency, competence centre, partner or the secretariat itself."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    acronym: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "org_kind"), nullable=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    website: Mapped[str | None] = mapped_column(String(300))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # A deactivated organisation keeps its records and history; its users are deactivated with it.
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default=true())

    country: Mapped[Country] = relationship(lazy="joined")
    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(TimestampMixin, VersionedMixin, db.Model):
    """A person who signs in: belongs to one organisation and has one role."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Part of every web session's identity (Flask-Login's alternative id): replacing it ends every session
    # signed with the old value, copied cookies included (sign-out, password change or reset).
    session_key: Mapped[str] = mapped_column(String(64), nullable=False, default=lambda: new_session_key())

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")

    def set_password(self, password: str) -> None:
        """Store a salted hash of password (never the password)."""
        from flask import current_app

        self.password_hash = generate_password_hash(password, method=current_app.config["KB_PASSWORD_METHOD"])

    def check_password(self, password: str) -> bool:
        """True when password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    # Flask-Login protocol (used by the web interface)
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What the session cookie names: the user and their current session key."""
        return f"{self.id}:{self.session_key}"

    def holds_session(self, session_key: str) -> bool:
        """True when a session naming session_key is still valid for this user."""
        return hmac.compare_digest(self.session_key.encode(), session_key.encode())


def new_session_key() -> str:
    """A fresh random session key."""
    return secrets.token_urlsafe(32)


class ApiToken(db.Model):
    """A bearer token, stored as a SHA-256 hash; revocable."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """A sign-in attempt, kept to throttle password guessing across processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_at", "email", "at"),
                      Index("ix_login_attempts_remote_addr_at", "remote_addr", "at"),
                      Index("ix_login_attempts_at", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    remote_addr: Mapped[str | None] = mapped_column(String(64))  # the client address, an IPv6 one as its /64
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
