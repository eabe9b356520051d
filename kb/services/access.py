"""Who may see and do what: capacities of a user towards a record, and visibility filters."""
from __future__ import annotations

from flask_babel import lazy_gettext
from sqlalchemy import Select, or_, select

from kb import i18n
from kb import workflow as wf
from kb.errors import Conflict, Forbidden, NotFound
from kb.extensions import db
from kb.models import (
    Exchange, ExchangeParty, ExchangeState, Expert, Match, Offer, OfferState, PartyRole, Request,
    RequestState, Role, User,
)

STAFF = (Role.SECRETARIAT, Role.ADMIN)


def is_staff(user: User | None) -> bool:
    """Secretariat and admin see everything."""
    return user is not None and user.role in STAFF


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


def visible_records(model: type[Request] | type[Offer], user: User | None) -> Select:
    """Requests or offers the user may see: all for staff, else published plus their own."""
    stmt = select(model)
    if is_staff(user):
        return stmt
    published = RequestState.PUBLISHED if model is Request else OfferState.PUBLISHED
    if user is None:
        return stmt.where(model.status == published)
    return stmt.where(or_(model.status == published, model.organisation_id == user.organisation_id))


def can_see_contacts(user: User | None, record: Request | Offer) -> bool:
    """Contact details are personal data: staff and the record's own organisation only."""
    return is_staff(user) or (user is not None and user.organisation_id == record.organisation_id)


def can_see_email_of(viewer: User | None, person: User) -> bool:
    """A user's e-mail address is personal data: staff see it, and people of the same organisation."""
    return is_staff(viewer) or (viewer is not None and viewer.organisation_id == person.organisation_id)


def get_visible_record(model: type[Request] | type[Offer], record_id: int, user: User | None) -> Request | Offer:
    """Load a request or offer the user may see, else 404 (never reveal existence)."""
    record = db.session.scalar(visible_records(model, user).where(model.id == record_id))
    if record is None:
        raise NotFound(i18n.not_found(model.__name__, record_id))
    return record


def visible_experts(user: User | None) -> Select:
    """Experts: staff, the centre's own organisation, and parties of exchanges using them."""
    if user is None:
        raise Forbidden("Expert rosters are visible to signed-in users with access only.")
    stmt = select(Expert)
    if is_staff(user):
        return stmt
    party_offer_ids = (
        select(Exchange.offer_id)
        .join(ExchangeParty, ExchangeParty.exchange_id == Exchange.id)
        .where(ExchangeParty.organisation_id == user.organisation_id)
    )
    return stmt.where(or_(
        Expert.organisation_id == user.organisation_id,
        Expert.id.in_(select(Offer.experts.property.secondary.c.expert_id).where(
            Offer.experts.property.secondary.c.offer_id.in_(party_offer_ids))),
    ))


def visible_matches(user: User | None) -> Select:
    """Matches: staff all; a director those on its requests; a centre those on its offers."""
    if user is None:
        raise Forbidden("Sign in to see matches.")
    stmt = select(Match)
    if is_staff(user):
        return stmt
    if user.role == Role.DIRECTOR:
        return stmt.where(Match.request_id.in_(select(Request.id).where(Request.organisation_id == user.organisation_id)))
    if user.role == Role.CENTRE:
        return stmt.where(Match.offer_id.in_(select(Offer.id).where(Offer.organisation_id == user.organisation_id)))
    return stmt.where(False)


OPEN_FOR_PARTNERS = (ExchangeState.PLANNED, ExchangeState.AGREED, ExchangeState.IN_PROGRESS)


def visible_exchanges(user: User | None) -> Select:
    """Exchanges: staff all; parties theirs; partners also those still open to co-financing."""
    if user is None:
        raise Forbidden("Sign in to see exchanges.")
    stmt = select(Exchange)
    if is_staff(user):
        return stmt
    mine = select(ExchangeParty.exchange_id).where(ExchangeParty.organisation_id == user.organisation_id)
    if user.role == Role.PARTNER:
        return stmt.where(or_(Exchange.id.in_(mine), Exchange.status.in_(OPEN_FOR_PARTNERS)))
    return stmt.where(Exchange.id.in_(mine))


def get_or_404(stmt: Select, label: str, record_id: int):
    """Run a visibility-filtered select for one id, else 404."""
    obj = db.session.scalar(stmt)
    if obj is None:
        raise NotFound(i18n.not_found(label, record_id))
    return obj


def require_version(record, expected: int | None) -> None:
    """Optimistic locking: a client that sends a version must be editing the current one."""
    if expected is not None and expected != record.version:
        raise Conflict(
            lazy_gettext("The record is at version %(current)s, not %(expected)s; reload it and try again.",
                         current=record.version, expected=expected),
            {"version": [lazy_gettext("Current version is %(version)s.", version=record.version)]},
        )
