"""Who may do what: one source for the services (which refuse), the schemas (`actions`) and the pages (buttons).

Pure rules over loaded records — no queries (visibility filters, which are queries, live in
kb/services/access.py). A user's *capacities* towards a record are their relations to it (owner, secretariat,
requester, provider, partner); the workflow tables (kb/workflow) say which transitions each capacity may take
in each state, and this module adds the operations that are not transitions (editing a record, reporting an
activity, a result or a contribution, joining an exchange as partner).

`capabilities(actor, record)` is the set of everything the actor may do to the record now; `refusal(actor,
record, operation)` says why one operation is not allowed (the error the service raises), and `require` raises
it. The set and the refusals come from the same rules, so a button is shown exactly when the service accepts.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext

from kb import i18n
from kb import workflow as wf
from kb.errors import Conflict, DomainError, Forbidden
from kb.i18n import N_
from kb.models import (
    ContributionOffer,
    Exchange,
    ExchangeState,
    Match,
    Offer,
    OfferState,
    PartyRole,
    Request,
    RequestState,
    Role,
    User,
)

STAFF = (Role.SECRETARIAT, Role.ADMIN)

# Operations that are not workflow transitions.
EDIT = "edit"
REPORT_ACTIVITY, REPORT_RESULT, CONTRIBUTE, JOIN = "report_activity", "report_result", "contribute", "join"
OFFER_CONTRIBUTION = "offer_contribution"  # a partner offers to co-finance an open exchange
ACT_FOR_ANY_PARTY = "act_for_any_party"  # declare contributions and results on behalf of any party

EDITABLE_BY_OWNER = {
    Request: {RequestState.DRAFT, RequestState.RETURNED},
    Offer: {OfferState.DRAFT, OfferState.RETURNED},
}
EDITABLE_BY_SECRETARIAT = {
    Request: {RequestState.DRAFT, RequestState.SUBMITTED, RequestState.RETURNED, RequestState.PUBLISHED},
    Offer: {OfferState.DRAFT, OfferState.SUBMITTED, OfferState.RETURNED, OfferState.PUBLISHED},
}
OPEN_EXCHANGE = (ExchangeState.PLANNED, ExchangeState.AGREED, ExchangeState.IN_PROGRESS)
ACTIVITY_STATES = (ExchangeState.IN_PROGRESS, ExchangeState.COMPLETED)
RESULT_STATES = (ExchangeState.IN_PROGRESS, ExchangeState.COMPLETED, ExchangeState.EVALUATED)
ENDED_EXCHANGE = (ExchangeState.CLOSED, ExchangeState.CANCELLED)


# --- capacities ------------------------------------------------------------------------------

def is_staff(user: User | None) -> bool:
    """Secretariat and admin see everything."""
    return user is not None and user.role in STAFF


def can_manage_outbox(user: User | None) -> bool:
    """Reading the outbox's failures (with the addresses they went to) and sending failed messages again."""
    return user is not None and user.role == Role.ADMIN


def record_capacities(user: User | None, record: Request | Offer) -> set[str]:
    """Capacities towards a request or offer: owner (its organisation's director/centre) or secretariat."""
    caps: set[str] = set()
    if user is None or not user.active:
        return caps
    if user.role == Role.SECRETARIAT:
        caps.add(wf.SECRETARIAT)
    owner_role = Role.DIRECTOR if isinstance(record, Request) else Role.CENTRE
    if user.role == owner_role and user.organisation_id == record.organisation_id:
        caps.add(wf.OWNER)
    return caps


def match_capacities(user: User | None, match: Match) -> set[str]:
    """Capacities towards a match: requester, provider, secretariat."""
    caps: set[str] = set()
    if user is None or not user.active:
        return caps
    if user.role == Role.SECRETARIAT:
        caps.add(wf.SECRETARIAT)
    if user.role == Role.DIRECTOR and user.organisation_id == match.request.organisation_id:
        caps.add(wf.REQUESTER)
    if user.role == Role.CENTRE and user.organisation_id == match.offer.organisation_id:
        caps.add(wf.PROVIDER)
    return caps


def exchange_capacities(user: User | None, exchange: Exchange) -> set[str]:
    """Capacities towards an exchange from the user's organisation's party roles."""
    caps: set[str] = set()
    if user is None or not user.active:
        return caps
    if user.role == Role.SECRETARIAT:
        caps.add(wf.SECRETARIAT)
    roles = exchange.party_roles(user.organisation_id)
    if PartyRole.REQUESTER in roles and user.role == Role.DIRECTOR:
        caps.add(wf.REQUESTER)
    if PartyRole.PROVIDER in roles and user.role == Role.CENTRE:
        caps.add(wf.PROVIDER)
    if PartyRole.PARTNER in roles and user.role == Role.PARTNER:
        caps.add(wf.PARTNER)
    return caps


