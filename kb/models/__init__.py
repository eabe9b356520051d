"""SQLAlchemy models; importing this package registers every table."""
from kb.models.audit import Event, MatchAlert, Notification, NotificationPreference, ReminderSent
from kb.models.base import utcnow
from kb.models.enums import (
    ActivityKind,
    ContributionKind,
    ExchangeState,
    MatchOrigin,
    MatchState,
    NotificationStatus,
    OfferState,
    OrgKind,
    PartyRole,
    RequestState,
    Role,
    Terms,
)
from kb.models.exchange import (
    Activity,
    Contribution,
    Exchange,
    ExchangeParty,
    Match,
    Result,
)
from kb.models.matching import IndexChange
from kb.models.people import ApiToken, LoginAttempt, Organisation, User, new_session_key
from kb.models.records import Expert, Offer, OfferLanguage, Request, RequestLanguage
from kb.models.reference import SDG, Country, Modality, RegionalGroup, Sector

__all__ = [
    "Activity", "ActivityKind", "ApiToken", "Contribution", "ContributionKind", "Country", "Event",
    "Exchange", "ExchangeParty", "ExchangeState", "Expert", "IndexChange", "LoginAttempt", "Match", "MatchOrigin",
    "MatchAlert", "MatchState", "Modality", "Notification", "NotificationPreference", "NotificationStatus", "Offer", "OfferLanguage",
    "OfferState", "OrgKind", "Organisation", "PartyRole", "RegionalGroup", "ReminderSent", "Request",
    "RequestLanguage", "RequestState", "Result", "Role", "SDG", "Sector", "Terms", "User", "new_session_key", "utcnow",
]
