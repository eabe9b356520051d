"""Every indicator of the knowledge bank, defined once (docs/INDICATORS.md), computed with SQL aggregates.

The front page, /reports, /transparency, the country profiles, GET /api/v1/indicators and the exports all
call this module with one `Filters` object, applied the same way everywhere:

- exchanges and matches (both pair a request with an offer) pass when their request *or* offer country is the
  country (or in the region), their request carries the sector / SDG / modality, a partner party is the
  partner, and they were created (approved, for an exchange; proposed, for a match) within the period;
- requests and offers pass on their own country, tags and creation date, and for a partner when one of the
  partner's exchanges is theirs;
- what belongs to an exchange (parties, contributions, experts, activities, results) passes with its exchange.

No query loads the rows it counts: each figure is one aggregate (COUNT, SUM, GROUP BY), and the quantiles of
the pipeline's durations are picked by rank with window functions in the database.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import ColumnElement, Select, and_, case, distinct, extract, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from kb.extensions import db
from kb.models import (
    Activity,
    ActivityKind,
    Contribution,
    ContributionKind,
    Event,
    Exchange,
    ExchangeExpert,
    ExchangeParty,
    ExchangeState,
    Expert,
    Match,
    MatchState,
    Offer,
    OfferState,
    Organisation,
    PartyRole,
    Request,
    RequestState,
    Result,
)
from kb.models.records import (
    offer_modalities,
    offer_sdgs,
    offer_sectors,
    request_modalities,
    request_sdgs,
    request_sectors,
)
from kb.models.reference import country_groups

# Exchanges that happened or are happening: agreed and not cancelled (the headline's "exchanges").
RUNNING_OR_DONE = (ExchangeState.AGREED, ExchangeState.IN_PROGRESS, ExchangeState.COMPLETED,
                   ExchangeState.EVALUATED, ExchangeState.CLOSED)
EVALUATED = (ExchangeState.EVALUATED, ExchangeState.CLOSED)  # closing needs an evaluation first
DECIDED_MATCHES = (MatchState.APPROVED, MatchState.DECLINED, MatchState.REJECTED)
TOP_PROVIDERS = 10


@dataclass(frozen=True)
class Filters:
    """One filter for every indicator: period (inclusive dates), region, country, sector, SDG, modality, partner."""

    start: date | None = None
    end: date | None = None
    region: str | None = None
    country: str | None = None
    sector: str | None = None
    sdg: int | None = None
    modality: str | None = None
    partner: int | None = None

    def restricted_to_partner(self, organisation_id: int) -> Filters:
        """The same filter limited to the exchanges one partner supports (what a partner is shown)."""
        return replace(self, partner=organisation_id)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def _period(column, f: Filters) -> list[ColumnElement[bool]]:
    """Conditions keeping a timestamp (or date) column within the filter's period, both ends included."""
    conds = []
    is_date = getattr(column.type, "python_type", None) is date
    if f.start:
        conds.append(column >= (f.start if is_date else datetime.combine(f.start, time.min, UTC)))
    if f.end:
        conds.append(column <= f.end if is_date else
                     column < datetime.combine(f.end + timedelta(days=1), time.min, UTC))
    return conds


def _in_region(country_col, region: str) -> ColumnElement[bool]:
    return country_col.in_(select(country_groups.c.country_code).where(country_groups.c.group_code == region))


def _partner_exchanges(partner: int) -> Select:
    return select(ExchangeParty.exchange_id).where(ExchangeParty.role == PartyRole.PARTNER,
                                                   ExchangeParty.organisation_id == partner).correlate(None)


# The request and the offer of the exchange or match being filtered (joined, not looked up row by row).
PAIR_REQUEST = aliased(Request, name="pair_request")
PAIR_OFFER = aliased(Offer, name="pair_offer")


