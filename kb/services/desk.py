"""The matching desk's list of published requests without a proposal yet (the page and the API share it).

Oldest first by default: the wait is what the secretariat owes the requester, it is exact and stable (a page does not
reshuffle when an offer is published), and it is one indexed query. `order="fit"` puts the weakest best fit first
(no candidate at all, then the lowest calibrated fit; ties: oldest first): each request's best fit is ranked on the
process's catalogue, so that order examines at most KB_UNMET_LIMIT requests, the oldest. Either way the number of
statements does not depend on the page size (one ranking per request shown, on the catalogue in memory).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload, undefer

from kb import permissions
from kb.errors import Forbidden
from kb.i18n import N_
from kb.models import Request, RequestState, User, utcnow
from kb.services import matching
from kb.services.pages import ListPagination, first, paginate
from kb.services.workspace import no_live_match

ORDERS = ("age", "fit")


@dataclass
class Waiting:
    """A published request without a proposal yet, its age and its best suggestion's fit right now."""

    request: Request
    days_published: int | None
    best_fit: float | None
    band: str | None


def _unproposed() -> Select:
    return (select(Request).where(Request.status == RequestState.PUBLISHED).where(no_live_match())
            .order_by(Request.published_at, Request.id)
            .options(undefer(Request.embedding), undefer(Request.embedding_e5), selectinload(Request.sectors),
                     selectinload(Request.modalities), selectinload(Request.languages)))


def _with_fits(requests: list[Request]) -> list[Waiting]:
    fits = matching.best_fits(requests)
    now = utcnow()
    return [Waiting(r, (now - r.published_at).days if r.published_at else None, fits[r.id],
                    matching.fit_band(fits[r.id]) if fits[r.id] is not None else None) for r in requests]


def unproposed_requests(actor: User | None, order: str = "age", page: int = 1, per_page: int = 20) -> Pagination:
    """One page of the published requests without a proposal yet (workspace.no_live_match), for the secretariat
    and the admin: oldest first, or weakest best fit first (order="fit"); items are `Waiting`."""
    if not permissions.is_staff(actor):
        raise Forbidden(N_("The requests waiting for a proposal are the secretariat's list."))
    if order == "fit":
        items = _with_fits(first(_unproposed(), current_app.config["KB_UNMET_LIMIT"]))
        items.sort(key=lambda w: (w.best_fit is not None, w.best_fit or 0.0))  # stable: oldest first on ties
        return ListPagination(items, page, per_page)
    pagination = paginate(_unproposed(), page, per_page)
    pagination.items = _with_fits(list(pagination.items))
    return pagination


def as_dict(w: Waiting) -> dict[str, Any]:
    """A list item as the API gives it."""
    r = w.request
    return {"id": r.id, "title": r.title, "country_code": r.country_code, "text_lang": r.text_lang,
            "organisation_id": r.organisation_id, "published_at": r.published_at,
            "days_published": w.days_published, "best_fit": w.best_fit, "band": w.band,
            "seeks_cofinancing": bool(r.seeks_cofinancing)}
