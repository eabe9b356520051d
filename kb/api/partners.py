"""A partner's contribution offers: offered on an open exchange, accepted or declined by the secretariat."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.schemas.admin import (
    ContributionOfferInSchema,
    ContributionOfferOutSchema,
    ContributionOfferQuerySchema,
    ContributionOfferTransitionSchema,
)
from kb.schemas.common import page_schema
from kb.services import partners as svc
from kb.services.pages import filters_from

offers_blp = Blueprint("contribution_offers", __name__, url_prefix="", description="Partners' contribution offers")
BLUEPRINTS = [offers_blp]


@offers_blp.route("/exchanges/<int:exchange_id>/contribution-offers")
class ExchangeContributionOffers(MethodView):
    @offers_blp.refuses(403, 409)
    @offers_blp.arguments(ContributionOfferInSchema)
    @offers_blp.response(201, ContributionOfferOutSchema)
    def post(self, data, exchange_id):
        """A partner offers a contribution to an open exchange; the secretariat accepts or declines it."""
        return svc.offer_contribution(require_user(), exchange_id, data)


@offers_blp.route("/contribution-offers")
class ContributionOffers(MethodView):
    @offers_blp.refuses(403)
    @offers_blp.arguments(ContributionOfferQuerySchema, location="query")
    @offers_blp.response(200, page_schema(ContributionOfferOutSchema, "ContributionOfferPage"))
    def get(self, args):
        """Contribution offers (the secretariat: all; a partner: its own), oldest first (filters: status,
        exchange_id)."""
        return page_of(svc.list_offers(require_user(), filters_from(svc.OfferFilters, args), args["page"],
                                       args["per_page"]))


@offers_blp.route("/contribution-offers/<int:offer_id>")
class ContributionOfferItem(MethodView):
    @offers_blp.refuses(403)
    @offers_blp.response(200, ContributionOfferOutSchema)
    def get(self, offer_id):
        """One contribution offer."""
        return svc.get_offer(require_user(), offer_id)


@offers_blp.route("/contribution-offers/<int:offer_id>/transitions")
class ContributionOfferTransitions(MethodView):
    @offers_blp.refuses(403, 409)
    @offers_blp.arguments(ContributionOfferTransitionSchema)
    @offers_blp.response(200, ContributionOfferOutSchema)
    def post(self, data, offer_id):
        """accept or decline (secretariat; a reason to decline), withdraw (the partner)."""
        return svc.transition_offer(require_user(), offer_id, data["action"], data.get("reason"), data.get("version"))