def _pair_conditions(model, f: Filters) -> list[ColumnElement[bool]]:
    """Conditions on an exchange or a match (model) and its request and offer (PAIR_REQUEST, PAIR_OFFER, which
    the select joins: `_pairs`)."""
    conds = _period(model.created_at, f)
    if f.country:
        conds.append(or_(PAIR_REQUEST.country_code == f.country, PAIR_OFFER.country_code == f.country))
    if f.region:
        conds.append(or_(_in_region(PAIR_REQUEST.country_code, f.region), _in_region(PAIR_OFFER.country_code, f.region)))
    if f.sector:
        conds.append(model.request_id.in_(select(request_sectors.c.request_id)
                                          .where(request_sectors.c.sector_code == f.sector)))
    if f.sdg:
        conds.append(model.request_id.in_(select(request_sdgs.c.request_id)
                                          .where(request_sdgs.c.sdg_number == f.sdg)))
    if f.modality:
        conds.append(model.request_id.in_(select(request_modalities.c.request_id)
                                          .where(request_modalities.c.modality_code == f.modality)))
    if f.partner:
        if model is Exchange:
            conds.append(Exchange.id.in_(_partner_exchanges(f.partner)))
        else:
            conds.append(model.id.in_(select(Exchange.match_id).where(Exchange.id.in_(_partner_exchanges(f.partner)))
                                      .correlate(None)))
    return conds


def _pairs(stmt: Select, model) -> Select:
    """stmt joined with the request and offer of model's rows (what _pair_conditions filters on)."""
    return stmt.join(PAIR_REQUEST, PAIR_REQUEST.id == model.request_id).join(PAIR_OFFER, PAIR_OFFER.id == model.offer_id)


def exchange_ids(f: Filters) -> Select:
    """The ids of the exchanges the filter keeps (an uncorrelated subquery, evaluated once per query)."""
    return _pairs(select(Exchange.id), Exchange).where(*_pair_conditions(Exchange, f)).correlate(None)


def match_ids(f: Filters) -> Select:
    """The ids of the matches the filter keeps."""
    return _pairs(select(Match.id), Match).where(*_pair_conditions(Match, f)).correlate(None)


def _within_matches(f: Filters) -> ColumnElement[bool]:
    return Match.id.in_(match_ids(f)) if _exchange_filtered(f) else true()


def _exchange_filtered(f: Filters) -> bool:
    return any(getattr(f, k) is not None for k in ("start", "end", "region", "country", "sector", "sdg", "modality",
                                                   "partner"))


def _within(column, f: Filters) -> ColumnElement[bool]:
    """column (an exchange id) is one of the filter's exchanges; no condition at all without a filter (the
    unfiltered dashboard then reads the tables straight)."""
    return column.in_(exchange_ids(f)) if _exchange_filtered(f) else true()


def exchanges_query(f: Filters) -> Select:
    """The exchanges the filter keeps, by id (the exports page through it)."""
    return _pairs(select(Exchange), Exchange).where(*_pair_conditions(Exchange, f)).order_by(Exchange.id)


def _record_conditions(model, f: Filters) -> list[ColumnElement[bool]]:
    """Conditions on a request or an offer of its own."""
    sectors, sdgs, modalities = ((request_sectors, request_sdgs, request_modalities) if model is Request
                                 else (offer_sectors, offer_sdgs, offer_modalities))
    key = sectors.c.request_id if model is Request else sectors.c.offer_id
    conds = _period(model.created_at, f)
    if f.country:
        conds.append(model.country_code == f.country)
    if f.region:
        conds.append(_in_region(model.country_code, f.region))
    if f.sector:
        conds.append(model.id.in_(select(key).where(sectors.c.sector_code == f.sector)))
    if f.sdg:
        conds.append(model.id.in_(select(list(sdgs.c)[0]).where(sdgs.c.sdg_number == f.sdg)))
    if f.modality:
        conds.append(model.id.in_(select(list(modalities.c)[0]).where(modalities.c.modality_code == f.modality)))
    if f.partner:
        own = Exchange.request_id if model is Request else Exchange.offer_id
        conds.append(model.id.in_(select(own).where(Exchange.id.in_(_partner_exchanges(f.partner))).correlate(None)))
    return conds


def records_query(model, f: Filters) -> Select:
    """The requests or offers the filter keeps, by id (the exports page through it)."""
    return select(model).where(*_record_conditions(model, f)).order_by(model.id)


# --- helpers ---------------------------------------------------------------------------------------------

def _rows(stmt: Select) -> list[tuple]:
    return [tuple(r) for r in db.session.execute(stmt).all()]


def _scalar(stmt: Select) -> Any:
    return db.session.scalar(stmt)


def _int(value: Any) -> int:
    return int(value or 0)


def _num(value: Any) -> float:
    return round(float(value or 0), 2)


def _money(value: Any) -> str:
    return str(Decimal(str(value or 0)).quantize(Decimal("0.01")))


def _days_between(start, end) -> ColumnElement[float]:
    """end - start in days (fractional), in the database's own terms."""
    if db.engine.dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return extract("epoch", end - start) / 86400.0


