"""Who may see what: the visibility filters (queries) of each collection, and loading one visible record.

What a user may *do* (capacities, operations, personal data rules) is kb/permissions.py, pure rules this
module uses too."""
from __future__ import annotations

from flask_babel import lazy_gettext
from sqlalchemy import Select, bindparam, or_, select

from kb import i18n, permissions
from kb.errors import Conflict, Forbidden, NotFound
from kb.extensions import db
from kb.i18n import N_
from kb.models import (
    Exchange,
    ExchangeParty,
    Expert,
    Match,
    Offer,
    OfferState,
    Request,
    RequestState,
    Role,
    User,
)


def visible_records(model: type[Request] | type[Offer], user: User | None) -> Select:
    """Requests or offers the user may see: all for staff, else published plus their own."""
    stmt = select(model)
    if permissions.is_staff(user):
        return stmt
    published = RequestState.PUBLISHED if model is Request else OfferState.PUBLISHED
    if user is None:
        return stmt.where(model.status == published)
    return stmt.where(or_(model.status == published, model.organisation_id == user.organisation_id))


def get_visible_record(model: type[Request] | type[Offer], record_id: int, user: User | None,
                       options: tuple = ()) -> Request | Offer:
    """Load a request or offer the user may see, else 404 (never reveal existence); options: loader options
    (a tuple built once, e.g. by a functools.cache: the statement is then built once too)."""
    if user is None or permissions.is_staff(user):  # visible_records does not depend on which anonymous or staff user
        record = db.session.scalar(_visible_by_id(model, user is not None, options, user), {"record_id": record_id})
    else:
        record = db.session.scalar(visible_records(model, user).where(model.id == record_id).options(*options))
    if record is None:
        raise NotFound(i18n.not_found(model.__name__, record_id))
    return record


_BY_ID_MAX = 64
_by_id: dict[tuple, Select] = {}


def _visible_by_id(model: type[Request] | type[Offer], staff: bool, options: tuple, user: User | None) -> Select:
    """get_visible_record's statement for anonymous callers (staff False) or staff, with the id as a parameter: built
    once per model and loader options (building it cost a quarter of loading a suggestion's source record; SQLAlchemy
    then reuses its compiled form). user: the first caller of its kind, not part of the key (visible_records gives
    every staff user, and every anonymous caller, the same statement)."""
    key = (model, staff, options)
    stmt = _by_id.get(key)
    if stmt is None:
        stmt = visible_records(model, user).where(model.id == bindparam("record_id")).options(*options)
        if len(_by_id) >= _BY_ID_MAX:
            _by_id.clear()
        _by_id[key] = stmt
    return stmt


def visible_experts(user: User | None) -> Select:
    """Experts: staff, the centre's own organisation, and parties of exchanges using them."""
    if user is None:
        raise Forbidden(N_("Expert rosters are visible to signed-in users with access only."))
    stmt = select(Expert)
    if permissions.is_staff(user):
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
        raise Forbidden(N_("Sign in to see matches."))
    stmt = select(Match)
    if permissions.is_staff(user):
        return stmt
    if user.role == Role.DIRECTOR:
        return stmt.where(Match.request_id.in_(select(Request.id).where(Request.organisation_id == user.organisation_id)))
    if user.role == Role.CENTRE:
        return stmt.where(Match.offer_id.in_(select(Offer.id).where(Offer.organisation_id == user.organisation_id)))
    return stmt.where(False)


OPEN_FOR_PARTNERS = permissions.OPEN_EXCHANGE


def visible_exchanges(user: User | None) -> Select:
    """Exchanges: staff all; parties theirs; partners also those still open to co-financing."""
    if user is None:
        raise Forbidden(N_("Sign in to see exchanges."))
    stmt = select(Exchange)
    if permissions.is_staff(user):
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
