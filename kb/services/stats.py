"""Headline figures of the knowledge bank (public front page)."""
from __future__ import annotations

from sqlalchemy import distinct, func, select

from kb.extensions import db
from kb.models import (
    Activity,
    Exchange,
    ExchangeParty,
    ExchangeState,
    Offer,
    OfferState,
    Organisation,
    Request,
    RequestState,
    Result,
)
from kb.models.records import offer_experts

RUNNING_OR_DONE = (ExchangeState.AGREED, ExchangeState.IN_PROGRESS, ExchangeState.COMPLETED,
                   ExchangeState.EVALUATED, ExchangeState.CLOSED)


def headline() -> dict[str, int]:
    """Exchanges, experts mobilised, countries involved, people trained, published offers and requests."""
    exchanges = db.session.scalar(select(func.count()).select_from(Exchange).where(
        Exchange.status.in_(RUNNING_OR_DONE))) or 0
    experts = db.session.scalar(
        select(func.count(distinct(offer_experts.c.expert_id))).select_from(offer_experts)
        .join(Exchange, Exchange.offer_id == offer_experts.c.offer_id)
        .where(Exchange.status.in_(RUNNING_OR_DONE))) or 0
    countries = db.session.scalar(
        select(func.count(distinct(Organisation.country_code)))
        .select_from(ExchangeParty).join(Organisation, Organisation.id == ExchangeParty.organisation_id)
        .join(Exchange, Exchange.id == ExchangeParty.exchange_id)
        .where(Exchange.status.in_(RUNNING_OR_DONE))) or 0
    trained_reported = db.session.scalar(select(func.coalesce(func.sum(Result.people_trained), 0))) or 0
    participants = db.session.scalar(select(func.coalesce(func.sum(
        Activity.participants_female + Activity.participants_male + Activity.participants_other), 0))) or 0
    return {
        "exchanges": int(exchanges),
        "experts": int(experts),
        "countries": int(countries),
        "people_trained": int(max(trained_reported, participants)),
        "offers": int(db.session.scalar(select(func.count()).select_from(Offer).where(
            Offer.status == OfferState.PUBLISHED)) or 0),
        "requests": int(db.session.scalar(select(func.count()).select_from(Request).where(
            Request.status == RequestState.PUBLISHED)) or 0),
    }
