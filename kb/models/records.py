"""Requests (needs), offers (expertise) and experts, with their tags."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.base import TimestampMixin, UTCDateTime, VersionedMixin, str_enum
from kb.models.enums import OfferState, RequestState, Sex, Terms
from kb.models.people import Organisation, User
from kb.models.reference import SDG, Country, Modality, Sector

TAG_CODE = String(64)


def _tag_table(name: str, owner: str, target_col: str, target: str, kind=TAG_CODE) -> Table:
    return Table(
        name,
        db.metadata,
        Column(f"{owner}_id", ForeignKey(f"{owner}s.id", ondelete="CASCADE"), primary_key=True),
        Column(target_col, ForeignKey(target, ondelete="CASCADE"), primary_key=True),
        # The filters look records up by tag (sector, modality, SDG): the key read the other way round.
        Index(f"ix_{name}_{target_col}", target_col, f"{owner}_id"),
    )


request_sectors = _tag_table("request_sectors", "request", "sector_code", "sectors.code")
request_modalities = _tag_table("request_modalities", "request", "modality_code", "modalities.code")
request_sdgs = _tag_table("request_sdgs", "request", "sdg_number", "sdgs.number")
offer_sectors = _tag_table("offer_sectors", "offer", "sector_code", "sectors.code")
offer_modalities = _tag_table("offer_modalities", "offer", "modality_code", "modalities.code")
offer_sdgs = _tag_table("offer_sdgs", "offer", "sdg_number", "sdgs.number")

offer_experts = Table(
    "offer_experts",
    db.metadata,
    Column("offer_id", ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True),
    Column("expert_id", ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True),
)


class RequestLanguage(db.Model):
    """A working language wanted for a request (ISO 639-1, or ISO 639-3 without a two-letter code)."""

    __tablename__ = "request_languages"
    __table_args__ = (Index("ix_request_languages_code", "code", "request_id"),)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(3), primary_key=True)


class OfferLanguage(db.Model):
    """A working language of an offer's experts (ISO 639-1, or ISO 639-3 without a two-letter code)."""

    __tablename__ = "offer_languages"
    __table_args__ = (Index("ix_offer_languages_code", "code", "offer_id"),)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(3), primary_key=True)


class RecordMixin(TimestampMixin, VersionedMixin):
    """Fields shared by requests and offers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    text_lang: Mapped[str] = mapped_column(String(2), nullable=False)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The id a bulk import file gave the record (`flask kb import`): unique within the organisation, so that a
    # file imported again updates or skips its records instead of duplicating them.
    external_id: Mapped[str | None] = mapped_column(String(100))
    # Matching: stored embedding (float32 bytes) with the model and the hash of the embedded text.
    embedding: Mapped[bytes | None] = mapped_column(db.LargeBinary, deferred=True)
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    embedding_hash: Mapped[str | None] = mapped_column(String(64))
    # The second embedder's vector (multilingual-e5-small), computed in the background by the job workers
    # (kb.jobs.embed_second) after the save committed; None until then (the pair is scored by the USE-only model).
    embedding_e5: Mapped[bytes | None] = mapped_column(db.LargeBinary, deferred=True)
    embedding_e5_model: Mapped[str | None] = mapped_column(String(200))
    embedding_e5_hash: Mapped[str | None] = mapped_column(String(64))

    # A list page reads its records' tags with one query (kb.services.records.attach_tags) instead of loading each
    # collection's objects: the codes are kept under TAGS_KEY and read by the properties below while the collection
    # itself is not loaded (a loaded one, changed or not, wins) and until the record is expired or refreshed.
    @property
    def language_codes(self) -> list[str]:
        tags = _tags(self, "languages")
        return list(tags) if tags is not None else sorted(lang.code for lang in self.languages)

    @property
    def sector_codes(self) -> list[str]:
        tags = _tags(self, "sectors")
        return list(tags) if tags is not None else [s.code for s in self.sectors]

    @property
    def modality_codes(self) -> list[str]:
        tags = _tags(self, "modalities")
        return list(tags) if tags is not None else [m.code for m in self.modalities]

    @property
    def sdg_numbers(self) -> list[int]:
        tags = _tags(self, "sdgs")
        return list(tags) if tags is not None else sorted(s.number for s in self.sdgs)


TAGS_KEY = "_kb_tags"


def _tags(record: object, name: str) -> list | None:
    """The prefetched codes of a collection, unless the collection is loaded (then it is the truth)."""
    tags = record.__dict__.get(TAGS_KEY)
    if tags is None or name in record.__dict__:
        return None
    return tags.get(name)


def _forget_tags(target: object | None, *_args: object) -> None:
    if target is not None:  # None: an instance already collected while its session expired everything
        target.__dict__.pop(TAGS_KEY, None)


class Request(RecordMixin, db.Model):
    """A need for technical cooperation posted by a requesting country's organisation."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint("beneficiaries_count IS NULL OR beneficiaries_count >= 0", name="beneficiaries"),
        CheckConstraint("duration_months IS NULL OR duration_months > 0", name="duration"),
        CheckConstraint("cofinancing_amount IS NULL OR cofinancing_amount >= 0", name="cofinancing_amount"),
        UniqueConstraint("organisation_id", "external_id"),
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    status: Mapped[RequestState] = mapped_column(
        str_enum(RequestState, "request_state"), nullable=False, default=RequestState.DRAFT, index=True
    )
    beneficiaries_count: Mapped[int | None] = mapped_column(Integer)
    beneficiaries_kind: Mapped[str | None] = mapped_column(String(300))
    duration_months: Mapped[int | None] = mapped_column(Integer)
    wished_start: Mapped[date | None] = mapped_column(Date)
    wished_end: Mapped[date | None] = mapped_column(Date)
    cofinancing: Mapped[str | None] = mapped_column(Text)
    # Co-financing sought from partners (issue #9 section 4): how much, in which currency, to pay for what.
    seeks_cofinancing: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false(),
                                                    index=True)
    cofinancing_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    cofinancing_currency: Mapped[str | None] = mapped_column(String(3))
    cofinancing_purpose: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    country: Mapped[Country] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    sectors: Mapped[list[Sector]] = relationship(secondary=request_sectors, order_by=Sector.position)
    modalities: Mapped[list[Modality]] = relationship(secondary=request_modalities, order_by=Modality.position)
    sdgs: Mapped[list[SDG]] = relationship(secondary=request_sdgs, order_by=SDG.number)
    languages: Mapped[list[RequestLanguage]] = relationship(cascade="all, delete-orphan")