def _quantiles(durations: Select) -> dict[str, Any]:
    """Count, median and 90th percentile (nearest rank) of a one-column select of durations in days.

    The ranks are computed in the database (ROW_NUMBER and COUNT over the ordered durations); only the two
    rows at the median's and the 90th percentile's rank come back."""
    sub = durations.subquery()
    value = list(sub.c)[0]
    ranked = select(value.label("d"), func.row_number().over(order_by=value).label("rn"),
                    func.count().over().label("n")).where(value.is_not(None)).subquery()
    # nearest rank k = ceil(p * n) = (100p * n + 99) / 100 in integer arithmetic (both databases)
    k50 = (ranked.c.n * 50 + 99) // 100
    k90 = (ranked.c.n * 90 + 99) // 100
    rows = _rows(select(ranked.c.rn, ranked.c.n, ranked.c.d, ranked.c.rn == k50, ranked.c.rn == k90)
                 .where(or_(ranked.c.rn == k50, ranked.c.rn == k90)))
    out = {"count": 0, "median_days": None, "p90_days": None}
    for _rn, n, d, is50, is90 in rows:
        out["count"] = int(n)
        if is50:
            out["median_days"] = round(float(d), 1)
        if is90:
            out["p90_days"] = round(float(d), 1)
    return out


# --- the indicators --------------------------------------------------------------------------------------

def exchanges_by_state(f: Filters) -> dict[str, int]:
    rows = _rows(select(Exchange.status, func.count()).where(_within(Exchange.id, f)).group_by(Exchange.status))
    return {str(s): int(n) for s, n in rows}


def records_by_state(model, f: Filters) -> dict[str, int]:
    rows = _rows(select(model.status, func.count()).where(*_record_conditions(model, f)).group_by(model.status))
    return {str(s): int(n) for s, n in rows}


def countries(f: Filters) -> list[dict[str, Any]]:
    """Per country: exchanges as requester and as provider (exchanges running or done)."""
    counted = (_within(Exchange.id, f), Exchange.status.in_(RUNNING_OR_DONE))
    as_req = dict(_rows(select(Request.country_code, func.count(Exchange.id)).join(Request, Request.id == Exchange.request_id)
                        .where(*counted).group_by(Request.country_code)))
    as_prov = dict(_rows(select(Offer.country_code, func.count(Exchange.id)).join(Offer, Offer.id == Exchange.offer_id)
                         .where(*counted).group_by(Offer.country_code)))
    codes = sorted(set(as_req) | set(as_prov), key=lambda c: (-(as_req.get(c, 0) + as_prov.get(c, 0)), c))
    return [{"country": c, "as_requester": int(as_req.get(c, 0)), "as_provider": int(as_prov.get(c, 0))}
            for c in codes]


def flows(f: Filters) -> list[dict[str, Any]]:
    """South-South flows: exchanges running or done from the provider's country to the requester's."""
    rows = _rows(select(Offer.country_code, Request.country_code, func.count(Exchange.id))
                 .join(Request, Request.id == Exchange.request_id).join(Offer, Offer.id == Exchange.offer_id)
                 .where(_within(Exchange.id, f), Exchange.status.in_(RUNNING_OR_DONE))
                 .group_by(Offer.country_code, Request.country_code))
    rows.sort(key=lambda r: (-r[2], r[0], r[1]))
    return [{"provider_country": p, "requester_country": r, "exchanges": int(n)} for p, r, n in rows]


def experts(f: Filters) -> dict[str, Any]:
    """Experts mobilised (distinct roster experts recorded on an exchange), by sex, and their expert-days."""
    base = select(ExchangeExpert).where(_within(ExchangeExpert.exchange_id, f)).subquery()
    mobilised, days = db.session.execute(
        select(func.count(distinct(base.c.expert_id)), func.coalesce(func.sum(base.c.expert_days), 0))).one()
    by_sex = {str(sex) if sex else "unknown": n for sex, n in _rows(
        select(Expert.sex, func.count(distinct(Expert.id))).join(base, base.c.expert_id == Expert.id)
        .group_by(Expert.sex))}
    rate = Decimal(str(current_app.config["KB_EXPERT_DAY_RATE"]))
    value = (Decimal(str(days or 0)) * rate).quantize(Decimal("0.01"))
    return {"mobilised": int(mobilised or 0), "expert_days": _num(days),
            "in_kind_value": str(value), "in_kind_currency": current_app.config["KB_EXPERT_DAY_CURRENCY"],
            "daily_rate": str(rate), "by_sex": {str(k): int(v) for k, v in by_sex.items()}}


