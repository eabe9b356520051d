"""The index change log: how every process learns that its FAISS cache is stale."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
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
