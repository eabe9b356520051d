"""State and kind enums; stored as strings guarded by CHECK constraints."""
from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a user does in the knowledge bank."""

    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    DIRECTOR = "director"
    CENTRE = "centre"
    PARTNER = "partner"


class Sex(enum.StrEnum):
    """Sex of a person on an expert roster (as the person gives it)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class OrgKind(enum.StrEnum):
    """Kinds of organisation."""

    MINISTRY = "ministry"
    COOPERATION_AGENCY = "cooperation-agency"
    COMPETENCE_CENTRE = "competence-centre"
    TRAINING_INSTITUTE = "training-institute"
    UNIVERSITY = "university"
    REGIONAL_BODY = "regional-body"
    UN_AGENCY = "un-agency"
    FUND_DONOR = "fund-donor"
    PRIVATE_COMPANY = "private-company"
    NGO = "ngo"


class RequestState(enum.StrEnum):
    """Life cycle of a request for technical cooperation."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    MATCHED = "matched"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class OfferState(enum.StrEnum):
    """Life cycle of an offer of expertise."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    ARCHIVED = "archived"
    REJECTED = "rejected"


class MatchState(enum.StrEnum):
    """Life cycle of a proposed pairing of a request with an offer."""

    PROPOSED = "proposed"
    ACCEPTED_BY_REQUESTER = "accepted_by_requester"
    ACCEPTED_BY_PROVIDER = "accepted_by_provider"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    DECLINED = "declined"
    REJECTED = "rejected"


class ExchangeState(enum.StrEnum):
    """Life cycle of an exchange (what an approved match becomes)."""

    PLANNED = "planned"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    EVALUATED = "evaluated"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Terms(enum.StrEnum):
    """How an offer is given."""

    IN_KIND = "in-kind"
    COST_SHARED = "cost-shared"
    PAID = "paid"


class MatchOrigin(enum.StrEnum):
    """How a match came about."""

    SUGGESTION = "suggestion"
    INTEREST = "interest"
    MANUAL = "manual"


class PartyRole(enum.StrEnum):
    """Role of an organisation in an exchange."""

    REQUESTER = "requester"
    PROVIDER = "provider"
    FACILITATOR = "facilitator"
    PARTNER = "partner"


class ContributionKind(enum.StrEnum):
    """What a party brings to an exchange."""

    MONEY = "money"
    EXPERT_DAYS = "expert-days"
    HOSTING = "hosting"
    IN_KIND_OTHER = "in-kind-other"


class ActivityKind(enum.StrEnum):
    """Kinds of exchange activity."""

    EXPERT_MISSION = "expert-mission"
    TRAINING = "training"
    STUDY_VISIT = "study-visit"
    VIRTUAL_SESSION = "virtual-session"


class NotificationStatus(enum.StrEnum):
    """Delivery state of an outbox message."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class ApplicationState(enum.StrEnum):
    """Life cycle of an institution's application to join (kb/workflow/applications.py)."""

    UNCONFIRMED = "unconfirmed"
    WAITING = "waiting"
    APPROVED = "approved"
    REFUSED = "refused"


class InvitationState(enum.StrEnum):
    """An invitation is pending until the invitee sets a password."""

    PENDING = "pending"
    ACCEPTED = "accepted"
