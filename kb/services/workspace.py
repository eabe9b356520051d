"""The personal workspace (/home): what waits for each role, first things first. One function per role.

Each function returns a `Workspace`: named sections in the order the page shows them, each with its first
items (every item something the page links to) and the total, so that a long list ends with a link to the
full one. Only reads: nothing here changes the database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, exists, func, not_, or_, select

from kb.extensions import db
from kb.models import (
    Activity,
    Application,
    ApplicationState,
    ContributionOffer,
    ContributionOfferState,
    Event,
    Exchange,
    ExchangeParty,
    ExchangeState,
    Match,
    MatchState,
    Notification,
    NotificationStatus,
    Offer,
    OfferState,
    Organisation,
    PartyRole,
    Request,
    RequestState,
    Result,
    Role,
    Sector,
    User,
    utcnow,
)
from kb.models.reference import SDG, country_groups
from kb.services import access
from kb.services.pages import paginate

SHOWN = 5  # items per section; the section links to the full list when there are more
EXPIRY_DAYS = 30  # a centre is reminded of offers expiring within this many days
STALE_DAYS = 30  # a request published this long without a proposed match is flagged to the secretariat
REPORT_DAYS = 30  # an exchange in progress this long without any activity reported is overdue
SUGGESTIONS = 3  # best suggestions shown per published record
OPEN_EXCHANGE = (ExchangeState.PLANNED, ExchangeState.AGREED, ExchangeState.IN_PROGRESS)
LIVE_MATCH = (MatchState.PROPOSED, MatchState.ACCEPTED_BY_REQUESTER, MatchState.ACCEPTED_BY_PROVIDER,
              MatchState.ACCEPTED, MatchState.APPROVED)


def no_live_match():  # type: ignore[no-untyped-def]
    """The condition on Request "no proposal yet": no match proposed, accepted or approved (a declined or rejected
    one leaves the request to propose again). The secretariat's /home and the matching desk share it."""
    return ~exists(select(Match.id).where(Match.request_id == Request.id, Match.status.in_(LIVE_MATCH)))


@dataclass
class Section:
    """One list of the workspace: its key (the page names it), first items, total."""

    key: str
    items: list[Any] = field(default_factory=list)
    total: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # per item id: a reason, suggestions, ...


@dataclass
class Workspace:
    """The sections of one user's workspace, in the order shown (what waits for them first)."""

    role: str
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)


def _section(key: str, stmt: Select, limit: int = SHOWN) -> Section:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(db.session.scalars(stmt.limit(limit)).unique().all()) if total else []
    return Section(key, items, total)