def participants(f: Filters) -> dict[str, Any]:
    """Participants in activities by sex and by activity kind, and training programmes held."""
    total = Activity.participants_female + Activity.participants_male + Activity.participants_other
    rows = _rows(select(Activity.kind, func.count(), func.coalesce(func.sum(Activity.participants_female), 0),
                        func.coalesce(func.sum(Activity.participants_male), 0),
                        func.coalesce(func.sum(Activity.participants_other), 0), func.coalesce(func.sum(total), 0))
                 .where(_within(Activity.exchange_id, f)).group_by(Activity.kind))
    by_kind = [{"kind": str(k), "activities": int(n), "female": int(fe), "male": int(m), "other": int(o),
                "total": int(t)} for k, n, fe, m, o, t in sorted(rows, key=lambda r: str(r[0]))]
    return {
        "female": sum(r["female"] for r in by_kind), "male": sum(r["male"] for r in by_kind),
        "other": sum(r["other"] for r in by_kind), "total": sum(r["total"] for r in by_kind),
        "activities": sum(r["activities"] for r in by_kind),
        "training_programmes": sum(r["activities"] for r in by_kind if r["kind"] == ActivityKind.TRAINING),
        "by_kind": by_kind,
    }


def trained(f: Filters) -> dict[str, int]:
    """People trained as reported in results (a different figure from participants), and women among them."""
    people, women, reports = db.session.execute(
        select(func.coalesce(func.sum(Result.people_trained), 0), func.coalesce(func.sum(Result.women_trained), 0),
               func.count(Result.people_trained)).where(_within(Result.exchange_id, f))).one()
    return {"people_trained": int(people), "women_trained": int(women), "reports": int(reports)}


def contributions(f: Filters) -> dict[str, Any]:
    """Co-financing (money from partners) by partner and currency; every contribution by kind and party role."""
    cofin = _rows(select(Organisation.id, Organisation.name, Contribution.currency, func.count(Contribution.id),
                         func.coalesce(func.sum(Contribution.amount), 0))
                  .join(ExchangeParty, ExchangeParty.id == Contribution.party_id)
                  .join(Organisation, Organisation.id == ExchangeParty.organisation_id)
                  .where(_within(ExchangeParty.exchange_id, f), ExchangeParty.role == PartyRole.PARTNER,
                         Contribution.kind == ContributionKind.MONEY)
                  .group_by(Organisation.id, Organisation.name, Contribution.currency))
    by_kind = _rows(select(Contribution.kind, ExchangeParty.role, Contribution.currency, func.count(Contribution.id),
                           func.coalesce(func.sum(Contribution.amount), 0),
                           func.coalesce(func.sum(Contribution.expert_days), 0))
                    .join(ExchangeParty, ExchangeParty.id == Contribution.party_id)
                    .where(_within(ExchangeParty.exchange_id, f))
                    .group_by(Contribution.kind, ExchangeParty.role, Contribution.currency))
    return {
        "cofinancing": [{"partner_id": i, "partner": n, "currency": c, "contributions": int(k),
                         "amount": _money(a)}
                        for i, n, c, k, a in sorted(cofin, key=lambda r: (r[1], r[2] or ""))],
        "by_kind": [{"kind": str(k), "role": str(r), "currency": c, "contributions": int(n),
                     "amount": _money(a) if c else None, "expert_days": _num(d)}
                    for k, r, c, n, a, d in sorted(by_kind, key=lambda r: (str(r[0]), str(r[1]), r[2] or ""))],
    }