def contribution_offer_capacities(user: User | None, offer: ContributionOffer) -> set[str]:
    """Capacities towards a partner's contribution offer: the secretariat decides, the partner may withdraw it."""
    caps: set[str] = set()
    if user is None or not user.active:
        return caps
    if user.role == Role.SECRETARIAT:
        caps.add(wf.SECRETARIAT)
    if user.role == Role.PARTNER and user.organisation_id == offer.organisation_id:
        caps.add(wf.PARTNER)
    return caps


# --- personal data ---------------------------------------------------------------------------

def can_see_contacts(user: User | None, record: Request | Offer) -> bool:
    """Contact details are personal data: staff and the record's own organisation only."""
    return is_staff(user) or (user is not None and user.organisation_id == record.organisation_id)


def can_see_email_of(viewer: User | None, person: User) -> bool:
    """A user's e-mail address is personal data: staff see it, and people of the same organisation."""
    return is_staff(viewer) or (viewer is not None and viewer.organisation_id == person.organisation_id)


def can_use_desk(user: User | None) -> bool:
    """The matching desk (/secretariat/...) is the secretariat's (kb.web.secretariat admits no other role)."""
    return user is not None and user.is_authenticated and user.role == Role.SECRETARIAT


def duplicate_as_seen_by(viewer: User | None, duplicate: dict[str, Any]) -> dict[str, Any]:
    """What a caller may see of a possible duplicate (kb.services.matching.near_duplicates).

    Staff see everything. Anyone else sees a published record (it is public) and their own organisation's
    records in full; another organisation's record still in review is counted but not named: no id, title
    or language, only that a record in review says nearly the same thing (its similarity and status), so
    an author learns they may not be first without reading someone else's unpublished text.
    """
    shown = {k: v for k, v in duplicate.items() if k != "organisation_id"}
    own = viewer is not None and viewer.organisation_id == duplicate.get("organisation_id")
    if is_staff(viewer) or own or duplicate.get("status") == "published":
        return {**shown, "withheld": False}
    # Not even whose it is: "same organisation: yes" on a published record's duplicates would tell anyone that
    # its organisation has a nearly identical record in review.
    return {**shown, "id": None, "title": None, "text_lang": None, "same_organisation": None, "withheld": True}


# --- reports -------------------------------------------------------------------------------

def reports_refusal(user: User | None) -> DomainError | None:
    """The full reports (/reports, GET /indicators, the exports) are for the secretariat, the admin and partners."""
    if user is None or not user.active or user.role not in (*STAFF, Role.PARTNER):
        return Forbidden(N_("The reports are for the secretariat and partners."))
    return None


def reports_partner(user: User) -> int | None:
    """Whose exchanges a user's reports cover: all for staff (None); a partner's, those it supports."""
    return None if is_staff(user) else user.organisation_id


# --- what may be done ------------------------------------------------------------------------

def _record_refusal(actor: User | None, record: Request | Offer, operation: str) -> DomainError | None:
    if operation != EDIT:
        raise ValueError(f"not an operation on a record: {operation}")
    model = type(record)
    caps = record_capacities(actor, record)
    if not caps:
        return Forbidden(lazy_gettext("You may not edit %(record)s.", record=i18n.this_record(model.__name__)))
    editable: set = set()
    if wf.OWNER in caps:
        editable |= EDITABLE_BY_OWNER[model]
    if wf.SECRETARIAT in caps:
        editable |= EDITABLE_BY_SECRETARIAT[model]
    if record.status not in editable:
        return Conflict(lazy_gettext("Cannot edit %(record)s that is %(state)s.", record=i18n.a_record(model.__name__),
                                     state=i18n.state(record.status)))
    return None


