"""Append-only audit events and the notification outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.base import UTCDateTime, str_enum, utcnow
from kb.models.enums import NotificationStatus
from kb.models.people import User


class Event(db.Model):
    """One change of a record: who, when, which action, from which state to which, and why."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_record", "record_type", "record_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    record_type: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")


class Notification(db.Model):
    """A message queued for one user about an event; sent by the job workers (kb/jobs.py) or `flask kb outbox send` (kb/services/events.py)."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    # A user, or an address with no account yet (an applicant, an invitee): email then says where it goes.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus, "notification_status"), nullable=False,
        default=NotificationStatus.PENDING, index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # After a transient SMTP failure: not tried again before this time.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The worker run holding the message (kb/services/events.py claims due messages with a lease): another run
    # takes it only once lease_until has passed (the holder was killed or hung).
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def recipient(self) -> str:
        """The address the message goes to: its own, else its user's."""
        return self.email or (self.user.email if self.user is not None else "")
