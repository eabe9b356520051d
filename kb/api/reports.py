"""/indicators: every indicator under one filter (the secretariat, the admin, partners restricted to theirs)."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import require_user
from kb.schemas.reports import IndicatorQuerySchema, IndicatorsOutSchema
from kb.services import indicators

blp = Blueprint("indicators", __name__, url_prefix="/indicators", description="Indicators (docs/INDICATORS.md)")
BLUEPRINTS = [blp]


@blp.route("")
class Indicators(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.response(200, IndicatorsOutSchema)
    def get(self, args):
        """Every indicator under the filter (period, region, country, sector, sdg, modality, partner); a partner
        sees the exchanges it supports. Definitions: docs/INDICATORS.md."""
        return indicators.report(require_user(), indicators.Filters(**args))
