"""/countries, /sectors, /modalities, /sdgs, /regions and /events (the audit trail)."""
from __future__ import annotations

from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import page_of, require_user
from kb.models import SDG, Modality, RegionalGroup, Sector
from kb.schemas.common import page_schema
from kb.schemas.exchanges import (
    CountryOutSchema,
    CountryQuerySchema,
    EventOutSchema,
    EventQuerySchema,
    SdgOutSchema,
    VocabularyOutSchema,
)
from kb.services import events, reference

ref = Blueprint("reference", __name__, url_prefix="", description="Reference lists")
audit = Blueprint("events", __name__, url_prefix="/events", description="Audit trail")
BLUEPRINTS = [ref, audit]


@ref.route("/countries")
class Countries(MethodView):
    @ref.public
    @ref.arguments(CountryQuerySchema, location="query")
    @ref.response(200, CountryOutSchema(many=True))
    def get(self, args):
        """All ISO 3166 countries with names in en/es/pt/fr (filter: region)."""
        return reference.list_countries(args.get("region"))


def _vocabulary(path: str, model, schema, doc: str) -> None:
    class Vocabulary(MethodView):
        @ref.public
        @ref.response(200, schema(many=True))
        def get(self):
            return reference.list_vocabulary(model)

    Vocabulary.get.__doc__ = doc
    Vocabulary.__name__ = f"{model.__name__}List"
    ref.route(path)(Vocabulary)


_vocabulary("/sectors", Sector, VocabularyOutSchema, "Sectors with labels in four languages.")
_vocabulary("/modalities", Modality, VocabularyOutSchema, "Modalities of cooperation.")
_vocabulary("/sdgs", SDG, SdgOutSchema, "The 17 Sustainable Development Goals.")
_vocabulary("/regions", RegionalGroup, VocabularyOutSchema, "Regional groups of countries.")


@audit.route("")
class Events(MethodView):
    @audit.refuses(403)
    @audit.arguments(EventQuerySchema, location="query")
    @audit.response(200, page_schema(EventOutSchema, "EventPage"))
    def get(self, args):
        """Audit events, oldest first; filter by record_type + record_id and action."""
        return page_of(events.list_events(require_user(), args.get("record_type"), args.get("record_id"),
                                          args.get("action"), args["page"], args["per_page"]))