def pipeline(f: Filters) -> dict[str, Any]:
    """Requests submitted -> published -> proposed -> approved -> agreed -> closed, and the days each step took.

    Each request's first submission, first proposal and exchange are aggregated once (GROUP BY) and joined, so the
    database reads each table once instead of once per request."""
    conds = _record_conditions(Request, f)
    submitted = (select(Event.record_id.label("request_id"), func.min(Event.at).label("at"))
                 .where(Event.record_type == "request", Event.action == "submit").group_by(Event.record_id).subquery())
    proposed = (select(Match.request_id, func.min(Match.created_at).label("at"))
                .group_by(Match.request_id).subquery())
    exchanged = (select(Exchange.request_id,
                        func.max(case((Exchange.agreement_date.is_not(None), 1), else_=0)).label("agreed"),
                        func.max(case((Exchange.status == ExchangeState.CLOSED, 1), else_=0)).label("closed"))
                 .group_by(Exchange.request_id).subquery())
    row = db.session.execute(
        select(func.count(case((Request.status != RequestState.DRAFT, 1))), func.count(Request.published_at),
               func.count(proposed.c.request_id), func.count(exchanged.c.request_id),
               func.coalesce(func.sum(exchanged.c.agreed), 0), func.coalesce(func.sum(exchanged.c.closed), 0))
        .select_from(Request).outerjoin(proposed, proposed.c.request_id == Request.id)
        .outerjoin(exchanged, exchanged.c.request_id == Request.id).where(*conds)).one()
    stages = dict(zip(("submitted", "published", "proposed", "approved", "agreed", "closed"),
                      (int(v or 0) for v in row), strict=True))
    m = aliased(Match)
    durations = {
        "to_publish": _quantiles(select(_days_between(submitted.c.at, Request.published_at))
                                 .join(submitted, submitted.c.request_id == Request.id)
                                 .where(*conds, Request.published_at.is_not(None))),
        "to_first_proposal": _quantiles(select(_days_between(Request.published_at, proposed.c.at))
                                        .join(proposed, proposed.c.request_id == Request.id)
                                        .where(*conds, Request.published_at.is_not(None))),
        "to_approval": _quantiles(select(_days_between(m.created_at, Exchange.created_at))
                                  .join(m, m.id == Exchange.match_id).join(Request, Request.id == Exchange.request_id)
                                  .where(*conds)),
    }
    return {"stages": stages, "durations": durations}


def proposals(f: Filters) -> dict[str, Any]:
    """Matches proposed by state, acceptance and decline rates of those decided, and the decline reasons."""
    conds = [_within_matches(f)]
    by_state = {str(s): int(n) for s, n in _rows(select(Match.status, func.count()).where(*conds)
                                                  .group_by(Match.status))}
    decided = sum(by_state.get(s, 0) for s in DECIDED_MATCHES)
    reason = func.coalesce(Match.requester_reason, Match.provider_reason, Match.decision_reason, literal(""))
    reasons = _rows(select(reason, func.count()).where(*conds, Match.status.in_((MatchState.DECLINED,
                                                                                 MatchState.REJECTED)))
                    .group_by(reason).order_by(func.count().desc(), reason).limit(20))
    return {
        "proposed": sum(by_state.values()), "by_state": by_state, "decided": decided,
        "acceptance_rate": round(by_state.get(MatchState.APPROVED, 0) / decided, 3) if decided else None,
        "decline_rate": round((by_state.get(MatchState.DECLINED, 0) + by_state.get(MatchState.REJECTED, 0)) / decided,
                              3) if decided else None,
        "decline_reasons": [{"reason": r, "matches": int(n)} for r, n in reasons],
    }


def results(f: Filters) -> dict[str, Any]:
    """Results reported: policy and practice changes, ratings, exchanges evaluated."""
    def _said(col):  # a text that says something
        return case((and_(col.is_not(None), func.length(func.trim(col)) > 0), 1))
    policy, practice, reports, rated, avg = db.session.execute(select(
        func.count(_said(Result.policy_changes)), func.count(_said(Result.practice_changes)), func.count(),
        func.count(Result.rating), func.avg(Result.rating)).where(_within(Result.exchange_id, f))).one()
    ratings = dict(_rows(select(Result.rating, func.count()).where(_within(Result.exchange_id, f),
                                                                   Result.rating.is_not(None)).group_by(Result.rating)))
    evaluated = _scalar(select(func.count()).select_from(Exchange).where(_within(Exchange.id, f),
                                                                         Exchange.status.in_(EVALUATED)))
    return {"reports": int(reports), "policy_changes": int(policy), "practice_changes": int(practice),
            "rated": int(rated), "average_rating": round(float(avg), 2) if avg is not None else None,
            "ratings": {int(k): int(v) for k, v in sorted(ratings.items())}, "exchanges_evaluated": _int(evaluated)}


def actors(f: Filters) -> list[dict[str, Any]]:
    """Participation of diverse actors: distinct organisations per party role and organisation kind."""
    rows = _rows(select(ExchangeParty.role, Organisation.kind, func.count(distinct(Organisation.id)))
                 .join(Organisation, Organisation.id == ExchangeParty.organisation_id)
                 .where(_within(ExchangeParty.exchange_id, f))
                 .group_by(ExchangeParty.role, Organisation.kind))
    return [{"role": str(r), "kind": str(k), "organisations": int(n)}
            for r, k, n in sorted(rows, key=lambda r: (str(r[0]), str(r[1])))]


