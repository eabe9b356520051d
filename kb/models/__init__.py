"""SQLAlchemy models; importing this package registers every table."""
from kb.models.accounts import Application, Invitation, MailRequest
from kb.models.audit import Event, Notification
from kb.models.base import utcnow
from kb.models.enums import (
    ActivityKind,
    ApplicationState,
    ContributionKind,
    ExchangeState,
    InvitationState,
    MatchOrigin,
    MatchState,
    NotificationStatus,
    OfferState,
    OrgKind,
    PartyRole,
    RequestState,
    Role,
    Sex,
    Terms,
)
from kb.models.exchange import (
    Activity,
    Contribution,
    Exchange,
    ExchangeExpert,
    ExchangeParty,
    Match,
    Result,
)
from kb.models.matching import IndexChange
from kb.models.people import ApiToken, LoginAttempt, Organisation, User, new_session_key
from kb.models.records import Expert, Offer, OfferLanguage, Request, RequestLanguage
from kb.models.reference import SDG, Country, Modality, ReferenceRevision, RegionalGroup, Sector

__all__ = [
    "Activity", "ActivityKind", "ApiToken", "Application", "ApplicationState", "Contribution", "ContributionKind",
    "Country", "Event", "Exchange", "ExchangeExpert", "ExchangeParty", "ExchangeState", "Expert", "IndexChange",
    "Invitation", "InvitationState", "LoginAttempt", "MailRequest", "Match", "MatchOrigin", "MatchState", "Modality",
    "Notification", "NotificationStatus", "Offer", "OfferLanguage", "OfferState", "OrgKind", "Organisation",
    "PartyRole", "ReferenceRevision", "RegionalGroup", "Request", "RequestLanguage", "RequestState", "Result", "Role",
    "SDG", "Sector", "Sex", "Terms", "User", "new_session_key", "utcnow",
]