def _join_refusal(actor: User | None, exchange: Exchange, organisation_id: int | None) -> DomainError | None:
    """A partner joins for its own organisation; the secretariat joins a named one on its behalf."""
    if actor is not None and actor.role == Role.PARTNER:  # joining is not unilateral: it offers, the secretariat decides
        return Forbidden(N_("A partner offers a contribution (POST /exchanges/{id}/contribution-offers); the "
                            "secretariat accepts it."))
    if actor is None or actor.role != Role.SECRETARIAT:
        return Forbidden(N_("Only the secretariat joins a partner to an exchange."))
    if organisation_id is None:  # the secretariat is a party already: it joins a partner, named
        return Forbidden(N_("A known organisation is required."), {"organisation_id": [N_("A known organisation is required.")]})
    if exchange.status not in OPEN_EXCHANGE:
        return Conflict(lazy_gettext("An exchange that is %(state)s cannot take new partners.",
                                     state=i18n.state(exchange.status)))
    if PartyRole.PARTNER in exchange.party_roles(organisation_id):
        return Conflict(N_("This organisation is already a partner of the exchange."))
    return None


def _exchange_refusal(actor: User | None, exchange: Exchange, operation: str,
                      organisation_id: int | None = None) -> DomainError | None:
    caps = exchange_capacities(actor, exchange)
    if operation == REPORT_ACTIVITY:
        if not caps & {wf.SECRETARIAT, wf.PROVIDER}:
            return Forbidden(N_("Only the secretariat or the providing centre report activities."))
        if exchange.status not in ACTIVITY_STATES:
            return Conflict(lazy_gettext("Activities are reported once the exchange has started (it is %(state)s).",
                                         state=i18n.state(exchange.status)))
    elif operation == REPORT_RESULT:
        if not caps:
            return Forbidden(N_("Only parties to the exchange and the secretariat report results."))
        if exchange.status not in RESULT_STATES:
            return Conflict(lazy_gettext("Results are reported once the exchange has started (it is %(state)s).",
                                         state=i18n.state(exchange.status)))
    elif operation == CONTRIBUTE:
        if not caps:
            return Forbidden(N_("Only parties to the exchange and the secretariat declare contributions."))
        if exchange.status in ENDED_EXCHANGE:
            return Conflict(lazy_gettext("An exchange that is %(state)s cannot take contributions.",
                                         state=i18n.state(exchange.status)))
    elif operation == JOIN:
        return _join_refusal(actor, exchange, organisation_id)
    elif operation == OFFER_CONTRIBUTION:
        if actor is None or not actor.active or actor.role != Role.PARTNER:
            return Forbidden(N_("Only partners offer contributions."))
        if exchange.status not in OPEN_EXCHANGE:
            return Conflict(lazy_gettext("An exchange that is %(state)s cannot take new partners.",
                                         state=i18n.state(exchange.status)))
    elif operation == ACT_FOR_ANY_PARTY:
        if wf.SECRETARIAT not in caps:
            return Forbidden(N_("Only the secretariat acts on behalf of any party."))
    else:
        raise ValueError(f"not an operation on an exchange: {operation}")
    return None


def refusal(actor: User | None, record: object, operation: str, **context: Any) -> DomainError | None:
    """Why actor may not perform operation (not a workflow transition) on record now; None when allowed.

    context: what the operation names (JOIN: organisation_id, the organisation joining; default the actor's)."""
    if isinstance(record, (Request, Offer)):
        return _record_refusal(actor, record, operation)
    if isinstance(record, Exchange):
        return _exchange_refusal(actor, record, operation, **context)
    raise ValueError(f"no operations on {type(record).__name__}")


def require(actor: User | None, record: object, operation: str, **context: Any) -> None:
    """Raise the refusal of operation, if any (the services' check)."""
    error = refusal(actor, record, operation, **context)
    if error is not None:
        raise error


OPERATIONS: dict[type, tuple[str, ...]] = {
    Request: (EDIT,), Offer: (EDIT,),
    Exchange: (REPORT_ACTIVITY, REPORT_RESULT, CONTRIBUTE, JOIN, ACT_FOR_ANY_PARTY, OFFER_CONTRIBUTION),
    Match: (), ContributionOffer: (),
}
MACHINES = {Request: wf.REQUEST, Offer: wf.OFFER, Match: wf.MATCH, Exchange: wf.EXCHANGE,
            ContributionOffer: wf.CONTRIBUTION_OFFER}


def capacities(actor: User | None, record: object) -> set[str]:
    """The actor's capacities towards a request, offer, match or exchange."""
    if isinstance(record, (Request, Offer)):
        return record_capacities(actor, record)
    if isinstance(record, Match):
        return match_capacities(actor, record)
    if isinstance(record, Exchange):
        return exchange_capacities(actor, record)
    if isinstance(record, ContributionOffer):
        return contribution_offer_capacities(actor, record)
    raise ValueError(f"no capacities towards {type(record).__name__}")