def _concentration(counts: Select) -> dict[str, Any]:
    """From a select of (provider, n): providers, the total, and the share of the top 10 providers."""
    sub = counts.subquery()
    n_col = list(sub.c)[1]
    providers, total = db.session.execute(select(func.count(), func.coalesce(func.sum(n_col), 0))).one()
    top10 = select(n_col.label("n")).order_by(n_col.desc()).limit(TOP_PROVIDERS).subquery()
    top = _scalar(select(func.coalesce(func.sum(top10.c.n), 0))) or 0
    once = _scalar(select(func.count()).select_from(sub).where(n_col == 1)) or 0
    return {"providers": int(providers or 0), "total": int(total or 0),
            "top10_share": round(int(top) / int(total), 3) if total else None,
            "providers_with_one": int(once)}


def exposure(f: Filters) -> dict[str, Any]:
    """How concentrated proposals and approved matches are across providers (top 10 providers' share)."""
    proposed = (select(Offer.organisation_id, func.count(Match.id)).join(Offer, Offer.id == Match.offer_id)
                .where(_within_matches(f)).group_by(Offer.organisation_id))
    approved = (select(Offer.organisation_id, func.count(Exchange.id)).join(Offer, Offer.id == Exchange.offer_id)
                .where(_within(Exchange.id, f)).group_by(Offer.organisation_id))
    return {"proposals": _concentration(proposed), "approved": _concentration(approved)}


def headline(f: Filters | None = None, experts_mobilised: int | None = None,
             people_trained: int | None = None) -> dict[str, int]:
    """The front page's figures: exchanges running or done, experts mobilised, countries (requesting or
    providing) in those exchanges, people trained as reported in results, published offers and requests."""
    f = f or Filters()
    counted = (_within(Exchange.id, f), Exchange.status.in_(RUNNING_OR_DONE))
    n_exchanges = _scalar(select(func.count()).select_from(Exchange).where(*counted))
    req = select(Request.country_code).join(Exchange, Exchange.request_id == Request.id).where(*counted)
    off = select(Offer.country_code).join(Exchange, Exchange.offer_id == Offer.id).where(*counted)
    n_countries = _scalar(select(func.count()).select_from(req.union(off).subquery()))
    return {
        "exchanges": _int(n_exchanges),
        "experts": experts(f)["mobilised"] if experts_mobilised is None else experts_mobilised,
        "countries": _int(n_countries),
        "people_trained": trained(f)["people_trained"] if people_trained is None else people_trained,
        "offers": _int(_scalar(select(func.count()).where(*_record_conditions(Offer, f),
                                                          Offer.status == OfferState.PUBLISHED))),
        "requests": _int(_scalar(select(func.count()).where(*_record_conditions(Request, f),
                                                            Request.status == RequestState.PUBLISHED))),
    }


def _year(column) -> ColumnElement:
    if db.engine.dialect.name == "sqlite":
        return func.cast(func.strftime("%Y", column), db.Integer)
    return func.cast(extract("year", column), db.Integer)


def by_year(f: Filters) -> list[dict[str, Any]]:
    """Per year of approval: exchanges (running or done), participants, people trained, expert-days."""
    year = _year(Exchange.created_at)
    within = _within(Exchange.id, f)
    counted = dict(_rows(select(year, func.count()).where(within, Exchange.status.in_(RUNNING_OR_DONE))
                         .group_by(year)))
    total = Activity.participants_female + Activity.participants_male + Activity.participants_other
    part = dict(_rows(select(year, func.sum(total)).join(Activity, Activity.exchange_id == Exchange.id)
                      .where(within).group_by(year)))
    train = dict(_rows(select(year, func.sum(Result.people_trained)).join(Result, Result.exchange_id == Exchange.id)
                       .where(within).group_by(year)))
    days = dict(_rows(select(year, func.sum(ExchangeExpert.expert_days))
                      .join(ExchangeExpert, ExchangeExpert.exchange_id == Exchange.id)
                      .where(within).group_by(year)))
    years = sorted(set(counted) | set(part) | set(train) | set(days))
    return [{"year": int(y), "exchanges": _int(counted.get(y)), "participants": _int(part.get(y)),
             "people_trained": _int(train.get(y)), "expert_days": _num(days.get(y))} for y in years]


