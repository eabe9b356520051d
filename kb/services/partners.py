"""A partner offers a contribution to an open exchange; the secretariat accepts it (the partner joins the exchange
with that contribution, and the parties see it) or declines it with a reason; the partner may withdraw it.

Joining is not instant and unilateral any more: kb/permissions.py refuses a partner's direct join."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select

from kb import i18n, permissions
from kb import workflow as wf
from kb.errors import Conflict, Forbidden, NotFound, ValidationFailed
from kb.extensions import db
from kb.i18n import N_
from kb.models import (
    Contribution,
    ContributionOffer,
    ContributionOfferState,
    Exchange,
    ExchangeParty,
    PartyRole,
    Role,
    User,
    utcnow,
)
from kb.services import access, unit_of_work
from kb.services.audit import record_event
from kb.services.pages import paginate

FIELDS = ("kind", "amount", "currency", "expert_days", "description")


def _check(data: dict[str, Any]) -> None:
    if data["kind"] == "money" and (data.get("amount") is None or not data.get("currency")):
        raise ValidationFailed({"amount": [N_("A money contribution needs an amount and a currency.")]})
    if data["kind"] == "expert-days" and not data.get("expert_days"):
        raise ValidationFailed({"expert_days": [N_("Give the number of expert-days.")]})


def _details(offer: ContributionOffer) -> dict[str, Any]:
    return {"exchange_id": offer.exchange_id, "organisation_id": offer.organisation_id, "kind": str(offer.kind),
            "amount": str(offer.amount) if offer.amount is not None else None, "currency": offer.currency,
            "expert_days": offer.expert_days, "description": offer.description}


def offer_contribution(actor: User, exchange_id: int, data: dict[str, Any]) -> ContributionOffer:
    """A partner offers what it would bring to an open exchange it can see; the secretariat is told."""
    with unit_of_work() as session:
        exchange = access.get_or_404(access.visible_exchanges(actor).where(Exchange.id == exchange_id),
                                     "Exchange", exchange_id)
        permissions.require(actor, exchange, permissions.OFFER_CONTRIBUTION)
        pending = session.scalar(select(ContributionOffer.id).where(
            ContributionOffer.exchange_id == exchange.id, ContributionOffer.organisation_id == actor.organisation_id,
            ContributionOffer.status == ContributionOfferState.OFFERED))
        if pending:
            raise Conflict(lazy_gettext("Your organisation's offer %(id)s to this exchange waits for the "
                                        "secretariat's answer.", id=pending))
        _check(data)
        offer = ContributionOffer(exchange_id=exchange.id, organisation_id=actor.organisation_id,
                                  status=ContributionOfferState.OFFERED, offered_by_id=actor.id,
                                  **{k: data.get(k) for k in FIELDS})
        offer.exchange = exchange
        session.add(offer)
        session.flush()
        record_event(actor, offer, "offer", None, offer.status, details=_details(offer))
    return offer


def visible_offers(actor: User | None) -> Select:
    """Contribution offers: the secretariat and the admin see all; a partner its organisation's."""
    if actor is None:
        raise Forbidden(N_("Sign in to see contribution offers."))
    stmt = select(ContributionOffer)
    if permissions.is_staff(actor):
        return stmt
    if actor.role == Role.PARTNER:
        return stmt.where(ContributionOffer.organisation_id == actor.organisation_id)
    return stmt.where(False)


@dataclass
class OfferFilters:
    """Filters of the contribution offer list."""

    status: str | None = None
    exchange_id: int | None = None


def list_offers(actor: User | None, f: OfferFilters, page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the contribution offers the actor may see, oldest first (the secretariat's queue)."""
    stmt = visible_offers(actor).order_by(ContributionOffer.id)
    if f.status:
        stmt = stmt.where(ContributionOffer.status == f.status)
    if f.exchange_id:
        stmt = stmt.where(ContributionOffer.exchange_id == f.exchange_id)
    return paginate(stmt, page, per_page)


def get_offer(actor: User | None, offer_id: int) -> ContributionOffer:
    """One contribution offer the actor may see, else 404."""
    offer = db.session.scalar(visible_offers(actor).where(ContributionOffer.id == offer_id))
    if offer is None:
        raise NotFound(lazy_gettext("Contribution offer %(id)s not found.", id=offer_id))
    return offer


def transition_offer(actor: User, offer_id: int, action: str, reason: str | None = None,
                     version: int | None = None) -> ContributionOffer:
    """accept (secretariat: the partner joins the exchange with the contribution), decline (secretariat, with a
    reason the partner reads), withdraw (the partner)."""
    with unit_of_work():
        offer = get_offer(actor, offer_id)
        t = wf.CONTRIBUTION_OFFER.check(offer.status, action, permissions.contribution_offer_capacities(actor, offer),
                                        reason)
        access.require_version(offer, version)
        now = utcnow()
        from_state = offer.status
        if action == "accept":
            exchange = offer.exchange
            if exchange.status not in permissions.OPEN_EXCHANGE:
                raise Conflict(lazy_gettext("An exchange that is %(state)s cannot take new partners.",
                                            state=i18n.state(exchange.status)))
            party = next((p for p in exchange.parties if p.organisation_id == offer.organisation_id
                          and p.role == PartyRole.PARTNER), None)
            if party is None:
                party = ExchangeParty(organisation_id=offer.organisation_id, role=PartyRole.PARTNER, joined_at=now)
                exchange.parties.append(party)
            contribution = Contribution(created_at=now, **{k: getattr(offer, k) for k in FIELDS})
            party.contributions.append(contribution)
            db.session.flush()
            offer.contribution_id = contribution.id
            exchange.updated_at = now
            record_event(actor, exchange, "join", exchange.status, exchange.status,
                         details={"organisation_id": offer.organisation_id, "contribution_offer_id": offer.id,
                                  "contribution": _details(offer)})
        if t.actor == wf.SECRETARIAT:
            offer.decided_by_id, offer.decided_at = actor.id, now
        offer.reason = reason
        offer.status = t.target
        offer.updated_at = now
        record_event(actor, offer, action, from_state, t.target, reason)
    return offer
