"""Suggestions (request -> offers, offer -> requests) and free-text search."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import current_user
from kb.schemas.matching import (
    SearchQuerySchema,
    SuggestionListSchema,
    SuggestionQuerySchema,
)
from kb.schemas.records import DuplicateListSchema
from kb.services import matching

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