def by_sector(f: Filters) -> list[dict[str, Any]]:
    """Per sector of the request: exchanges running or done, and published requests and offers."""
    ex = dict(_rows(select(request_sectors.c.sector_code, func.count(Exchange.id))
                    .join(Exchange, Exchange.request_id == request_sectors.c.request_id)
                    .where(_within(Exchange.id, f), Exchange.status.in_(RUNNING_OR_DONE))
                    .group_by(request_sectors.c.sector_code)))
    req = dict(_rows(select(request_sectors.c.sector_code, func.count())
                     .join(Request, Request.id == request_sectors.c.request_id)
                     .where(*_record_conditions(Request, f), Request.status == RequestState.PUBLISHED)
                     .group_by(request_sectors.c.sector_code)))
    off = dict(_rows(select(offer_sectors.c.sector_code, func.count())
                     .join(Offer, Offer.id == offer_sectors.c.offer_id)
                     .where(*_record_conditions(Offer, f), Offer.status == OfferState.PUBLISHED)
                     .group_by(offer_sectors.c.sector_code)))
    codes = sorted(set(ex) | set(req) | set(off), key=lambda c: (-ex.get(c, 0), c))
    return [{"sector": c, "exchanges": _int(ex.get(c)), "published_requests": _int(req.get(c)),
             "published_offers": _int(off.get(c))} for c in codes]


def report(actor, f: Filters) -> dict[str, Any]:
    """Every indicator for the secretariat, the admin, or a partner (then restricted to the exchanges it
    supports): /reports, GET /api/v1/indicators and the indicator exports."""
    from kb import permissions

    error = permissions.reports_refusal(actor)
    if error is not None:
        raise error
    partner = permissions.reports_partner(actor)
    return compute(f.restricted_to_partner(partner) if partner else f)


def public(f: Filters) -> dict[str, Any]:
    """What anyone may see (/transparency, country profiles): aggregates only, no organisation or person named,
    no free text (decline reasons, co-financing by partner are left out)."""
    return {
        "filters": f.as_dict(), "headline": headline(f), "by_year": by_year(f), "by_sector": by_sector(f),
        "countries": countries(f), "flows": flows(f), "participants": participants(f), "trained": trained(f),
        "results": results(f),
        "experts": {k: v for k, v in experts(f).items() if k != "by_sex"},
        "requests_by_state": {k: v for k, v in records_by_state(Request, f).items() if k in ("published", "matched",
                                                                                               "closed")},
        "offers_by_state": {k: v for k, v in records_by_state(Offer, f).items() if k == "published"},
    }


def compute(f: Filters) -> dict[str, Any]:
    """Every indicator under the filter (the dashboard, the API and the indicator exports)."""
    e, t = experts(f), trained(f)
    return {
        "filters": f.as_dict(),
        "headline": headline(f, e["mobilised"], t["people_trained"]),
        "exchanges_by_state": exchanges_by_state(f),
        "requests_by_state": records_by_state(Request, f),
        "offers_by_state": records_by_state(Offer, f),
        "countries": countries(f),
        "flows": flows(f),
        "experts": e,
        "participants": participants(f),
        "trained": t,
        "contributions": contributions(f),
        "pipeline": pipeline(f),
        "proposals": proposals(f),
        "results": results(f),
        "actors": actors(f),
        "exposure": exposure(f),
        "by_year": by_year(f),
        "by_sector": by_sector(f),
    }


# --- the indicators as tables (the pages' tables, their CSV downloads, the indicator exports) ------------

