"""Append-only audit events and the notification outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.base import UTCDateTime, str_enum, utcnow
from kb.models.enums import NotificationStatus, Role
from kb.models.people import User
from kb.workflow import recipients as rcp


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
    """A message for one user about an event: an entry of their inbox (/notifications) and an e-mail in the
    outbox, sent by the job workers (kb/jobs.py) or `flask kb outbox send` (kb/services/events.py)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    # A user, or an address with no account yet (an applicant, an invitee): email then says where it goes.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    # What it is about (kb/workflow/recipients.py KINDS) and the record the inbox links to.
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="record_update",
                                      server_default="record_update")
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(300))  # the record's, flattened to one line
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # now: the outbox sends it; digest: it waits for its user's daily digest (kb/services/digests.py).
    delivery: Mapped[str] = mapped_column(String(8), nullable=False, default="now", server_default="now")
    transport: Mapped[str | None] = mapped_column(String(8))  # how it went out: smtp, or log (no SMTP server)
    # A "match proposed" message's signed accept/decline links (kb/services/answers.py) work once.
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_action: Mapped[str | None] = mapped_column(String(16))
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

    @property
    def link(self) -> str | None:
        """The web page of the record it is about: the review queue for a review, a request's or offer's own
        page for its organisation's users, the catalogue's (or the match's or exchange's) page otherwise."""
        if self.record_type in _DECISION_PAGES:  # an application to join, a partner's contribution offer
            return _DECISION_PAGES[self.record_type].format(id=self.record_id)
        if self.kind == rcp.REVIEW:
            return "/secretariat/review"
        if not self.record_id or self.record_type not in _PAGES:
            return None
        own = self.kind in (rcp.RECORD_UPDATE, rcp.REMINDER) and self.user is not None \
            and self.user.role not in (Role.SECRETARIAT, Role.ADMIN)
        pattern = _OWN_PAGES.get(self.record_type, "") if own else ""
        return (pattern or _PAGES[self.record_type]).format(id=self.record_id)


class NotificationPreference(db.Model):
    """How a user receives one kind of notification by e-mail: immediately (no row), daily (digest) or never."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    delivery: Mapped[str] = mapped_column(String(12), nullable=False)


class MatchAlert(db.Model):
    """A request-offer pair whose parties were alerted (once per pair: kb/services/alerts.py)."""

    __tablename__ = "match_alerts"
    __table_args__ = (UniqueConstraint("request_id", "offer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), nullable=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)  # the calibrated fit the pair was alerted with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ReminderSent(db.Model):
    """A reminder (record, stage) that was sent; never twice (kb/services/reminders.py)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("record_type", "record_id", "stage"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(32), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[str] = mapped_column(String(40), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


_OWN_PAGES = {"request": "/my/requests/{id}", "offer": "/my/offers/{id}"}
_PAGES = {"request": "/requests/{id}", "offer": "/offers/{id}", "match": "/matches#match-{id}",
          "exchange": "/exchanges/{id}"}
# Where the secretariat decides them (the application's card in the queue; the contribution offers on /home) and,
# for the partner, where it sees the answer (its /home lists its offers and the exchanges it supports).
_DECISION_PAGES = {"application": "/admin/applications?status=waiting#application-{id}", "contribution_offer": "/home"}
