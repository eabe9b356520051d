"""Indicators and exports: the filter every report takes (query string), and the indicators' envelope."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from kb import data as vocabularies
from kb.schemas.common import ID, StrictSchema

SECTORS = sorted(s["code"] for s in vocabularies.load("sectors"))
MODALITIES = sorted(m["code"] for m in vocabularies.load("modalities"))
REGIONS = sorted(g["code"] for g in vocabularies.load("regional_groups"))


class IndicatorQuerySchema(StrictSchema):
    """The one filter of every indicator (docs/INDICATORS.md): period (inclusive), region, country, sector, SDG,
    modality, partner. A period ending before it starts is empty (every figure zero), not an error."""

    start = fields.Date(metadata={"description": "First day of the period (YYYY-MM-DD)"})
    end = fields.Date(metadata={"description": "Last day of the period (YYYY-MM-DD), included"})
    region = fields.Str(validate=validate.OneOf(REGIONS), metadata={"description": "A code of GET /regions"})
    country = fields.Str(validate=validate.Regexp(r"^[A-Z]{2}$"), metadata={"description": "ISO 3166-1 alpha-2"})
    sector = fields.Str(validate=validate.OneOf(SECTORS))
    sdg = fields.Int(validate=validate.Range(min=1, max=17))
    modality = fields.Str(validate=validate.OneOf(MODALITIES))
    partner = fields.Int(validate=ID, metadata={"description": "A partner organisation's id"})


_TABLE = fields.List(fields.Dict())
_MAP = fields.Dict(keys=fields.Str(), values=fields.Raw())


class IndicatorsOutSchema(Schema):
    """Every indicator under the filter; definitions in docs/INDICATORS.md."""

    filters = _MAP
    headline = _MAP
    exchanges_by_state = _MAP
    requests_by_state = _MAP
    offers_by_state = _MAP
    countries = _TABLE
    flows = _TABLE
    experts = _MAP
    participants = _MAP
    trained = _MAP
    contributions = _MAP
    pipeline = _MAP
    proposals = _MAP
    results = _MAP
    actors = _TABLE
    exposure = _MAP
    by_year = _TABLE
    by_sector = _TABLE