def transitions(actor: User | None, record: object) -> list[str]:
    """The workflow actions actor may take on record in its current state (the API's `actions`)."""
    return MACHINES[type(record)].available(record.status, capacities(actor, record))  # type: ignore[attr-defined]


def capabilities(actor: User | None, record: object) -> set[str]:
    """Everything actor may do to record now: its workflow actions and its other operations."""
    allowed = set(transitions(actor, record))
    allowed |= {op for op in OPERATIONS[type(record)] if refusal(actor, record, op) is None}
    return allowed


# --- joining: invitations and applications ---------------------------------------------------

ORGANISATION_ROLES = (Role.DIRECTOR, Role.CENTRE, Role.PARTNER)


def invitation_refusal(actor: User | None, organisation_id: int, role: Role) -> DomainError | None:
    """Who may invite whom: the admin anyone anywhere; the secretariat anyone anywhere but an admin; a director,
    centre or partner a colleague into their own organisation with their own role."""
    if actor is None or not actor.active:
        return Forbidden(N_("Sign in to invite someone."))
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.SECRETARIAT:
        if role == Role.ADMIN:
            return Forbidden(N_("Only an administrator may invite an administrator."),
                             {"role": [N_("Only an administrator may invite an administrator.")]})
        return None
    if organisation_id != actor.organisation_id:
        return Forbidden(N_("You may invite colleagues into your own organisation only."),
                         {"organisation_id": [N_("You may invite colleagues into your own organisation only.")]})
    if role != actor.role:
        return Forbidden(N_("You may invite colleagues with your own role only."),
                         {"role": [N_("You may invite colleagues with your own role only.")]})
    return None


def invitable_roles(actor: User | None) -> list[Role]:
    """The roles actor may invite someone with (the invitation form's choices)."""
    if actor is None:
        return []
    return [r for r in Role if invitation_refusal(actor, actor.organisation_id, r) is None]


def application_capacities(actor: User | None) -> set[str]:
    """The secretariat and the admin review applications to join."""
    return {wf.SECRETARIAT} if is_staff(actor) and actor.active else set()  # type: ignore[union-attr]


def require_application_reviewer(actor: User | None) -> None:
    """Raise unless actor reviews applications (secretariat or admin)."""
    if not application_capacities(actor):
        raise Forbidden(N_("Only the secretariat or an administrator review applications."))
# --- administration (the /admin pages and the matching API calls) ---------------------------

SEE_ORGANISATIONS = "see_organisations"  # the administration's organisation list (the secretariat too)
MANAGE_ORGANISATIONS = "manage_organisations"  # create, edit, verify, deactivate
MANAGE_USERS = "manage_users"  # see, change role or organisation, deactivate
ADMINISTRATION: dict[str, tuple[Role, ...]] = {
    SEE_ORGANISATIONS: STAFF, MANAGE_ORGANISATIONS: (Role.ADMIN,), MANAGE_USERS: (Role.ADMIN,),
}


def administration_refusal(actor: User | None, operation: str) -> DomainError | None:
    """Why actor may not perform an administration operation; None when allowed."""
    allowed = ADMINISTRATION[operation]
    if actor is None or not actor.active or actor.role not in allowed:
        if allowed == (Role.ADMIN,):
            return Forbidden(N_("Only an administrator may do this."))
        return Forbidden(N_("Only the secretariat or an administrator may do this."))
    return None


def may_administer(actor: User | None, operation: str) -> bool:
    """True when actor may perform the administration operation (the pages' links and buttons)."""
    return administration_refusal(actor, operation) is None


def require_administration(actor: User | None, operation: str) -> None:
    """Raise the refusal of an administration operation, if any."""
    error = administration_refusal(actor, operation)
    if error is not None:
        raise error


MANAGE_VOCABULARIES = "manage_vocabularies"  # add sectors and modalities, edit their labels, retire them
ADMINISTRATION[MANAGE_VOCABULARIES] = (Role.ADMIN,)
SEE_INSTALLATION = "see_installation"  # index status and rebuild, the outbox and its retries, versions
ADMINISTRATION[SEE_INSTALLATION] = (Role.ADMIN,)


def priorities_refusal(actor: User | None, organisation_id: int) -> DomainError | None:
    """A partner declares its own organisation's priorities; the admin may set any organisation's."""
    if actor is not None and actor.active and (actor.role == Role.ADMIN or (
            actor.role == Role.PARTNER and actor.organisation_id == organisation_id)):
        return None
    return Forbidden(N_("Only the partner's own staff (or an administrator) declare its priorities."))
