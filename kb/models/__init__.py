"""SQLAlchemy models; importing this package registers every table."""
from kb.models.accounts import Application, Invitation, MailRequest
from kb.models.audit import Event, MatchAlert, Notification, NotificationPreference, ReminderSent
from kb.models.base import utcnow
from kb.models.enums import (
    ActivityKind,
    ApplicationState,
    ContributionKind,
    ContributionOfferState,
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
from kb.models.matching import JUDGEMENTS, IndexChange, JudgedPair
from kb.models.partners import ContributionOffer
from kb.models.people import ApiToken, LoginAttempt, Organisation, User, new_session_key
from kb.models.records import Expert, Offer, OfferLanguage, Request, RequestLanguage
from kb.models.reference import SDG, Country, Modality, ReferenceRevision, RegionalGroup, Sector

__all__ = [
    "Activity", "ActivityKind", "ApiToken", "Application", "ApplicationState", "Contribution", "ContributionKind",
    "ContributionOffer", "ContributionOfferState", "Country", "Event", "Exchange", "ExchangeExpert", "ExchangeParty",
    "ExchangeState", "Expert", "IndexChange", "Invitation", "InvitationState", "JUDGEMENTS", "JudgedPair", "LoginAttempt", "MailRequest", "Match",
    "MatchAlert", "MatchOrigin", "MatchState", "Modality", "Notification", "NotificationPreference",
    "NotificationStatus", "Offer", "OfferLanguage", "OfferState", "OrgKind", "Organisation", "PartyRole",
    "ReferenceRevision", "RegionalGroup", "ReminderSent", "Request", "RequestLanguage", "RequestState", "Result",
    "Role", "SDG", "Sector", "Sex", "Terms", "User", "new_session_key", "utcnow",
]
