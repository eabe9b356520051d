"""A partner's offer of a contribution to an exchange, decided by the secretariat (issue #9 section 4)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Float, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.base import TimestampMixin, UTCDateTime, VersionedMixin, str_enum
from kb.models.enums import ContributionKind, ContributionOfferState
from kb.models.exchange import Contribution, Exchange
from kb.models.people import Organisation, User


class ContributionOffer(TimestampMixin, VersionedMixin, db.Model):
    """What a partner offers to bring to an exchange; the secretariat accepts it (the partner becomes a party
    with this contribution) or declines it with a reason; the partner may withdraw it while it is offered."""

    __tablename__ = "contribution_offers"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        CheckConstraint("expert_days IS NULL OR expert_days >= 0", name="expert_days"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    status: Mapped[ContributionOfferState] = mapped_column(
        str_enum(ContributionOfferState, "contribution_offer_state"), nullable=False,
        default=ContributionOfferState.OFFERED, index=True)
    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind, "contribution_offer_kind"), nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    expert_days: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contribution_id: Mapped[int | None] = mapped_column(ForeignKey("contributions.id", ondelete="SET NULL"))

    exchange: Mapped[Exchange] = relationship(lazy="joined")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    offered_by: Mapped[User | None] = relationship(foreign_keys=[offered_by_id])
    contribution: Mapped[Contribution | None] = relationship()
