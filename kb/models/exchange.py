"""Matches, exchanges, parties, contributions, activities and results."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.base import TimestampMixin, UTCDateTime, VersionedMixin, str_enum
from kb.models.enums import (
    ActivityKind,
    ContributionKind,
    ExchangeState,
    MatchOrigin,
    MatchState,
    PartyRole,
)
from kb.models.people import Organisation, User
from kb.models.records import Expert, Offer, Request


class Match(TimestampMixin, VersionedMixin, db.Model):
    """A request paired with an offer, with the scores it was proposed with and each answer."""

    __tablename__ = "matches"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False, index=True)
    status: Mapped[MatchState] = mapped_column(
        str_enum(MatchState, "match_state"), nullable=False, default=MatchState.PROPOSED, index=True
    )
    origin: Mapped[MatchOrigin] = mapped_column(str_enum(MatchOrigin, "match_origin"), nullable=False)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[dict | None] = mapped_column(JSON)
    requester_answer: Mapped[str | None] = mapped_column(String(16))
    requester_reason: Mapped[str | None] = mapped_column(Text)
    requester_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    provider_answer: Mapped[str | None] = mapped_column(String(16))
    provider_reason: Mapped[str | None] = mapped_column(Text)
    provider_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[Request] = relationship(lazy="joined")
    offer: Mapped[Offer] = relationship(lazy="joined")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    exchange: Mapped[Exchange | None] = relationship(back_populates="match", uselist=False)


class Exchange(TimestampMixin, VersionedMixin, db.Model):
    """A technical exchange run by the secretariat from planning to closure."""

    __tablename__ = "exchanges"
    id: Mapped[int] = mapped_column(primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id"), nullable=False, unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    status: Mapped[ExchangeState] = mapped_column(
        str_enum(ExchangeState, "exchange_state"), nullable=False, default=ExchangeState.PLANNED, index=True
    )
    agreement_ref: Mapped[str | None] = mapped_column(String(200))
    agreement_date: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    completion_report: Mapped[str | None] = mapped_column(Text)

    match: Mapped[Match] = relationship(back_populates="exchange")
    request: Mapped[Request] = relationship(lazy="joined")
    offer: Mapped[Offer] = relationship(lazy="joined")
    parties: Mapped[list[ExchangeParty]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="ExchangeParty.id"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="Activity.id"
    )
    results: Mapped[list[Result]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="Result.id"
    )
    experts: Mapped[list[ExchangeExpert]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="ExchangeExpert.expert_id"
    )

    def party_roles(self, organisation_id: int) -> set[PartyRole]:
        """Roles the organisation holds in this exchange."""
        return {p.role for p in self.parties if p.organisation_id == organisation_id}


class ExchangeParty(db.Model):
    """An organisation taking part in an exchange, in one role."""

    __tablename__ = "exchange_parties"
    __table_args__ = (UniqueConstraint("exchange_id", "organisation_id", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False)
    role: Mapped[PartyRole] = mapped_column(str_enum(PartyRole, "party_role"), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    exchange: Mapped[Exchange] = relationship(back_populates="parties")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="party", cascade="all, delete-orphan", order_by="Contribution.id"
    )


class Contribution(db.Model):
    """What one party brings: money, expert-days in kind, hosting..."""

    __tablename__ = "contributions"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        CheckConstraint("expert_days IS NULL OR expert_days >= 0", name="expert_days"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("exchange_parties.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind, "contribution_kind"), nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    expert_days: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    party: Mapped[ExchangeParty] = relationship(back_populates="contributions")


class Activity(db.Model):
    """Something done in an exchange: a mission, a training, a study visit, virtual sessions."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint(
            "participants_female >= 0 AND participants_male >= 0 AND participants_other >= 0",
            name="participants",
        ),
        CheckConstraint("expert_days >= 0", name="expert_days"),
        CheckConstraint("end_date >= start_date", name="dates"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date] = mapped_column(Date, nullable=False)
    place: Mapped[str | None] = mapped_column(String(200))
    virtual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    participants_female: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    participants_male: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    participants_other: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    participant_kinds: Mapped[str | None] = mapped_column(String(300))
    expert_days: Mapped[float] = mapped_column(Float, nullable=False, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    exchange: Mapped[Exchange] = relationship(back_populates="activities")

    @property
    def participants_total(self) -> int:
        return self.participants_female + self.participants_male + self.participants_other


class Result(db.Model):
    """A result reported for an exchange: people trained, changes, a party's feedback."""

    __tablename__ = "results"
    __table_args__ = (
        CheckConstraint("people_trained IS NULL OR people_trained >= 0", name="people_trained"),
        CheckConstraint("women_trained IS NULL OR women_trained >= 0", name="women_trained"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), nullable=False, index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_parties.id", ondelete="SET NULL"))
    people_trained: Mapped[int | None] = mapped_column(Integer)
    women_trained: Mapped[int | None] = mapped_column(Integer)
    policy_changes: Mapped[str | None] = mapped_column(Text)
    practice_changes: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    exchange: Mapped[Exchange] = relationship(back_populates="results")
    party: Mapped[ExchangeParty | None] = relationship()


class ExchangeExpert(db.Model):
    """A roster expert who took part in an exchange, with the expert-days they gave (experts mobilised)."""

    __tablename__ = "exchange_experts"
    __table_args__ = (CheckConstraint("expert_days >= 0", name="expert_days"),)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), primary_key=True, index=True)
    expert_days: Mapped[float] = mapped_column(Float, nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    exchange: Mapped[Exchange] = relationship(back_populates="experts")
    expert: Mapped[Expert] = relationship(lazy="joined")
