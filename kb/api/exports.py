"""/exports: exchanges, requests, offers and indicator tables (CSV, XLSX), IATI 2.03 XML, SIDICSS CSV; streamed."""
from __future__ import annotations

from flask import Response, abort, stream_with_context
from flask.views import MethodView

from kb.api.blueprint import Blueprint
from kb.api.common import require_user
from kb.models import Offer, Request
from kb.schemas.reports import IndicatorQuerySchema
from kb.services import exports
from kb.services.indicators import Filters

blp = Blueprint("exports", __name__, url_prefix="/exports",
                description="Exports under the indicators' filter (docs/EXPORTS.md)")
BLUEPRINTS = [blp]
CSV = "text/csv"
FILE = {"schema": {"type": "string", "format": "binary"}}  # what the document says a file response holds
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stream(chunks, mimetype: str, filename: str) -> Response:  # type: ignore[no-untyped-def]
    return Response(stream_with_context(chunks), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/exchanges.csv")
class ExchangesCsv(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "One row per exchange (columns: docs/EXPORTS.md)", "content": {CSV: FILE}}})
    def get(self, args):
        """Exchanges: parties, contributions, activity totals and results, one row each."""
        return _stream(exports.exchanges_csv(require_user(), Filters(**args)), CSV, "kb-exchanges.csv")


@blp.route("/exchanges.xlsx")
class ExchangesXlsx(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "Sheets: exchanges, requests, offers, each indicator "
                                                      "table, data dictionary", "content": {XLSX: FILE}}})
    def get(self, args):
        """Exchanges, requests, offers and every indicator table in one workbook, with a data dictionary."""
        book = exports.workbook(require_user(), Filters(**args))

        def chunks():  # type: ignore[no-untyped-def]
            with book:
                while block := book.read(64 * 1024):
                    yield block

        resp = Response(chunks(), mimetype=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="kb-exchanges.xlsx"'})
        resp.call_on_close(book.close)  # also when the body is never read
        return resp


@blp.route("/requests.csv")
class RequestsCsv(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "One row per request", "content": {CSV: FILE}}})
    def get(self, args):
        """Requests under the filter."""
        return _stream(exports.records_csv(require_user(), Request, Filters(**args)), CSV, "kb-requests.csv")


@blp.route("/offers.csv")
class OffersCsv(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "One row per offer", "content": {CSV: FILE}}})
    def get(self, args):
        """Offers under the filter."""
        return _stream(exports.records_csv(require_user(), Offer, Filters(**args)), CSV, "kb-offers.csv")


@blp.route("/indicators/<name>.csv")
class IndicatorTableCsv(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "One indicator table (names: the keys of the XLSX's sheets)", "content": {CSV: FILE}}})
    def get(self, args, name):
        """One indicator table (headline, by_year, countries, flows, experts, participants, pipeline, ...)."""
        lines = exports.indicator_table_csv(require_user(), Filters(**args), name)
        if lines is None:
            abort(404)
        return _stream(lines, CSV, f"kb-{name}.csv")


@blp.route("/iati.xml")
class IatiXml(MethodView):
    @blp.refuses(403, 404, 409)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "IATI 2.03 activities, one per exchange", "content": {"application/xml": FILE}}})
    def get(self, args):
        """The exchanges as IATI 2.03 activities (needs KB_IATI_ORG_REF; 404 when no exchange is under the filter)."""
        return _stream(exports.iati_xml(require_user(), Filters(**args)), "application/xml", "kb-iati.xml")


@blp.route("/sidicss.csv")
class SidicssCsv(MethodView):
    @blp.refuses(403)
    @blp.arguments(IndicatorQuerySchema, location="query")
    @blp.doc(responses={"200": {"description": "SEGIB SIDICSS-shaped rows (docs/EXPORTS.md)", "content": {CSV: FILE}}})
    def get(self, args):
        """Exchanges agreed or later in the shape of SEGIB's SIDICSS."""
        return _stream(exports.sidicss_csv(require_user(), Filters(**args)), CSV, "kb-sidicss.csv")