def _kv(mapping: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    return {"columns": [first, second], "rows": [[k, v] for k, v in mapping.items()]}


def _table(items: list[dict[str, Any]], columns: list[str]) -> dict[str, Any]:
    return {"columns": columns, "rows": [[item.get(c) for c in columns] for item in items]}


def tables(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The indicators of compute() or public() as named tables: {name: {"columns": [...], "rows": [[...]]}}.
    Column names are stable identifiers (CSV headers); the pages translate them."""
    out: dict[str, dict[str, Any]] = {}
    if "headline" in r:
        out["headline"] = _kv(r["headline"], "measure", "value")
    if "by_year" in r:
        out["by_year"] = _table(r["by_year"], ["year", "exchanges", "participants", "people_trained", "expert_days"])
    for key, noun in (("exchanges_by_state", "exchanges"), ("requests_by_state", "requests"),
                      ("offers_by_state", "offers")):
        if key in r:
            out[key] = _kv(r[key], "state", noun)
    if "countries" in r:
        out["countries"] = _table(r["countries"], ["country", "as_requester", "as_provider"])
    if "flows" in r:
        out["flows"] = _table(r["flows"], ["provider_country", "requester_country", "exchanges"])
    if "by_sector" in r:
        out["by_sector"] = _table(r["by_sector"], ["sector", "exchanges", "published_requests", "published_offers"])
    if "experts" in r:
        e = r["experts"]
        out["experts"] = _kv({k: e[k] for k in ("mobilised", "expert_days", "daily_rate", "in_kind_value",
                                                "in_kind_currency")}, "measure", "value")
        if "by_sex" in e:
            out["experts_by_sex"] = _kv(e["by_sex"], "sex", "experts")
    if "participants" in r:
        p = r["participants"]
        out["participants"] = _table(p["by_kind"], ["kind", "activities", "female", "male", "other", "total"])
        out["participants"]["rows"].append(["total", p["activities"], p["female"], p["male"], p["other"], p["total"]])
    if "trained" in r:
        out["trained"] = _kv(r["trained"], "measure", "value")
    if "contributions" in r:
        out["cofinancing"] = _table(r["contributions"]["cofinancing"], ["partner", "currency", "contributions", "amount"])
        out["contributions"] = _table(r["contributions"]["by_kind"],
                                      ["kind", "role", "currency", "contributions", "amount", "expert_days"])
    if "pipeline" in r:
        out["pipeline"] = _kv(r["pipeline"]["stages"], "stage", "requests")
        out["durations"] = {"columns": ["step", "count", "median_days", "p90_days"],
                            "rows": [[k, v["count"], v["median_days"], v["p90_days"]]
                                     for k, v in r["pipeline"]["durations"].items()]}
    if "proposals" in r:
        pr = r["proposals"]
        out["proposals"] = _kv({**pr["by_state"], "acceptance_rate": pr["acceptance_rate"],
                                "decline_rate": pr["decline_rate"]}, "state", "matches")
        out["decline_reasons"] = _table(pr["decline_reasons"], ["reason", "matches"])
    if "results" in r:
        res = r["results"]
        out["results"] = _kv({k: res[k] for k in ("reports", "policy_changes", "practice_changes",
                                                  "exchanges_evaluated", "rated", "average_rating")},
                             "measure", "value")
        out["ratings"] = _kv(res["ratings"], "rating", "results")
    if "actors" in r:
        out["actors"] = _table(r["actors"], ["role", "kind", "organisations"])
    if "exposure" in r:
        out["exposure"] = {"columns": ["measure", "providers", "total", "top10_share", "providers_with_one"],
                           "rows": [[k, v["providers"], v["total"], v["top10_share"], v["providers_with_one"]]
                                    for k, v in r["exposure"].items()]}
    return out


def partner_options() -> list[tuple[int, str]]:
    """(id, name) of the organisations that are partner parties of some exchange (the reports' partner filter)."""
    return [(int(i), n) for i, n in _rows(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(
            select(ExchangeParty.organisation_id).where(ExchangeParty.role == PartyRole.PARTNER)))
        .order_by(Organisation.name))]


PROFILE_LIMIT = 50


def country_profile(code: str) -> dict[str, Any]:
    """A country's public profile: its published requests and offers, its exchanges (agreed or later, as
    requester or provider), and the public figures filtered to it. Unknown country: 404."""
    from kb.errors import NotFound
    from kb.models import Country
    from kb.services.pages import first

    country = db.session.get(Country, code) if len(code) == 2 else None
    if country is None:
        raise NotFound(lazy_gettext("Country %(code)s not found.", code=code))
    f = Filters(country=code)
    requests = first(select(Request).where(Request.country_code == code, Request.status.in_(
        (RequestState.PUBLISHED, RequestState.MATCHED, RequestState.CLOSED))).order_by(Request.published_at.desc()),
        PROFILE_LIMIT)
    offers = first(select(Offer).where(Offer.country_code == code, Offer.status == OfferState.PUBLISHED)
                   .order_by(Offer.published_at.desc()), PROFILE_LIMIT)
    exchanges = first(exchanges_query(f).where(Exchange.status.in_(RUNNING_OR_DONE))
                      .order_by(None).order_by(Exchange.created_at.desc()), PROFILE_LIMIT)
    return {"country": country, "figures": public(f), "requests": requests, "offers": offers,
            "exchanges": exchanges}
