"""Suggested partners for an exchange or a request seeking co-financing (issue #12 section 6; docs/MATCHING.md,
"Suggested partners"): partner organisations ranked by their declared priorities and the exchanges they already
supported, each with its reasons in the reader's language. The secretariat's and the admin's tool; nothing changes.

A partner organisation is an active organisation with an active user in the partner role, or one that has supported
an exchange as a partner. Each dimension scores 0-1 and the score is their weighted sum (WEIGHTS, summing to 1):

- sectors: the share of the record's sectors among the partner's priority sectors;
- place: 1 when the record's country is among its priority countries, PLACE_REGION when it is in one of its priority
  regional groups;
- sdgs: the share of the record's SDGs among its priority SDGs;
- track record: exchanges it supported (as a partner, not cancelled) whose request shares a sector with the record
  or comes from the same country count 1, others 1/4; TRACK_FULL of them give the full score;
- contribution: 1 when the record seeks co-financing and the partner lists money among the contributions it makes.

An undeclared dimension scores 0 (no evidence either way), so a partner that declared nothing ranks by its track
record alone. Partners scoring 0, and organisations already parties of the exchange, are not suggested.
"""
from __future__ import annotations

import functools
from typing import Any

from babel import Locale
from babel.lists import format_list
from flask_babel import get_locale, gettext, ngettext
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kb import permissions
from kb.errors import Forbidden
from kb.extensions import db
from kb.i18n import N_, label_in_sentence
from kb.models import (
    ContributionKind,
    Exchange,
    ExchangeParty,
    ExchangeState,
    Organisation,
    PartyRole,
    Request,
    Role,
    User,
)
from kb.models.reference import country_groups
from kb.services import access, reference

WEIGHTS = {"sectors": 0.30, "place": 0.25, "sdgs": 0.15, "track_record": 0.20, "contribution": 0.10}
PLACE_REGION = 0.75   # the country is in a priority regional group rather than named itself
TRACK_FULL = 2.0      # similar exchanges supported for the full track-record score
OTHER_SUPPORT = 0.25  # what an exchange supported in other sectors and countries counts for
LIMIT = 20


def _lang() -> tuple[Locale, str]:
    locale = get_locale() or Locale.parse("en")
    return locale, str(locale)[:2]


def _partners() -> list[Organisation]:
    supported = select(ExchangeParty.organisation_id).where(ExchangeParty.role == PartyRole.PARTNER)
    with_partner_users = select(User.organisation_id).where(User.role == Role.PARTNER, User.active.is_(True))
    return list(db.session.scalars(select(Organisation).where(
        Organisation.active.is_(True), or_(Organisation.id.in_(supported), Organisation.id.in_(with_partner_users)))
        .order_by(Organisation.name, Organisation.id)))


def _supported(org_ids: list[int]) -> dict[int, list[Request]]:
    """Each partner's supported exchanges (not cancelled), as their requests (with sectors)."""
    if not org_ids:
        return {}
    rows = db.session.execute(select(ExchangeParty.organisation_id, Exchange.request_id).join(Exchange).where(
        ExchangeParty.role == PartyRole.PARTNER, ExchangeParty.organisation_id.in_(org_ids),
        Exchange.status != ExchangeState.CANCELLED)).all()
    requests = {r.id: r for r in db.session.scalars(select(Request).where(
        Request.id.in_({rid for _o, rid in rows})).options(selectinload(Request.sectors)))} if rows else {}
    out: dict[int, list[Request]] = {}
    for org_id, request_id in rows:
        out.setdefault(org_id, []).append(requests[request_id])
    return out


