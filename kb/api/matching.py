"""Suggestions (request -> offers, offer -> requests) and free-text search."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import current_user, page_of
from kb.schemas.common import page_schema
from kb.schemas.matching import (
    SearchQuerySchema,
    SuggestedPartnerListSchema,
    SuggestionListSchema,
    SuggestionQuerySchema,
    WaitingQuerySchema,
    WaitingRequestSchema,
)
from kb.schemas.records import DuplicateListSchema
from kb.services import desk, matching, partner_fit

blp = Blueprint("matching", __name__, url_prefix="", description="Suggestions and search")
BLUEPRINTS = [blp]


def _args(args: dict) -> matching.SuggestionArgs:
    return matching.SuggestionArgs(**{k: v for k, v in args.items() if k not in ("q", "kind")})


def _page(items: list, args: dict, judged: bool = True) -> dict:
    return {"items": items, "k": args["k"], "revision": matching.manager().revision,
            "has_strong": matching.has_strong(items) if judged else None}


@blp.route("/requests/<int:record_id>/suggestions")
class RequestSuggestions(MethodView):
    @blp.public
    @blp.arguments(SuggestionQuerySchema, location="query")
    @blp.response(200, SuggestionListSchema)
    def get(self, args, record_id):
        """Published, unexpired offers that could meet this request, best first, with explanations."""
        return _page(matching.suggest(current_user(), "request", record_id, _args(args)), args)


@blp.route("/offers/<int:record_id>/suggestions")
class OfferSuggestions(MethodView):
    @blp.public
    @blp.arguments(SuggestionQuerySchema, location="query")
    @blp.response(200, SuggestionListSchema)
    def get(self, args, record_id):
        """Published requests this offer could serve, best first, with explanations."""
        return _page(matching.suggest(current_user(), "offer", record_id, _args(args)), args)


@blp.route("/search")
class Search(MethodView):
    @blp.public
    @blp.arguments(SearchQuerySchema, location="query")
    @blp.response(200, SuggestionListSchema)
    def get(self, args):
        """Semantic search of published offers (kind=offers) or requests, in en/es/pt/fr."""
        return _page(matching.search(current_user(), args["q"], args["kind"], _args(args)), args, judged=False)


@blp.route("/requests/<int:record_id>/duplicates")
class RequestDuplicates(MethodView):
    @blp.response(200, DuplicateListSchema)
    def get(self, record_id):
        """Published or in-review requests, in any language, whose text is nearly the same as this one's."""
        return {"items": matching.duplicates(current_user(), "request", record_id)}


@blp.route("/offers/<int:record_id>/duplicates")
class OfferDuplicates(MethodView):
    @blp.response(200, DuplicateListSchema)
    def get(self, record_id):
        """Published or in-review offers, in any language, whose text is nearly the same as this one's."""
        return {"items": matching.duplicates(current_user(), "offer", record_id)}


@blp.route("/requests/without-proposal")
class RequestsWithoutProposal(MethodView):
    @blp.refuses(403)
    @blp.arguments(WaitingQuerySchema, location="query")
    @blp.response(200, page_schema(WaitingRequestSchema, "WaitingRequestPage"))
    def get(self, args):
        """Published requests without a proposed match yet (secretariat and admin), oldest first or weakest best
        fit first, with their age in days and best fit."""
        page = desk.unproposed_requests(current_user(), args["order"], args["page"], args["per_page"])
        out = page_of(page)
        out["items"] = [desk.as_dict(w) for w in page.items]
        return out


@blp.route("/requests/<int:record_id>/suggested-partners")
class RequestPartners(MethodView):
    @blp.refuses(403)
    @blp.response(200, SuggestedPartnerListSchema)
    def get(self, record_id):
        """Partner organisations that could co-finance this request, best first, with the reasons (secretariat
        and admin)."""
        return {"items": partner_fit.for_request(current_user(), record_id)}


@blp.route("/exchanges/<int:exchange_id>/suggested-partners")
class ExchangePartners(MethodView):
    @blp.refuses(403)
    @blp.response(200, SuggestedPartnerListSchema)
    def get(self, exchange_id):
        """Partner organisations that could support this exchange, best first, with the reasons (secretariat and
        admin)."""
        return {"items": partner_fit.for_exchange(current_user(), exchange_id)}
