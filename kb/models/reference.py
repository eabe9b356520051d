"""Reference vocabularies: countries, regional groups, sectors, modalities, SDGs."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.i18n import LANGUAGES


class LabelledMixin:
    """Labels in the four interface languages."""

    label_en: Mapped[str] = mapped_column(String(200), nullable=False)
    label_es: Mapped[str] = mapped_column(String(200), nullable=False)
    label_pt: Mapped[str] = mapped_column(String(200), nullable=False)
    label_fr: Mapped[str] = mapped_column(String(200), nullable=False)

    def label(self, lang: str = "en") -> str:
        """The label in lang, falling back to English."""
        return getattr(self, f"label_{lang}", None) or self.label_en

    def labels(self) -> dict[str, str]:
        """All labels keyed by language code."""
        return {lang: getattr(self, f"label_{lang}") for lang in LANGUAGES}


country_groups = Table(
    "country_groups",
    db.metadata,
    Column("country_code", ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True),
    Column("group_code", ForeignKey("regional_groups.code", ondelete="CASCADE"), primary_key=True),
)


class Country(LabelledMixin, db.Model):
    """An ISO 3166-1 country."""

    __tablename__ = "countries"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    alpha3: Mapped[str] = mapped_column(String(3), nullable=False, unique=True)
    groups: Mapped[list[RegionalGroup]] = relationship(
        secondary=country_groups, back_populates="countries", order_by="RegionalGroup.code"
    )


class RegionalGroup(LabelledMixin, db.Model):
    """A regional or cooperation group of countries (CARICOM, SICA, ...)."""

    __tablename__ = "regional_groups"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    countries: Mapped[list[Country]] = relationship(
        secondary=country_groups, back_populates="groups", order_by=Country.code
    )


class Sector(LabelledMixin, db.Model):
    """A sector of the controlled vocabulary."""

    __tablename__ = "sectors"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Modality(LabelledMixin, db.Model):
    """A modality of cooperation (expert mission, training course, ...)."""

    __tablename__ = "modalities"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SDG(LabelledMixin, db.Model):
    """A Sustainable Development Goal (1-17)."""

    __tablename__ = "sdgs"
    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 17", name="number_range"),)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class ReferenceRevision(db.Model):
    """One row counting the committed changes to reference data (kb.services.reference caches per process)."""

    __tablename__ = "reference_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
