"""Public pages: the front page with headline figures, the catalogue of offers and requests."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from kb import permissions
from kb.errors import ValidationFailed
from kb.models import Offer, Request
from kb.schemas.records import OfferQuerySchema, RequestQuerySchema
from kb.services import cache, exchanges, matching, partner_fit, records, stats
from kb.web import display
from kb.web import helpers as h
from kb.web.display import viewer

bp = Blueprint("catalogue", __name__)
bp.context_processor(display.context)

KINDS = {"offers": (Offer, OfferQuerySchema), "requests": (Request, RequestQuerySchema)}
FILTERS = ("sector", "modality", "country", "region", "language", "text_lang")


@bp.route("/")
def home():
    """Front page: headline figures and a search box."""
    # Cached per process while no record or audited change is committed (and for a minute at most).
    return render_template("public/home.html", figures=cache.cached("headline", stats.headline))


@bp.route("/offers")
def offers():
    """Published offers: browse, search, filter."""
    return _catalogue("offers")


@bp.route("/requests")
def requests():
    """Published requests: browse, search, filter."""
    return _catalogue("requests")


@bp.route("/offers/<int:record_id>")
def offer(record_id: int):
    """One offer as the viewer may see it (published, or the viewer's own)."""
    return _record("offers", record_id)


@bp.route("/requests/<int:record_id>")
def request_page(record_id: int):
    """One request as the viewer may see it (published, or the viewer's own)."""
    return _record("requests", record_id)


def _catalogue(kind: str):
    model, query_schema = KINDS[kind]
    q = (request.args.get("q") or "").strip()
    # The text query goes to the semantic search (which allows longer queries than the list filter).
    args = {k: v for k, v in h.form_data(query_schema(), form=request.args).items()
            if k in FILTERS or k in ("page", "per_page")}
    loaded, errors = h.load(query_schema(), args)
    values = {k: request.args.get(k, "") for k in FILTERS}
    page = loaded["page"] if loaded else 1
    per_page = loaded["per_page"] if loaded else display.PER_PAGE
    items: list[Any] = []
    hits: list[dict[str, Any]] = []
    total = pages = 0
    if not errors:
        filters = {k: loaded[k] for k in FILTERS if loaded.get(k)}
        try:
            if q:
                found = matching.search_page(viewer(), q, kind, filters, page, per_page)
                hits = found.items
            else:
                f = records.RecordFilters(status="published", include_expired=False, **filters)
                found = records.list_records(model, viewer(), f, page, per_page)
                items = found.items
            total, pages = found.total, found.pages
        except ValidationFailed as exc:
            errors = h.messages(exc.errors)
    return render_template("public/list.html", kind=kind, q=q, values=values, items=items, hits=hits,
                           total=total, page=page, per_page=per_page, pages=pages, errors=errors), \
        (422 if errors else 200)


def _record(kind: str, record_id: int):
    model = KINDS[kind][0]
    user = viewer()
    record = records.get_record(model, user, record_id)
    caps = permissions.record_capacities(user, record)
    staff = permissions.is_staff(user)
    return render_template("public/record.html", kind=kind, record=record,
                           show_contacts=permissions.can_see_contacts(user, record),
                           is_owner="owner" in caps, my_offers=exchanges.proposable_offers(user, record), staff=staff,
                           desk=permissions.can_use_desk(user),
                           partners=partner_fit.for_request(user, record.id)
                           if staff and kind == "requests" and record.seeks_cofinancing else None)