class Expert(TimestampMixin, VersionedMixin, db.Model):
    """A person on a competence centre's roster (personal data)."""

    __tablename__ = "experts"
    __table_args__ = (CheckConstraint("years_experience IS NULL OR (years_experience >= 0 AND years_experience <= 80)",
                                      name="years_experience"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    expertise: Mapped[str] = mapped_column(Text, nullable=False)
    languages: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    availability: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # What the reporting needs (docs/INDICATORS.md): personal data, the same visibility as the rest.
    sex: Mapped[Sex | None] = mapped_column(str_enum(Sex, "expert_sex"))
    nationality_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    sectors: Mapped[list[str] | None] = mapped_column(JSON)
    years_experience: Mapped[int | None] = mapped_column(Integer)
    cv: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Offer(RecordMixin, db.Model):
    """Expertise a competence centre offers to other developing countries."""

    __tablename__ = "offers"
    __table_args__ = (UniqueConstraint("organisation_id", "external_id"),
                      Index("ix_offers_status_valid_until", "status", "valid_until"))  # the catalogue's COUNT
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    status: Mapped[OfferState] = mapped_column(
        str_enum(OfferState, "offer_state"), nullable=False, default=OfferState.DRAFT, index=True
    )
    capacity: Mapped[str | None] = mapped_column(String(300))
    terms: Mapped[Terms] = mapped_column(str_enum(Terms, "offer_terms"), nullable=False, default=Terms.IN_KIND)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    country: Mapped[Country] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    sectors: Mapped[list[Sector]] = relationship(secondary=offer_sectors, order_by=Sector.position)
    modalities: Mapped[list[Modality]] = relationship(secondary=offer_modalities, order_by=Modality.position)
    sdgs: Mapped[list[SDG]] = relationship(secondary=offer_sdgs, order_by=SDG.number)
    languages: Mapped[list[OfferLanguage]] = relationship(cascade="all, delete-orphan")
    experts: Mapped[list[Expert]] = relationship(secondary=offer_experts, order_by=Expert.name)

    @property
    def expert_ids(self) -> list[int]:
        """The ids of the offer's experts, by name (prefetched on list pages, see RecordMixin)."""
        tags = _tags(self, "experts")
        return list(tags) if tags is not None else [e.id for e in self.experts]

    def is_expired(self, today: date | None = None) -> bool:
        """True when the offer's validity has passed (it is then not matched until renewed)."""
        return self.valid_until is not None and self.valid_until < (today or date.today())


for _model in (Request, Offer):
    event.listen(_model, "expire", _forget_tags)
    event.listen(_model, "refresh", _forget_tags)
