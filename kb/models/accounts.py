"""Joining and recovering access: institution applications, invitations, and the mail requests that are throttled."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.models.base import TimestampMixin, UTCDateTime, VersionedMixin, str_enum, utcnow
from kb.models.enums import ApplicationState, InvitationState, OrgKind, Role
from kb.models.people import Organisation, User


class Application(TimestampMixin, VersionedMixin, db.Model):
    """An institution asking to join (public page /join): its organisation and a first person.

    The e-mail address is confirmed by a signed link, then the application waits for the secretariat or an
    admin, who approve it (creating the organisation, or attaching the person to an existing one) or refuse it
    with a reason. The password the applicant chose is kept as a hash until the decision, then dropped."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_status_created", "status", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ApplicationState] = mapped_column(str_enum(ApplicationState, "application_state"), nullable=False,
                                                     default=ApplicationState.UNCONFIRMED)
    organisation_name: Mapped[str] = mapped_column(String(300), nullable=False)
    organisation_kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind, "application_org_kind"), nullable=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False)
    website: Mapped[str | None] = mapped_column(String(300))
    person_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "application_role"), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # once approved
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # once approved

    country = relationship("Country", lazy="joined")
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])

    @property
    def name(self) -> str:
        """What notifications call the application: the organisation's name."""
        return self.organisation_name


class Invitation(db.Model):
    """A person invited into an organisation with a role; they set their password through the e-mailed link."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "invitation_role"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), nullable=False, index=True)
    language: Mapped[str] = mapped_column(String(2), nullable=False, default="en")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[InvitationState] = mapped_column(str_enum(InvitationState, "invitation_state"), nullable=False,
                                                    default=InvitationState.PENDING)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id], lazy="joined")

    @property
    def name(self) -> str:
        return self.email


class MailRequest(db.Model):
    """A request that makes kb send an e-mail to an address typed by anyone (password reset, application):
    counted per address and per client to throttle them, whether or not the address has an account."""

    __tablename__ = "mail_requests"
    __table_args__ = (Index("ix_mail_requests_email_at", "purpose", "email", "at"),
                      Index("ix_mail_requests_addr_at", "purpose", "remote_addr", "at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow, index=True)
