"""/matches and /exchanges with parties, contributions, activities and results."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.schemas.common import page_schema
from kb.schemas.exchanges import (
    ActivityInSchema,
    ActivityOutSchema,
    ContributionInSchema,
    ContributionOutSchema,
    ExchangeExpertInSchema,
    ExchangeExpertOutSchema,
    ExchangeOutSchema,
    ExchangeQuerySchema,
    ExchangeTransitionSchema,
    JoinInSchema,
    MatchInSchema,
    MatchOutSchema,
    MatchQuerySchema,
    MatchTransitionSchema,
    PartyOutSchema,
    ResultInSchema,
    ResultOutSchema,
)
from kb.services import exchanges as svc
from kb.services.pages import filters_from

matches_blp = Blueprint("matches", __name__, url_prefix="/matches", description="Matches")
exchanges_blp = Blueprint("exchanges", __name__, url_prefix="/exchanges", description="Exchanges")
BLUEPRINTS = [matches_blp, exchanges_blp]


@matches_blp.route("")
class Matches(MethodView):
    @matches_blp.arguments(MatchQuerySchema, location="query")
    @matches_blp.response(200, page_schema(MatchOutSchema, "MatchPage"))
    def get(self, args):
        """Matches the caller may see (filters: status, request_id, offer_id)."""
        return page_of(svc.list_matches(require_user(), filters_from(svc.MatchFilters, args), args["page"],
                                        args["per_page"]))

    @matches_blp.refuses(403, 409)
    @matches_blp.arguments(MatchInSchema)
    @matches_blp.response(201, MatchOutSchema)
    def post(self, data):
        """Propose a match: the secretariat, or a centre for its own offer (expressing interest)."""
        return svc.propose_match(require_user(), data["request_id"], data["offer_id"], data["note"],
                                 data["from_suggestion"])


@matches_blp.route("/<int:match_id>")
class MatchItem(MethodView):
    @matches_blp.response(200, MatchOutSchema)
    def get(self, match_id):
        """One match."""
        return svc.get_match(require_user(), match_id)


@matches_blp.route("/<int:match_id>/transitions")
class MatchTransitions(MethodView):
    @matches_blp.refuses(403, 409)
    @matches_blp.arguments(MatchTransitionSchema)
    @matches_blp.response(200, MatchOutSchema)
    def post(self, data, match_id):
        """accept / decline (requester or provider), approve / reject (secretariat)."""
        return svc.transition_match(require_user(), match_id, data["action"], data["reason"],
                                               data["version"])


@exchanges_blp.route("")
class Exchanges(MethodView):
    @exchanges_blp.arguments(ExchangeQuerySchema, location="query")
    @exchanges_blp.response(200, page_schema(ExchangeOutSchema, "ExchangePage"))
    def get(self, args):
        """Exchanges the caller may see (filters: status, organisation_id)."""
        return page_of(svc.list_exchanges(require_user(), filters_from(svc.ExchangeFilters, args), args["page"],
                                          args["per_page"]))


@exchanges_blp.route("/<int:exchange_id>")
class ExchangeItem(MethodView):
    @exchanges_blp.response(200, ExchangeOutSchema)
    def get(self, exchange_id):
        """One exchange with parties, contributions, activities and results."""
        return svc.get_exchange(require_user(), exchange_id)


@exchanges_blp.route("/<int:exchange_id>/transitions")
class ExchangeTransitions(MethodView):
    @exchanges_blp.refuses(403, 409)
    @exchanges_blp.arguments(ExchangeTransitionSchema)
    @exchanges_blp.response(200, ExchangeOutSchema)
    def post(self, data, exchange_id):
        """agree (agreement_ref), start, complete (completion_report), evaluate, close, cancel (reason)."""
        action, reason, version = data.pop("action"), data.pop("reason"), data.pop("version")
        return svc.transition_exchange(require_user(), exchange_id, action, reason, version, data)


@exchanges_blp.route("/<int:exchange_id>/parties")
class ExchangeParties(MethodView):
    @exchanges_blp.response(200, PartyOutSchema(many=True))
    def get(self, exchange_id):
        """Parties and their contributions."""
        return svc.get_exchange(require_user(), exchange_id).parties

    @exchanges_blp.refuses(403, 409)
    @exchanges_blp.arguments(JoinInSchema)
    @exchanges_blp.response(201, PartyOutSchema)
    def post(self, data, exchange_id):
        """Join as co-financing partner with a declared contribution."""
        return svc.join_exchange(require_user(), exchange_id, data["contribution"], data.get("organisation_id"))


@exchanges_blp.route("/<int:exchange_id>/contributions")
class ExchangeContributions(MethodView):
    @exchanges_blp.refuses(403, 409)
    @exchanges_blp.arguments(ContributionInSchema)
    @exchanges_blp.response(201, ContributionOutSchema)
    def post(self, data, exchange_id):
        """Declare a contribution for the caller's party (the secretariat: any party_id)."""
        return svc.add_contribution(require_user(), exchange_id, data)


@exchanges_blp.route("/<int:exchange_id>/activities")
class ExchangeActivities(MethodView):
    @exchanges_blp.response(200, ActivityOutSchema(many=True))
    def get(self, exchange_id):
        """Activities of the exchange."""
        return svc.get_exchange(require_user(), exchange_id).activities

    @exchanges_blp.refuses(403, 409)
    @exchanges_blp.arguments(ActivityInSchema)
    @exchanges_blp.response(201, ActivityOutSchema)
    def post(self, data, exchange_id):
        """Report an activity (secretariat or provider; exchange in progress or completed)."""
        return svc.add_activity(require_user(), exchange_id, data)


@exchanges_blp.route("/<int:exchange_id>/experts")
class ExchangeExperts(MethodView):
    @exchanges_blp.response(200, ExchangeExpertOutSchema(many=True))
    def get(self, exchange_id):
        """Roster experts who took part, with their expert-days."""
        return svc.get_exchange(require_user(), exchange_id).experts

    @exchanges_blp.refuses(403, 409)
    @exchanges_blp.arguments(ExchangeExpertInSchema)
    @exchanges_blp.response(201, ExchangeExpertOutSchema)
    def post(self, data, exchange_id):
        """Record an expert of the provider's roster on the exchange (secretariat or provider)."""
        return svc.add_expert(require_user(), exchange_id, data)


@exchanges_blp.route("/<int:exchange_id>/results")
class ExchangeResults(MethodView):
    @exchanges_blp.response(200, ResultOutSchema(many=True))
    def get(self, exchange_id):
        """Results and feedback of the exchange."""
        return svc.get_exchange(require_user(), exchange_id).results

    @exchanges_blp.refuses(403, 409)
    @exchanges_blp.arguments(ResultInSchema)
    @exchanges_blp.response(201, ResultOutSchema)
    def post(self, data, exchange_id):
        """Report results or feedback (any party or the secretariat)."""
        return svc.add_result(require_user(), exchange_id, data)