def _count(key: str, stmt: Select) -> Section:
    return Section(key, [], db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def return_reasons(record_type: str, ids: list[int]) -> dict[int, str]:
    """The secretariat's reason of the latest return of each record (request or offer) among ids."""
    if not ids:
        return {}
    latest = (select(Event.record_id, func.max(Event.id).label("id"))
              .where(Event.record_type == record_type, Event.action == "return", Event.record_id.in_(ids))
              .group_by(Event.record_id).subquery())
    rows = db.session.execute(select(Event.record_id, Event.reason).join(latest, latest.c.id == Event.id))
    return {rid: reason or "" for rid, reason in rows}


def return_reason(record: Request | Offer) -> str | None:
    """Why the secretariat returned this record (None unless it is returned)."""
    if str(record.status) != "returned":
        return None
    kind = "request" if isinstance(record, Request) else "offer"
    return return_reasons(kind, [record.id]).get(record.id, "")


def exchange_of(actor: User, record: Request | Offer) -> Exchange | None:
    """The newest exchange the actor may see that runs this request or offer (a matched request's exchange)."""
    column = Exchange.request_id if isinstance(record, Request) else Exchange.offer_id
    return db.session.scalar(access.visible_exchanges(actor).where(column == record.id).order_by(Exchange.id.desc()))


def _matches_awaiting(actor: User, states: tuple[MatchState, ...]) -> Section:
    stmt = access.visible_matches(actor).where(Match.status.in_(states)).order_by(Match.id)
    return _section("matches_to_answer", stmt)


def _own(model, actor: User, *states) -> Select:
    return (select(model).where(model.organisation_id == actor.organisation_id, model.status.in_(states))
            .order_by(model.updated_at.desc(), model.id.desc()))


def _returned(model, actor: User) -> Section:
    state = RequestState.RETURNED if model is Request else OfferState.RETURNED
    section = _section("returned", _own(model, actor, state))
    section.extra = return_reasons("request" if model is Request else "offer", [r.id for r in section.items])
    return section


def _party_exchanges(actor: User, role: PartyRole) -> Select:
    return select(Exchange).where(Exchange.parties.any(and_(
        ExchangeParty.organisation_id == actor.organisation_id, ExchangeParty.role == role)))


def _with_suggestions(key: str, stmt: Select, actor: User, kind: str) -> Section:
    """Published records with their best suggestions (an unavailable index leaves the suggestions out)."""
    from kb.services import matching

    section = _section(key, stmt)
    for record in section.items:
        if isinstance(record, Offer) and record.is_expired():
            continue
        section.extra[record.id] = matching.suggest(actor, kind, record.id, matching.SuggestionArgs(k=SUGGESTIONS))
    return section


def director(actor: User) -> Workspace:
    """Matches to answer, returned requests with the reason, exchanges needing results or feedback, drafts,
    published requests with their best suggestions."""
    ours = select(ExchangeParty.id).where(ExchangeParty.exchange_id == Exchange.id,
                                          ExchangeParty.organisation_id == actor.organisation_id)
    needs_results = (_party_exchanges(actor, PartyRole.REQUESTER)
                     .where(Exchange.status.in_((ExchangeState.IN_PROGRESS, ExchangeState.COMPLETED,
                                                 ExchangeState.EVALUATED)))
                     .where(~exists(select(Result.id).where(Result.exchange_id == Exchange.id,
                                                            Result.party_id.in_(ours.scalar_subquery()))))
                     .order_by(Exchange.id))
    return Workspace("director", [
        _matches_awaiting(actor, (MatchState.PROPOSED, MatchState.ACCEPTED_BY_PROVIDER)),
        _returned(Request, actor),
        _section("exchanges_needing_results", needs_results),
        _section("drafts", _own(Request, actor, RequestState.DRAFT)),
        _section("submitted", _own(Request, actor, RequestState.SUBMITTED)),
        _with_suggestions("published", _own(Request, actor, RequestState.PUBLISHED), actor, "request"),
    ])


def centre(actor: User) -> Workspace:
    """Matches to answer, returned offers, offers expiring within 30 days, exchanges needing an activity
    report, published requests that fit its offers."""
    today = date.today()
    expiring = (select(Offer).where(Offer.organisation_id == actor.organisation_id,
                                    Offer.status == OfferState.PUBLISHED, Offer.valid_until.is_not(None),
                                    Offer.valid_until <= today + timedelta(days=EXPIRY_DAYS))
                .order_by(Offer.valid_until, Offer.id))
    needs_activity = (_party_exchanges(actor, PartyRole.PROVIDER)
                      .where(Exchange.status == ExchangeState.IN_PROGRESS)
                      .where(~exists(select(Activity.id).where(Activity.exchange_id == Exchange.id)))
                      .order_by(Exchange.id))
    live = _own(Offer, actor, OfferState.PUBLISHED).where(
        or_(Offer.valid_until.is_(None), Offer.valid_until >= today))
    return Workspace("centre", [
        _matches_awaiting(actor, (MatchState.PROPOSED, MatchState.ACCEPTED_BY_REQUESTER)),
        _returned(Offer, actor),
        _section("expiring", expiring),
        _section("exchanges_needing_activity", needs_activity),
        _section("drafts", _own(Offer, actor, OfferState.DRAFT)),
        _with_suggestions("published", live, actor, "offer"),
    ])


def _applications_waiting() -> Section:
    """Institutions that confirmed their application to join, waiting for a decision, oldest first."""
    return _section("applications_waiting", select(Application).where(Application.status == ApplicationState.WAITING)
                    .order_by(Application.confirmed_at, Application.id))


def secretariat(actor: User) -> Workspace:
    """Counts and first items of the review queue, matches accepted by both parties, partners' contribution
    offers to decide, requests published for 30+ days without a proposed match, exchanges overdue for a report,
    applications to join waiting."""
    now, today = utcnow(), date.today()
    review_requests = select(Request).where(Request.status == RequestState.SUBMITTED).order_by(Request.updated_at)
    review_offers = select(Offer).where(Offer.status == OfferState.SUBMITTED).order_by(Offer.updated_at)
    accepted = select(Match).where(Match.status == MatchState.ACCEPTED).order_by(Match.updated_at)
    stale = (select(Request).where(Request.status == RequestState.PUBLISHED,
                                   Request.published_at <= now - timedelta(days=STALE_DAYS))
             .where(no_live_match())
             .order_by(Request.published_at))
    no_activity = ~exists(select(Activity.id).where(Activity.exchange_id == Exchange.id))
    overdue = (select(Exchange).where(Exchange.status == ExchangeState.IN_PROGRESS)
               .where(or_(Exchange.end_date < today,
                          and_(no_activity, Exchange.start_date <= today - timedelta(days=REPORT_DAYS))))
               .order_by(Exchange.end_date, Exchange.id))
    offers = (select(ContributionOffer).where(ContributionOffer.status == ContributionOfferState.OFFERED)
              .order_by(ContributionOffer.id))
    return Workspace("secretariat", [
        _section("review_requests", review_requests),
        _section("review_offers", review_offers),
        _section("matches_accepted", accepted),
        _section("contribution_offers", offers),
        _section("stale_requests", stale),
        _section("exchanges_overdue", overdue),
        _applications_waiting(),
    ])


def fits_priorities(organisation: Organisation) -> list:
    """Conditions on Request for "fits the partner's declared priorities": a shared sector, the requesting country
    among its countries or in one of its regional groups, a shared SDG; an undeclared dimension takes any."""
    conditions = []
    if organisation.priority_sectors:
        conditions.append(Request.sectors.any(Sector.code.in_(organisation.priority_sectors)))
    countries, regions = organisation.priority_countries or [], organisation.priority_regions or []
    if countries or regions:
        in_regions = select(country_groups.c.country_code).where(country_groups.c.group_code.in_(regions))
        conditions.append(or_(Request.country_code.in_(countries), Request.country_code.in_(in_regions)))
    if organisation.priority_sdgs:
        conditions.append(Request.sdgs.any(SDG.number.in_(organisation.priority_sdgs)))
    return conditions


def cofinancing_requests(actor: User, fitting: bool, page: int = 1, per_page: int = 20) -> Pagination:
    """Published requests that seek co-financing, newest first; only those fitting the actor's organisation's
    priorities when fitting is true (a partner's default)."""
    stmt = (access.visible_records(Request, actor)
            .where(Request.status == RequestState.PUBLISHED, Request.seeks_cofinancing.is_(True))
            .order_by(Request.published_at.desc(), Request.id.desc()))
    if fitting:
        stmt = stmt.where(*fits_priorities(actor.organisation))
    return paginate(stmt, page, per_page)


def partner(actor: User) -> Workspace:
    """Open exchanges whose request seeks co-financing and fits its priorities (not yet a partner of them),
    published requests seeking co-financing that fit, and the exchanges it supports."""
    mine = Exchange.parties.any(ExchangeParty.organisation_id == actor.organisation_id)
    fitting = (select(Request.id).where(Request.seeks_cofinancing.is_(True))
               .where(*fits_priorities(actor.organisation)))
    open_ones = (access.visible_exchanges(actor).where(Exchange.status.in_(OPEN_EXCHANGE)).where(not_(mine))
                 .where(Exchange.request_id.in_(fitting)).order_by(Exchange.id.desc()))
    supported = select(Exchange).where(mine).order_by(Exchange.id.desc())
    requests = (access.visible_records(Request, actor)
                .where(Request.status == RequestState.PUBLISHED, Request.id.in_(fitting))
                .order_by(Request.published_at.desc(), Request.id.desc()))
    return Workspace("partner", [
        _section("cofinancing_exchanges", open_ones),
        _section("cofinancing_requests", requests),
        _section("supported_exchanges", supported),
    ])


def admin(actor: User) -> Workspace:
    """Applications to join and organisations waiting, failed outbox messages, and the size of the installation."""
    return Workspace("admin", [
        _applications_waiting(),
        _section("unverified_organisations",
                 select(Organisation).where(Organisation.verified.is_(False)).order_by(Organisation.id.desc())),
        _count("failed_messages", select(Notification).where(Notification.status == NotificationStatus.FAILED)),
        _count("pending_messages", select(Notification).where(Notification.status == NotificationStatus.PENDING)),
        _count("users", select(User).where(User.active.is_(True))),
        _count("organisations", select(Organisation)),
    ])


BY_ROLE = {Role.DIRECTOR: director, Role.CENTRE: centre, Role.SECRETARIAT: secretariat, Role.PARTNER: partner,
           Role.ADMIN: admin}


def workspace(actor: User) -> Workspace:
    """The signed-in user's workspace, by role."""
    return BY_ROLE[actor.role](actor)
