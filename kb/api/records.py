"""/requests, /offers (with transitions) and /experts."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import current_user, page_of, require_user
from kb.models import Offer, Request
from kb.schemas.common import page_schema
from kb.schemas.records import (
    ExpertInSchema,
    ExpertOutSchema,
    ExpertPatchSchema,
    ExpertQuerySchema,
    OfferInSchema,
    OfferOutSchema,
    OfferPatchSchema,
    OfferQuerySchema,
    OfferTransitionSchema,
    RequestInSchema,
    RequestOutSchema,
    RequestPatchSchema,
    RequestQuerySchema,
    RequestTransitionSchema,
)
from kb.services import records as svc
from kb.services.pages import filters_from

requests_blp = Blueprint("requests", __name__, url_prefix="/requests", description="Requests for cooperation")
offers_blp = Blueprint("offers", __name__, url_prefix="/offers", description="Offers of expertise")
experts_blp = Blueprint("experts", __name__, url_prefix="/experts", description="Expert rosters (personal data)")
BLUEPRINTS = [requests_blp, offers_blp, experts_blp]

def _record_views(blp: Blueprint, model, in_schema, patch_schema, out_schema, query_schema, page_name,
                  transition_schema):
    noun = model.__name__.lower()

    @blp.route("")
    class Collection(MethodView):
        @blp.public
        @blp.arguments(query_schema, location="query")
        @blp.response(200, page_schema(out_schema, page_name))
        def get(self, args):
            """List the records the caller may see (anonymous: published only), with filters."""
            return page_of(svc.list_records(model, current_user(), filters_from(svc.RecordFilters, args),
                                            args["page"], args["per_page"]))

        @blp.refuses(403, 409)
        @blp.arguments(in_schema)
        @blp.response(201, out_schema)
        def post(self, data):
            """Create a draft for the caller's organisation (the secretariat names one)."""
            return svc.create_record(model, require_user(), data)

    @blp.route("/<int:record_id>")
    class Item(MethodView):
        @blp.public
        @blp.response(200, out_schema)
        def get(self, record_id):
            """One record the caller may see."""
            return svc.get_record(model, current_user(), record_id)

        @blp.refuses(403, 409)
        @blp.arguments(patch_schema(partial=True))
        @blp.response(200, out_schema)
        def patch(self, data, record_id):
            """Edit (owner while draft or returned; secretariat until published). Send `version`."""
            version = data.pop("version", None)
            return svc.update_record(model, require_user(), record_id, data, version)

    @blp.route("/<int:record_id>/transitions")
    class Transitions(MethodView):
        @blp.refuses(403, 409)
        @blp.arguments(transition_schema)
        @blp.response(200, out_schema)
        def post(self, data, record_id):
            """Apply a workflow action: submit, publish, return, reject, withdraw, archive, renew, close."""
            action, reason, version = data.pop("action"), data.pop("reason"), data.pop("version")
            return svc.transition_record(model, require_user(), record_id, action, reason, version, data)

    Collection.__name__ = f"{model.__name__}Collection"
    Item.__name__ = f"{model.__name__}Item"
    Transitions.__name__ = f"{model.__name__}Transitions"
    return noun


_record_views(requests_blp, Request, RequestInSchema, RequestPatchSchema, RequestOutSchema,
              RequestQuerySchema, "RequestPage", RequestTransitionSchema)
_record_views(offers_blp, Offer, OfferInSchema, OfferPatchSchema, OfferOutSchema, OfferQuerySchema, "OfferPage",
              OfferTransitionSchema)


@experts_blp.route("")
class Experts(MethodView):
    @experts_blp.arguments(ExpertQuerySchema, location="query")
    @experts_blp.response(200, page_schema(ExpertOutSchema, "ExpertPage"))
    def get(self, args):
        """Experts the caller may see: staff all, a centre its roster, exchange parties those engaged."""
        return page_of(svc.list_experts(require_user(), filters_from(svc.ExpertFilters, args), args["page"],
                                        args["per_page"]))

    @experts_blp.refuses(403)
    @experts_blp.arguments(ExpertInSchema)
    @experts_blp.response(201, ExpertOutSchema)
    def post(self, data):
        """Add an expert to the caller's centre roster."""
        return svc.create_expert(require_user(), data)


@experts_blp.route("/<int:expert_id>")
class ExpertItem(MethodView):
    @experts_blp.response(200, ExpertOutSchema)
    def get(self, expert_id):
        """One expert."""
        return svc.get_expert(require_user(), expert_id)

    @experts_blp.refuses(403, 409)
    @experts_blp.arguments(ExpertPatchSchema(partial=True))
    @experts_blp.response(200, ExpertOutSchema)
    def patch(self, data, expert_id):
        """Edit a roster entry."""
        version = data.pop("version", None)
        return svc.update_expert(require_user(), expert_id, data, version)