def rank_partners(record: Request, exclude: set[int], seeks_cofinancing: bool) -> list[dict[str, Any]]:
    """Partner organisations for a request's needs (its sectors, country, SDGs), best first, with reasons."""
    locale, lang = _lang()
    sectors, sdgs, country = set(record.sector_codes), set(record.sdg_numbers), record.country_code
    groups = set(db.session.scalars(select(country_groups.c.group_code).where(country_groups.c.country_code == country)))
    partners = [o for o in _partners() if o.id not in exclude]
    history = _supported([o.id for o in partners])
    sector_labels = reference.labels("sectors", lang)
    group_labels = reference.labels("regional_groups", lang)
    out = []
    for org in partners:
        parts: dict[str, float] = dict.fromkeys(WEIGHTS, 0.0)
        reasons: list[str] = []
        shared = sorted(sectors & set(org.priority_sectors or []))
        if shared:
            parts["sectors"] = len(shared) / len(sectors)
            reasons.append(gettext("Its priority sectors include %(list)s.",
                                   list=format_list([label_in_sentence(sector_labels.get(c, c)) for c in shared],
                                                    locale=locale)))
        if country in (org.priority_countries or []):
            parts["place"] = 1.0
            reasons.append(gettext("%(country)s is one of its priority countries.",
                                   country=reference.country_name(country, lang) or country))
        else:
            regions = sorted(groups & set(org.priority_regions or []))
            if regions:
                parts["place"] = PLACE_REGION
                reasons.append(gettext("%(country)s is in its priority region %(region)s.",
                                       country=reference.country_name(country, lang) or country,
                                       region=format_list([group_labels.get(g, g) for g in regions], locale=locale)))
        shared_sdgs = sorted(sdgs & {int(n) for n in org.priority_sdgs or []})
        if shared_sdgs:
            parts["sdgs"] = len(shared_sdgs) / len(sdgs)
            reasons.append(ngettext("It gives priority to SDG %(list)s.", "It gives priority to SDGs %(list)s.",
                                    len(shared_sdgs), list=format_list([str(n) for n in shared_sdgs], locale=locale)))
        supported = history.get(org.id, [])
        similar = sum(1 for r in supported if r.country_code == country or sectors & set(r.sector_codes))
        if supported:
            parts["track_record"] = min(1.0, (similar + OTHER_SUPPORT * (len(supported) - similar)) / TRACK_FULL)
            reasons.append(ngettext(
                "It already supports %(num)d exchange, %(similar)d of them in the same sectors or country.",
                "It already supports %(num)d exchanges, %(similar)d of them in the same sectors or country.",
                len(supported), similar=similar))
        if seeks_cofinancing and ContributionKind.MONEY.value in (org.priority_contributions or []):
            parts["contribution"] = 1.0
            reasons.append(gettext("It contributes money, and co-financing is sought."))
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        if score <= 0:
            continue
        out.append({"organisation": {"id": org.id, "name": org.name, "country_code": org.country_code,
                                     "kind": str(org.kind)},
                    "score": round(score, 3), "components": {k: round(v, 3) for k, v in parts.items()},
                    "reasons": reasons, "exchanges_supported": len(supported), "similar_supported": similar})
    out.sort(key=lambda p: (-p["score"], p["organisation"]["name"], p["organisation"]["id"]))
    return out[:LIMIT]


def _require_staff(actor: User | None) -> None:
    if not permissions.is_staff(actor):
        raise Forbidden(N_("Suggested partners are the secretariat's tool."))


@functools.cache
def _request_options() -> tuple:
    """The request's loader options, built once: access.get_visible_record caches its statement by them (new option
    objects on every call never compare equal, and filled that cache for nothing)."""
    return selectinload(Request.sectors), selectinload(Request.sdgs)


def for_request(actor: User | None, request_id: int) -> list[dict[str, Any]]:
    """Suggested partners for a request (its organisation left out)."""
    _require_staff(actor)
    record = access.get_visible_record(Request, request_id, actor, options=_request_options())
    return rank_partners(record, {record.organisation_id}, bool(record.seeks_cofinancing))


def for_exchange(actor: User | None, exchange_id: int) -> list[dict[str, Any]]:
    """Suggested partners for an exchange (its parties left out), by its request's needs."""
    from kb.services.exchanges import get_exchange

    _require_staff(actor)
    exchange = get_exchange(actor, exchange_id)
    parties = {p.organisation_id for p in exchange.parties}
    return rank_partners(exchange.request, parties, bool(exchange.request.seeks_cofinancing))
