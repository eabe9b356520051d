"""The index change log: how every process learns that its FAISS cache is stale."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.models.base import UTCDateTime, utcnow


class IndexChange(db.Model):
    """A record whose searchable state changed; the highest id is the index revision."""

    __tablename__ = "index_changes"
    # Ids must never be reused (a process compares them with the revision it has applied).
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


# What a decision on a (request, offer) pair says about its relevance (kb/services/judgements.py records them).
JUDGEMENTS = {
    "propose": True,     # the secretariat proposed the pair (from a suggestion or by hand)
    "interest": True,    # a centre proposed its own offer for the request
    "accept": True,      # one side accepted the proposal
    "approve": True,     # the secretariat approved the accepted match (an exchange starts)
    "decline": False,    # one side declined it, with a reason
    "reject": False,     # the secretariat rejected it, with a reason
}


class JudgedPair(db.Model):
    """One decision on a request-offer pair, kept as a relevance judgement with the fit, band, model and
    index revision the pair was shown with when it was proposed (if known): what `kb eval --live` learns from."""

    __tablename__ = "judged_pairs"
    __table_args__ = (
        CheckConstraint("decision IN ('propose', 'interest', 'accept', 'approve', 'decline', 'reject')",
                        name="decision"),
        CheckConstraint("band IS NULL OR band IN ('strong', 'possible', 'weak')", name="band"),
        CheckConstraint("fit IS NULL OR (fit >= 0 AND fit <= 1)", name="fit"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), nullable=False, index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("matches.id", ondelete="SET NULL"), index=True)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)
    relevant: Mapped[bool] = mapped_column(Boolean, nullable=False)
    capacity: Mapped[str | None] = mapped_column(String(16))   # secretariat, requester or provider
    reason: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(16))     # how the match came about (suggestion, interest, manual)
    fit: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(8))
    score: Mapped[float | None] = mapped_column(Float)
    model: Mapped[str | None] = mapped_column(String(200))
    index_revision: Mapped[int | None] = mapped_column(Integer)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    backfilled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
